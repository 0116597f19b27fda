"""Walkable ways of OSM data (OSM 步行道路筛选): XML files and GraphML graphs.

:func:`filter_osm_xml` reads an ``.osm`` file, keeps the ways the ``walk`` profile allows
(:func:`planning.network.walkability.walk_filter`), marks those that are not step-free
(:func:`~planning.network.walkability.step_free_filter`; a high kerb or ``wheelchair=no`` barrier
node marks the two segments touching it) and writes the kept ways with their nodes to a new
file for :func:`osmnx.graph_from_xml`. Filtering the ways before the graph is built, as osmnx's
Overpass query does, keeps a removed way from being merged into a walkable street. Non-street
ways (buildings, rivers) never enter the network.

:func:`filter_graph` applies the same rules to the edges of an osmnx graph read from GraphML.
"""

from __future__ import annotations

import itertools
import logging
import math
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

from planning._errors import NetworkError
from planning.network.report import tally
from planning.network.walkability import (
    FOOT_HIGHWAYS,
    OSMNX_DEFAULT_WAY_TAGS,
    node_blocks_step_free,
    step_free_filter,
    values,
    walk_filter,
)

if TYPE_CHECKING:
    import networkx as nx

logger = logging.getLogger(__name__)

_EARTH_RADIUS_M = 6_371_009.0
#: Edge attribute carrying the step-free flag from the filters into the network.
STEP_FREE_ATTR = "eldercare_step_free"
#: Graph attribute of downloads that kept the walkability tags (never "stripped").
TAGGED = "eldercare_walk_tags"
#: Edge attributes osmnx adds itself (not OSM tags).
_OSMNX_EDGE_KEYS = frozenset({"osmid", "oneway", "reversed", "length", "geometry", STEP_FREE_ATTR})


@dataclass
class OsmWays:
    """The ways of one OSM file and what the walkability rules made of them.

    Attributes
    ----------
    step_free : dict of int to bool
        Way id (of the written file, split parts included) → step-free.
    removed, not_step_free : list of dict
        Report rows (``filter``, ``class``, ``count`` ways, ``km``).
    n_ways : int
        Street ways read (``highway=*``).
    drive_only, stripped : bool
        No footways/paths/steps in the file; the ways carry only osmnx's default tags.
    notes : list of str
        For the build report.
    """

    step_free: dict[int, bool] = field(default_factory=dict)
    removed: list[dict[str, Any]] = field(default_factory=list)
    not_step_free: list[dict[str, Any]] = field(default_factory=list)
    n_ways: int = 0
    drive_only: bool = False
    stripped: bool = False
    notes: list[str] = field(default_factory=list)


#: An OSM node as read: latitude and longitude (as written in the file) and its tags.
Node = tuple[str, str, dict[str, str]]


def _read(path: Path) -> tuple[dict[int, Node], list[Any]]:
    """Nodes (id → lat, lon, tags) and street ways (id, node refs, tags) of an OSM XML file."""
    nodes: dict[int, Node] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    for _, elem in ET.iterparse(path, events=("end",)):
        if elem.tag == "node":
            lat, lon = elem.get("lat"), elem.get("lon")
            deleted = elem.get("action") == "delete" or elem.get("visible") == "false"
            if lat is not None and lon is not None and not deleted:
                tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
                nodes[int(elem.get("id", "0"))] = (lat, lon, tags)
            elem.clear()
        elif elem.tag == "way":
            tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
            if "highway" in tags and elem.get("action") != "delete":
                refs = [int(nd.get("ref", "0")) for nd in elem.iter("nd")]
                ways.append((int(elem.get("id", "0")), refs, tags))
            elem.clear()
        elif elem.tag == "relation":
            elem.clear()
    return nodes, ways


