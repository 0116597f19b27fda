"""Typed package-wide settings.

Change them at run time, e.g. ``planning.settings.max_snap_m = 200``; the command line sets some of
them from its options. Values are read when a function runs, not at import.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Attachments from a point to the walking network longer than this (metres) make the point
#: unreachable instead of silently snapping it across a block.
max_snap_m: float = 300.0

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
