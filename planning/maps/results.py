"""Read a saved audit results folder (审计结果目录) for the maps and the report.

The audit writes ``results.gpkg`` (layers ``estates``, ``facilities``, ``streets``,
``service_areas``, ``network`` and optionally ``barriers`` and ``proposals``) and
``summary.json``. :func:`load_results` reads them back, checks the columns the maps need and
raises :class:`planning._errors.ResultsError` with the file and the fix when something is missing.
Right after an audit, :func:`from_audit` gives the same :class:`Results` from the audit still in
memory (the frames the GeoPackage was written from), so nothing is read back.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pyogrio

from planning._errors import ResultsError

if TYPE_CHECKING:
    from planning.audit import Audit

logger = logging.getLogger(__name__)

REQUIRED_LAYERS = ("estates", "facilities", "streets", "service_areas")
OPTIONAL_LAYERS = ("network", "barriers", "proposals")

#: Columns each layer must have for the maps (the audit writes more).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "estates": (
        "estate_id",
        "name",
        "households",
        "required_m2",
        "onsite_m2",
        "shared_m2",
        "shortfall_m2",
        "verdict",
    ),
    "facilities": ("facility_id", "name", "kind"),
    "streets": ("name",),
    "service_areas": ("tier", "merged"),
    "proposals": ("rank",),
}


@dataclass
class Results:
    """The layers and summary of one audit, as saved.

    Attributes
    ----------
    folder : Path
        The results folder.
    summary : dict
        Parsed ``summary.json``.
    tiers : list of str
        Service-circle tiers (e.g. ``["5min", "10min", "15min"]``), smallest first.
    layers : dict of str to GeoDataFrame
        The layers found in ``results.gpkg`` (optional ones only when present and not empty).
    """

    folder: Path
    summary: dict[str, Any]
    tiers: list[str]
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)

    def __fspath__(self) -> str:
        """Return the results folder: a :class:`Results` goes wherever a folder path goes."""
        return str(self.folder)

    def layer(self, name: str) -> gpd.GeoDataFrame | None:
        """Return a layer, or None when the folder has no such (non-empty) layer."""
        return self.layers.get(name)

    @property
    def main_tier(self) -> str:
        """The tier the headline coverage refers to: ``15min`` if present, else the largest."""
        return "15min" if "15min" in self.tiers else self.tiers[-1]


def _read_summary(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ResultsError(
            f"{path}: summary.json is missing. Run the audit again (`eldercare audit ...`) to "
            "write a complete results folder (审计结果不完整)."
        )
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsError(
            f"{path}: cannot be read as JSON ({exc}). Run the audit again to rewrite it."
        ) from exc
    if not isinstance(summary, dict):
        raise ResultsError(f"{path}: expected a JSON object. Run the audit again to rewrite it.")
    for key in ("ruleset", "tiers", "totals"):
        if key not in summary:
            raise ResultsError(
                f"{path}: key {key!r} is missing; the folder was written by an incompatible "
                "version. Run the audit again with this version."
            )
    return summary


def load_results(results_dir: str | Path | Results) -> Results:
    """Load a results folder written by the audit.

    Parameters
    ----------
    results_dir : str, Path or Results
        Folder holding ``results.gpkg`` and ``summary.json``; a :class:`Results` (loaded
        before, or :func:`from_audit`) is returned as it is.

    Returns
    -------
    Results
        Layers in their saved (projected, metric) CRS and the parsed summary.

    Raises
    ------
    ResultsError
        When the folder, a file, a required layer or a required column is missing.
    """
    if isinstance(results_dir, Results):
        return results_dir
    folder = Path(results_dir)
    if not folder.is_dir():
        raise ResultsError(
            f"{folder}: results folder not found. Give the folder the audit wrote "
            "(审计结果目录), e.g. `eldercare map results/`."
        )
    summary = _read_summary(folder / "summary.json")
    tiers = [str(t) for t in summary.get("tiers") or []]
    if not tiers:
        raise ResultsError(f"{folder / 'summary.json'}: 'tiers' is empty; run the audit again.")
    gpkg = folder / "results.gpkg"
    if not gpkg.is_file():
        raise ResultsError(f"{gpkg}: missing. Run the audit again to write the results layers.")
    try:
        available = {str(row[0]) for row in pyogrio.list_layers(gpkg)}
    except Exception as exc:  # pyogrio raises several error types for a damaged file
        raise ResultsError(f"{gpkg}: cannot be opened ({exc}). Run the audit again.") from exc
    missing = [name for name in REQUIRED_LAYERS if name not in available]
    if missing:
        raise ResultsError(
            f"{gpkg}: layer(s) {', '.join(missing)} missing. The folder was written by an "
            "incomplete or incompatible audit; run the audit again."
        )
    results = Results(folder=folder, summary=summary, tiers=tiers)
    for name in (*REQUIRED_LAYERS, *OPTIONAL_LAYERS):
        if name not in available:
            continue
        try:
            gdf = gpd.read_file(gpkg, layer=name)
        except Exception as exc:  # damaged layer
            raise ResultsError(f"{gpkg}, layer {name!r}: cannot be read ({exc}).") from exc
        if name in OPTIONAL_LAYERS and gdf.empty:
            continue
        need = REQUIRED_COLUMNS.get(name, ())
        absent = [c for c in need if c not in gdf.columns]
        if absent:
            raise ResultsError(
                f"{gpkg}, layer {name!r}: column(s) {', '.join(absent)} missing; the folder was "
                "written by an incompatible version. Run the audit again."
            )
        if gdf.crs is None:
            raise ResultsError(
                f"{gpkg}, layer {name!r}: no coordinate reference system (CRS). "
                "Run the audit again; it always writes a projected CRS."
            )
        results.layers[name] = _drawable(gdf)
    logger.debug("loaded results %s: layers %s", folder, sorted(results.layers))
    return results


def _drawable(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the rows with a geometry to draw."""
    keep = gdf.geometry.notna() & ~gdf.geometry.is_empty
    return gdf if keep.all() else gdf[keep].reset_index(drop=True)


def from_audit(audit: Audit, folder: str | Path) -> Results:
    """Return the :class:`Results` of an audit in memory, as :func:`load_results` reads them.

    The layers are the frames ``results.gpkg`` is written from
    (:func:`planning.audit.output.gpkg_layers`) and the summary is ``summary.json``'s content,
    so the maps drawn from either are the same; nothing is read from disk.

    Parameters
    ----------
    audit : Audit
        What :func:`planning.audit.run_audit` returned.
    folder : str or Path
        The results folder the maps are drawn into (the report finds ``gap_map.png`` there).

    Returns
    -------
    Results
    """
    from planning.audit.output import gpkg_layers, summary_dict

    # through JSON, as summary.json is read back: lists, not tuples; str keys; no numpy
    summary = json.loads(json.dumps(summary_dict(audit), ensure_ascii=False))
    tiers = [str(t) for t in summary.get("tiers") or []]
    results = Results(folder=Path(folder), summary=summary, tiers=tiers)
    for name, frame in gpkg_layers(audit):
        if name in OPTIONAL_LAYERS and frame.empty:
            continue
        results.layers[name] = _drawable(frame.reset_index(drop=True))
    return results