def _segment_m(a: Node, b: Node) -> float:
    """Great-circle length (m) between two OSM nodes."""
    lat1, lon1 = math.radians(float(a[0])), math.radians(float(a[1]))
    lat2, lon2 = math.radians(float(b[0])), math.radians(float(b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _length_m(refs: list[int], nodes: dict[int, Node]) -> float:
    return sum(_segment_m(nodes[a], nodes[b]) for a, b in itertools.pairwise(refs))


def _runs(refs: list[int], nodes: dict[int, Node]) -> list[list[int]]:
    """Split a way's node list where nodes are missing from the file (clipped extracts)."""
    runs: list[list[int]] = [[]]
    for ref in refs:
        if ref in nodes:
            runs[-1].append(ref)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if len(r) >= 2]


def _parts(run: list[int], blocked: set[int], step_free: bool) -> list[tuple[list[int], bool]]:
    """Split a run of nodes so the segments touching a blocking node are their own parts."""
    flags = [
        step_free and a not in blocked and b not in blocked for a, b in itertools.pairwise(run)
    ]
    parts: list[tuple[list[int], bool]] = []
    for i, flag in enumerate(flags):
        if parts and parts[-1][1] == flag:
            parts[-1][0].append(run[i + 1])
        else:
            parts.append(([run[i], run[i + 1]], flag))
    return parts


def filter_osm_xml(source: Path, target: Path, *, infer_expressways: bool = True) -> OsmWays:
    """Write the walkable street ways of ``source`` (OSM XML) and their nodes to ``target``.

    Parameters
    ----------
    source : Path
        An OSM XML file (``.osm``).
    target : Path
        The file written for :func:`osmnx.graph_from_xml`.
    infer_expressways : bool
        When the ways carry only osmnx's default tags, take elevated/tunnel trunk roads, trunk
        ramps and road tunnels for motor roads (see
        :func:`~planning.network.walkability.walk_filter`).

    Returns
    -------
    OsmWays
        The step-free flag of every written way and the report rows.

    Raises
    ------
    xml.etree.ElementTree.ParseError
        The file is not XML (the caller names the file).
    """
    nodes, ways = _read(source)
    out = OsmWays(n_ways=len(ways))
    classes = Counter(w[2].get("highway", "") for w in ways)
    out.drive_only = bool(ways) and not any(c in FOOT_HIGHWAYS for c in classes)
    keys = {k for _, _, tags in ways for k in tags}
    out.stripped = bool(ways and keys <= OSMNX_DEFAULT_WAY_TAGS)
    blocked = {i for i, (_, _, tags) in nodes.items() if node_blocks_step_free(tags)}
    removed: dict[tuple[str, str], list[float]] = {}
    not_free: dict[tuple[str, str], list[float]] = {}
    next_id = max((w[0] for w in ways), default=0) + 1
    written: list[tuple[int, list[int], dict[str, str]]] = []
    missing = 0
    for way_id, refs, tags in ways:
        runs = _runs(refs, nodes)
        missing += len(refs) > 0 and sum(len(r) for r in runs) < len(refs)
        metres = [_length_m(r, nodes) for r in runs]
        cls = tags.get("highway", "")
        reason = walk_filter(
            tags, footways=not out.drive_only, stripped=out.stripped, infer=infer_expressways
        )
        if reason is not None:
            entry = removed.setdefault((reason, cls), [0, 0.0])
            entry[0], entry[1] = entry[0] + 1, entry[1] + sum(metres)
            continue
        step_reason = step_free_filter(tags)
        if step_reason is not None:
            entry = not_free.setdefault((step_reason, cls), [0, 0.0])
            entry[0], entry[1] = entry[0] + 1, entry[1] + sum(metres)
        kerb_m, first = 0.0, True
        for run in runs:
            for part, flag in _parts(run, blocked, step_reason is None):
                part_id = way_id if first else next_id
                next_id += 0 if first else 1
                first = False
                out.step_free[part_id] = flag
                written.append((part_id, part, tags))
                if not flag and step_reason is None:
                    kerb_m += _length_m(part, nodes)
        if kerb_m > 0:
            entry = not_free.setdefault(("kerb", cls), [0, 0.0])
            entry[0], entry[1] = entry[0] + 1, entry[1] + kerb_m
    out.removed, out.not_step_free = tally(removed), tally(not_free)
    _notes(out, missing, infer_expressways)
    _write(target, nodes, written)
    return out


def _notes(out: OsmWays, missing: int, infer: bool) -> None:
    if out.drive_only:
        out.notes.append(
            "the OSM data has no footways, paths or steps (a drive-network export?): walks follow "
            "the carriageways, footpaths and estate paths are missing, and steps cannot be "
            "avoided in step-free routes; export the walk network (osmnx network_type='walk') "
            "or a full extract"
        )
        logger.warning("the OSM data looks like a drive-only export: footways are missing")
    if out.stripped:
        inferred = (
            "elevated and tunnel trunk roads, trunk ramps and road tunnels were taken for motor "
            "roads (城市快速路)"
            if infer
            else "motor roads could not be told (settings.infer_expressways is off)"
        )
        out.notes.append(
            "the OSM ways carry no foot/motorroad tags (an osmnx export keeps only a few tags): "
            f"{inferred}, and access=no was not trusted (its foot exceptions are gone)"
        )
    if missing:
        out.notes.append(f"{missing} ways refer to nodes missing from the file; split there")


def _write(
    target: Path,
    nodes: dict[int, Node],
    ways: list[tuple[int, list[int], dict[str, str]]],
) -> None:
    """Write nodes and ways as OSM XML (only what :func:`osmnx.graph_from_xml` reads)."""
    used = sorted({ref for _, refs, _ in ways for ref in refs})

    def tag_lines(tags: dict[str, str]) -> str:
        return "".join(f"  <tag k={quoteattr(k)} v={quoteattr(v)}/>\n" for k, v in tags.items())

    with target.open("w", encoding="utf-8") as fh:
        fh.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="eldercare">\n'
        )
        for ref in used:
            lat, lon, tags = nodes[ref]
            head = f'<node id="{ref}" lat={quoteattr(lat)} lon={quoteattr(lon)}'
            fh.write(f"{head}>\n{tag_lines(tags)}</node>\n" if tags else f"{head}/>\n")
        for way_id, refs, tags in ways:
            nds = "".join(f'  <nd ref="{r}"/>\n' for r in refs)
            fh.write(f'<way id="{way_id}">\n{nds}{tag_lines(tags)}</way>\n')
        fh.write("</osm>\n")


