"""Gap maps and meeting reports (缺口图与汇报材料) from a saved results folder.

Public API
----------
render_gap_map
    Interactive HTML map (Leaflet inlined; offline by default).
"""

from __future__ import annotations

from planning.maps.gap_map import render_gap_map

__all__ = ["render_gap_map"]
