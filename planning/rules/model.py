"""The ruleset (规则集) after inheritance, with the accessors the audit uses.

A :class:`Ruleset` holds the records of :mod:`planning.rules.records` (documents, parameters,
rules) as :mod:`planning.rules.loader` resolved them, and answers the audit's questions: which
floor-area or land rule applies to an estate status, whether it may share (调剂), which
service-circle tiers to draw and how far each reaches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from planning._errors import RulesetError
from planning.rules.records import (
    ESTATE_STATUSES,
    KIND_UNITS,
    KINDS,
    CircleMeasure,
    Document,
    Parameters,
    ParamValue,
    Rule,
    SharingPolicy,
    Tier,
)


@dataclass(frozen=True)
class Ruleset:
    """A jurisdiction's rules after inheritance was resolved (规则集).

    Parameters
    ----------
    id : str
        Preset id (``national``, ``shuangyashan`` …) or the id of a user file.
    name_zh, name_en : str
        Names.
    level : str
        One of :data:`~planning.rules.records.RULESET_LEVELS`.
    inherits : str or None
        Id of the parent ruleset.
    documents : tuple of Document
        Documents of the whole inheritance chain (parents first).
    parameters : Parameters
        Measurement parameters after inheritance.
    rules : tuple of Rule
        Rules after inheritance (parents' order, new rules appended).
    aliases : tuple of str
        Other names accepted for the id (Chinese names, pinyin).
    chain : tuple of str
        Ids from this ruleset up to the root, e.g. ``("daye", "national")``.
    source : str
        File the ruleset was read from.
    verdicts : {"all", "verified", "own_plan"}
        Which rules give a verdict (:mod:`planning.rules.verdicts`); inherited by child files.
    """

    id: str
    name_zh: str
    name_en: str
    level: str
    inherits: str | None
    documents: tuple[Document, ...]
    parameters: Parameters
    rules: tuple[Rule, ...]
    aliases: tuple[str, ...] = ()
    chain: tuple[str, ...] = ()
    source: str = ""
    verdicts: str = "all"

    def rule(self, rule_id: str) -> Rule:
        """Return the rule with this id.

        Raises
        ------
        RulesetError
            If the ruleset has no such rule.
        """
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        known = ", ".join(r.id for r in self.rules)
        raise RulesetError(
            f"Ruleset '{self.id}' ({self.name_zh}) has no rule '{rule_id}'. Rules: {known}."
        )

    def rules_of_kind(self, kind: str) -> list[Rule]:
        """Return the rules of one kind, in ruleset order.

        Raises
        ------
        RulesetError
            If ``kind`` is not in :data:`~planning.rules.records.KINDS`.
        """
        if kind not in KIND_UNITS:
            raise RulesetError(f"Unknown rule kind '{kind}'. Use one of: {', '.join(KINDS)}.")
        return [rule for rule in self.rules if rule.kind == kind]

    def document(self, reference: str) -> Document | None:
        """Return the document whose number or id is ``reference`` (``None`` if absent)."""
        for doc in self.documents:
            if reference in (doc.number, doc.id):
                return doc
        return None

    def _status_rule(self, kind: str, status: str) -> Rule | None:
        if status not in ESTATE_STATUSES:
            raise RulesetError(
                f"Estate status '{status}' is not one of {', '.join(ESTATE_STATUSES)} "
                "(新建 new / 已建成 existing)."
            )
        candidates = self.rules_of_kind(kind)
        for rule in candidates:
            if rule.applies_to == status:
                return rule
        for rule in candidates:
            if rule.applies_to == "any":
                return rule
        return None

    def floor_area_rule(self, status: str) -> Rule | None:
        """Return the per-100-household floor-area rule (每百户配建面积) for an estate status.

        A rule for exactly ``status`` wins over one that applies to ``any``; ``None`` when the
        ruleset has no such rule.
        """
        return self._status_rule("floor_area_per_households", status)

    def land_rule(self, status: str) -> Rule | None:
        """Return the per-capita land rule (人均用地) for an estate status, or ``None``."""
        return self._status_rule("land_per_capita", status)

    def sharing_policy(self, status: str) -> SharingPolicy:
        """Return whether an estate of this status may count shared facilities (调剂), and how far.

        The floor-area rule's ``params`` (``sharing_allowed``, ``sharing_distance_m``) win over
        :attr:`parameters`; new estates may not share unless their rule says so.
        """
        rule = self.floor_area_rule(status)
        params: Mapping[str, ParamValue] = rule.params if rule is not None else {}
        default_allowed = (
            self.parameters.sharing_allowed_existing if status == "existing" else False
        )
        allowed = bool(params.get("sharing_allowed", default_allowed))
        distance = params.get("sharing_distance_m", self.parameters.sharing_distance_m)
        return SharingPolicy(allowed=allowed, distance_m=float(distance))  # type: ignore[arg-type]

    def circle_tiers(self) -> list[Tier]:
        """Return the service-circle tiers (5/10/15-minute) sorted by distance."""
        tiers = []
        for rule in self.rules_of_kind("service_circle"):
            zone = rule.params.get("zone")
            tiers.append(
                Tier(
                    name=str(rule.params["tier"]),
                    minutes=float(rule.params["minutes"]),  # type: ignore[arg-type]
                    distance_m=float(rule.params["distance_m"]),  # type: ignore[arg-type]
                    facility_kinds=rule.facility_kinds,
                    rule_id=rule.id,
                    target_pct=None if rule.report_only else rule.minimum,
                    zone=None if zone is None else str(zone),
                )
            )
        return sorted(tiers, key=lambda t: (t.distance_m, t.minutes))

    def circle_distance_m(
        self,
        tier: Tier | str,
        measure: CircleMeasure | None = None,
        walk_speed: float | None = None,
    ) -> float:
        """Return the walking-distance limit (m) of a tier.

        Parameters
        ----------
        tier : Tier or str
            A tier or its name (``15min``).
        measure : {"distance", "time"}, optional
            ``distance``: the tier's metres (GB 50180-2018). ``time``: minutes × 60 × walking
            speed × ``winter_speed_factor``. Defaults to ``parameters.circle_measure``.
        walk_speed : float, optional
            Walking speed (m/s) for ``time``; defaults to ``parameters.walk_speed_m_per_s``.

        Returns
        -------
        float
            Distance limit in metres.
        """
        if isinstance(tier, str):
            matches = [t for t in self.circle_tiers() if t.name == tier]
            if not matches:
                names = ", ".join(t.name for t in self.circle_tiers())
                raise RulesetError(
                    f"Ruleset '{self.id}' has no service-circle tier '{tier}'. Tiers: {names}."
                )
            tier = matches[0]
        chosen = measure or self.parameters.circle_measure
        if chosen == "distance":
            return tier.distance_m
        if chosen != "time":
            raise RulesetError(f"Circle measure '{chosen}' is not 'distance' or 'time'.")
        speed = self.parameters.walk_speed_m_per_s if walk_speed is None else walk_speed
        if not speed > 0:
            raise RulesetError(f"Walking speed must be positive (m/s), got {speed}.")
        return tier.minutes * 60.0 * speed * self.parameters.winter_speed_factor

    @property
    def judged(self) -> tuple[Rule, ...]:
        """Rules that give a pass/fail verdict (达标/不达标)."""
        return tuple(rule for rule in self.rules if rule.judges)

    @property
    def reported(self) -> tuple[Rule, ...]:
        """Rules that only report their figure; :attr:`Rule.basis` says why."""
        return tuple(rule for rule in self.rules if not rule.judges)

    @property
    def drafts(self) -> tuple[Document, ...]:
        """Documents of the chain that are drafts (送审稿 / 征求意见稿)."""
        return tuple(doc for doc in self.documents if doc.is_draft)
