"""The interactive gap map (缺口图): a folium map built from a saved results folder.

:func:`build_gap_map` returns a ``folium.Map`` (what :meth:`planning.results.AuditResult.explore`
shows inline in Jupyter; ``.save()`` writes it); :func:`render_gap_map` writes ``gap_map.html``.
The page works offline: Leaflet and the marker clusters are inlined from installed packages
(:mod:`planning.maps.offline`), and with ``basemap="none"`` the walking network and rivers are
the base layer, so it opens from a file or a USB stick without any request.

Layers: estates by verdict (colour-blind-safe fills; a dark outline for those outside the
circle), the aggregated gap layer (households outside the circle per hexagon) at city zoom,
facilities by kind clustered at low zoom, the 5/10/15-minute service areas, streets shaded by
coverage with their names, proposed sites, and the offline network (kept as an overlay under an
online basemap). Panels: a collapsible title box with the headline figures and the households
and estates outside the 15-minute circle, a collapsible legend, search by estate name, estate
names from zoom 16, a metric scale bar, and an A3 landscape print layout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd
from folium.plugins import FastMarkerCluster
from folium.utilities import JsCode

from planning import __version__
from planning.maps import encode, payload
from planning.maps._write import atomic_write_text
from planning.maps.basemaps import Basemap, coordinate_shift, resolve_basemap
from planning.maps.elements import (
    AppAssets,
    AppControl,
    AppLayer,
    CompactGeoJson,
    EstateLabels,
    Group,
    Legend,
    PrintLayout,
    SearchBox,
    TitleBox,
    facility_rows,
)
from planning.maps.errors import MapOptionsError
from planning.maps.hexgrid import gap_hexagons
from planning.maps.labels import (
    NETWORK_COLOUR,
    OUTSIDE_OUTLINE,
    OUTSIDE_VERDICTS,
    RIVER_COLOUR,
    TIER_COLOURS,
    VERDICT_COLOURS,
    Lang,
    all_texts,
    check_lang,
    coverage_colour,
    text,
    tier_label,
    verdict_label,
)
from planning.maps.offline import OfflineFigure
from planning.maps.raster import network_image
from planning.maps.results import Results, load_results
from planning.maps.shapes import (
    AREA_TOLERANCE_M,
    ESTATE_TOLERANCE_M,
    NETWORK_TOLERANCE_M,
    tier_areas,
)

headline_rows = payload.headline_rows
ruleset_line = payload.ruleset_line

__all__ = [
    "NETWORK_VECTOR_LIMIT",
    "build_gap_map",
    "headline_rows",
    "render_gap_map",
    "ruleset_line",
]

logger = logging.getLogger(__name__)

#: Above this many network edges the offline base layer is drawn as one image (a city-wide
#: network as vectors would make the file tens of MB and slow to open).
NETWORK_VECTOR_LIMIT = 60_000
#: Zoom levels: street labels from, estate names from, the gap hexagons below, icons unclustered.
ZOOM = {"street_labels": 13, "estate_labels": 16, "gap_max": 14, "cluster_off": 15}
#: Map panes (drawing order, and whether they take clicks).
PANES = (
    ("gmNet", 250, False),
    ("gmStreet", 300, False),
    ("gmArea", 350, False),
    ("gmGap", 380, True),
    ("gmEstate", 420, True),
    ("gmLabel", 460, True),
)


def _fixed_style(style: dict[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Return a style function giving every feature ``style``."""

    def styler(feature: dict[str, Any]) -> dict[str, Any]:
        return dict(style)

    return styler


def _estate_style(feature: dict[str, Any]) -> dict[str, Any]:
    verdict = feature["properties"]["verdict"]
    outside = verdict in OUTSIDE_VERDICTS
    return {
        "fillColor": VERDICT_COLOURS.get(verdict, "#999999"),
        "fillOpacity": 0.8,
        # outside the circle: a thick dark outline, readable without telling colours apart
        "color": OUTSIDE_OUTLINE if outside else "#333333",
        "weight": 2.2 if outside else 0.7,
    }


