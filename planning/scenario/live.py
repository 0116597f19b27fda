"""Live what-if (现场推演): add, move, remove or close facilities and see the figures at once.

:class:`LiveAudit` holds an audit's network, its estates' attachment points and, for every
estate, the best-gate walking distance to every facility within the longest distance any figure
needs (search radius, speed sensitivity, sharing distance). A change to one facility then costs
one bounded Dijkstra from that facility alone, and only the estates it reaches (before or after
the change) get their nearest facilities recomputed; the floor-area allocation is one vectorised
pass over the pairs within the sharing distance. The figures are those of a full re-audit of the
changed inputs (``tests/test_scenario_live.py`` checks it), and undoing a change restores the
base figures exactly.

Each named scenario (情景) keeps its own changes; ``base`` is the audit as loaded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planning import network
from planning._errors import InputDataError
from planning.audit import Audit
from planning.scenario.apply import shapely_point
from planning.scenario.figures import (
    FloatArray,
    IntArray,
    Reaches,
    figures,
    floor_area_columns,
    nearest_columns,
)
from planning.scenario.model import ADDED_PREFIX, AddedFacility, Scenario, check_name
from planning.schema.values import normalise_kind


def _pairs(
    net: network.WalkNetwork,
    origins: network.Snapped,
    groups: IntArray,
    snaps: network.Snapped,
    cutoff: float,
    first_slot: int,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Best-gate distance of every (estate, facility) pair within ``cutoff``."""
    od = network.od_sparse(net, origins, snaps, cutoff)
    if not len(od):
        empty = np.zeros(0, np.int64)
        return empty, empty.copy(), np.zeros(0)
    frame = pd.DataFrame({"e": groups[od.rows], "f": od.cols + first_slot, "d": od.dist})
    best = frame.groupby(["e", "f"], sort=True)["d"].min().reset_index()
    return (best["e"].to_numpy(np.int64), best["f"].to_numpy(np.int64),
            best["d"].to_numpy(float))  # fmt: skip


@dataclass
class ScenarioState:
    """One scenario's facilities (slots), the pairs each reaches, and its current figures."""

    name: str
    facilities: gpd.GeoDataFrame
    alive: np.ndarray
    counted: np.ndarray
    masked: np.ndarray  # base slots whose base pairs no longer apply (moved)
    extra: dict[int, tuple[IntArray, FloatArray]]
    estates: gpd.GeoDataFrame
    sensitivity: FloatArray
    any_m: FloatArray
    totals: dict[str, Any] = field(default_factory=dict)
    streets: gpd.GeoDataFrame | None = None
    added: dict[str, AddedFacility] = field(default_factory=dict)
    moved: dict[str, tuple[float, float]] = field(default_factory=dict)
    closed: set[str] = field(default_factory=set)
    counter: int = 0

    def slot_of(self, facility_id: str) -> int:
        """Return the slot of a facility of this scenario, or raise naming it."""
        ids = self.facilities["facility_id"].astype(str).to_numpy()
        hits = np.flatnonzero((ids == str(facility_id)) & self.alive)
        if not hits.size:
            raise InputDataError(
                f"Scenario {self.name!r} has no facility {facility_id!r}; list them with "
                f"GET /api/facilities?scenario={self.name}."
            )
        return int(hits[0])


