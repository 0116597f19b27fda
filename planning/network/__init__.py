"""Walking network and accessibility engine (步行路网与可达性计算).

Build a :class:`WalkNetwork` from OpenStreetMap or road centre-lines under a walkability profile
(``walk`` 步行 or ``step_free`` 无障碍, :mod:`planning.network.walkability`; stray fragments
removed, :mod:`planning.network.fragments`), attach points with
:func:`snap`, then compute exact network distances (:func:`od_sparse`, :func:`nearest`) and
network-traced service areas (:func:`service_areas`), and trace single walks
(:class:`RouteTracer`).
"""

from planning.network.barriers import read_barriers, remove_barrier_crossings
from planning.network.build import is_centreline_source, load_network
from planning.network.centrelines import from_centrelines
from planning.network.fragments import drop_fragments, for_profile
from planning.network.graph import BuildReport, WalkNetwork
from planning.network.osm import from_bbox, from_graphml, from_osm_file, from_place
from planning.network.paths import (
    ODResult,
    PathTree,
    group_min,
    nearest,
    od_sparse,
    shortest_path_tree,
)
from planning.network.route import Route, RouteTracer
from planning.network.service_area import service_areas
from planning.network.snap import Snapped, snap
from planning.network.walkability import PROFILES, check_profiles, road_class_table

__all__ = [
    "PROFILES",
    "BuildReport",
    "ODResult",
    "PathTree",
    "Route",
    "RouteTracer",
    "Snapped",
    "WalkNetwork",
    "check_profiles",
    "drop_fragments",
    "for_profile",
    "from_bbox",
    "from_centrelines",
    "from_graphml",
    "from_osm_file",
    "from_place",
    "group_min",
    "is_centreline_source",
    "load_network",
    "nearest",
    "od_sparse",
    "read_barriers",
    "remove_barrier_crossings",
    "road_class_table",
    "service_areas",
    "shortest_path_tree",
    "snap",
]