def _street_style(feature: dict[str, Any]) -> dict[str, Any]:
    return {
        "fillColor": feature["properties"]["colour"],
        "fillOpacity": 0.3,
        "color": "#555555",
        "weight": 1.2,
        "dashArray": "4 3",
    }


def _gap_style(feature: dict[str, Any]) -> dict[str, Any]:
    return {
        "fillColor": feature["properties"]["colour"],
        "fillOpacity": 0.62,
        "color": "#7a0000",
        "weight": 0.6,
    }


def _network_base(m: folium.Map, results: Results, base: Basemap, shift: Any,
                  origin: tuple[int, int], lang: Lang) -> dict[str, Any]:  # fmt: skip
    """Draw the offline network and rivers: the base layer, or an overlay under online tiles."""
    online = base.online
    name = text("network_offline" if online else "base_network", lang)
    group = Group(name, overlay=online, show=True)
    barriers = results.layer("barriers")
    if barriers is not None:
        CompactGeoJson(
            encode.to_lonlat(barriers, tolerance_m=AREA_TOLERANCE_M, shift=shift), origin,
            name="barriers", control=False, pane="gmNet", interactive=False,
            style_function=_fixed_style({"fillColor": RIVER_COLOUR, "color": RIVER_COLOUR,
                                         "fillOpacity": 0.85, "weight": 1}),
        ).add_to(group)  # fmt: skip
    network = results.layer("network")
    picture = None
    if network is not None and len(network) > NETWORK_VECTOR_LIMIT and shift is None:
        picture = network_image(network)
        AppLayer("network_image", "network_image", control=False).add_to(group)
    elif network is not None:
        CompactGeoJson(
            encode.to_lonlat(network, tolerance_m=NETWORK_TOLERANCE_M, shift=shift), origin,
            name="network", lines=True, control=False, pane="gmNet", interactive=False,
            style_function=_fixed_style({"color": NETWORK_COLOUR, "weight": 1.2, "opacity": 0.9}),
        ).add_to(group)  # fmt: skip
    if online:
        for tile in base.tiles:
            folium.TileLayer(
                tiles=tile.url, attr=tile.options.get("attribution", ""),
                name=base.label_zh if lang == "zh" else base.label_en,
                overlay=False, control=tile is base.tiles[0],
                max_zoom=tile.options.get("maxZoom", 18),
                subdomains=tile.options.get("subdomains", "abc"),
            ).add_to(m)  # fmt: skip
    group.add_to(m)
    if not online:
        Group(text("base_blank", lang), overlay=False, show=False).add_to(m)
    return {
        "barriers": barriers is not None,
        "network": network is not None,
        "picture": picture,
    }


def _service_areas(m: folium.Map, results: Results, shift: Any, origin: tuple[int, int],
                   lang: Lang) -> list[dict[str, str]]:  # fmt: skip
    areas = results.layer("service_areas")
    legend: list[dict[str, str]] = []
    if areas is None:
        return legend
    tiers = results.tiers
    extra = sorted(set(areas["tier"].astype(str)) - set(tiers))
    for i, tier in enumerate([*tiers, *extra]):
        parts = tier_areas(areas, tier, shift)
        if parts is None:
            continue
        colour = TIER_COLOURS[i % len(TIER_COLOURS)]
        # filled with its holes (blocks the walk does not enter), outlined on its outer edge only
        CompactGeoJson(
            parts, origin, name=tier_label(tier, lang), show=tier == results.main_tier,
            pane="gmArea", interactive=False,
            style_function=_fixed_style({"stroke": False, "fillColor": colour, "fillOpacity": 0.14}),
            outline={"color": colour, "weight": 1.6, "fill": False},
        ).add_to(m)  # fmt: skip
        legend.append({"label": tier_label(tier, lang), "colour": colour})
    return legend


