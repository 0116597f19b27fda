"""The province audit (全省汇总) built from the units' measures.

:func:`gather_province` turns the units' :class:`~planning.batch.task.UnitMeasure` s into one
:class:`~planning.AuditResult`: estates in input order, floor area shared once over all units'
pairs, the street table, rule verdicts and totals recomputed over the whole area, the service
areas of every facility from its own unit, and the province network when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planning import network as networks
from planning.analysis.origins import estate_origins
from planning.api import network_summary
from planning.audit import measured_tiers
from planning.batch.combine import (
    add_counts,
    add_sensitivity,
    allocate,
    facility_streets,
    gather_estates,
    gather_reach,
    gather_streets,
    service_areas,
    summarise,
)
from planning.batch.ledger import Ledger
from planning.batch.outputs import unit_outlines, unit_table, write_unit_outputs
from planning.batch.plan import Plan
from planning.batch.task import UnitMeasure
from planning.results import AuditResult

#: Columns of a facilities layer when none was given (as the audit makes it).
_FACILITY_COLUMNS = {
    "facility_id": str, "name": str, "kind": str, "floor_m2": float, "land_m2": float,
    "beds": float, "nursing_beds": float, "estate_id": object, "status": str,
    "street": object, "county": object,
}  # fmt: skip


@dataclass
class Province:
    """The province audit with what the per-unit outputs need."""

    result: AuditResult
    plan: Plan
    positions: dict[str, np.ndarray]
    estate_unit: np.ndarray
    title: str

    def unit_table(self, ledger: Ledger, failed: dict[str, str]) -> pd.DataFrame:
        """Return the per-unit table, with each unit's status from the ledger."""
        records = {u.unit_id: dict(ledger.units.get(u.unit_id, {})) for u in self.plan.units}
        for uid, message in failed.items():
            records.setdefault(uid, {}).update(status="failed", error=message)
        return unit_table(
            self.plan.units, self.result.estates, self.estate_unit, self.plan.facility_unit,
            self.result.tiers, records,
        )  # fmt: skip

    def write_units_outputs(self, out: Path, table: pd.DataFrame) -> dict[str, Path]:
        """Write ``units.csv``, ``units.gpkg`` and the units map into ``out``."""
        largest = max(self.result.tiers, key=lambda t: t.distance_m)
        outlines = unit_outlines(self.plan.units, self.result.estates, self.estate_unit)
        return write_unit_outputs(
            out, table, outlines, self.result.estates.crs, largest, self.title
        )


def _facilities(plan: Plan) -> gpd.GeoDataFrame:
    given = plan.inputs.facilities
    if given is not None:
        return given.reset_index(drop=True)
    columns = {name: pd.Series(dtype=kind) for name, kind in _FACILITY_COLUMNS.items()}
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=plan.inputs.crs))


def _network_layer(
    plan: Plan, estates: gpd.GeoDataFrame
) -> tuple[networks.WalkNetwork, gpd.GeoDataFrame, Any, np.ndarray]:
    """Return the province network (empty when units load their own) and snapped origins."""
    net = plan.network
    if net is None:
        net = networks.WalkNetwork([], [], [], [], [], [], plan.inputs.crs or "EPSG:3857")
    edges = net.edges_gdf()[["length_m", "bridge", "geometry"]]
    points, groups = estate_origins(estates, plan.inputs.gates)
    origins = networks.snap(net, points.geometry, plan.choices.options.max_snap_m)
    return net, edges, origins, groups


def gather_province(
    plan: Plan,
    measures: dict[str, UnitMeasure],
    failed: dict[str, str],
    parameters: dict[str, Any],
) -> Province:
    """Build the province audit from the finished units.

    Parameters
    ----------
    plan : Plan
        The batch.
    measures : dict
        Unit id → its measure (finished units only).
    failed : dict
        Unit id → message of failed units (recorded in the summary).
    parameters : dict
        Extra parameters for ``summary.json`` (the project of a command-line run).

    Returns
    -------
    Province
    """
    ruleset, options = plan.choices.ruleset, plan.choices.options
    ordered = [measures[u.unit_id] for u in plan.units if u.unit_id in measures]
    estates, rows = gather_estates(ordered)
    facilities = facility_streets(_facilities(plan), ordered)
    tiers = measured_tiers(ruleset, options.measure, options.walk_speed_m_per_s)
    reach = gather_reach(ordered, rows, len(facilities)) if len(facilities) else None
    allocate(estates, facilities, ruleset, reach, tiers)
    households = float(np.nansum(estates["households"].to_numpy(float)))
    sensitivity = add_sensitivity([m.sensitivity for m in ordered], households)
    streets = gather_streets(plan.inputs.streets, ordered)
    table, checks, totals = summarise(
        estates, facilities, streets, ruleset, tiers, options.include_planned, sensitivity
    )
    totals = add_counts(totals, [m.totals for m in ordered])
    net, edges, origins, groups = _network_layer(plan, estates)
    position_of_row = np.full(len(plan.estate_unit), -1, dtype=np.int64)
    position_of_row[rows] = np.arange(len(rows))
    positions = {m.unit_id: position_of_row[m.estate_rows] for m in ordered}
    params = dict(ordered[0].parameters)
    params["network"] = (
        network_summary(net.report)
        if plan.network is not None
        else {m.unit_id: m.network for m in ordered}
    )
    params["batch"] = {
        "split": plan.split,
        "units": len(plan.units),
        "finished": len(ordered),
        "failed": dict(sorted(failed.items())),
        "complete": not failed,
        "halo_m": round(plan.halo_m, 1),
    }
    params.update(parameters)
    result = AuditResult(
        ruleset=ruleset, options=options, tiers=tiers, estates=estates, facilities=facilities,
        streets=table, service_areas=service_areas(ordered, plan.inputs.crs),
        network_edges=edges, barriers=net.barrier_polygons, sensitivity=sensitivity,
        checks=checks, totals=totals, inputs=dict(plan.inputs.source_files), origins=origins,
        origin_groups=groups, network=net, parameters=params,
    )  # fmt: skip
    estate_unit = np.full(len(estates), -1, dtype=np.int64)
    index = {u.unit_id: i for i, u in enumerate(plan.units)}
    for uid, pos in positions.items():
        estate_unit[pos] = index[uid]
    title = (
        f"各单元服务圈覆盖 Coverage by unit · {len(plan.units)} 个单元 · 规则集 {ruleset.name_zh}"
    )
    return Province(result, plan, positions, estate_unit, title)
