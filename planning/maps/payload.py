"""What the gap map's popups, search, labels, title box and legend read (地图数据), by column.

The map's layers (:mod:`planning.maps.geojson`) carry only their geometry and a feature index;
every figure a popup shows sits here once per column (``households[i]`` of estate ``i``), which
keeps a 25,000-estate page small. Numbers are rounded as shown, missing values are ``null``;
the page puts every text into the popup as text, never as HTML.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planning import __version__
from planning.audit.wording import report_date
from planning.maps import assets, encode
from planning.maps.labels import (
    OUTSIDE_OUTLINE,
    OUTSIDE_VERDICTS,
    VERDICT_COLOURS,
    Lang,
    coverage_classes,
    fmt_int,
    fmt_m2,
    fmt_pct,
    kind_label,
    text,
    tier_minutes,
    verdict_label,
)
from planning.maps.results import Results
from planning.vocabulary import ESTATE_VERDICTS, FACILITY_KINDS


def floats(df: pd.DataFrame, column: str, ndigits: int) -> list[float | None]:
    """Return a column as rounded floats with None for missing (or a column of None)."""
    if column not in df.columns:
        return [None] * len(df)
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    rounded = np.round(values, ndigits)
    return [None if math.isnan(v) else (int(v) if ndigits == 0 else float(v)) for v in rounded]


def strings(df: pd.DataFrame, column: str) -> list[str]:
    """Return a column as strings with "" for missing (or a column of "")."""
    if column not in df.columns:
        return [""] * len(df)
    return [
        "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
        for v in df[column].tolist()
    ]


def bools(df: pd.DataFrame, column: str, default: bool = False) -> list[bool]:
    """Return a column as booleans (missing → ``default``)."""
    if column not in df.columns:
        return [default] * len(df)
    return [bool(v) if v is not None and v == v else default for v in df[column].tolist()]


def verdict_keys(estates: pd.DataFrame) -> list[str]:
    """Return the verdicts in legend order, with any unknown one after them."""
    keys = list(ESTATE_VERDICTS)
    for v in strings(estates, "verdict"):
        if v not in keys:
            keys.append(v)
    return keys


def estates_columns(
    gdf: gpd.GeoDataFrame, tiers: list[str], labels_ll: np.ndarray, origin: tuple[int, int]
) -> dict[str, Any]:
    """Per-estate figures of the popups and the search, and one label point per estate."""
    index = {k: i for i, k in enumerate(verdict_keys(gdf))}
    out: dict[str, Any] = {
        "id": strings(gdf, "estate_id"),
        "name": strings(gdf, "name"),
        "street": strings(gdf, "street"),
        "status": strings(gdf, "status"),
        "households": floats(gdf, "households", 0),
        "rate": floats(gdf, "rate_m2_per_100hh", 1),
        "required_m2": floats(gdf, "required_m2", 1),
        "onsite_m2": floats(gdf, "onsite_m2", 1),
        "shared_m2": floats(gdf, "shared_m2", 1),
        "shortfall_m2": floats(gdf, "shortfall_m2", 1),
        # a figure that only reports (仅报告) shows its shortfall but no 不达标
        "area_judged": bools(gdf, "area_judged", default=True),
        "area_ok": bools(gdf, "area_ok", default=True),
        "verdict": [index[v] for v in strings(gdf, "verdict")],
        "walk_any": floats(gdf, "walk_any_m" if "walk_any_m" in gdf else "walk_m", 1),
        "nearest_any_name": strings(
            gdf, "nearest_any_name" if "nearest_any_name" in gdf else "nearest_facility_name"
        ),
        "off_network": [not r for r in bools(gdf, "reachable", default=True)],
        "label": encode.encode_points(labels_ll, origin),
    }
    for tier in tiers:
        out[f"walk_{tier}"] = floats(gdf, f"walk_{tier}_m", 1)
        out[f"nearest_{tier}"] = strings(gdf, f"nearest_{tier}_id")
    return out


def facilities_columns(gdf: gpd.GeoDataFrame | None, lang: Lang) -> dict[str, Any]:
    """Per-facility figures of the popups (the markers carry only their index)."""
    if gdf is None or gdf.empty:
        gdf = gpd.GeoDataFrame({"facility_id": []}, geometry=[])
    kinds = strings(gdf, "kind")
    return {
        "id": strings(gdf, "facility_id"),
        "name": strings(gdf, "name"),
        "kind": kinds,
        "kind_label": [kind_label(k, lang) for k in kinds],
        "planned": [s == "planned" for s in strings(gdf, "status")],
        "floor_m2": floats(gdf, "floor_m2", 1),
        "land_m2": floats(gdf, "land_m2", 1),
        "beds": floats(gdf, "beds", 0),
        "nursing_beds": floats(gdf, "nursing_beds", 0),
        "street": strings(gdf, "street"),
    }


def streets_columns(
    gdf: gpd.GeoDataFrame | None,
    tiers: list[str],
    labels_ll: np.ndarray,
    origin: tuple[int, int],
) -> dict[str, Any]:
    """Per-street figures of the popups and the labels (name and coverage)."""
    if gdf is None or gdf.empty:
        return {"name": [], "county": [], "label": []}
    out: dict[str, Any] = {
        "name": strings(gdf, "name"),
        "county": strings(gdf, "county"),
        "households": floats(gdf, "households", 0),
        "shortfall_m2": floats(gdf, "shortfall_m2", 1),
        "estates_area_failing": floats(gdf, "estates_area_failing", 0),
        "street_centres": floats(gdf, "street_centres", 0),
        "label": encode.encode_points(labels_ll, origin),
    }
    for tier in tiers:
        out[f"coverage_{tier}"] = floats(gdf, f"coverage_{tier}", 4)
    return out


def proposals_columns(gdf: gpd.GeoDataFrame | None, lang: Lang) -> dict[str, Any] | None:
    """Proposed sites in rank order (选址方案), with their numbered star symbol."""
    if gdf is None or gdf.empty:
        return None
    ranks = floats(gdf, "rank", 0)
    return {
        "id": strings(gdf, "candidate_id"),
        "rank": ranks,
        "kind_label": [kind_label(k, lang) for k in strings(gdf, "kind")],
        "floor_m2": floats(gdf, "floor_m2", 1),
        "households_new": floats(gdf, "households_new", 0),
        "estates_compliant_new": floats(gdf, "estates_compliant_new", 0),
        "cumulative_coverage": floats(gdf, "cumulative_coverage", 4),
        "icon": [assets.proposal_svg(None if r is None else int(r)) for r in ranks],
    }


def outside_circle(results: Results) -> tuple[int, int] | None:
    """Estates and households outside the main circle (圈外), from the estates layer."""
    estates = results.layers["estates"]
    column = f"covered_{results.main_tier}"
    if column not in estates:
        return None
    outside = ~estates[column].fillna(False).astype(bool).to_numpy()
    households = pd.to_numeric(estates["households"], errors="coerce").fillna(0).to_numpy()
    return int(outside.sum()), round(float(households[outside].sum()))


def headline_rows(results: Results, lang: Lang) -> list[list[str]]:
    """Return the title box's (label, value) rows from ``summary.json`` totals."""
    totals = results.summary.get("totals", {})
    main = results.main_tier
    coverage = (totals.get("coverage") or {}).get(main)
    rows = [
        [text("estates", lang), fmt_int(totals.get("estates"))],
        [text("households", lang), fmt_int(totals.get("households"))],
        [f"{tier_minutes(main)}{text('coverage', lang)}", fmt_pct(coverage)],
    ]
    outside = outside_circle(results)
    if outside is not None:
        minutes = tier_minutes(main)
        rows.append([text("outside_households", lang).format(m=minutes), fmt_int(outside[1])])
        rows.append([text("outside_estates", lang).format(m=minutes), fmt_int(outside[0])])
    rows += [
        [text("area_failing", lang), fmt_int(totals.get("estates_area_failing"))],
        [text("shortfall", lang), fmt_m2(totals.get("shortfall_m2"))],
    ]
    # coverage on the other walkability profiles audited (步行 / 无障碍)
    own = (results.summary.get("parameters") or {}).get("profile")
    for name, figures in (totals.get("by_profile") or {}).items():
        if name != own:
            share = (figures.get("coverage") or {}).get(main)
            label = f"{text('profile_' + name, lang)}{tier_minutes(main)}{text('coverage', lang)}"
            rows.append([label, fmt_pct(share)])
    unreachable = totals.get("estates_unreachable")
    if unreachable:
        rows.append([text("unreachable", lang), fmt_int(unreachable)])
    siting = results.summary.get("siting") or {}
    after = (siting.get("after") or {}).get("coverage")
    if after is not None:
        rows.append(
            [text("after_siting", lang), f"{fmt_pct(after)} (+{fmt_int(siting.get('selected'))})"]
        )
    return rows