class LiveAudit:
    """An audit kept in memory for live what-if questions (eldercare serve).

    Parameters
    ----------
    audit : Audit
        A full audit (from :func:`planning.audit` or a project); its network and the estates'
        attachment points are reused.

    Examples
    --------
    See ``docs/serve.md``: ``live.add("s1", lon, lat, "community_station", 300)`` returns the
    new totals and the estates whose verdict changed against the base.
    """

    def __init__(self, audit: Audit) -> None:
        self.audit = audit
        self.lock = threading.Lock()
        params = audit.ruleset.parameters
        largest = max(audit.tiers, key=lambda t: t.distance_m)
        speeds = tuple(float(s) for s in params.walk_speed_sensitivity)
        policy = audit.ruleset.sharing_policy("existing")
        self.reaches = Reaches(
            tiers=list(audit.tiers),
            radius_m=float(audit.parameters.get("search_radius_m") or largest.distance_m),
            sensitivity_m=max([largest.distance_m] + [largest.minutes * 60.0 * s for s in speeds]),
            sharing_m=float(policy.distance_m) if policy.allowed else 0.0,
            speeds=speeds,
        )
        self.net = audit.network
        #: What "changed" compares: the verdict, floor area and the largest circle.
        self.compared = ["verdict", "area_ok", f"covered_{largest.name}"]
        self.max_snap_m = audit.options.max_snap_m
        facilities = audit.facilities.reset_index(drop=True)
        snaps = network.snap(self.net, facilities.geometry, self.max_snap_m)
        self.base_pairs = _pairs(self.net, audit.origins, audit.origin_groups, snaps,
                                 self.reaches.cutoff_m, 0)  # fmt: skip
        counted = (
            np.ones(len(facilities), bool)
            if audit.options.include_planned
            else facilities["status"].eq("existing").to_numpy()
        )
        base = ScenarioState(
            "base", facilities, np.ones(len(facilities), bool), counted & snaps.ok,
            np.zeros(len(facilities), bool), {}, audit.estates.copy(),
            np.full(len(audit.estates), np.inf), np.full(len(audit.estates), np.inf),
        )  # fmt: skip
        self._recompute(base, np.ones(len(audit.estates), bool))
        self.scenarios: dict[str, ScenarioState] = {"base": base}

    # ------------------------------------------------------------------ scenarios
    def scenario(self, name: str, *, create: bool = False) -> ScenarioState:
        """Return a scenario by name (``base`` is the audit); create it from the base if asked."""
        if name in self.scenarios:
            return self.scenarios[name]
        check_name(name)
        if not create:
            raise InputDataError(f"No scenario {name!r}; add a facility to it to start it.")
        base = self.scenarios["base"]
        state = ScenarioState(
            name, base.facilities.copy(), base.alive.copy(), base.counted.copy(),
            base.masked.copy(), dict(base.extra), base.estates.copy(), base.sensitivity.copy(),
            base.any_m.copy(), dict(base.totals), base.streets,
        )  # fmt: skip
        self.scenarios[name] = state
        return state

    def pairs(self, state: ScenarioState) -> tuple[IntArray, IntArray, FloatArray]:
        """Every (estate, slot, distance) pair of the scenario's open facilities."""
        e, f, d = self.base_pairs
        keep = ~state.masked[f]
        parts_e, parts_f, parts_d = [e[keep]], [f[keep]], [d[keep]]
        for slot, (ee, dd) in state.extra.items():
            parts_e.append(ee)
            parts_f.append(np.full(len(ee), slot, np.int64))
            parts_d.append(dd)
        return np.concatenate(parts_e), np.concatenate(parts_f), np.concatenate(parts_d)

    def _touched(self, state: ScenarioState, slots: list[int]) -> np.ndarray:
        """Estates that reach any of ``slots`` (within the longest distance measured)."""
        e, f, _ = self.pairs(state)
        rows = np.zeros(len(state.estates), bool)
        rows[e[np.isin(f, slots)]] = True
        return rows

    def _recompute(self, state: ScenarioState, rows: np.ndarray) -> None:
        pairs = self.pairs(state)
        counted = state.counted & state.alive
        nearest_columns(state.estates, rows, pairs, state.facilities, counted, self.reaches,
                        state.sensitivity, state.any_m)  # fmt: skip
        open_slots = np.flatnonzero(state.alive)
        open_facilities = state.facilities.iloc[open_slots].reset_index(drop=True)
        floor_area_columns(state.estates, open_facilities, pairs, open_slots,
                           self.audit.ruleset, self.reaches)  # fmt: skip
        streets = self.audit.streets
        state.totals, state.streets = figures(
            state.estates, streets, state.facilities[counted], self.reaches,
            state.sensitivity, state.any_m,
        )  # fmt: skip

    # ------------------------------------------------------------------ changes
    def add(self, name: str, lon: float, lat: float, kind: str, floor_m2: float,
            facility_name: str | None = None) -> dict[str, Any]:  # fmt: skip
        """Add a facility at a WGS-84 point to scenario ``name``; return the new figures."""
        code = normalise_kind(kind)
        if code is None:
            raise InputDataError(
                f"kind {kind!r} is not a facility kind; use community_station (日间照料中心), "
                "street_centre (街道综合养老服务中心), institution (养老院) or rural_point."
            )
        with self.lock:
            state = self.scenario(name, create=True)
            state.counter += 1
            ident = f"{ADDED_PREFIX}{name}-{state.counter}"
            added = AddedFacility(ident, facility_name or ident, code, float(floor_m2), lon, lat)
            before = state.estates[self.compared].copy()
            slot = self._new_slot(state, added)
            state.added[ident] = added
            self._recompute(state, self._touched(state, [slot]))
            return self.answer(state, before, facility_id=ident)

    def _new_slot(self, state: ScenarioState, added: AddedFacility) -> int:
        point = shapely_point(added.lon, added.lat, state.facilities.crs)
        row = gpd.GeoDataFrame(
            {"facility_id": [added.facility_id], "name": [added.name], "kind": [added.kind],
             "floor_m2": [added.floor_m2], "land_m2": [np.nan], "beds": [np.nan],
             "nursing_beds": [np.nan], "estate_id": [None], "status": ["existing"],
             "street_id": [self._street_of(point)]},
            geometry=[point], crs=state.facilities.crs,
        )  # fmt: skip
        slot = len(state.facilities)
        state.facilities = _concat(state.facilities, row)
        snaps = network.snap(self.net, row.geometry, self.max_snap_m)
        e, _, d = _pairs(self.net, self.audit.origins, self.audit.origin_groups, snaps,
                         self.reaches.cutoff_m, slot)  # fmt: skip
        state.extra[slot] = (e, d)
        state.alive = np.append(state.alive, True)
        state.counted = np.append(state.counted, bool(snaps.ok[0]))
        state.masked = np.append(state.masked, False)
        return slot

    def _street_of(self, point: Any) -> str | None:
        streets = self.audit.streets
        if streets.geometry.isna().all():
            return None
        hit = streets[streets.geometry.contains(point)]
        return None if hit.empty else str(hit["street_id"].iloc[0])

    def remove(self, name: str, facility_id: str) -> dict[str, Any]:
        """Remove a facility: an added one disappears, an existing one is closed (关停)."""
        with self.lock:
            state = self.scenario(name, create=True)
            slot = state.slot_of(facility_id)
            before = state.estates[self.compared].copy()
            rows = self._touched(state, [slot])
            state.alive[slot] = False
            state.extra.pop(slot, None)
            if facility_id in state.added:
                del state.added[facility_id]
            else:
                state.closed.add(facility_id)
                state.moved.pop(facility_id, None)
            self._recompute(state, rows)
            return self.answer(state, before, facility_id=facility_id)

    def move(self, name: str, facility_id: str, lon: float, lat: float) -> dict[str, Any]:
        """Move a facility of scenario ``name`` to a WGS-84 point."""
        with self.lock:
            state = self.scenario(name, create=True)
            slot = state.slot_of(facility_id)
            before = state.estates[self.compared].copy()
            rows = self._touched(state, [slot])
            point = shapely_point(lon, lat, state.facilities.crs)
            geometry = state.facilities.geometry.to_numpy().copy()
            geometry[slot] = point
            state.facilities = state.facilities.set_geometry(
                gpd.GeoSeries(geometry, crs=state.facilities.crs)
            )
            snaps = network.snap(self.net, [point], self.max_snap_m)
            e, _, d = _pairs(self.net, self.audit.origins, self.audit.origin_groups, snaps,
                             self.reaches.cutoff_m, slot)  # fmt: skip
            state.extra[slot] = (e, d)
            state.masked[slot] = True
            base_counted = self.scenarios["base"].counted
            was = bool(base_counted[slot]) if slot < len(base_counted) else True
            state.counted[slot] = was or facility_id in state.added
            state.counted[slot] &= bool(snaps.ok[0])
            if facility_id in state.added:
                old = state.added[facility_id]
                state.added[facility_id] = AddedFacility(old.facility_id, old.name, old.kind,
                                                         old.floor_m2, lon, lat)  # fmt: skip
            else:
                state.moved[facility_id] = (lon, lat)
            rows[e] = True
            self._recompute(state, rows)
            return self.answer(state, before, facility_id=facility_id)

    def reset(self, name: str) -> None:
        """Drop a scenario's changes (the base cannot be dropped)."""
        with self.lock:
            if name != "base":
                self.scenarios.pop(name, None)

    # ------------------------------------------------------------------ answers
    def answer(self, state: ScenarioState, before: pd.DataFrame, **extra: Any) -> dict[str, Any]:
        """Return the totals, the estates this step changed and those that differ from the base."""
        now = state.estates
        step = _differ(before, now[self.compared])
        base = self.scenarios["base"].estates
        versus = _differ(base[self.compared], now[self.compared])
        return {
            "scenario": state.name,
            **extra,
            "totals": state.totals,
            "updated": self.rows(state, np.flatnonzero(step)),
            "changed": self.changes(state, np.flatnonzero(versus)),
        }

    def rows(self, state: ScenarioState, index: IntArray) -> list[dict[str, Any]]:
        """Estate id, verdict and 15-minute coverage of the given rows (for the map)."""
        e = state.estates
        largest = self.reaches.largest.name
        return [
            {"estate_id": str(i), "verdict": str(v), "covered": bool(c)}
            for i, v, c in zip(e["estate_id"].to_numpy()[index], e["verdict"].to_numpy()[index],
                               e[f"covered_{largest}"].to_numpy()[index], strict=True)
        ]  # fmt: skip

    def changes(self, state: ScenarioState, index: IntArray) -> list[dict[str, Any]]:
        """Estates whose verdict differs from the base: before and after."""
        base = self.scenarios["base"].estates
        now = state.estates
        largest = self.reaches.largest.name
        out = []
        for i in index:
            out.append(
                {
                    "estate_id": str(now["estate_id"].iloc[i]),
                    "name": str(now["name"].iloc[i]),
                    "households": int(now["households"].iloc[i]),
                    "before": str(base["verdict"].iloc[i]),
                    "after": str(now["verdict"].iloc[i]),
                    "covered_before": bool(base[f"covered_{largest}"].iloc[i]),
                    "covered_after": bool(now[f"covered_{largest}"].iloc[i]),
                    "walk_before_m": _num(base["walk_m"].iloc[i]),
                    "walk_after_m": _num(now["walk_m"].iloc[i]),
                }
            )
        return out

    def as_scenario(self, name: str) -> Scenario:
        """Return the scenario's changes as a :class:`Scenario` (saved as ``scenario.toml``)."""
        state = self.scenario(name)
        return Scenario(
            name=name,
            title=name,
            added=tuple(state.added.values()),
            moved=dict(state.moved),
            closed=tuple(sorted(state.closed)),
        )


def _concat(frame: gpd.GeoDataFrame, row: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    for column in frame.columns:
        if column not in row:
            row[column] = None
    both = pd.concat([frame, row[list(frame.columns)]], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry=frame.geometry.name, crs=frame.crs)


def _differ(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    out = np.zeros(len(a), bool)
    for column in a.columns:
        x = a[column].astype(object).to_numpy()
        y = b[column].astype(object).to_numpy()
        out |= np.array([not _same(p, q) for p, q in zip(x, y, strict=True)], bool)
    return out


def _same(p: Any, q: Any) -> bool:
    if p is None or p is pd.NA or (isinstance(p, float) and p != p):
        return q is None or q is pd.NA or (isinstance(q, float) and q != q)
    return bool(p == q)


def _num(value: Any) -> float | None:
    return None if value is None or value != value else float(value)
