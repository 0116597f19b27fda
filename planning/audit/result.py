"""What an audit takes and gives: :class:`AuditOptions` and :class:`Audit`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

import geopandas as gpd
import numpy as np
import pandas as pd

from planning._options import check_bool, check_choice, check_number
from planning.analysis.admin_rules import RuleCheck
from planning.audit.output import summary_dict
from planning.audit.tiers import MeasuredTier
from planning.rules import Ruleset

if TYPE_CHECKING:
    from planning import network

Measure = Literal["distance", "time"]
ServiceAreas = Literal["merged", "per-facility", "none"]


@dataclass(frozen=True)
class AuditOptions:
    """Choices that change the figures (recorded in ``summary.json``), checked when made.

    Attributes
    ----------
    walk_speed_m_per_s : float or None
        Elderly walking speed for the time-based circle (m/s, 0 < v ≤ 3); the ruleset's when None.
    measure : {"distance", "time"} or None
        GB 50180 metres or minutes × walking speed; the ruleset's default when None.
    include_planned : bool
        Count planned facilities (规划) in the service circles; floor area always counts them,
        because the per-100-household rule is about the space an estate plans.
    max_snap_m : float or None
        Longest connector from an estate gate or facility to the network (m);
        ``planning.settings.max_snap_m`` when None.
    search_radius_m : float or None
        How far the nearest facility is searched beyond the circles (不限距离最近设施, m);
        ``planning.settings.search_radius_m`` when None.
    service_areas : {"merged", "per-facility", "none"}
        Service-area polygons (服务圈范围) to trace: one merged polygon per tier (what the maps
        and the report draw), also one per facility and tier (slower: one walk per facility),
        or none. They are drawn only; no figure depends on them.

    Examples
    --------
    >>> AuditOptions(measure="time", walk_speed_m_per_s=0.8).measure
    'time'
    >>> AuditOptions(measure="minutes")
    Traceback (most recent call last):
    ...
    planning._errors.OptionError: measure="minutes": choose one of 'distance', 'time'.
    """

    walk_speed_m_per_s: float | None = None
    measure: Measure | None = None
    include_planned: bool = False
    max_snap_m: float | None = None
    search_radius_m: float | None = None
    service_areas: ServiceAreas = "merged"

    def __post_init__(self) -> None:
        check_choice("measure", self.measure, (None, *get_args(Measure)))
        check_choice("service_areas", self.service_areas, get_args(ServiceAreas))
        if self.walk_speed_m_per_s is not None:
            speed = check_number("walk_speed_m_per_s", self.walk_speed_m_per_s, high=3.0,
                                 unit=" m/s")  # fmt: skip
            object.__setattr__(self, "walk_speed_m_per_s", speed)
        check_bool("include_planned", self.include_planned)
        if self.max_snap_m is not None:
            snap = check_number("max_snap_m", self.max_snap_m, unit=" m")
            object.__setattr__(self, "max_snap_m", snap)
        if self.search_radius_m is not None:
            radius = check_number("search_radius_m", self.search_radius_m, high=50_000.0,
                                  unit=" m")  # fmt: skip
            object.__setattr__(self, "search_radius_m", radius)


@dataclass
class Audit:
    """Everything one audit computed, in memory (written by :func:`planning.audit.write_results`).

    Attributes
    ----------
    estates, facilities, streets : GeoDataFrame
        The audited layers with the columns of :mod:`planning.audit.columns`.
    service_areas : GeoDataFrame
        Network-traced service areas per tier.
    checks : list of RuleCheck
        One verdict per rule of the ruleset.
    totals : dict
        Headline figures (``summary.json`` ``totals``).
    network : WalkNetwork
        The network the audit measured on (siting re-uses it).
    """

    ruleset: Ruleset
    options: AuditOptions
    tiers: list[MeasuredTier]
    estates: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    service_areas: gpd.GeoDataFrame
    network_edges: gpd.GeoDataFrame
    barriers: gpd.GeoDataFrame | None
    sensitivity: pd.DataFrame
    checks: list[RuleCheck]
    totals: dict[str, Any]
    inputs: dict[str, str]
    #: The estates' attachment points (gates, else representative points) and the estate row of
    #: each, kept so siting measures from the same points without snapping again.
    origins: network.Snapped
    origin_groups: np.ndarray
    network: network.WalkNetwork
    parameters: dict[str, Any] = field(default_factory=dict)
    proposals: gpd.GeoDataFrame | None = None
    siting: dict[str, Any] | None = None

    @property
    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json``: totals, rule verdicts, parameters, inputs."""
        return summary_dict(self)

    @property
    def rules(self) -> pd.DataFrame:
        """One row per rule: id, verdict (pass/fail/report/no_data), value, threshold, unit."""
        return pd.DataFrame(
            [
                {
                    "rule_id": c.rule_id,
                    "verdict": c.verdict,
                    "value": c.value,
                    "threshold": c.threshold,
                    "unit": c.unit,
                    "detail": c.detail,
                }
                for c in self.checks
            ]
        )
