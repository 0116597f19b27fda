"""Vocabularies and records of jurisdiction rulesets (规则集): documents, citations, rules, tiers.

Everything here is a frozen dataclass built by :mod:`planning.rules.loader`; nothing in this module
reads files. The fixed vocabularies (rule kinds, units, evidence levels, facility kinds, document
statuses) are defined here so that the loader, the formatter and the analysis modules share them;
facility kinds, units and evidence levels come from :mod:`planning.vocabulary`. The
:class:`~planning.rules.model.Ruleset` that holds these records is in :mod:`planning.rules.model`.

Evidence levels (证据等级):

``plan``
    quoted verbatim from one of the local implementation plans (实施方案原文);
``found``
    found in a named public source but not in a plan (公开资料);
``memory``
    recalled, not verified (未核实); reports must flag rules resting on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from planning import vocabulary

Evidence = Literal["plan", "found", "memory"]
ParameterEvidence = Literal["plan", "found", "memory", "assumption"]
AppliesTo = Literal["new", "existing", "any"]
CircleMeasure = Literal["distance", "time"]
ParamValue = str | int | float | bool | tuple[str | int | float | bool, ...]

#: Evidence levels of a rule citation, strongest first.
EVIDENCE_LEVELS: tuple[str, ...] = tuple(vocabulary.EVIDENCE_LEVELS)

#: Evidence levels of a parameter source; ``assumption`` marks a modelling choice of this tool.
PARAMETER_EVIDENCE_LEVELS: tuple[str, ...] = (*EVIDENCE_LEVELS, "assumption")

#: Units of rule thresholds (:data:`planning.vocabulary.UNITS`; ``pct_estates`` is for results).
UNITS: tuple[str, ...] = tuple(u for u in vocabulary.UNITS if u != "pct_estates")

#: Rule kinds and the unit each kind's threshold is expressed in.
KIND_UNITS: Mapping[str, str] = MappingProxyType(
    {
        "floor_area_per_households": "m2_per_100hh",  # 每百户配建面积
        "land_per_capita": "m2_per_person",  # 人均用地
        "service_circle": "pct",  # 生活圈 / 养老服务圈 coverage share
        "admin_unit_coverage": "pct",  # 街道/乡镇 建有率
        "count_per_admin_unit": "count",  # 每县至少 n 所
        "attribute_share": "pct",  # 护理型床位占比 …
        "staff_ratio": "ratio",  # 养护比例
        "per_thousand_elderly": "per_1000_elderly",  # 每千名老年人 …
        "presence_per_admin_unit": "pct",  # 乡（镇）有“院”、村有“点”: share of units with one
        "min_site_floor_m2": "m2",  # 单处建筑面积不少于 350 ㎡
        "tier_completeness": "count",  # 县、乡、村三级养老服务网络: tiers present per county
    }
)

#: Rule kinds (fixed vocabulary).
KINDS: tuple[str, ...] = tuple(KIND_UNITS)

#: Facility kinds of the canonical facilities layer (:data:`planning.vocabulary.FACILITY_KINDS`).
FACILITY_KINDS: tuple[str, ...] = tuple(vocabulary.FACILITY_KINDS)

#: Values of :attr:`Rule.applies_to`.
APPLIES_TO: tuple[str, ...] = ("new", "existing", "any")

#: Admin-unit levels a rule can count over (``params.level``): 县/区, 街道, 乡镇, 村, 社区, or
#: the whole district (``district``: the study area as one unit).
UNIT_LEVELS: tuple[str, ...] = ("county", "street", "township", "village", "community", "district")

#: Facility attributes a rule can select on (``[rules.select]``), see :mod:`planning.io.attributes`.
SELECT_FIELDS: tuple[str, ...] = (
    "ownership",
    "serves_tekun",
    "medical_care",
    "level",
    "role",
    "meal_service",
)

#: How a ruleset file decides which rules give a verdict (``verdicts = …``), see
#: :func:`planning.rules.model.rule_basis`: ``all`` rules with a figure; ``verified`` not those
#: resting on memory; ``own_plan`` only figures in the jurisdiction's plan or a national
#: standard (inherited defaults then only report).
VERDICT_POLICIES: tuple[str, ...] = ("all", "verified", "own_plan")

#: Why a rule judges or reports (:data:`planning.vocabulary.RULE_BASES`); these ones judge.
JUDGING_BASES: frozenset[str] = frozenset({"plan", "standard", "public_source", "memory"})

#: Administrative levels of a ruleset.
RULESET_LEVELS: tuple[str, ...] = ("national", "province", "prefecture", "county", "district")

#: Document statuses with Chinese labels. Drafts are never in force.
DOCUMENT_STATUSES: Mapping[str, str] = MappingProxyType(
    {
        "in_force": "现行有效",
        "draft_for_approval": "送审稿（草案，未生效）",
        "draft_for_comment": "征求意见稿（草案，未生效）",
        "standard": "国家标准",
        "secondary_source": "二手资料转述",
        "unverified": "出处未核实",
    }
)

#: Statuses that mark a document as a draft (草案).
DRAFT_STATUSES: frozenset[str] = frozenset({"draft_for_approval", "draft_for_comment"})

#: Estate statuses accepted by :meth:`~planning.rules.model.Ruleset.floor_area_rule` and
#: :meth:`~planning.rules.model.Ruleset.land_rule`.
ESTATE_STATUSES: tuple[str, ...] = ("new", "existing")


@dataclass(frozen=True)
class Document:
    """A policy document or standard cited by a ruleset (政策文件).

    Parameters
    ----------
    id : str
        Short identifier used inside ruleset files.
    number : str
        Document number (文号), e.g. ``双政办规〔2024〕3号``; for a document without one (a draft,
        a standard, a secondary report) a short label. Citations name documents by this value
        (or by ``id``).
    title : str
        Full title.
    date : str
        ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; empty when undated.
    status : str
        One of :data:`DOCUMENT_STATUSES`; drafts (送审稿, 征求意见稿) are marked as such.
    note : str
        Free remarks (parent document, where it was found, what is not verified).
    """

    id: str
    number: str
    title: str
    date: str
    status: str
    note: str = ""

    @property
    def is_draft(self) -> bool:
        """Whether the document is a draft (送审稿 / 征求意见稿) and therefore not in force."""
        return self.status in DRAFT_STATUSES

    @property
    def status_zh(self) -> str:
        """Chinese label of :attr:`status`."""
        return DOCUMENT_STATUSES.get(self.status, self.status)


@dataclass(frozen=True)
class Citation:
    """Where a rule comes from (出处).

    Parameters
    ----------
    document : str
        Document number (文号) or label of a :class:`Document` declared in the ruleset chain.
    article : str
        Article or section as numbered in the text, e.g. ``二、（五）19``.
    quote_zh : str
        The Chinese wording. Verbatim for ``plan`` evidence; for ``found``/``memory`` evidence the
        best known wording, and :attr:`note` says how reliable it is.
    evidence : {"plan", "found", "memory"}
        Evidence level; ``memory`` means unverified and is flagged in every report.
    note : str
        Source of non-plan evidence, interpretation, caveats.
    """

    document: str
    article: str
    quote_zh: str
    evidence: Evidence
    note: str = ""

    @property
    def unverified(self) -> bool:
        """Whether the citation rests on memory only (未核实)."""
        return self.evidence == "memory"


@dataclass(frozen=True)
class ParameterSource:
    """Why a parameter has its value.

    Parameters
    ----------
    document : str
        Source (document number, standard, study or ``rules-extract.md`` section).
    evidence : {"plan", "found", "memory", "assumption"}
        ``assumption`` marks a modelling choice of this tool, explained in :attr:`note`.
    note : str
        Explanation.
    quote_zh : str
        Chinese wording when the source is a Chinese text (verbatim for ``plan``).
    article : str
        Article or section, when known.
    """

    document: str
    evidence: ParameterEvidence
    note: str = ""
    quote_zh: str = ""
    article: str = ""


@dataclass(frozen=True)
class Parameters:
    """Measurement parameters of a ruleset (测度参数).

    Parameters
    ----------
    walk_speed_m_per_s : float
        Elderly walking speed used for time-based circles (m/s).
    walk_speed_sensitivity : tuple of float
        Speeds (m/s) for the sensitivity analysis.
    circle_measure : {"distance", "time"}
        Default measure of service circles: ``distance`` uses the tier's metres (GB 50180-2018),
        ``time`` uses minutes × 60 × walking speed.
    persons_per_household : float
        Residents per household used when an estate has no population (户均人口).
    new_estate_cutoff_year : int
        Estates built in or after this year count as ``new`` when their status is missing.
    sharing_allowed_existing : bool
        Whether existing estates may meet the floor-area standard with facilities shared with
        neighbouring estates (调剂 / 统筹).
    sharing_distance_m : float
        Walking distance (m) within which a shared facility may count for an existing estate.
    winter_speed_factor : float
        Multiplier on the walking speed for winter conditions (1.0 = no adjustment).
    sources : Mapping[str, ParameterSource]
        Source of each parameter, keyed by field name.
    """

    walk_speed_m_per_s: float
    walk_speed_sensitivity: tuple[float, ...]
    circle_measure: CircleMeasure
    persons_per_household: float
    new_estate_cutoff_year: int
    sharing_allowed_existing: bool
    sharing_distance_m: float
    winter_speed_factor: float
    sources: Mapping[str, ParameterSource] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )


#: Names of the value fields of :class:`Parameters` (everything except ``sources``).
PARAMETER_NAMES: tuple[str, ...] = (
    "walk_speed_m_per_s",
    "walk_speed_sensitivity",
    "circle_measure",
    "persons_per_household",
    "new_estate_cutoff_year",
    "sharing_allowed_existing",
    "sharing_distance_m",
    "winter_speed_factor",
)


@dataclass(frozen=True)
class Rule:
    """One checkable rule (规则).

    Parameters
    ----------
    id : str
        Identifier, unique within a ruleset; a child ruleset overrides a parent's rule by id.
    kind : str
        One of :data:`KINDS`.
    title_zh, title_en : str
        Titles.
    unit : str
        One of :data:`UNITS`; must match the kind (:data:`KIND_UNITS`).
    minimum : float or None
        Threshold the value must reach (``None`` for report-only rules without a number).
    target_max : float or None
        Upper guide value (e.g. 双鸭山 20–30 m²/100 hh: 30); not a limit.
    applies_to : {"new", "existing", "any"}
        Estate status the rule applies to.
    facility_kinds : tuple of str
        Facility kinds that count towards the rule.
    citation : Citation
        Source of the rule.
    params : Mapping
        Rule-specific extras, e.g. ``tier``/``minutes``/``distance_m`` for service circles,
        ``level`` (``street``/``county``) for admin-unit rules, ``sharing_allowed``,
        ``evaluable`` (``False`` when the data model has no field to evaluate the rule).
    report_only : bool
        The rule is reported but no pass/fail verdict is given: no threshold in the plan, no
        data to evaluate it, or a figure the jurisdiction's plan does not state (see
        :attr:`basis`). Set by the loader from ``report_only`` in the files and the ruleset's
        ``verdicts`` policy.
    origin : str
        Id of the ruleset (or file) that last defined or overrode this rule.
    select : Mapping
        Facility attributes a counted facility must have (``[rules.select]``), e.g.
        ``{"serves_tekun": True, "level": "county"}``; values may be lists of accepted codes.
    basis : str
        Why the rule judges or only reports, a key of :data:`planning.vocabulary.RULE_BASES`
        (``plan``, ``not_in_plan``, ``unverified`` …).
    report_only_given : bool or None
        What the files said about ``report_only`` (``None`` when none said), so a child ruleset
        can re-apply its own policy.
    """

    id: str
    kind: str
    title_zh: str
    title_en: str
    unit: str
    minimum: float | None
    target_max: float | None
    applies_to: AppliesTo
    facility_kinds: tuple[str, ...]
    citation: Citation
    params: Mapping[str, ParamValue] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    report_only: bool = False
    origin: str = ""
    select: Mapping[str, ParamValue] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    basis: str = ""
    report_only_given: bool | None = None

    @property
    def evaluable(self) -> bool:
        """Whether the canonical data model has the fields needed to evaluate this rule."""
        return bool(self.params.get("evaluable", True))

    @property
    def judges(self) -> bool:
        """Whether the rule gives a pass/fail verdict (达标/不达标) rather than only its figure."""
        return not self.report_only and self.minimum is not None

    @property
    def zone(self) -> tuple[str, ...]:
        """The planning zones (规划分区) the rule is limited to; empty for the whole area."""
        value = self.params.get("zone")
        if value is None:
            return ()
        return tuple(str(v) for v in value) if isinstance(value, tuple) else (str(value),)


@dataclass(frozen=True)
class Tier:
    """One service-circle tier (生活圈层级), derived from a ``service_circle`` rule.

    Parameters
    ----------
    name : str
        ``5min``, ``10min`` or ``15min``.
    minutes : float
        Walking time of the tier.
    distance_m : float
        Walking distance of the tier after GB 50180-2018 (300/500/1000 m).
    facility_kinds : tuple of str
        Facility kinds that serve this tier.
    rule_id : str
        Id of the rule the tier comes from.
    target_pct : float or None
        Required coverage share (%), ``None`` when the tier is report-only.
    zone : str or None
        Zone the target is limited to (e.g. ``main_urban_area`` 主城区), when the plan says so.
    """

    name: str
    minutes: float
    distance_m: float
    facility_kinds: tuple[str, ...]
    rule_id: str
    target_pct: float | None
    zone: str | None = None


@dataclass(frozen=True)
class SharingPolicy:
    """Whether and how far an estate may count facilities of other estates (调剂)."""

    allowed: bool
    distance_m: float
