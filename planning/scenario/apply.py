"""Apply a scenario (情景) to loaded inputs: a new :class:`~planning.io.Inputs`, the original kept."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning._errors import InputDataError
from planning.io import Inputs
from planning.io.frames import file_hashes
from planning.scenario.model import Scenario


def _points(lonlat: list[tuple[float, float]], crs: Any) -> gpd.GeoSeries:
    """WGS-84 lon/lat as points in ``crs``."""
    lon = [p[0] for p in lonlat]
    lat = [p[1] for p in lonlat]
    return gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(crs)


def _append(frame: gpd.GeoDataFrame, rows: dict[str, list[Any]], geometry: gpd.GeoSeries) -> Any:
    """Rows added under ``frame``'s columns (missing ones empty), with a new RangeIndex."""
    extra = gpd.GeoDataFrame(rows, geometry=geometry.to_numpy(), crs=frame.crs)
    for column in frame.columns:
        if column not in extra:
            extra[column] = None
    extra = extra[list(frame.columns)]
    both = pd.concat([frame, extra], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry=frame.geometry.name, crs=frame.crs)


def _all_ids(inputs: Inputs) -> set[str]:
    ids: set[str] = set()
    for frame, column in ((inputs.estates, "estate_id"), (inputs.facilities, "facility_id"),
                          (inputs.gates, "gate_id")):  # fmt: skip
        if frame is not None and len(frame):
            ids.update(frame[column].astype(str))
    return ids


def apply_scenario(inputs: Inputs, scenario: Scenario) -> Inputs:
    """Return the inputs as the scenario has them: facilities added, moved, closed; estates added.

    Added facilities carrying a ``year`` are planned (规划) and open from that year; the others
    count as built. Planned estates are points with ``built_year`` = their year.

    Parameters
    ----------
    inputs : Inputs
        The loaded inputs (not changed).
    scenario : Scenario
        From :func:`planning.scenario.read_scenario`.

    Returns
    -------
    Inputs

    Raises
    ------
    InputDataError
        A facility to close or move that the inputs do not have, or an id used twice.
    """
    source = str(scenario.source or scenario.name)
    facilities = inputs.facilities
    if facilities is None:
        facilities = gpd.GeoDataFrame(
            {"facility_id": pd.Series(dtype=str), "name": pd.Series(dtype=str),
             "kind": pd.Series(dtype=str), "floor_m2": pd.Series(dtype=float),
             "status": pd.Series(dtype=str), "estate_id": pd.Series(dtype=object)},
            geometry=gpd.GeoSeries([], crs=inputs.crs),
        )  # fmt: skip
    ids = facilities["facility_id"].astype(str)
    unknown = sorted((set(scenario.closed) | set(scenario.moved)) - set(ids))
    if unknown:
        raise InputDataError(
            f"{source}: facilities {', '.join(unknown[:10])} to close or move are not among the "
            "inputs' facility ids (设施编号); check the ids in close = [...] and [[move]]."
        )
    facilities = facilities[~ids.isin(scenario.closed).to_numpy()].reset_index(drop=True).copy()
    if scenario.moved:
        ids = facilities["facility_id"].astype(str)
        rows = np.flatnonzero(ids.isin(scenario.moved).to_numpy())
        new_xy = _points([scenario.moved[ids.iloc[r]] for r in rows], facilities.crs)
        geometry = facilities.geometry.to_numpy().copy()
        geometry[rows] = new_xy.to_numpy()
        facilities = facilities.set_geometry(gpd.GeoSeries(geometry, crs=facilities.crs))
    taken = _all_ids(inputs)
    clash = sorted(
        taken & ({a.facility_id for a in scenario.added} | {e.estate_id for e in scenario.estates})
    )
    if clash:
        raise InputDataError(
            f"{source}: ids {', '.join(clash[:10])} are already used by the inputs; give the "
            "scenario's facilities and estates ids of their own."
        )
    if scenario.added:
        added = scenario.added
        facilities = _append(
            facilities,
            {
                "facility_id": [a.facility_id for a in added],
                "name": [a.name for a in added],
                "kind": [a.kind for a in added],
                "floor_m2": [a.floor_m2 for a in added],
                "land_m2": [np.nan] * len(added),
                "beds": [np.nan] * len(added),
                "nursing_beds": [np.nan] * len(added),
                "estate_id": [a.estate_id for a in added],
                "status": ["planned" if a.year is not None else "existing" for a in added],
            },
            _points([(a.lon, a.lat) for a in added], facilities.crs),
        )
        for column in ("floor_m2", "land_m2", "beds", "nursing_beds"):
            if column in facilities:
                facilities[column] = pd.to_numeric(facilities[column], errors="coerce")
        facilities["floor_m2"] = facilities["floor_m2"].fillna(0.0)
    estates = inputs.estates
    if scenario.estates:
        planned = scenario.estates
        estates = _append(
            estates,
            {
                "estate_id": [e.estate_id for e in planned],
                "name": [e.name for e in planned],
                "households": [e.households for e in planned],
                "status": [e.status for e in planned],
                "built_year": [e.year for e in planned],
                "population": [np.nan] * len(planned),
                "elderly": [np.nan] * len(planned),
                "street": [e.street for e in planned],
            },
            _points([(e.lon, e.lat) for e in planned], estates.crs),
        )
        estates["households"] = estates["households"].astype(np.int64)
        estates["built_year"] = pd.array(
            pd.to_numeric(estates["built_year"], errors="coerce"), dtype="Int64"
        )
        for column in ("population", "elderly"):
            estates[column] = pd.to_numeric(estates[column], errors="coerce").astype(float)
        if "source_row" in estates:
            estates["source_row"] = estates["source_row"].fillna(0).astype(np.int64)
    if "source_row" in facilities:
        facilities["source_row"] = facilities["source_row"].fillna(0).astype(np.int64)
    files = dict(inputs.source_files)
    if scenario.source is not None:
        files.update(file_hashes(scenario.source))
    return dataclasses.replace(inputs, estates=estates, facilities=facilities, source_files=files)


def shapely_point(lon: float, lat: float, crs: Any) -> shapely.Point:
    """One WGS-84 lon/lat as a point in ``crs`` (for the live editor)."""
    return _points([(lon, lat)], crs).iloc[0]


def scenario_audit(
    inputs: Inputs, file: str | Path | None, horizon_year: int | None = None
) -> tuple[Inputs, dict[str, Any]]:
    """Return the inputs with a scenario file applied and the audit's horizon arguments.

    The horizon year is ``horizon_year`` when given, else the scenario's own; without a file
    the inputs are returned as they are.
    """
    from planning.scenario.model import read_scenario

    if file is None:
        return inputs, {"horizon_year": horizon_year}
    scenario = read_scenario(file)
    return apply_scenario(inputs, scenario), {
        "horizon_year": horizon_year or scenario.horizon_year,
        "projection": scenario.projection,
        "facility_years": scenario.facility_years_all,
    }
