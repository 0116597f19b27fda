"""The gap map's folium elements (地图要素): compact GeoJSON layers, panels, search, labels.

Every element is a folium ``MacroElement`` (so a notebook user can add, remove or restyle them
on the map :meth:`planning.results.AuditResult.explore` returns) rendered through
:class:`planning.maps.offline.RawMacro` from templates in ``maps/html/``. The behaviour lives in
``maps/html/gap_map.js`` (inlined once by :class:`AppAssets`): popups put every name in as text,
never as HTML.

:class:`CompactGeoJson` is a ``folium.GeoJson`` with a ``style_function`` like any other, whose
features travel as integer micro-degree offsets (:mod:`planning.maps.encode`) instead of decimal
GeoJSON, so 25,000 estates stay a few megabytes; the page turns them back into GeoJSON for
``L.geoJSON``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely
from folium.elements import ElementAddToElement
from folium.utilities import get_obj_in_upper_tree

from planning.maps import encode
from planning.maps.offline import RawMacro


class AppAssets(RawMacro):
    """The page's stylesheet, script library and data (``<script id="gap-data">``)."""

    template_name = "maps/html/el_assets.html.j2"

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__()
        self.payload = payload


class AppControl(RawMacro):
    """One of the page's panels or behaviours, created by ``GapMap.control(kind, map)``.

    Parameters
    ----------
    kind : str
        ``title`` (title box with the headline figures), ``legend``, ``search`` (estate names),
        ``labels`` (estate names from a zoom level), ``print`` (A3 landscape layout),
        ``zoom`` (what shows at which zoom), ``scale`` (metric scale bar) or ``ready``.
    """

    template_name = "maps/html/el_control.js.j2"
    KINDS = ("title", "legend", "search", "labels", "print", "zoom", "scale", "ready")

    def __init__(self, kind: str) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown control {kind!r}; one of {', '.join(self.KINDS)}")
        super().__init__()
        self.kind = kind


class TitleBox(AppControl):
    """The collapsible title box: title, ruleset and headline figures (标题与主要指标)."""

    def __init__(self) -> None:
        super().__init__("title")


class Legend(AppControl):
    """The collapsible legend (图例), collapsed at first on small screens."""

    def __init__(self) -> None:
        super().__init__("legend")


class SearchBox(AppControl):
    """Type-ahead search by estate name or id (小区搜索); Enter or a click zooms to it."""

    def __init__(self) -> None:
        super().__init__("search")


class EstateLabels(AppControl):
    """Estate names on the map from a zoom level (小区名称标注), drawn for the view only."""

    def __init__(self) -> None:
        super().__init__("labels")


class PrintLayout(AppControl):
    """A3 landscape print layout: controls hidden, title and legend kept, whole district."""

    def __init__(self) -> None:
        super().__init__("print")


class AppLayer(RawMacro, folium.FeatureGroup):
    """A layer the page builds from its data (facility icons, proposals, street labels).

    Parameters
    ----------
    kind : str
        ``proposals`` or ``street_labels``.
    name : str
        Name in the layer control.
    control, show : bool
        As for ``folium.FeatureGroup``.
    """

    template_name = "maps/html/el_layer.js.j2"

    def __init__(self, kind: str, name: str, *, control: bool = True, show: bool = True) -> None:
        folium.FeatureGroup.__init__(self, name=name, control=control, show=show)
        self._name = "AppLayer"
        self.kind = kind

    def render(self, **kwargs: Any) -> str:
        """Add the layer, then draw it (``show`` as in folium)."""
        _add_when_shown(self)
        return RawMacro.render(self, **kwargs)


class Group(RawMacro, folium.FeatureGroup):
    """A ``folium.FeatureGroup`` rendered once (its children are compact layers)."""

    template_name = "maps/html/el_group.js.j2"

    def __init__(self, name: str, *, overlay: bool = True, control: bool = True,
                 show: bool = True) -> None:  # fmt: skip
        folium.FeatureGroup.__init__(self, name=name, overlay=overlay, control=control, show=show)
        self._name = "Group"

    def render(self, **kwargs: Any) -> str:
        """Add the group when shown, then its children."""
        _add_when_shown(self)
        return RawMacro.render(self, **kwargs)


def _add_when_shown(layer: Any) -> None:
    if layer.show:
        layer.add_child(
            ElementAddToElement(
                element_name=layer.get_name(), element_parent_name=layer._parent.get_name()
            ),
            name=layer.get_name() + "_add",
        )


