"""The interactive gap map (缺口图): one HTML page built from a saved results folder.

The page (template ``planning/maps/html/gap_map.html.j2`` with its ``gap_map.js`` and
``gap_map.css``) is a small Leaflet application with Leaflet inlined, so it opens from a file or a USB stick without any CDN. Layers: estates coloured by verdict,
facilities by kind, service areas per tier, streets shaded by coverage, proposed sites; a title
box with the headline figures, a legend, a metric scale bar and a type-ahead search by estate
name. With ``basemap="none"`` (the default) the page draws the walking network and rivers as its
own base layer and makes no network request at all.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning import __version__
from planning._templates import element_text, render
from planning.maps import assets, encode
from planning.maps._write import atomic_write_text
from planning.maps.basemaps import Basemap, CoordShift, coordinate_shift, resolve_basemap
from planning.maps.errors import MapOptionsError
from planning.maps.labels import (
    NETWORK_COLOUR,
    RIVER_COLOUR,
    TIER_COLOURS,
    VERDICT_COLOURS,
    Lang,
    all_texts,
    check_lang,
    coverage_classes,
    coverage_colour,
    fmt_int,
    fmt_m2,
    fmt_pct,
    kind_label,
    text,
    tier_label,
    tier_minutes,
    verdict_label,
)
from planning.maps.raster import network_image
from planning.maps.results import Results, load_results
from planning.vocabulary import ESTATE_VERDICTS, FACILITY_KINDS

logger = logging.getLogger(__name__)

#: Simplification tolerances (metres) per layer: small enough to be invisible on the map.
ESTATE_TOLERANCE_M = 0.5
AREA_TOLERANCE_M = 1.0
NETWORK_TOLERANCE_M = 1.0
#: Above this many network edges the offline base layer is drawn as one image (a city-wide
#: network as vectors would make the file tens of MB and slow to open).
NETWORK_VECTOR_LIMIT = 60_000
#: Vertex budget of one merged service-area polygon; larger ones are simplified harder.
AREA_VERTEX_BUDGET = 60_000
#: Holes in a service area smaller than this (m²) are filled on the map: at 50 m street buffers
#: they are slivers, not places anyone lives.
MIN_HOLE_M2 = 2_500.0
#: Street labels are hidden below this zoom level.
LABEL_MIN_ZOOM = 13


def _floats(df: pd.DataFrame, column: str, ndigits: int) -> list[float | None]:
    """Return a column as rounded floats with None for missing (or a column of None)."""
    if column not in df.columns:
        return [None] * len(df)
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    rounded = np.round(values, ndigits)
    return [None if math.isnan(v) else (int(v) if ndigits == 0 else float(v)) for v in rounded]


def _strings(df: pd.DataFrame, column: str) -> list[str]:
    """Return a column as strings with "" for missing (or a column of "")."""
    if column not in df.columns:
        return [""] * len(df)
    return [
        "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
        for v in df[column].tolist()
    ]


def _bools(df: pd.DataFrame, column: str) -> list[bool]:
    if column not in df.columns:
        return [False] * len(df)
    return [bool(v) if v is not None and v == v else False for v in df[column].tolist()]


def _estates_payload(
    gdf: gpd.GeoDataFrame, geoms: np.ndarray, tiers: list[str], origin: tuple[int, int]
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    verdict_keys = list(ESTATE_VERDICTS)
    for v in _strings(gdf, "verdict"):
        if v not in verdict_keys:
            verdict_keys.append(v)
    index = {k: i for i, k in enumerate(verdict_keys)}
    payload: dict[str, Any] = {
        "id": _strings(gdf, "estate_id"),
        "name": _strings(gdf, "name"),
        "street": _strings(gdf, "street"),
        "status": _strings(gdf, "status"),
        "households": _floats(gdf, "households", 0),
        "rate": _floats(gdf, "rate_m2_per_100hh", 1),
        "required_m2": _floats(gdf, "required_m2", 1),
        "onsite_m2": _floats(gdf, "onsite_m2", 1),
        "shared_m2": _floats(gdf, "shared_m2", 1),
        "shortfall_m2": _floats(gdf, "shortfall_m2", 1),
        "verdict": [index[v] for v in _strings(gdf, "verdict")],
        "walk": _floats(gdf, "walk_m", 1),
        "nearest_name": _strings(gdf, "nearest_facility_name"),
        # the nearest facility at any distance (results of older versions: the circle's)
        "walk_any": _floats(gdf, "walk_any_m" if "walk_any_m" in gdf else "walk_m", 1),
        "nearest_any_name": _strings(
            gdf, "nearest_any_name" if "nearest_any_name" in gdf else "nearest_facility_name"
        ),
        "off_network": [not r for r in _bools(gdf, "reachable")]
        if "reachable" in gdf
        else [False] * len(gdf),
        "geom": encode.encode_estate_geometry(geoms, origin),
    }
    for tier in tiers:
        payload[f"walk_{tier}"] = _floats(gdf, f"walk_{tier}_m", 1)
        payload[f"nearest_{tier}"] = _strings(gdf, f"nearest_{tier}_id")
    return payload, [{"key": k} for k in verdict_keys]


def _facilities_payload(
    gdf: gpd.GeoDataFrame | None, shift: CoordShift | None, origin: tuple[int, int], lang: Lang
) -> dict[str, Any]:
    if gdf is None or gdf.empty:
        keys = [
            "id",
            "name",
            "kind",
            "kind_label",
            "planned",
            "floor_m2",
            "land_m2",
            "beds",
            "nursing_beds",
            "street",
            "geom",
        ]
        return {k: [] for k in keys}
    geoms = encode.to_lonlat(gdf, tolerance_m=0, shift=shift)
    kinds = _strings(gdf, "kind")
    return {
        "id": _strings(gdf, "facility_id"),
        "name": _strings(gdf, "name"),
        "kind": kinds,
        "kind_label": [kind_label(k, lang) for k in kinds],
        "planned": [s == "planned" for s in _strings(gdf, "status")],
        "floor_m2": _floats(gdf, "floor_m2", 1),
        "land_m2": _floats(gdf, "land_m2", 1),
        "beds": _floats(gdf, "beds", 0),
        "nursing_beds": _floats(gdf, "nursing_beds", 0),
        "street": _strings(gdf, "street"),
        "geom": encode.encode_points(geoms, origin),
    }


def _streets_payload(
    gdf: gpd.GeoDataFrame | None,
    tiers: list[str],
    main_tier: str,
    shift: CoordShift | None,
    origin: tuple[int, int],
) -> dict[str, Any]:
    if gdf is None or gdf.empty:
        empty: dict[str, Any] = {"name": [], "county": [], "geom": [], "label": [], "colour": []}
        return empty
    geoms = encode.to_lonlat(gdf, tolerance_m=AREA_TOLERANCE_M, shift=shift)
    payload: dict[str, Any] = {
        "name": _strings(gdf, "name"),
        "county": _strings(gdf, "county"),
        "households": _floats(gdf, "households", 0),
        "shortfall_m2": _floats(gdf, "shortfall_m2", 1),
        "estates_area_failing": _floats(gdf, "estates_area_failing", 0),
        "street_centres": _floats(gdf, "street_centres", 0),
        "geom": encode.encode_polygons(geoms, origin),
        "label": encode.encode_points(geoms, origin),
    }
    for tier in tiers:
        payload[f"coverage_{tier}"] = _floats(gdf, f"coverage_{tier}", 4)
    payload["colour"] = [coverage_colour(v) for v in payload[f"coverage_{main_tier}"]]
    return payload


def _simplified_areas(rows: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplify service areas fast and validly, harder for city-wide merged polygons.

    The tolerance grows with the square root of the vertex count beyond the budget: 1 m for a
    district, a few metres for a 500k-node city, still far below what the map shows.
    """
    simplified = []
    for geom in rows.geometry.to_numpy():
        parts = shapely.get_parts(_without_small_holes(geom))
        vertices = max(int(shapely.get_num_coordinates(parts).sum()), 1)
        tolerance = AREA_TOLERANCE_M * max(1.0, (vertices / AREA_VERTEX_BUDGET) ** 0.5)
        # Part by part: GEOS simplifies thousands of small polygons far faster than one
        # multipolygon holding them all (seconds instead of minutes for a city).
        parts = shapely.simplify(parts, tolerance, preserve_topology=True)
        simplified.append(
            shapely.multipolygons(parts) if len(parts) > 1 else parts[0] if len(parts) else geom
        )
    return gpd.GeoDataFrame(geometry=simplified, crs=rows.crs)


