"""Write an :class:`~planning.audit.Audit` to a results folder, as one set and reproducibly.

Files: ``results.gpkg`` (layers estates, facilities, streets, service_areas, network, barriers),
``estates.csv`` and ``streets.csv`` (UTF-8 with BOM so Excel shows Chinese; the canonical,
machine-readable tables), ``audit.xlsx`` (the office workbook of :mod:`planning.audit.workbook`:
cover, words instead of codes, formats, filters) and ``summary.json``. :func:`write_tables` writes
them into a folder; :func:`write_results` does so as one transaction
(:func:`planning.io.transaction.output_transaction`): the set is built beside the results folder
and switched in at the end, so a crash or an interrupt leaves the previous set as it was, and a
folder holding an input file is refused. Text cells that a spreadsheet would read as formulas are
written as text (:mod:`planning.io.cells`). The same inputs give byte-identical files: timestamps
inside GeoPackage and XLSX are fixed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from planning.audit.columns import ESTATE_COLUMNS, STREET_COLUMNS, street_tier_columns, tier_columns
from planning.audit.workbook import write_audit_workbook
from planning.io import write_atomic
from planning.io.cells import csv_safe
from planning.io.transaction import AUDIT_FILES, output_transaction
from planning.rules.format import basis_text
from planning.vocabulary import Lang

if TYPE_CHECKING:
    from planning.audit.result import Audit

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


def _write_gpkg(result: Audit, path: Path) -> None:
    layers: list[tuple[str, gpd.GeoDataFrame]] = [
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
        ("network", result.network_edges),
    ]
    if result.barriers is not None and len(result.barriers):
        layers.append(("barriers", result.barriers[["geometry"]]))
    if result.proposals is not None:
        layers.append(("proposals", result.proposals))
    with pyogrio_fixed_time():
        for name, frame in layers:
            frame = frame.copy()
            for column in frame.columns:
                if str(frame[column].dtype) == "boolean":
                    # A GeoPackage boolean field cannot hold "no rule applies": keep true
                    # booleans when every row has a value, text otherwise.
                    values = frame[column]
                    frame[column] = (
                        values.astype(bool)
                        if values.notna().all()
                        else values.astype(object).where(values.notna(), None)
                    )
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", append=path.exists())


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


def write_tables(result: Audit, folder: Path, *, lang: Lang = "zh") -> dict[str, Path]:
    """Write the audit's tables into ``folder`` (no transaction: see :func:`write_results`).

    Parameters
    ----------
    result : Audit
        What :func:`planning.audit.run_audit` returned.
    folder : Path
        An existing folder, usually the staging folder of a transaction.
    lang : {"zh", "en"}
        Language of ``audit.xlsx`` (the CSV and JSON files keep their canonical columns).

    Returns
    -------
    dict
        Output name to path.
    """
    folder = Path(folder)
    written: dict[str, Path] = {}

    def put(name: str, writer: Any) -> None:
        written[name] = write_atomic(folder / name, writer)

    put("results.gpkg", lambda p: _write_gpkg(result, p))
    put("estates.csv", lambda p: _csv(estate_table(result), p))
    put("streets.csv", lambda p: _csv(street_table(result), p))
    put("audit.xlsx", lambda p: _write_xlsx(result, p, lang))
    if result.proposals is not None:
        put(
            "proposals.csv",
            lambda p: _csv(pd.DataFrame(result.proposals.drop(columns="geometry")), p),
        )
    put(
        "summary.json",
        lambda p: p.write_text(
            json.dumps(summary_dict(result), ensure_ascii=False, indent=2, sort_keys=False) + "\n",
            encoding="utf-8",
        ),
    )
    return written


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
