"""Typed package-wide settings.

Change them at run time, e.g. ``planning.settings.max_snap_m = 200``, or for one block only::

    with planning.settings.override(max_snap_m=200):
        result = planning.audit(inputs, net)

Values are read when a function runs, not at import. Library functions never change them; options
given to one call (``max_snap_m=``, ``download=``) apply to that call only.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from planning._errors import OptionError

#: Attachments from a point to the walking network longer than this (metres) make the point
#: unreachable instead of silently snapping it across a block.
max_snap_m: float = 300.0

#: How far (metres) an estate's nearest facility is searched beyond the service circles
#: (不限距离最近设施): estates with none within it get no distance.
search_radius_m: float = 3000.0

#: Connected components of the walking network with fewer nodes than this are stray fragments
#: (路网碎片, e.g. clipping artefacts): removed, so that no point is attached to one.
fragment_min_nodes: int = 10

#: Components with less than this share of the network's street length are stray fragments too
#: (whichever of the two rules is stricter); 0 switches the length rule off.
fragment_min_share: float = 0.01

#: OSM files that lost their ``foot``/``motorroad`` tags (an osmnx export keeps only a few tags):
#: take elevated or tunnel trunk roads, trunk ramps and road tunnels for motor roads, as Chinese
#: urban expressways (城市快速路) are tagged. False keeps them walkable.
infer_expressways: bool = True

#: Width (metres) of the buffer drawn around reached network edges for service-area polygons.
service_area_buffer_m: float = 50.0

#: Centre-line endpoints closer than this (metres) are joined when building a network from the
#: bureau's road centre-lines.
centreline_join_tolerance_m: float = 1.0

#: Points farther than this (metres) outside the study area (the hull of the estates, or the
#: streets layer when given) are reported as outliers.
outlier_distance_m: float = 5000.0

#: Folder for cached downloads and built networks. ``ELDERCARE_CACHE`` overrides it.
cache_folder: Path = Path(
    os.environ.get("ELDERCARE_CACHE", str(Path.home() / ".cache" / "eldercare"))
)

#: Whether functions may download (OpenStreetMap). Off by default: the tool works offline.
allow_download: bool = False

#: Tianditu (天地图) key for the online basemap; ``ELDERCARE_TIANDITU_KEY`` also works.
tianditu_key: str | None = os.environ.get("ELDERCARE_TIANDITU_KEY") or None

_POSITIVE = ("max_snap_m", "service_area_buffer_m", "centreline_join_tolerance_m",
             "outlier_distance_m", "search_radius_m")  # fmt: skip
_TYPES: dict[str, type | tuple[type, ...]] = {  # what each setting may be set to
    **dict.fromkeys(_POSITIVE, (int, float)),
    "cache_folder": (str, Path),
    "allow_download": bool,
    "infer_expressways": bool,
    "fragment_min_nodes": int,
    "fragment_min_share": (int, float),
    "tianditu_key": (str, type(None)),
}


def check(name: str, value: Any) -> Any:
    """Return ``value`` checked (and normalised) for the setting ``name``.

    Raises
    ------
    OptionError
        Unknown setting, wrong type, or a distance that is not a positive finite number.
    """
    if name not in _TYPES:
        raise OptionError(
            f"planning.settings has no setting {name!r}; settings: {', '.join(sorted(_TYPES))}.",
            name,
        )
    expected = _TYPES[name]
    allowed = expected if isinstance(expected, tuple) else (expected,)
    if (isinstance(value, bool) and bool not in allowed) or not isinstance(value, expected):
        names = " or ".join(t.__name__ for t in allowed)
        raise OptionError(f"settings.{name} = {value!r}: expected {names}.", name)
    if name in _POSITIVE:
        number = float(cast(float, value))
        if not (math.isfinite(number) and number > 0):
            raise OptionError(
                f"settings.{name} = {value!r}: give a positive number of metres.", name
            )
        return number
    if name == "fragment_min_nodes" and not 1 <= cast(int, value) <= 1_000_000:
        raise OptionError(f"settings.{name} = {value!r}: give a whole number of nodes ≥ 1.", name)
    if name == "fragment_min_share":
        share = float(cast(float, value))
        if not 0.0 <= share < 1.0:
            raise OptionError(
                f"settings.{name} = {value!r}: give a share of the network length, 0 ≤ x < 1.",
                name,
            )
        return share
    if name == "cache_folder":
        return Path(str(value))
    return value


@contextmanager
def override(**values: Any) -> Iterator[None]:
    """Change settings for the duration of a ``with`` block, then restore them.

    Parameters
    ----------
    **values
        Setting name to value, e.g. ``max_snap_m=200, allow_download=True``.

    Examples
    --------
    >>> from planning import settings
    >>> with settings.override(max_snap_m=120):
    ...     settings.max_snap_m
    120.0
    >>> settings.max_snap_m
    300.0
    """
    module = sys.modules[__name__]
    checked = {name: check(name, value) for name, value in values.items()}
    previous = {name: getattr(module, name) for name in checked}
    try:
        for name, value in checked.items():
            setattr(module, name, value)
        yield
    finally:
        for name, value in previous.items():
            setattr(module, name, value)