def _without_small_holes(geom: Any) -> Any:
    """Fill holes smaller than :data:`MIN_HOLE_M2` (slivers between buffered streets)."""
    if geom is None or geom.is_empty:
        return geom
    polygons = []
    for part in shapely.get_parts(geom):
        holes = [r for r in part.interiors if shapely.Polygon(r).area >= MIN_HOLE_M2]
        polygons.append(shapely.Polygon(part.exterior, holes))
    return shapely.MultiPolygon(polygons) if len(polygons) > 1 else polygons[0]


def _service_area_payload(
    gdf: gpd.GeoDataFrame | None,
    tiers: list[str],
    main_tier: str,
    shift: CoordShift | None,
    origin: tuple[int, int],
    lang: Lang,
) -> list[dict[str, Any]]:
    if gdf is None or gdf.empty:
        return []
    out = []
    tier_col = gdf["tier"].astype(str)
    merged_col = gdf["merged"].astype(bool)
    extra = sorted(set(tier_col) - set(tiers))
    for i, tier in enumerate([*tiers, *extra]):
        rows = gdf[(tier_col == tier) & merged_col]
        if rows.empty:
            rows = gdf[tier_col == tier]
            if rows.empty:
                continue
            rows = gpd.GeoDataFrame(
                geometry=[shapely.union_all(rows.geometry.to_numpy())], crs=gdf.crs
            )
        geoms = encode.to_lonlat(_simplified_areas(rows), tolerance_m=0, shift=shift)
        polygons = [p for feature in encode.encode_polygons(geoms, origin) for p in feature]
        out.append(
            {
                "tier": tier,
                "label": tier_label(tier, lang),
                "colour": TIER_COLOURS[i % len(TIER_COLOURS)],
                "visible": tier == main_tier,
                "geom": polygons,
            }
        )
    return out


