"""Verdicts of the new-estate review (新建小区养老服务设施配建审查).

For every proposed estate (拟建小区) :func:`review_estates` decides, against a ruleset:

* floor area (每百户配建面积): required = households × rate / 100 for the estate's status, versus
  the planned elderly-service floor area (规划养老服务用房面积), and the missing m²;
* land per resident (人均用地), where the ruleset has such a rule: residents = population, or
  households × ``parameters.persons_per_household``; required land = residents × threshold;
* the nearest facility of every service-circle tier (生活圈) on the walking network, with the
  walking distance, the traced route and whether the estate would be covered;
* whether the new households push a shared community facility within the sharing distance
  (共享设施, ``parameters.sharing_distance_m``) below its per-100-household ratio.

Everything is computed in the network's metric CRS; :mod:`planning.review.output` and
:mod:`planning.review.sheet` write the results.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning import network
from planning._options import check_bool, check_choice, check_number
from planning.analysis.origins import estate_origins
from planning.network.paths import group_min
from planning.network.route import Route, RouteTracer
from planning.review.common import Verdict, citation_dict
from planning.review.sharing import SharingCheck, SharingContext
from planning.rules import Rule, Ruleset

logger = logging.getLogger(__name__)

Measure = Literal["distance", "time"]

#: Nearest facilities are searched this many times the largest tier distance (at least 3 km).
SEARCH_FACTOR = 3.0
MIN_SEARCH_M = 3000.0


@dataclass(frozen=True)
class ReviewOptions:
    """Choices that change the figures, checked when made.

    Attributes
    ----------
    walk_speed_m_per_s : float or None
        Walking speed for time-based circles (m/s; ruleset default when None).
    measure : {"distance", "time"} or None
        Circle measure (ruleset default when None).
    include_planned : bool
        Count planned facilities (规划设施) as nearest facilities and as shared facilities.
    search_m : float or None
        Longest walk searched for a nearest facility; 3 × the largest tier (≥ 3 km) when None.
    max_snap_m : float or None
        Longest connector to the network (m); ``planning.settings.max_snap_m`` when None.
    """

    walk_speed_m_per_s: float | None = None
    measure: Measure | None = None
    include_planned: bool = False
    search_m: float | None = None
    max_snap_m: float | None = None

    def __post_init__(self) -> None:
        check_choice("measure", self.measure, (None, *get_args(Measure)))
        check_bool("include_planned", self.include_planned)
        for name, high, unit in (
            ("walk_speed_m_per_s", 3.0, " m/s"),
            ("search_m", math.inf, " m"),
            ("max_snap_m", math.inf, " m"),
        ):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, check_number(name, value, high=high, unit=unit))


@dataclass
class RuleVerdict:
    """A floor-area or land verdict (or the sharing check) of one estate."""

    rule_id: str
    kind: str
    title_zh: str
    title_en: str
    verdict: Verdict
    required: float | None
    planned: float | None
    missing: float | None
    unit: str
    rate: float | None
    rate_unit: str
    citation: dict[str, str]
    note: str = ""


@dataclass
class TierVerdict:
    """Nearest facility of one service-circle tier (生活圈层级)."""

    tier: str
    rule_id: str
    minutes: float
    distance_m: float
    facility_kinds: tuple[str, ...]
    facility_id: str | None
    facility_name: str | None
    facility_kind: str | None
    walk_m: float | None
    straight_m: float | None
    covered: bool
    verdict: Verdict
    route: shapely.LineString | None
    gate_id: str | None
    citation: dict[str, str]
    note: str = ""
    straight_nearest_id: str | None = None
    straight_nearest_m: float | None = None


@dataclass
class EstateReview:
    """Everything decided for one proposed estate."""

    estate_id: str
    name: str
    households: int
    status: str
    population: float | None
    residents: float
    planned_floor_m2: float
    planned_land_m2: float | None
    geometry: Any
    origins: gpd.GeoDataFrame
    reachable: bool
    rules: list[RuleVerdict]
    tiers: list[TierVerdict]
    sharing: SharingCheck

    @property
    def verdicts(self) -> list[Verdict]:
        """All verdicts (rules, tiers, sharing) in sheet order."""
        return (
            [r.verdict for r in self.rules]
            + [t.verdict for t in self.tiers]
            + [self.sharing.verdict]
        )

    @property
    def overall(self) -> Verdict:
        """``fail`` when any verdict fails, else ``pass`` when any passes, else ``report``."""
        v = self.verdicts
        if "fail" in v:
            return "fail"
        return "pass" if "pass" in v else "report"


@dataclass
class ReviewOutcome:
    """The review of one or more proposed estates."""

    ruleset: Ruleset
    options: ReviewOptions
    estates: list[EstateReview]
    facilities: gpd.GeoDataFrame
    existing: gpd.GeoDataFrame | None
    crs: Any
    parameters: dict[str, Any] = field(default_factory=dict)


def _judge(rule: Rule, required: float, planned: float | None) -> Verdict:
    if rule.report_only or rule.minimum is None or planned is None:
        return "report"
    return "pass" if planned >= required - 1e-9 else "fail"


def floor_area_verdict(
    ruleset: Ruleset, status: str, households: int, planned_m2: float
) -> RuleVerdict | None:
    """Floor area required (户数 × 标准 / 100) versus planned.

    Parameters
    ----------
    ruleset : Ruleset
        The jurisdiction's rules.
    status : {"new", "existing"}
        Estate status (建设状态).
    households : int
        Households (户数).
    planned_m2 : float
        Planned elderly-service floor area (规划养老服务用房面积, m²).

    Returns
    -------
    RuleVerdict or None
        None when the ruleset has no floor-area rule for this status.
    """
    rule = ruleset.floor_area_rule(status)
    if rule is None:
        return None
    rate = rule.minimum
    required = households * rate / 100.0 if rate is not None else float("nan")
    verdict = _judge(rule, required, planned_m2)
    missing = max(0.0, required - planned_m2) if rate is not None else None
    return RuleVerdict(
        rule.id,
        rule.kind,
        rule.title_zh,
        rule.title_en,
        verdict,
        round(required, 2) if rate is not None else None,
        round(planned_m2, 2),
        round(missing, 2) if missing is not None else None,
        "m2",
        rate,
        rule.unit,
        citation_dict(rule),
        f"{households} 户 × {rate:g} m²/百户 ÷ 100" if rate is not None else "",
    )


def land_verdict(
    ruleset: Ruleset, status: str, residents: float, planned_m2: float | None, source: str
) -> RuleVerdict | None:
    """Land required (居住人口 × 人均用地) versus planned land; None without a land rule."""
    rule = ruleset.land_rule(status)
    if rule is None:
        return None
    rate = rule.minimum
    required = residents * rate if rate is not None else float("nan")
    verdict = _judge(rule, required, planned_m2)
    missing = (
        max(0.0, required - planned_m2) if rate is not None and planned_m2 is not None else None
    )
    note = f"{residents:g} 人（{source}）× {rate:g} m²/人" if rate is not None else ""
    if planned_m2 is None:
        # The note goes into the sheet handed to an applicant: it names data, not options.
        note += "；未给出规划养老服务用地面积，仅报告 no planned land given"
    return RuleVerdict(
        rule.id,
        rule.kind,
        rule.title_zh,
        rule.title_en,
        verdict,
        round(required, 2) if rate is not None else None,
        None if planned_m2 is None else round(planned_m2, 2),
        None if missing is None else round(missing, 2),
        "m2",
        rate,
        rule.unit,
        citation_dict(rule),
        note,
    )


def _tier_specs(ruleset: Ruleset, options: ReviewOptions) -> list[tuple[Any, float, Rule]]:
    out = []
    for tier in ruleset.circle_tiers():
        limit = ruleset.circle_distance_m(
            tier,
            measure=options.measure,
            walk_speed=options.walk_speed_m_per_s,
        )
        out.append((tier, float(limit), ruleset.rule(tier.rule_id)))
    return out


def _active(facilities: gpd.GeoDataFrame, options: ReviewOptions) -> np.ndarray:
    if not len(facilities):
        return np.zeros(0, dtype=bool)
    if options.include_planned:
        return np.ones(len(facilities), dtype=bool)
    return facilities["status"].eq("existing").to_numpy()


def review_estates(
    proposals: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    ruleset: Ruleset,
    net: network.WalkNetwork,
    *,
    gates: gpd.GeoDataFrame | None = None,
    existing: gpd.GeoDataFrame | None = None,
    options: ReviewOptions | None = None,
) -> ReviewOutcome:
    """Review proposed estates against a ruleset on a walking network.

    Parameters
    ----------
    proposals : GeoDataFrame
        One row per proposed estate, in the network CRS, with ``estate_id``, ``name``,
        ``households`` (int), ``status`` (new/existing), ``population`` (NaN if unknown),
        ``planned_floor_m2`` and ``planned_land_m2`` (NaN if not given).
    facilities : GeoDataFrame
        Canonical facilities layer (养老服务设施) in the network CRS.
    ruleset : Ruleset
        The jurisdiction's rules.
    net : WalkNetwork
        The walking network.
    gates : GeoDataFrame, optional
        Gates (出入口) with ``gate_id`` and ``estate_id``, of the proposals and of existing estates.
    existing : GeoDataFrame, optional
        Existing estates (``estate_id``, ``households``) for the shared-facility check.
    options : ReviewOptions, optional
        Walking speed, measure, planned facilities.

    Returns
    -------
    ReviewOutcome
    """
    options = options or ReviewOptions()
    params = ruleset.parameters
    proposals = proposals.reset_index(drop=True)
    facilities = facilities.reset_index(drop=True)
    tiers = _tier_specs(ruleset, options)
    largest = max((t[1] for t in tiers), default=1000.0)
    search = options.search_m or max(SEARCH_FACTOR * largest, MIN_SEARCH_M)
    origins, groups = estate_origins(proposals, gates)
    o_snap = network.snap(net, origins.geometry, options.max_snap_m)
    f_snap = network.snap(net, facilities.geometry, options.max_snap_m)
    active = _active(facilities, options) & f_snap.ok
    tracer = RouteTracer(net)
    tier_hits = []
    for tier, _limit, _rule in tiers:
        mask = facilities["kind"].isin(tier.facility_kinds).to_numpy() & active
        dist, target = network.nearest(net, o_snap, f_snap, search, target_mask=mask)
        best, gate = group_min(dist, groups, len(proposals), return_argmin=True)
        tier_hits.append((best, gate, target))
    sharing_ctx = SharingContext.build(
        ruleset,
        net,
        facilities,
        f_snap,
        active,
        existing,
        gates,
        o_snap,
        groups,
        proposals,
        options.max_snap_m,
    )
    reviews = []
    for row in range(len(proposals)):
        p = proposals.iloc[row]
        households = int(p["households"])
        status = str(p["status"])
        pop = p.get("population")
        pop = float(pop) if pop is not None and pd.notna(pop) else None
        pph = float(params.persons_per_household)
        residents = pop if pop is not None else households * pph
        source = "人口 population" if pop is not None else f"{households} 户 × {pph:g} 人/户"
        land = p.get("planned_land_m2")
        land = float(land) if land is not None and pd.notna(land) else None
        rules = [
            v
            for v in (
                floor_area_verdict(ruleset, status, households, float(p["planned_floor_m2"])),
                land_verdict(ruleset, status, residents, land, source),
            )
            if v is not None
        ]
        mine = np.flatnonzero(groups == row)
        tier_verdicts = []
        for (tier, limit, rule), (best, gate, target) in zip(tiers, tier_hits, strict=True):
            verdict = _tier_verdict(
                tier, limit, rule, float(best[row]), int(gate[row]), target, origins,
                o_snap, f_snap, facilities, tracer, search,
            )  # fmt: skip
            kinds = facilities["kind"].isin(tier.facility_kinds).to_numpy() & active
            if kinds.any():
                # what a straight-line buffer would see (直线最近), for the river/rail case
                gaps = facilities.geometry[kinds].distance(p.geometry).to_numpy()
                k = int(np.argmin(gaps))
                verdict.straight_nearest_id = str(facilities["facility_id"].to_numpy()[kinds][k])
                verdict.straight_nearest_m = round(float(gaps[k]), 2)
            tier_verdicts.append(verdict)
        reviews.append(
            EstateReview(
                estate_id=str(p["estate_id"]),
                name=str(p["name"]),
                households=households,
                status=status,
                population=pop,
                residents=float(residents),
                planned_floor_m2=float(p["planned_floor_m2"]),
                planned_land_m2=land,
                geometry=p.geometry,
                origins=origins.iloc[mine].reset_index(drop=True),
                reachable=bool(o_snap.ok[mine].any()),
                rules=rules,
                tiers=tier_verdicts,
                sharing=sharing_ctx.check(row, households),
            )
        )
    return ReviewOutcome(
        ruleset=ruleset,
        options=options,
        estates=reviews,
        facilities=facilities,
        existing=existing,
        crs=net.crs,
        parameters={
            "measure": options.measure or params.circle_measure,
            "walk_speed_m_per_s": options.walk_speed_m_per_s or params.walk_speed_m_per_s,
            "include_planned": options.include_planned,
            "search_m": search,
            "sharing_distance_m": sharing_ctx.distance,
            "persons_per_household": params.persons_per_household,
            "tiers_m": {t.name: limit for t, limit, _ in tiers},
        },
    )


def _tier_verdict(
    tier: Any,
    limit: float,
    rule: Rule,
    best: float,
    gate_pos: int,
    target: np.ndarray,
    origins: gpd.GeoDataFrame,
    o_snap: network.Snapped,
    f_snap: network.Snapped,
    facilities: gpd.GeoDataFrame,
    tracer: RouteTracer,
    search: float,
) -> TierVerdict:
    citation = citation_dict(rule)
    if not np.isfinite(best) or gate_pos < 0:
        return TierVerdict(
            tier.name, rule.id, tier.minutes, limit, tier.facility_kinds, None, None, None, None,
            None, False, "report" if rule.report_only else "fail", None, None, citation,
            f"步行 {search:.0f} m 内无此类设施 no facility of these kinds within {search:.0f} m",
        )  # fmt: skip
    j = int(target[gate_pos])
    route: Route | None = tracer.trace(o_snap, gate_pos, f_snap, j, limit_m=best)
    note = ""
    if route is None or abs(route.distance_m - best) > 0.01:
        logger.warning(
            "route to facility %s traced as %s m, distance engine says %.2f m",
            facilities["facility_id"].iloc[j],
            None if route is None else f"{route.distance_m:.2f}",
            best,
        )
        note = "路线与距离不一致 route and distance disagree"
    fac = facilities.iloc[j]
    start = shapely.Point(o_snap.x[gate_pos], o_snap.y[gate_pos])
    straight = float(start.distance(shapely.Point(f_snap.x[j], f_snap.y[j])))
    covered = best <= limit + 1e-9
    verdict: Verdict = "report" if rule.report_only else ("pass" if covered else "fail")
    gate_id = origins["gate_id"].iloc[gate_pos]
    return TierVerdict(
        tier.name,
        rule.id,
        tier.minutes,
        limit,
        tier.facility_kinds,
        str(fac["facility_id"]),
        str(fac["name"]),
        str(fac["kind"]),
        round(best, 2),
        round(straight, 2),
        bool(covered),
        verdict,
        None if route is None else route.geometry,
        None if gate_id is None or pd.isna(gate_id) else str(gate_id),
        citation,
        note,
    )