def ruleset_line(results: Results, lang: Lang) -> str:
    """Return e.g. ``"规则集：双鸭山市 (shuangyashan)"``."""
    rs = results.summary.get("ruleset") or {}
    name = rs.get("name_zh" if lang == "zh" else "name_en") or rs.get("name_zh") or ""
    ident = rs.get("id") or ""
    sep = ": " if lang == "en" else "："
    return (
        f"{text('ruleset', lang)}{sep}{name} ({ident})"
        if ident
        else f"{text('ruleset', lang)}{sep}{name}"
    )


def source_names(results: Results) -> list[str]:
    """Return the audit's input files by name (``小区.xlsx``), or what the API was given."""
    names = []
    for key in results.summary.get("inputs") or {}:
        name = Path(str(key)).name
        if name not in names:
            names.append(name)
    return names


def footer_line(results: Results, lang: Lang) -> str:
    """Return the footer of the report and the PNG: date, ruleset, data sources, tool version."""
    sources = "、".join(source_names(results)) if lang == "zh" else ", ".join(source_names(results))
    version = results.summary.get("tool_version") or __version__
    parts = [
        f"{text('date', lang)}{'：' if lang == 'zh' else ': '}{report_date().isoformat()}",
        ruleset_line(results, lang),
        f"{text('sources', lang)}{'：' if lang == 'zh' else ': '}{sources or '–'}",
        f"eldercare-planning {version}",
    ]
    return " · ".join(parts)


