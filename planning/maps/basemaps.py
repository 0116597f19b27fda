"""Background maps (底图) for the web gap map.

``none``
    No tiles: the page draws the walking network and rivers as its own light base layer and makes
    no network request at all (离线底图).
``osm``
    OpenStreetMap tiles (WGS-84).
``tianditu``
    天地图 vector tiles with Chinese annotation (CGCS2000, treated as WGS-84). Needs a browser
    key (tk) from https://console.tianditu.gov.cn: the ``tianditu_key`` argument,
    ``planning.settings.tianditu_key`` or the ``ELDERCARE_TIANDITU_KEY`` environment variable.
    The key is written into the page, as every web map using 天地图 must do.
``amap``
    高德 (AutoNavi) tiles, which are drawn in the GCJ-02 datum: every overlay coordinate is shifted
    WGS-84 → GCJ-02 so the overlays line up with the tiles.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planning import settings
from planning._errors import param
from planning.maps.errors import MapOptionsError

BASEMAPS = ("none", "osm", "tianditu", "amap")
KEY_ENV = "ELDERCARE_TIANDITU_KEY"

_TIANDITU_URL = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)


@dataclass(frozen=True)
class TileLayer:
    """One Leaflet tile layer: URL template and options (passed to ``L.tileLayer``)."""

    url: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Basemap:
    """A resolved basemap choice.

    Attributes
    ----------
    name : str
        One of :data:`BASEMAPS`.
    label_zh, label_en : str
        Name in the layer control.
    tiles : tuple of TileLayer
        Tile layers stacked in this order (empty for ``none``).
    gcj02 : bool
        Whether overlays must be shifted WGS-84 → GCJ-02 (高德).
    """

    name: str
    label_zh: str
    label_en: str
    tiles: tuple[TileLayer, ...] = ()
    gcj02: bool = False

    @property
    def online(self) -> bool:
        """Whether the basemap loads tiles from the internet."""
        return bool(self.tiles)

    def to_json(self, lang: str) -> dict[str, Any]:
        """Return the page's description of this basemap."""
        return {
            "name": self.name,
            "label": self.label_zh if lang == "zh" else self.label_en,
            "tiles": [{"url": t.url, "options": t.options} for t in self.tiles],
        }


def tianditu_key(explicit: str | None = None) -> str:
    """Find the 天地图 key: argument, then settings, then ``ELDERCARE_TIANDITU_KEY``.

    Raises
    ------
    MapOptionsError
        When no key is set, or it has characters a key never has.
    """
    key = explicit or getattr(settings, "tianditu_key", None) or os.environ.get(KEY_ENV)
    if not key:
        raise MapOptionsError(
            "basemap 'tianditu' needs a 天地图 browser key (tk). Apply for one at "
            f"https://console.tianditu.gov.cn, then give it with {param('tianditu_key', 'KEY')}, "
            f"set {KEY_ENV}=KEY, or choose another basemap (osm, amap, none)."
        )
    key = key.strip()
    if not re.fullmatch(r"[A-Za-z0-9]{8,64}", key):
        raise MapOptionsError(
            "the 天地图 key must be letters and digits only (a 32-character code from "
            "console.tianditu.gov.cn); check for spaces or quotes."
        )
    return key


def resolve_basemap(name: str, *, tianditu_key_value: str | None = None) -> Basemap:
    """Return the :class:`Basemap` for ``name``.

    Parameters
    ----------
    name : str
        ``none``, ``osm``, ``tianditu`` or ``amap``.
    tianditu_key_value : str, optional
        天地图 key; see :func:`tianditu_key` for where else it is looked for.

    Raises
    ------
    MapOptionsError
        Unknown name, or 天地图 without a key.
    """
    if name == "none":
        return Basemap("none", "路网底图(离线)", "Street network (offline)")
    if name == "osm":
        return Basemap(
            "osm",
            "OpenStreetMap",
            "OpenStreetMap",
            (
                TileLayer(
                    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                    {
                        "maxZoom": 19,
                        "attribution": "&copy; OpenStreetMap contributors",
                    },
                ),
            ),
        )
    if name == "tianditu":
        key = tianditu_key(tianditu_key_value)
        opts = {
            "subdomains": "01234567",
            "maxZoom": 18,
            "attribution": "&copy; 天地图 (国家地理信息公共服务平台)",
        }
        return Basemap(
            "tianditu",
            "天地图",
            "Tianditu",
            (
                TileLayer(_TIANDITU_URL.format(layer="vec", key=key), opts),
                TileLayer(_TIANDITU_URL.format(layer="cva", key=key), opts),
            ),
        )
    if name == "amap":
        return Basemap(
            "amap",
            "高德地图",
            "AMap (Gaode)",
            (
                TileLayer(
                    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                    "&style=8&x={x}&y={y}&z={z}",
                    {
                        "subdomains": "1234",
                        "maxZoom": 18,
                        "attribution": "&copy; 高德地图 AutoNavi",
                    },
                ),
            ),
            gcj02=True,
        )
    raise MapOptionsError(
        f"basemap={name!r} is unknown; choose one of {', '.join(BASEMAPS)} "
        "(none = offline street-network base, 离线)."
    )


CoordShift = Callable[[np.ndarray], np.ndarray]


def coordinate_shift(basemap: Basemap) -> CoordShift | None:
    """Return the function shifting (N, 2) lon/lat WGS-84 arrays for ``basemap``, or None.

    For 高德 (``amap``) this is the WGS-84 → GCJ-02 transform of :mod:`planning.coords`.
    """
    if not basemap.gcj02:
        return None
    from planning import coords  # imported lazily: only the amap basemap needs it

    convert = coords.wgs84_to_gcj02

    def shift(xy: np.ndarray) -> np.ndarray:
        lon, lat = convert(xy[:, 0], xy[:, 1])
        return np.column_stack([np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)])

    return shift
