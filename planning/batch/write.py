"""Writing one unit's folder (分片结果): the same files as ``eldercare audit``, province figures.

Runs as a Dask task after the province allocation: it takes the unit's whole audit from shared
storage, puts in the province's floor-area figures for the unit's estates (shared area across
borders included), recounts the unit's streets and rules from its own facilities, and writes
the folder with :meth:`planning.AuditResult.write`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.batch.combine import add_counts, summarise
from planning.batch.task import audit_path, emit, load_pickle
from planning.results import AuditResult


def unit_audit(state_dir: str, key: str, final: pd.DataFrame, extra: dict[str, Any]) -> AuditResult:
    """Return the unit's audit with the province figures for its estates.

    Parameters
    ----------
    state_dir : str
        The batch's state folder.
    key : str
        The unit's folder name.
    final : DataFrame
        The unit's estates as the province audit gives them (same rows, same order).
    extra : dict
        Recorded in ``summary.json`` under ``parameters.unit``.

    Returns
    -------
    AuditResult
    """
    unit, core, result = load_pickle(audit_path(Path(state_dir), key))
    estates = gpd.GeoDataFrame(
        final.drop(columns=[final.geometry.name]) if isinstance(final, gpd.GeoDataFrame) else final,
        geometry=result.estates.geometry.to_numpy(),
        crs=result.estates.crs,
    ).reset_index(drop=True)
    facilities = result.facilities.copy()
    facilities["in_unit"] = np.asarray(core, dtype=bool)
    own = facilities[facilities["in_unit"].to_numpy()]
    streets = result.streets
    used = set(estates["street_id"].dropna().astype(str))
    if len(own):
        used |= set(own["street_id"].dropna().astype(str))
    mine = streets["street_id"].astype(str).isin(used).to_numpy()
    base = streets[mine] if mine.any() else streets
    table, checks, totals = summarise(
        estates, own, base.reset_index(drop=True), result.ruleset, result.tiers,
        result.options.include_planned, result.sensitivity,
    )  # fmt: skip
    totals = add_counts(totals, [result.totals])  # the unit's own counts (gap bands …)
    parameters = {**result.parameters, "unit": {"id": unit.unit_id, "name": unit.name, **extra}}
    return dataclasses.replace(
        result, estates=estates, facilities=facilities, streets=table, checks=checks,
        totals=totals, parameters=parameters,
    )  # fmt: skip


def write_unit(
    state_dir: str,
    key: str,
    final: pd.DataFrame,
    folder: str,
    extra: dict[str, Any],
    maps: bool,
    lang: str,
    basemap: str,
) -> list[str]:
    """Write one unit's results folder (runs on a Dask worker).

    Returns
    -------
    list of str
        The files written.
    """
    result = unit_audit(state_dir, key, final, extra)
    unit_id = result.parameters["unit"]["id"]
    emit("writing", unit_id)
    written = result.write(folder, maps=maps, lang=lang, basemap=basemap)  # type: ignore[arg-type]
    return sorted(str(p) for p in written.values())