def filter_graph(graph: nx.MultiGraph, *, infer_expressways: bool = True) -> OsmWays:
    """Remove the edges of an (undirected) osmnx graph the walk profile does not allow.

    Parameters
    ----------
    graph : networkx.MultiGraph
        Read from GraphML; changed in place: edges removed, the kept ones get the attribute
        ``eldercare_step_free``.
    infer_expressways : bool
        As for :func:`filter_osm_xml` (a graph that lost its tags).

    Returns
    -------
    OsmWays
        Report rows counting edges (``step_free`` stays empty: the flags are on the edges).
    """
    edges = list(graph.edges(keys=True, data=True))
    out = OsmWays(n_ways=len(edges))
    highways = {h for _, _, _, d in edges for h in values(d.get("highway"))}
    out.drive_only = bool(edges) and not highways & FOOT_HIGHWAYS
    keys = {k for _, _, _, d in edges for k in d} - _OSMNX_EDGE_KEYS
    out.stripped = bool(edges and not graph.graph.get(TAGGED) and keys <= OSMNX_DEFAULT_WAY_TAGS)
    blocked = {n for n, d in graph.nodes(data=True) if node_blocks_step_free(d)}
    removed: dict[tuple[str, str], list[float]] = {}
    not_free: dict[tuple[str, str], list[float]] = {}
    drop = []
    for u, v, k, data in edges:
        cls = "/".join(sorted(set(values(data.get("highway"))))) or "?"
        metres = float(data.get("length", 0.0) or 0.0)
        reason = walk_filter(
            data, footways=not out.drive_only, stripped=out.stripped, infer=infer_expressways
        )
        if reason is None:
            reason = step_free_filter(data) or ("kerb" if {u, v} & blocked else None)
            data[STEP_FREE_ATTR] = reason is None
            target = not_free
        else:
            drop.append((u, v, k))
            target = removed
        if reason is not None:
            entry = target.setdefault((reason, cls), [0, 0.0])
            entry[0], entry[1] = entry[0] + 1, entry[1] + metres
    graph.remove_edges_from(drop)
    out.removed, out.not_step_free = tally(removed), tally(not_free)
    _notes(out, 0, infer_expressways)
    if graph.number_of_edges() == 0:
        raise NetworkError(
            f"no walkable edges: all {len(edges)} edges of the graph are not for walking "
            "(motorways, foot=no, construction …)."
        )
    return out