class CompactGeoJson(RawMacro, folium.GeoJson):
    """A ``folium.GeoJson`` layer whose coordinates travel compactly (see the module docstring).

    Parameters
    ----------
    geometries : array of shapely geometries
        In WGS-84 longitude/latitude (shifted to GCJ-02 for 高德 tiles).
    origin : (int, int)
        Micro-degree origin of the page's encoding.
    name : str
        Name in the layer control.
    properties : DataFrame, optional
        Columns each feature carries (what ``style_function`` reads); feature ``id`` is the row.
    style_function : callable, optional
        Feature → Leaflet path options (``fillColor``, ``color``, ``weight`` …), as in folium.
    handler : str, optional
        Name of the page's per-feature function (``estate``, ``street``, ``gap``): popups.
    lines : bool
        Draw the geometries as lines (one feature holding every line: the walking network).
    outline : dict, optional
        Path options of a line along each polygon's outer ring (drawn by the page from the same
        coordinates): a service area outlined on its outer edge only, its holes filled but not
        outlined.
    pane : str, optional
        Map pane (drawing order).
    interactive : bool
        Whether features react to the mouse.
    overlay, control, show : bool
        As for ``folium.GeoJson``.
    """

    template_name = "maps/html/el_geojson.js.j2"

    def __init__(
        self,
        geometries: np.ndarray,
        origin: tuple[int, int],
        *,
        name: str,
        properties: pd.DataFrame | None = None,
        style_function: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        handler: str | None = None,
        lines: bool = False,
        outline: dict[str, Any] | None = None,
        pane: str | None = None,
        interactive: bool = True,
        overlay: bool = True,
        control: bool = True,
        show: bool = True,
    ) -> None:
        geoms = np.asarray(geometries, dtype=object)
        self.origin = origin
        self.lines = lines
        self.outline = outline
        self.handler = handler
        if lines:
            self.encoded: list[Any] = [encode.encode_lines(geoms, origin)]
            geojson = [json.loads(shapely.to_geojson(shapely.multilinestrings(
                shapely.get_parts(geoms))))] if len(geoms) else [None]  # fmt: skip
        else:
            self.encoded = encode.encode_estate_geometry(geoms, origin)
            geojson = [json.loads(g) for g in shapely.to_geojson(geoms)] if len(geoms) else []
        props = properties.to_dict("records") if properties is not None else None
        features = [
            {
                "type": "Feature",
                "id": i,
                "properties": props[i] if props is not None and not lines else {},
                "geometry": g,
            }
            for i, g in enumerate(geojson)
        ]
        folium.GeoJson.__init__(
            self,
            {"type": "FeatureCollection", "features": features},
            style_function=style_function,
            name=name,
            overlay=overlay,
            control=control,
            show=show,
            interactive=interactive,
        )
        if pane:
            self.options["pane"] = pane
        self._name = "CompactGeoJson"

    def styles(self) -> tuple[list[dict[str, Any]], list[int] | int]:
        """Distinct styles and each feature's (one index when every feature shares it)."""
        if not self.style:
            return [], 0
        table: dict[str, int] = {}
        styles: list[dict[str, Any]] = []
        index: list[int] = []
        for feature in self.data["features"]:
            style = self.style_function(feature)
            key = json.dumps(style, sort_keys=True)
            if key not in table:
                table[key] = len(styles)
                styles.append(style)
            index.append(table[key])
        return styles, (index[0] if len(styles) == 1 else index)

    def spec(self) -> dict[str, Any]:
        """Return what the page's ``GapMap.geoJson`` builds the layer from."""
        styles, index = self.styles()
        return {
            "origin": list(self.origin),
            "geoms": self.encoded,
            "lines": self.lines,
            "outline": self.outline,
            "styles": styles,
            "style": index,
            "handler": self.handler,
            "options": self.options,
        }

    def render(self, **kwargs: Any) -> str:
        """Add the layer when shown, then draw it from :meth:`spec`."""
        self.map_name = get_obj_in_upper_tree(self, folium.Map).get_name()
        _add_when_shown(self)
        return RawMacro.render(self, **kwargs)


def facility_rows(latlon: Sequence[tuple[float, float]]) -> list[list[float]]:
    """``[lat, lon, index]`` rows for ``FastMarkerCluster`` (popups read the page's data)."""
    return [[round(lat, 6), round(lon, 6), i] for i, (lat, lon) in enumerate(latlon)]