def _streets(m: folium.Map, results: Results, shift: Any, origin: tuple[int, int],
             lang: Lang) -> dict[str, Any]:  # fmt: skip
    streets = results.layer("streets")
    if streets is None or streets.empty:
        return payload.streets_columns(None, results.tiers, np.array([]), origin)
    lonlat = encode.to_lonlat(streets, tolerance_m=AREA_TOLERANCE_M, shift=shift)
    columns = payload.streets_columns(streets, results.tiers, lonlat, origin)
    shares = columns.get(f"coverage_{results.main_tier}", [None] * len(streets))
    group = Group(text("streets", lang))
    CompactGeoJson(
        lonlat, origin, name="street_areas", control=False, pane="gmStreet", interactive=False,
        properties=pd.DataFrame({"colour": [coverage_colour(v) for v in shares]}),
        style_function=_street_style,
    ).add_to(group)  # fmt: skip
    AppLayer("street_labels", "street_labels", control=False).add_to(group)
    group.add_to(m)
    return columns


def build_gap_map(
    results: Results | str | Path,
    *,
    lang: str = "zh",
    basemap: str = "none",
    offline: bool | None = None,
    tianditu_key: str | None = None,
    height: int | None = None,
) -> folium.Map:
    """Build the gap map of a saved audit as a ``folium.Map`` (see the module docstring).

    Parameters
    ----------
    results : Results, str or Path
        A results folder (or what :func:`planning.maps.results.load_results` read from one).
    lang : {"zh", "en"}
        Language of labels and popups (names stay as in the data).
    basemap : {"none", "osm", "tianditu", "amap"}
        Background tiles; ``none`` draws the walking network and rivers as the base layer.
        ``amap`` (高德) shifts every overlay to GCJ-02.
    offline : bool, optional
        ``True`` guarantees a page that makes no network request (then only ``basemap="none"``
        is allowed). Default: offline exactly when no online basemap is chosen.
    tianditu_key : str, optional
        天地图 browser key; otherwise ``planning.settings.tianditu_key`` or
        ``ELDERCARE_TIANDITU_KEY``.
    height : int, optional
        Height in pixels when shown inline in Jupyter.

    Returns
    -------
    folium.Map
        Shows inline in Jupyter; ``.save(path)`` writes the offline page.

    Raises
    ------
    ResultsError
        The results folder is incomplete.
    MapOptionsError
        Unknown language or basemap, 天地图 without a key, or ``offline=True`` with tiles.
    """
    language = check_lang(lang)
    base = resolve_basemap(basemap, tianditu_key_value=tianditu_key)
    if offline and base.online:
        raise MapOptionsError(
            f"offline=True cannot be combined with basemap={basemap!r}, whose tiles come from "
            "the internet; use basemap='none' for an offline map (离线地图)."
        )
    res = results if isinstance(results, Results) else load_results(results)
    shift = coordinate_shift(base)
    estates = res.layers["estates"]
    est_ll = encode.to_lonlat(estates, tolerance_m=ESTATE_TOLERANCE_M, shift=shift)
    fac = res.layer("facilities")
    fac_ll = (
        encode.to_lonlat(fac, tolerance_m=0, shift=shift)
        if fac is not None
        else np.array([], dtype=object)
    )
    everything = np.concatenate([est_ll, fac_ll]) if len(fac_ll) else est_ll
    origin = encode.origin_of(everything)
    bounds = encode.bounds_latlng(everything)

    title = f"{text('title', language)} · {ruleset_line(res, language)}"
    figure = OfflineFigure(
        title=title,
        lang="zh-CN" if language == "zh" else "en",
        height=None if height is None else f"{int(height)}px",
    )
    m = folium.Map(location=None, tiles=None, prefer_canvas=True, control_scale=False,
                   zoom_control=True)  # fmt: skip
    m.options["max_zoom"] = 19  # the marker clusters need the map's (not a tile layer's)
    figure.add_child(m)
    if bounds is not None:
        # the opening view first, so the layers are drawn once, at the zoom they open at
        m.fit_bounds(bounds, padding=(20, 20))
    for name, z, events in PANES:
        folium.map.CustomPane(name, z_index=z, pointer_events=events).add_to(m)
    data: dict[str, Any] = {}
    AppAssets(data).add_to(m)  # filled below; rendered when the page is

    has = _network_base(m, res, base, shift, origin, language)
    data["streets"] = _streets(m, res, shift, origin, language)
    tiers_legend = _service_areas(m, res, shift, origin, language)

    hexagons, gap_classes = gap_hexagons(estates, f"covered_{res.main_tier}")
    if len(hexagons):
        CompactGeoJson(
            encode.to_lonlat(hexagons, tolerance_m=0, shift=shift), origin,
            name=text("gap_layer", language), pane="gmGap", handler="gap",
            properties=hexagons[["colour"]], style_function=_gap_style,
        ).add_to(m)  # fmt: skip
    data["gap"] = {
        k: hexagons[k].astype(int).tolist() if k in hexagons else []
        for k in ("households_outside", "estates_outside", "households")
    }

    CompactGeoJson(
        est_ll, origin, name=text("estates", language), pane="gmEstate", handler="estate",
        properties=pd.DataFrame({"verdict": payload.strings(estates, "verdict")}),
        style_function=_estate_style,
    ).add_to(m)  # fmt: skip

    facilities = payload.facilities_columns(fac, language)
    if len(fac_ll):
        reps = [p.representative_point() for p in fac_ll]
        FastMarkerCluster(
            facility_rows([(p.y, p.x) for p in reps]),
            callback="GapMap.facilityMarker",
            name=text("facilities", language),
            icon_create_function="GapMap.clusterIcon",
            disableClusteringAtZoom=ZOOM["cluster_off"],
            maxClusterRadius=JsCode("GapMap.clusterRadius"),
            showCoverageOnHover=False,
            chunkedLoading=True,
        ).add_to(m)  # fmt: skip
    proposals = payload.proposals_columns(res.layer("proposals"), language)
    if proposals is not None:
        props = res.layers["proposals"]
        proposals["geom"] = encode.encode_points(
            encode.to_lonlat(props, tolerance_m=0, shift=shift), origin
        )
        AppLayer("proposals", text("proposals", language)).add_to(m)

    for element in (TitleBox(), Legend(), SearchBox(), EstateLabels(), PrintLayout(),
                    AppControl("zoom"), AppControl("scale")):  # fmt: skip
        element.add_to(m)
    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    AppControl("ready").add_to(m)

    data.update(
        {
            "lang": language,
            "text": all_texts(language),
            "origin": list(origin),
            "bounds": bounds,
            "tiers": [{"name": t, "label": tier_label(t, language)} for t in res.tiers],
            "main_tier": res.main_tier,
            "main_tier_label": tier_label(res.main_tier, language),
            "search_radius_m": (res.summary.get("parameters") or {}).get("search_radius_m"),
            "zoom": ZOOM,
            "verdicts": [
                {"label": verdict_label(k, language), "colour": VERDICT_COLOURS.get(k, "#999999")}
                for k in payload.verdict_keys(estates)
            ],
            "estates": payload.estates_columns(estates, res.tiers, est_ll, origin),
            "facilities": facilities,
            "icons": payload.icons(),
            "proposals": proposals,
            "network_image": has["picture"],
            "style": {"river": RIVER_COLOUR, "network": NETWORK_COLOUR},
            "has": {"barriers": has["barriers"], "network": has["network"]},
            "title": {
                "heading": text("title", language),
                "ruleset": ruleset_line(res, language),
                "rows": headline_rows(res, language),
            },
            "legend": {
                **payload.legend(res, facilities, language, tiers=tiers_legend),
                "gap": gap_classes,
            },
        }
    )
    return m


def render_gap_map(
    results_dir: str | Path | Results,
    out_path: str | Path | None = None,
    *,
    lang: str = "zh",
    basemap: str = "none",
    offline: bool | None = None,
    tianditu_key: str | None = None,
) -> Path:
    """Write the interactive gap map (缺口图) of a saved audit as one HTML file.

    Parameters are those of :func:`build_gap_map`; ``out_path`` defaults to
    ``results_dir/gap_map.html`` and is written atomically.

    Returns
    -------
    Path
        The written file.
    """
    m = build_gap_map(
        results_dir, lang=lang, basemap=basemap, offline=offline, tianditu_key=tianditu_key
    )
    page = m.get_root().render()
    target = Path(out_path) if out_path is not None else Path(results_dir) / "gap_map.html"
    atomic_write_text(target, page)
    logger.info("gap map written to %s (%.1f MB, folium, %s)", target, len(page.encode()) / 1e6,
                __version__)  # fmt: skip
    return target