def _proposals_payload(
    gdf: gpd.GeoDataFrame | None, shift: CoordShift | None, origin: tuple[int, int], lang: Lang
) -> dict[str, Any] | None:
    if gdf is None or gdf.empty:
        return None
    gdf = gdf.sort_values("rank", kind="stable").reset_index(drop=True)
    geoms = encode.to_lonlat(gdf, tolerance_m=0, shift=shift)
    ranks = _floats(gdf, "rank", 0)
    return {
        "id": _strings(gdf, "candidate_id"),
        "rank": ranks,
        "kind_label": [kind_label(k, lang) for k in _strings(gdf, "kind")],
        "floor_m2": _floats(gdf, "floor_m2", 1),
        "households_new": _floats(gdf, "households_new", 0),
        "estates_compliant_new": _floats(gdf, "estates_compliant_new", 0),
        "cumulative_coverage": _floats(gdf, "cumulative_coverage", 4),
        "icon": [assets.proposal_svg(None if r is None else int(r)) for r in ranks],
        "geom": encode.encode_points(geoms, origin),
    }


def headline_rows(results: Results, lang: Lang) -> list[list[str]]:
    """Return the title box's (label, value) rows from ``summary.json`` totals."""
    totals = results.summary.get("totals", {})
    main = results.main_tier
    coverage = (totals.get("coverage") or {}).get(main)
    rows = [
        [text("estates", lang), fmt_int(totals.get("estates"))],
        [text("households", lang), fmt_int(totals.get("households"))],
        [f"{tier_minutes(main)}{text('coverage', lang)}", fmt_pct(coverage)],
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
    """Return e.g. ``"规则集: 双鸭山市 (shuangyashan)"``."""
    rs = results.summary.get("ruleset") or {}
    name = rs.get("name_zh" if lang == "zh" else "name_en") or rs.get("name_zh") or ""
    ident = rs.get("id") or ""
    sep = ": " if lang == "en" else "："
    return (
        f"{text('ruleset', lang)}{sep}{name} ({ident})"
        if ident
        else f"{text('ruleset', lang)}{sep}{name}"
    )


def build_payload(results: Results, lang: Lang, basemap: Basemap) -> dict[str, Any]:
    """Return the JSON payload the page draws (all coordinates encoded, see :mod:`encode`)."""
    shift = coordinate_shift(basemap)
    tiers = results.tiers
    main = results.main_tier
    estates = results.layers["estates"]
    est_geoms_ll = encode.to_lonlat(estates, tolerance_m=ESTATE_TOLERANCE_M, shift=shift)
    fac = results.layer("facilities")
    everything = [est_geoms_ll]
    if fac is not None and not fac.empty:
        everything.append(encode.to_lonlat(fac, tolerance_m=0, shift=shift))
    all_geoms = np.concatenate(everything) if everything else np.array([], dtype=object)
    origin = encode.origin_of(all_geoms)
    estates_payload, verdicts = _estates_payload(estates, est_geoms_ll, tiers, origin)
    verdict_list = [
        {"label": verdict_label(v["key"], lang), "colour": VERDICT_COLOURS.get(v["key"], "#999999")}
        for v in verdicts
    ]
    counts = pd.Series(_strings(estates, "verdict")).value_counts()
    legend_verdicts = [
        {
            "label": f"{verdict_label(v['key'], lang)} ({int(counts.get(v['key'], 0)):,})",
            "colour": VERDICT_COLOURS.get(v["key"], "#999999"),
        }
        for v in verdicts
    ]
    facilities = _facilities_payload(fac, shift, origin, lang)
    icons = {"other": assets.facility_svg("other")}
    for kind in FACILITY_KINDS:
        icons[kind] = assets.facility_svg(kind)
        icons[f"{kind}|planned"] = assets.facility_svg(kind, planned=True)
    present = set(facilities["kind"])
    legend_kinds = [
        {"label": kind_label(k, lang), "icon": icons[k]} for k in FACILITY_KINDS if k in present
    ]
    if any(facilities["planned"]):
        legend_kinds.append(
            {
                "label": text("planned", lang),
                "icon": assets.facility_svg("community_station", planned=True),
            }
        )
    network = results.layer("network")
    barriers = results.layer("barriers")
    network_lines: list[list[int]] = []
    network_picture: dict[str, Any] | None = None
    if network is not None and len(network) > NETWORK_VECTOR_LIMIT and shift is None:
        network_picture = network_image(network)
    elif network is not None:
        network_lines = encode.encode_lines(
            encode.to_lonlat(network, tolerance_m=NETWORK_TOLERANCE_M, shift=shift), origin
        )
    barrier_polys: list[list[list[int]]] = []
    if barriers is not None:
        geoms = encode.to_lonlat(barriers, tolerance_m=AREA_TOLERANCE_M, shift=shift)
        barrier_polys = [p for f in encode.encode_polygons(geoms, origin) for p in f]
    return {
        "lang": lang,
        "text": all_texts(lang),
        "origin": list(origin),
        "bounds": encode.bounds_latlng(all_geoms),
        "basemap": basemap.to_json(lang),
        "tiers": [{"name": t, "label": tier_label(t, lang)} for t in tiers],
        "search_radius_m": (results.summary.get("parameters") or {}).get("search_radius_m"),
        "main_tier": main,
        "main_tier_label": tier_label(main, lang),
        "label_min_zoom": LABEL_MIN_ZOOM,
        "verdicts": verdict_list,
        "estates": estates_payload,
        "facilities": facilities,
        "icons": icons,
        "streets": _streets_payload(results.layer("streets"), tiers, main, shift, origin),
        "service_areas": _service_area_payload(
            results.layer("service_areas"), tiers, main, shift, origin, lang
        ),
        "proposals": _proposals_payload(results.layer("proposals"), shift, origin, lang),
        "network": network_lines,
        "network_image": network_picture,
        "barriers": barrier_polys,
        "style": {"river": RIVER_COLOUR, "network": NETWORK_COLOUR},
        "title": {
            "heading": text("title", lang),
            "ruleset": ruleset_line(results, lang),
            "rows": headline_rows(results, lang),
        },
        "legend": {
            "verdicts": legend_verdicts,
            "kinds": legend_kinds,
            "coverage": [{"label": lab, "colour": c} for lab, c in coverage_classes()],
            "proposal": assets.proposal_svg(None),
        },
    }


def render_gap_map(
    results_dir: str | Path,
    out_path: str | Path | None = None,
    *,
    lang: str = "zh",
    basemap: str = "none",
    offline: bool | None = None,
    tianditu_key: str | None = None,
) -> Path:
    """Draw the interactive gap map (缺口图) of a saved audit as one HTML file.

    Parameters
    ----------
    results_dir : str or Path
        Results folder written by the audit (``results.gpkg``, ``summary.json``).
    out_path : str or Path, optional
        Where to write; default ``results_dir/gap_map.html``. Written atomically.
    lang : {"zh", "en"}
        Language of labels and popups (names stay as in the data).
    basemap : {"none", "osm", "tianditu", "amap"}
        Background tiles; ``none`` draws the walking network and rivers as the base layer.
        ``amap`` (高德) shifts every overlay to GCJ-02.
    offline : bool, optional
        ``True`` guarantees a page that makes no network request (then only ``basemap="none"``
        is allowed). Default: offline exactly when no online basemap is chosen. Leaflet is
        always inlined, so only the tiles ever come from the internet.
    tianditu_key : str, optional
        天地图 browser key; otherwise ``planning.settings.tianditu_key`` or the environment
        variable ``ELDERCARE_TIANDITU_KEY``.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ResultsError
        The results folder is incomplete.
    MapOptionsError
        Unknown language or basemap, 天地图 without a key, or ``offline=True`` with tiles.
    """
    language = check_lang(lang)
    base = resolve_basemap(basemap, tianditu_key_value=tianditu_key)
    if offline is None:
        offline = not base.online
    if offline and base.online:
        raise MapOptionsError(
            f"offline=True cannot be combined with basemap={basemap!r}, whose tiles come from "
            "the internet; use basemap='none' for an offline map (离线地图)."
        )
    results = load_results(results_dir)
    payload = build_payload(results, language, base)
    title = f"{text('title', language)} · {ruleset_line(results, language)}"
    page = render(
        "maps/html/gap_map.html.j2",
        lang="zh-CN" if language == "zh" else "en",
        version=__version__,
        title=title,
        leaflet_css=element_text(assets.leaflet_css(), "style"),
        payload=payload,
        leaflet_js=element_text(assets.leaflet_js(), "script"),
    )
    target = Path(out_path) if out_path is not None else Path(results_dir) / "gap_map.html"
    atomic_write_text(target, page)
    logger.info("gap map written to %s (%.1f MB)", target, len(page.encode()) / 1e6)
    return target
