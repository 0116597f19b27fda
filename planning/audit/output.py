"""Write an :class:`~planning.audit.Audit` to a results folder, as one set and reproducibly.

Files: ``results.gpkg`` (layers network, estates, facilities, streets, service_areas, barriers;
written through Arrow, the network layer copied from its cache: encoded once per network),
``estates.csv`` and ``streets.csv`` (UTF-8 with BOM so Excel shows Chinese; the canonical,
machine-readable tables), ``audit.xlsx`` (the office workbook of :mod:`planning.audit.workbook`:
cover, words instead of codes, formats, filters) and ``summary.json``. :func:`write_tables` writes
them into a folder; :func:`write_results` does so as one transaction
(:func:`planning.io.transaction.output_transaction`): the set is built beside the results folder
and switched in at the end, so a crash or an interrupt leaves the previous set as it was, and a
folder holding an input file is refused. Text cells that a spreadsheet would read as formulas are
written as text (:mod:`planning.io.cells`). The same inputs give byte-identical files: timestamps
inside GeoPackage and XLSX are fixed. A city-sized audit writes the GeoPackage, the workbook and
the small tables side by side in worker processes (:mod:`planning.io.parallel`); the files are
the same as written one after the other.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from planning.audit.columns import ESTATE_COLUMNS, STREET_COLUMNS, street_tier_columns, tier_columns
from planning.audit.workbook import write_audit_workbook
from planning.io import write_atomic
from planning.io.cells import csv_safe
from planning.io.parallel import Job, auto_workers, output_size, run_jobs
from planning.io.transaction import AUDIT_FILES, output_transaction
from planning.network.cache import copy_network_layer, network_layer_key
from planning.rules.format import basis_text
from planning.vocabulary import Lang

if TYPE_CHECKING:
    from planning.audit.result import Audit

#: How many worker processes write: a number, None (every CPU) or "auto" (by the audit's size).
Workers = int | Literal["auto"] | None

#: Fixed timestamp written into GeoPackage and XLSX metadata so re-runs are byte-identical.
FIXED_TIMESTAMP = "2000-01-01T00:00:00Z"


def estate_table(result: Audit) -> pd.DataFrame:
    """Per-estate table in output column order (no geometry)."""
    columns = list(ESTATE_COLUMNS) + list(tier_columns([t.name for t in result.tiers]))
    frame = result.estates
    return pd.DataFrame({c: frame.get(c) for c in columns})


def street_table(result: Audit) -> pd.DataFrame:
    """Per-street table in output column order (no geometry)."""
    columns = list(STREET_COLUMNS) + list(street_tier_columns([t.name for t in result.tiers]))
    frame = result.streets
    return pd.DataFrame({c: frame.get(c) for c in columns})


def _plain(value: Any) -> Any:
    """JSON-safe, deterministic value (NaN → None, numpy → Python)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def summary_dict(result: Audit) -> dict[str, Any]:
    """Return the content of ``summary.json``."""
    ruleset = result.ruleset
    rules = []
    by_id = {r.id: r for r in ruleset.rules}
    for check in result.checks:
        rule = by_id[check.rule_id]
        rules.append(
            {
                "rule_id": rule.id,
                "kind": rule.kind,
                "title_zh": rule.title_zh,
                "title_en": rule.title_en,
                "verdict": check.verdict,
                "value": check.value,
                "threshold": check.threshold,
                "unit": check.unit,
                "detail": check.detail,
                "facility_ids": check.facility_ids,
                "failing": check.failing,
                # Whether the rule gives a verdict or only reports its figure, and why.
                "judges": rule.judges,
                "basis": {
                    "code": rule.basis,
                    "zh": basis_text(rule, ruleset, "zh"),
                    "en": basis_text(rule, ruleset, "en"),
                },
                "citation": {
                    "document": rule.citation.document,
                    "article": rule.citation.article,
                    "quote_zh": rule.citation.quote_zh,
                    "evidence": rule.citation.evidence,
                },
            }
        )
    return _plain(
        {
            "tool": "eldercare-planning",
            "tool_version": result.parameters.get("version"),
            "ruleset": {
                "id": ruleset.id,
                "name_zh": ruleset.name_zh,
                "name_en": ruleset.name_en,
                "verdicts": ruleset.verdicts,
            },
            "tiers": [t.name for t in result.tiers],
            "totals": result.totals,
            "rules": rules,
            "parameters": result.parameters,
            "inputs": dict(sorted(result.inputs.items())),
            "siting": result.siting,
        }
    )