def legend(
    results: Results, facilities: dict[str, Any], lang: Lang, *, tiers: list[dict[str, Any]]
) -> dict[str, Any]:
    """Return the legend: verdicts (with counts and outlines), facility kinds, circles, coverage."""
    estates = results.layers["estates"]
    counts = pd.Series(strings(estates, "verdict")).value_counts()
    verdicts = [
        {
            "label": f"{verdict_label(k, lang)} ({int(counts.get(k, 0)):,})",
            "colour": VERDICT_COLOURS.get(k, "#999999"),
            "outline": OUTSIDE_OUTLINE if k in OUTSIDE_VERDICTS else "",
        }
        for k in verdict_keys(estates)
    ]
    present = set(facilities["kind"])
    kinds = [
        {"label": kind_label(k, lang), "icon": assets.facility_svg(k)}
        for k in FACILITY_KINDS
        if k in present
    ]
    if any(facilities["planned"]):
        kinds.append(
            {
                "label": text("planned", lang),
                "icon": assets.facility_svg("community_station", planned=True),
            }
        )
    return {
        "verdicts": verdicts,
        "kinds": kinds,
        "tiers": tiers,
        "coverage": [{"label": lab, "colour": c} for lab, c in coverage_classes()],
        "proposal": assets.proposal_svg(None),
    }


def icons() -> dict[str, str]:
    """Return the facility symbols by kind (``kind|planned`` for planned ones)."""
    out = {"other": assets.facility_svg("other")}
    for kind in FACILITY_KINDS:
        out[kind] = assets.facility_svg(kind)
        out[f"{kind}|planned"] = assets.facility_svg(kind, planned=True)
    return out
