"""The build report of a walking network (路网构建报告): what was read, removed and kept."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass
class BuildReport:
    """What happened while a walking network was built (路网构建报告).

    Attributes
    ----------
    source : str
        Where the network came from (file path, place name, ``"synthetic"`` ...).
    n_nodes, n_edges : int
        Size of the final network.
    n_input_lines : int
        Input features (centre-lines) or OSM edges before noding/cleaning.
    n_parts_split : int
        Extra parts produced by splitting multi-part lines.
    n_joined_endpoints : int
        Line ends moved to join another end (or a line) closer than the join tolerance.
    n_components : int
        Connected components (连通分量) of the final network.
    component_sizes : list of int
        Node counts of the components, largest first.
    dangling_ends : list of tuple of float
        ``(x, y)`` of nodes with a single edge (断头路端点), in the network CRS.
    dropped_components : int
        Components removed because only the largest one was kept.
    dropped_nodes, dropped_edges : int
        Nodes and edges in those removed components.
    barrier_edges_removed : int
        Edges removed because they cross a barrier polygon (河流、铁路、快速路).
    barrier_bridges_kept : int
        Edges crossing a barrier that were kept because they are bridges (桥).
    profile : str
        Walkability profile of the network: ``walk`` (步行) or ``step_free`` (无障碍).
    filter_unit : str
        What ``removed`` and ``not_step_free`` count: OSM ``ways``, GraphML ``edges`` or
        centre-line ``lines``.
    removed : list of dict
        What the walk profile removed, by filter and road class: ``{"filter", "class", "count",
        "km"}`` (filters in :data:`planning.network.walkability.FILTERS`).
    not_step_free : list of dict
        Walkable ways that are not step-free (steps, ``wheelchair=no``, high kerbs, steep
        inclines, 台阶), in the same form; the ``step_free`` profile removes them.
    drive_only : bool
        The data has no footways, paths or steps (a *drive* export): walks follow the
        carriageways and step-free routes cannot be checked for steps.
    tags_stripped : bool
        The OSM ways carry only the tags osmnx keeps by default (no ``foot``, ``motorroad``),
        so elevated/tunnel trunk roads, trunk ramps and road tunnels were taken for motor roads
        (unless ``settings.infer_expressways`` is off).
    fragments_dropped : int
        Stray fragments (碎片) removed: components with fewer nodes or less length than
        ``settings.fragment_min_nodes`` / ``settings.fragment_min_share`` of the network.
    fragment_nodes, fragment_edges : int
        Nodes and edges in those fragments.
    fragment_km : float
        Their street length in kilometres.
    components_kept : list of dict
        The components kept, largest first: ``{"nodes", "edges", "km"}`` (at most 50).
    cache_hit : bool
        The network was read from the built-network cache.
    cache_key : str
        Hash of the inputs that keys the cache ("" when not cached).
    notes : list of str
        Anything else worth telling the planner.
    """

    source: str = ""
    n_nodes: int = 0
    n_edges: int = 0
    n_input_lines: int = 0
    n_parts_split: int = 0
    n_joined_endpoints: int = 0
    n_components: int = 0
    component_sizes: list[int] = field(default_factory=list)
    dangling_ends: list[tuple[float, float]] = field(default_factory=list)
    dropped_components: int = 0
    dropped_nodes: int = 0
    dropped_edges: int = 0
    barrier_edges_removed: int = 0
    barrier_bridges_kept: int = 0
    profile: str = "walk"
    filter_unit: str = ""
    removed: list[dict[str, Any]] = field(default_factory=list)
    not_step_free: list[dict[str, Any]] = field(default_factory=list)
    drive_only: bool = False
    tags_stripped: bool = False
    fragments_dropped: int = 0
    fragment_nodes: int = 0
    fragment_edges: int = 0
    fragment_km: float = 0.0
    components_kept: list[dict[str, Any]] = field(default_factory=list)
    cache_hit: bool = False
    cache_key: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-serialisable Python values."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BuildReport:
        """Rebuild a report written by :meth:`to_dict`."""
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["dangling_ends"] = [tuple(p) for p in kwargs.get("dangling_ends", [])]
        return cls(**kwargs)

    def removed_total(self, which: str = "removed") -> tuple[int, float]:
        """Return the count and kilometres of ``removed`` (or ``not_step_free``) summed.

        Examples
        --------
        >>> r = BuildReport(removed=[{"filter": "highway", "class": "motorway", "count": 2,
        ...                           "km": 1.5}])
        >>> r.removed_total()
        (2, 1.5)
        """
        rows = getattr(self, which)
        return sum(int(r["count"]) for r in rows), round(sum(float(r["km"]) for r in rows), 3)


def tally(
    counts: dict[tuple[str, str], list[float]],
) -> list[dict[str, Any]]:
    """Turn ``{(filter, class): [count, metres]}`` into report rows, largest length first.

    Examples
    --------
    >>> tally({("highway", "motorway"): [2, 1500.0]})
    [{'filter': 'highway', 'class': 'motorway', 'count': 2, 'km': 1.5}]
    """
    rows = [
        {"filter": f, "class": c, "count": int(n), "km": round(m / 1000.0, 3)}
        for (f, c), (n, m) in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r["km"], r["filter"], r["class"]))
