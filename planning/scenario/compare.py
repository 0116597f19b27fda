"""Before and after (方案对比): two results folders side by side (``eldercare compare A B``).

Writes, into its own folder (default ``B/compare/``):

- ``compare_totals.csv`` — every headline figure of ``summary.json`` in A and in B and the
  difference;
- ``compare_estates.csv`` — every estate of either folder with its verdict, walk and floor-area
  shortfall in A and in B, and whether its verdict changed (estates only one folder has, e.g.
  a planned estate, show as added or removed);
- ``compare_map.html`` — an offline map of the estates whose verdict changed, coloured by their
  verdict in B, with A's in the popup.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planning import __version__
from planning._errors import ResultsError
from planning._templates import element_text, render
from planning.io.cells import csv_safe
from planning.io.transaction import output_transaction
from planning.maps import assets
from planning.maps.labels import VERDICT_COLOURS
from planning.vocabulary import ESTATE_VERDICTS, label

#: Files a comparison writes (its folder holds nothing else of ours).
COMPARE_FILES = frozenset({"compare_totals.csv", "compare_estates.csv", "compare_map.html"})
_ESTATE_COLUMNS = ("verdict", "walk_m", "shortfall_m2", "households")


def _load(folder: Path) -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    summary_path, gpkg = folder / "summary.json", folder / "results.gpkg"
    if not summary_path.is_file() or not gpkg.is_file():
        raise ResultsError(
            f"{folder} is not a results folder (no summary.json or results.gpkg); give folders "
            "written by eldercare audit, site or a saved scenario."
        )
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    estates = gpd.read_file(gpkg, layer="estates")
    return summary, estates


def _flatten(totals: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Numbers of the totals as ``coverage.15min`` → value (lists and texts left out)."""
    out: dict[str, float] = {}
    for key, value in totals.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def totals_table(a: dict[str, Any], b: dict[str, Any]) -> pd.DataFrame:
    """Every headline number of two summaries: ``figure``, ``a``, ``b``, ``difference``.

    Examples
    --------
    >>> t = totals_table({"coverage": {"15min": 0.8}}, {"coverage": {"15min": 0.9}})
    >>> t.to_dict("records")
    [{'figure': 'coverage.15min', 'a': 0.8, 'b': 0.9, 'difference': 0.1}]
    """
    fa, fb = _flatten(a), _flatten(b)
    names = list(dict.fromkeys([*fa, *fb]))
    rows = []
    for name in names:
        x, y = fa.get(name, np.nan), fb.get(name, np.nan)
        rows.append({"figure": name, "a": x, "b": y, "difference": round(y - x, 6)})
    return pd.DataFrame(rows, columns=["figure", "a", "b", "difference"])


def estates_table(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Estates of A and B side by side (outer join on ``estate_id``), with ``change``.

    ``change`` is ``same``, ``changed`` (the verdict differs), ``added`` (only in B) or
    ``removed`` (only in A).
    """
    keep = ["estate_id", "name", *_ESTATE_COLUMNS]
    left = pd.DataFrame(a[[c for c in keep if c in a]]).set_index("estate_id")
    right = pd.DataFrame(b[[c for c in keep if c in b]]).set_index("estate_id")
    both = left.add_suffix("_a").join(right.add_suffix("_b"), how="outer")
    both["name"] = both["name_b"].fillna(both["name_a"])
    in_a, in_b = both["verdict_a"].notna(), both["verdict_b"].notna()
    both["change"] = np.select(
        [in_a & ~in_b, ~in_a & in_b, both["verdict_a"].ne(both["verdict_b"])],
        ["removed", "added", "changed"],
        "same",
    )
    columns = ["name", *(f"{c}_{s}" for c in _ESTATE_COLUMNS for s in "ab"), "change"]
    table = both[columns].reset_index()
    geometry = pd.concat([b.set_index("estate_id").geometry, a.set_index("estate_id").geometry])
    geometry = geometry[~geometry.index.duplicated()]
    return gpd.GeoDataFrame(
        table, geometry=geometry.reindex(table["estate_id"]).to_numpy(), crs=b.crs or a.crs
    )


def compare_results(
    folder_a: str | Path, folder_b: str | Path, out: str | Path | None = None
) -> dict[str, Any]:
    """Compare two results folders and write the tables and the map (one transaction).

    Parameters
    ----------
    folder_a, folder_b : path-like
        The "before" and "after" results folders (the base audit and a scenario, say).
    out : path-like, optional
        Where to write; ``<folder_b>/compare`` by default.

    Returns
    -------
    dict
        ``folder``, ``files``, ``changed`` (number of estates whose verdict changed, added or
        removed) and ``totals`` (the totals table as records).
    """
    a, b = Path(folder_a), Path(folder_b)
    summary_a, estates_a = _load(a)
    summary_b, estates_b = _load(b)
    target = Path(out) if out is not None else b / "compare"
    totals = totals_table(summary_a.get("totals", {}), summary_b.get("totals", {}))
    estates = estates_table(estates_a, estates_b)
    moved = estates[estates["change"].ne("same")]
    with output_transaction(target, owns=COMPARE_FILES, inputs=[a / "summary.json",
                                                                b / "summary.json"]) as staging:  # fmt: skip
        csv_safe(totals).to_csv(staging / "compare_totals.csv", index=False, encoding="utf-8-sig")
        table = csv_safe(pd.DataFrame(estates.drop(columns="geometry")))
        table.to_csv(staging / "compare_estates.csv", index=False, encoding="utf-8-sig")
        page = compare_map(moved, a.name, b.name, totals)
        (staging / "compare_map.html").write_text(page, encoding="utf-8")
    return {
        "folder": str(target),
        "files": sorted(COMPARE_FILES),
        "changed": len(moved),
        "totals": totals.to_dict("records"),
    }


def compare_map(changed: gpd.GeoDataFrame, name_a: str, name_b: str, totals: pd.DataFrame) -> str:
    """Return the offline map of the changed estates (coloured by their verdict in B)."""
    points = changed.geometry.representative_point()
    lonlat = points.to_crs(4326) if len(changed) and changed.crs is not None else points
    words = {k: label(ESTATE_VERDICTS, k, "zh") for k in ESTATE_VERDICTS}
    rows = [
        {"id": str(r.estate_id), "name": str(r.name), "change": str(r.change),
         "a": None if pd.isna(r.verdict_a) else str(r.verdict_a),
         "b": None if pd.isna(r.verdict_b) else str(r.verdict_b),
         "lon": round(float(p.x), 6), "lat": round(float(p.y), 6)}
        for r, p in zip(changed.itertuples(), lonlat, strict=True)
    ]  # fmt: skip
    headline = totals[totals["figure"].str.startswith(("coverage.", "estates_area_failing"))]
    return render(
        "scenario/html/compare.html.j2",
        leaflet_css=element_text(assets.leaflet_css(), "style"),
        leaflet_js=element_text(assets.leaflet_js(), "script"),
        version=__version__,
        name_a=name_a,
        name_b=name_b,
        payload={"estates": rows, "verdicts": words, "colours": VERDICT_COLOURS},
        headline=headline.to_dict("records"),
    )