def gpkg_layers(result: Audit) -> list[tuple[str, gpd.GeoDataFrame]]:
    """Return the layers of ``results.gpkg`` in file order, as they are written.

    The network comes first: its bytes are copied from the network-layer cache and the other
    layers appended. Nullable booleans become what a GeoPackage can hold (see
    :func:`writable`). The maps draw from these same frames when the audit is in memory.
    """
    layers: list[tuple[str, gpd.GeoDataFrame]] = [
        ("network", result.network_edges),
        (
            "estates",
            gpd.GeoDataFrame(
                estate_table(result),
                geometry=result.estates.geometry.to_numpy(),
                crs=result.estates.crs,
            ),
        ),
        ("facilities", result.facilities),
        (
            "streets",
            gpd.GeoDataFrame(
                street_table(result),
                geometry=result.streets.geometry.to_numpy(),
                crs=result.streets.crs,
            ),
        ),
        ("service_areas", result.service_areas),
    ]
    if result.barriers is not None and len(result.barriers):
        layers.append(("barriers", result.barriers[["geometry"]]))
    if result.proposals is not None:
        layers.append(("proposals", result.proposals))
    return [(name, writable(frame)) for name, frame in layers]


def writable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the frame with nullable booleans a GeoPackage can hold (a copy only if needed).

    A GeoPackage boolean field cannot hold "no rule applies": true booleans are kept when every
    row has a value, text otherwise.
    """
    columns = [c for c in frame.columns if str(frame[c].dtype) == "boolean"]
    if not columns:
        return frame
    frame = frame.copy()
    for column in columns:
        values = frame[column]
        frame[column] = (
            values.astype(bool)
            if values.notna().all()
            else values.astype(object).where(values.notna(), None)
        )
    return frame


def _write_layer(path: Path, name: str, frame: gpd.GeoDataFrame) -> None:
    # Arrow hands GDAL whole columns (no Python object per feature): several times faster.
    pyogrio.write_dataframe(
        frame, path, layer=name, driver="GPKG", append=path.exists(), use_arrow=True
    )


def _write_gpkg(result: Audit, path: Path, *, cache: bool = True) -> None:
    """Write ``results.gpkg``; the network layer is copied from its cache when ``cache``."""
    layers = gpkg_layers(result)
    with pyogrio_fixed_time():
        if cache and layers[0][0] == "network" and len(layers[0][1]):
            name, edges = layers[0]
            key = network_layer_key(edges)
            if copy_network_layer(key, path, lambda p: _write_layer(p, name, edges)):
                layers = layers[1:]
        for name, frame in layers:
            _write_layer(path, name, frame)


@contextmanager
def pyogrio_fixed_time() -> Iterator[None]:
    """Make GDAL stamp GeoPackage metadata with a fixed time (reproducible files)."""
    previous = os.environ.get("OGR_CURRENT_DATE")
    os.environ["OGR_CURRENT_DATE"] = FIXED_TIMESTAMP
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("OGR_CURRENT_DATE", None)
        else:
            os.environ["OGR_CURRENT_DATE"] = previous


def _write_xlsx(result: Audit, path: Path, lang: Lang = "zh") -> None:
    """Write ``audit.xlsx`` (:mod:`planning.audit.workbook`: cover, rules, estates, streets …)."""
    write_audit_workbook(
        path,
        summary_dict(result),
        estate_table(result),
        street_table(result),
        result.sensitivity,
        result.proposals,
        lang=lang,
    )


def _csv(frame: pd.DataFrame, path: Path) -> None:
    csv_safe(frame).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def _summary_json(result: Audit, path: Path) -> None:
    text = json.dumps(summary_dict(result), ensure_ascii=False, indent=2, sort_keys=False)
    path.write_text(text + "\n", encoding="utf-8")


def _put(folder: Path, name: str, writer: Callable[[Path], object]) -> dict[str, Path]:
    return {name: write_atomic(folder / name, writer)}


def _small_tables(result: Audit, folder: Path) -> dict[str, Path]:
    written = _put(folder, "estates.csv", lambda p: _csv(estate_table(result), p))
    written |= _put(folder, "streets.csv", lambda p: _csv(street_table(result), p))
    if result.proposals is not None:
        proposals = pd.DataFrame(result.proposals.drop(columns="geometry"))
        written |= _put(folder, "proposals.csv", lambda p: _csv(proposals, p))
    return written | _put(folder, "summary.json", lambda p: _summary_json(result, p))


def table_jobs(result: Audit, folder: Path, *, lang: Lang = "zh") -> list[Job]:
    """Return the writers of the tables as independent jobs (:func:`~planning.io.parallel.run_jobs`).

    Parameters and the files written are those of :func:`write_tables`.
    """
    folder = Path(folder)
    rows = output_size(len(result.estates), len(result.network_edges))
    # costs relative to the maps' (planning.maps.map_jobs): the workbook, written cell by cell,
    # is the longest job of a city and starts first
    return [
        Job("results.gpkg", partial(_put, folder, "results.gpkg",
                                    partial(_write_gpkg, result)), cost=rows),
        Job("tables", partial(_small_tables, result, folder), cost=rows / 4),
        Job("audit.xlsx", partial(_put, folder, "audit.xlsx",
                                  lambda p: _write_xlsx(result, p, lang)), cost=4 * rows),
    ]  # fmt: skip


def parallel_workers(result: Audit) -> int | None:
    """Worker processes for writing ``result``: all CPUs for a city, 1 (none) for a district."""
    return auto_workers(output_size(len(result.estates), len(result.network_edges)))


def write_tables(
    result: Audit, folder: Path, *, lang: Lang = "zh", workers: Workers = "auto"
) -> dict[str, Path]:
    """Write the audit's tables into ``folder`` (no transaction: see :func:`write_results`).

    The GeoPackage, the workbook and the small tables are written side by side in worker
    processes for a city-sized audit; the files are the same either way.

    Parameters
    ----------
    result : Audit
        What :func:`planning.audit.run_audit` returned.
    folder : Path
        An existing folder, usually the staging folder of a transaction.
    lang : {"zh", "en"}
        Language of ``audit.xlsx`` (the CSV and JSON files keep their canonical columns).
    workers : int, None or "auto"
        Worker processes; None: every CPU; 1: in this process; "auto": by the audit's size
        (:func:`parallel_workers`).

    Returns
    -------
    dict
        Output name to path.
    """
    chosen = parallel_workers(result) if workers == "auto" else workers
    return run_jobs(table_jobs(result, folder, lang=lang), chosen)


def input_files(result: Audit) -> list[Path]:
    """Every file the audit read (inputs, network, barriers): a results folder may hold none."""
    names: list[Any] = list(result.inputs)
    project = result.parameters.get("project") or {}
    for value in project.values():
        if isinstance(value, dict) and "path" in value:
            names.append(value["path"])
    network = result.parameters.get("network") or {}
    names.append(network.get("source"))
    return [Path(n) for n in names if isinstance(n, str) and n and Path(n).exists()]


def write_results(result: Audit, out_dir: Path) -> dict[str, Path]:
    """Write the audit's tables into ``out_dir`` as one transaction (maps of an older run go).

    Parameters
    ----------
    result : Audit
        What :func:`planning.audit.run_audit` returned.
    out_dir : Path
        The results folder (created when missing); it may not hold an input file.

    Returns
    -------
    dict
        Output name to path.
    """
    final = Path(out_dir)
    with output_transaction(final, owns=AUDIT_FILES, inputs=input_files(result)) as staging:
        names = list(write_tables(result, staging))
    return {name: final / name for name in names}
