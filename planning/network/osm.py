"""Walking networks from OpenStreetMap (OSM 路网): local files, GraphML, downloads via osmnx.

Every source goes through the walkability profiles of :mod:`planning.network.walkability`: OSM
files are filtered way by way before osmnx builds the graph (:mod:`planning.network.osm_filter`),
GraphML edges by their tags; downloads keep the tags the rules read.

Downloads (``from_place``/``from_bbox``) happen only when ``planning.settings.allow_download`` is
True (``download=True`` of :func:`planning.load_network`); the downloaded graph is kept as GraphML under
``settings.cache_folder / "osm"`` so later runs work offline.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from planning import settings
from planning._errors import (
    DownloadNotAllowedError,
    InputFileError,
    MissingDependencyError,
    NetworkError,
    param,
)
from planning.network._crs import resolve_crs
from planning.network.barriers import barrier_cache_key, finish_network
from planning.network.cache import cached, hash_inputs
from planning.network.fragments import build_key
from planning.network.graph import BuildReport, WalkNetwork
from planning.network.osm_filter import (
    STEP_FREE_ATTR,
    TAGGED,
    OsmWays,
    filter_graph,
    filter_osm_xml,
)
from planning.network.walkability import WALK_TAGS

if TYPE_CHECKING:
    import networkx as nx

logger = logging.getLogger(__name__)

_NOT_BRIDGE = {"", "no", "false", "0", "nan", "none"}


def _is_bridge(value: Any) -> bool:
    """OSM ``bridge`` tag (or a list of them after simplification) → bool."""
    if isinstance(value, list | tuple | set):
        return any(_is_bridge(v) for v in value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    return str(value).strip().lower() not in _NOT_BRIDGE


def from_osmnx_graph(
    graph: nx.MultiDiGraph | nx.MultiGraph, crs: Any = None, source: str = ""
) -> WalkNetwork:
    """Convert an osmnx graph (any CRS) into an undirected projected :class:`WalkNetwork`.

    Parameters
    ----------
    graph : networkx.MultiDiGraph or MultiGraph
        An osmnx graph (``graph.graph["crs"]`` set).
    crs : pyproj.CRS, str, int, optional
        Target projected CRS; the UTM zone of the graph's centroid when None.
    source : str
        Written into the build report.

    Returns
    -------
    WalkNetwork
        Node ids are the OSM ids; one edge per street segment (both directions of a one-way
        street are walkable, reciprocal duplicates are merged). An edge attribute
        ``eldercare_step_free`` (set by the filters) gives the step-free flags.
    """
    import osmnx as ox

    if graph.number_of_edges() == 0:
        raise NetworkError(f"{source or 'The OSM graph'} has no streets (ways with highway=*).")
    if "crs" not in graph.graph:
        graph.graph["crs"] = "epsg:4326"
    und = ox.convert.to_undirected(graph) if graph.is_directed() else graph
    nodes, edges = ox.convert.graph_to_gdfs(und, nodes=True, edges=True, fill_edge_geometry=True)
    target = resolve_crs(crs, nodes)
    nodes = nodes.to_crs(target)
    edges = edges.to_crs(target)
    ids = nodes.index.to_numpy()
    numeric = pd.to_numeric(pd.Series(ids), errors="coerce")
    node_id = (
        numeric.to_numpy(dtype=np.int64)
        if numeric.notna().all()
        else np.arange(len(ids), dtype=np.int64)
    )
    pos = pd.Index(ids)
    eu = edges.index.get_level_values(0)
    ev = edges.index.get_level_values(1)
    u = pos.get_indexer(eu).astype(np.int64)
    v = pos.get_indexer(ev).astype(np.int64)
    nx_ = nodes.geometry.x.to_numpy()
    ny_ = nodes.geometry.y.to_numpy()
    geoms = np.asarray(edges.geometry.values, dtype=object)
    # orient every geometry from u to v
    first = shapely.get_point(geoms, 0)
    fx, fy = shapely.get_x(first), shapely.get_y(first)
    d_u = np.hypot(fx - nx_[u], fy - ny_[u])
    d_v = np.hypot(fx - nx_[v], fy - ny_[v])
    flip = d_v < d_u
    geoms[flip] = shapely.reverse(geoms[flip])
    bridge = (
        np.array([_is_bridge(b) for b in edges["bridge"]], dtype=bool)
        if "bridge" in edges.columns
        else np.zeros(len(edges), dtype=bool)
    )
    step_free = (
        edges[STEP_FREE_ATTR].fillna(True).astype(bool).to_numpy()
        if STEP_FREE_ATTR in edges.columns
        else np.ones(len(edges), dtype=bool)
    )
    report = BuildReport(source=source, n_input_lines=int(graph.number_of_edges()))
    net = WalkNetwork(
        nx_, ny_, u, v, shapely.length(geoms), geoms, target, node_id=node_id, bridge=bridge,
        report=report, step_free=step_free,
    )  # fmt: skip
    isolated = int((net.degree() == 0).sum())
    if isolated:  # OSM nodes outside every street (e.g. of ways clipped away) are of no use
        net = net.subset_edges(np.ones(net.n_edges, dtype=bool), drop_isolated=True)
        net.report.notes.append(f"dropped {isolated} OSM nodes that belong to no street")
    net.refresh_report()
    return net


def _pbf_to_xml(path: Path, xml: Path) -> None:
    """Write the street ways of an ``.osm.pbf`` and their nodes as OSM XML (pyosmium, optional)."""
    try:
        import osmium
    except ImportError as exc:
        raise MissingDependencyError(
            f"{path}: reading .osm.pbf needs the optional [pbf] extra (pyosmium): "
            "pip install 'eldercare-planning[pbf]', or convert the file to .osm XML first "
            "(e.g. `osmium cat in.osm.pbf -o out.osm`)."
        ) from exc
    # pyosmium objects live only during iteration: three streaming passes
    refs: set[int] = set()
    try:
        for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
            if isinstance(way, osmium.osm.Way) and "highway" in way.tags:
                refs.update(n.ref for n in way.nodes)
        with osmium.SimpleWriter(str(xml)) as writer:
            for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
                if node.id in refs:
                    writer.add_node(node)
            for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
                if "highway" in way.tags:
                    writer.add_way(way)
    except RuntimeError as exc:  # libosmium's "PBF error: …" for a damaged or foreign file
        raise InputFileError(
            f"{path}: not a readable OpenStreetMap PBF file ({exc}). Download or export it "
            "again (Geofabrik, BBBike), or give an .osm XML file."
        ) from exc


def _walk_graph(p: Path, simplify: bool) -> tuple[nx.MultiDiGraph, OsmWays]:
    """Return the osmnx graph of the walkable ways of an OSM file, edges flagged step-free."""
    import osmnx as ox

    with tempfile.TemporaryDirectory() as tmp:
        source = p
        if p.name.lower().endswith(".pbf"):
            source = Path(tmp) / "streets.osm"
            _pbf_to_xml(p, source)
        walkable = Path(tmp) / "walk.osm"
        try:
            ways = filter_osm_xml(source, walkable, infer_expressways=settings.infer_expressways)
        except (ET.ParseError, ValueError) as exc:  # malformed XML etc.: say which file
            raise InputFileError(
                f"{p}: not a readable OSM XML file ({type(exc).__name__}: {exc}). Export it "
                "again from OpenStreetMap / JOSM as .osm."
            ) from exc
        if not ways.step_free:
            removed, km = sum(r["count"] for r in ways.removed), sum(r["km"] for r in ways.removed)
            raise NetworkError(
                f"{p}: no walkable street ways: {ways.n_ways} ways with highway=*, {removed} of "
                f"them ({km:.1f} km) not for walking (motorways, foot=no, construction …)."
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            graph = ox.graph_from_xml(
                walkable, bidirectional=True, simplify=simplify, retain_all=True
            )
    for _, _, data in graph.edges(data=True):
        ids = data["osmid"] if isinstance(data["osmid"], list) else [data["osmid"]]
        # a merged chain is step-free only when every way in it is
        data[STEP_FREE_ATTR] = all(ways.step_free.get(int(i), True) for i in ids)
    return graph, ways


def _with_filters(net: WalkNetwork, ways: OsmWays, unit: str) -> WalkNetwork:
    """Record in the report what the walkability filters removed and marked."""
    r = net.report
    r.filter_unit, r.removed, r.not_step_free = unit, ways.removed, ways.not_step_free
    r.drive_only, r.tags_stripped = ways.drive_only, ways.stripped
    r.notes.extend(ways.notes)
    return net


def from_osm_file(
    path: str | Path,
    crs: Any = None,
    *,
    simplify: bool = True,
    profile: str = "walk",
    barriers: Any = None,
    barriers_layer: str | None = None,
    largest_component: bool = False,
    drop_fragments: bool = True,
    use_cache: bool = True,
) -> WalkNetwork:
    """Build the walking network from a local OSM file (``.osm`` XML or ``.osm.pbf``).

    The ways the walkability profile allows are kept (osmnx ``walk`` semantics, see
    :mod:`planning.network.walkability`); one-way streets are walkable both ways; stray
    fragments are removed; other components are kept unless ``largest_component``.

    Parameters
    ----------
    path : str or Path
        The OSM file.
    crs : pyproj.CRS, str, int, optional
        Target projected CRS (default: UTM zone of the data).
    simplify : bool, default True
        Merge chains of degree-2 nodes into single edges with full geometry (osmnx simplify).
    profile : {"walk", "step_free"}, default "walk"
        Walkability profile (步行 / 无障碍).
    barriers : GeoDataFrame, GeoSeries, path or geometries, optional
        Barrier polygons whose crossing edges are removed (see
        :func:`planning.network.barriers.remove_barrier_crossings`).
    barriers_layer : str, optional
        Layer of a multi-layer barriers file (by its usual names when None).
    largest_component : bool, default False
        Keep only the largest connected component.
    drop_fragments : bool, default True
        Remove stray fragments (:func:`planning.network.fragments.drop_fragments`).
    use_cache : bool, default True
        Read/write the built-network cache.

    Returns
    -------
    WalkNetwork
        Its ``report`` lists what each filter removed (``removed``, ``not_step_free``).
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"OSM file not found: {p}. Check the path.")
    key = hash_inputs(
        [
            "osm",
            p,
            str(crs),
            simplify,
            largest_component,
            barrier_cache_key(barriers, barriers_layer),
            build_key(profile, drop_fragments),
        ]
    )

    def build() -> WalkNetwork:
        graph, ways = _walk_graph(p, simplify)
        net = _with_filters(from_osmnx_graph(graph, crs, source=str(p)), ways, "ways")
        return finish_network(net, barriers, largest_component, barriers_layer,
                              profile=profile, fragments=drop_fragments)  # fmt: skip

    return cached(key, build, use_cache)


def from_graphml(
    path: str | Path,
    crs: Any = None,
    *,
    profile: str = "walk",
    barriers: Any = None,
    barriers_layer: str | None = None,
    largest_component: bool = False,
    drop_fragments: bool = True,
    use_cache: bool = True,
) -> WalkNetwork:
    """Build the walking network from a GraphML file saved by osmnx (``ox.save_graphml``).

    Edges are filtered by their tags as OSM ways are (:func:`from_osm_file`); a GraphML file
    keeps only the tags osmnx was told to keep, so ``foot``/``wheelchair`` rules apply where
    present (downloads through this package keep them).

    Parameters
    ----------
    path : str or Path
        The GraphML file.
    crs, profile, barriers, barriers_layer, largest_component, drop_fragments, use_cache
        As for :func:`from_osm_file`.

    Returns
    -------
    WalkNetwork
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"GraphML file not found: {p}. Check the path.")
    key = hash_inputs(
        ["graphml", p, str(crs), largest_component, barrier_cache_key(barriers, barriers_layer),
         build_key(profile, drop_fragments)]
    )  # fmt: skip

    def build() -> WalkNetwork:
        import osmnx as ox

        try:
            graph = ox.load_graphml(p)
        except Exception as exc:
            raise InputFileError(
                f"{p}: not a readable osmnx GraphML file ({type(exc).__name__}: {exc})."
            ) from exc
        undirected = ox.convert.to_undirected(graph) if graph.is_directed() else graph
        ways = filter_graph(undirected, infer_expressways=settings.infer_expressways)
        net = _with_filters(from_osmnx_graph(undirected, crs, source=str(p)), ways, "edges")
        return finish_network(net, barriers, largest_component, barriers_layer,
                              profile=profile, fragments=drop_fragments)  # fmt: skip

    return cached(key, build, use_cache)


def osm_cache_path(kind: str, spec: str) -> Path:
    """GraphML cache file of a download: ``cache_folder/osm/<kind>-<hash>.graphml``."""
    # "walk-tags": downloads keep the tags the walkability rules read (older ones did not)
    digest = hashlib.sha256(f"{kind}:{spec}:walk-tags".encode()).hexdigest()[:20]
    return Path(settings.cache_folder) / "osm" / f"{kind}-{digest}.graphml"


#: Node tags kept on downloads: kerbs and barriers decide step-free passage.
_NODE_TAGS = ("kerb", "kerb:height", "barrier", "wheelchair")


def _fetch_walk(graph_from: Any) -> nx.MultiDiGraph:
    """Download with the walkability tags kept; kerb nodes stay graph nodes."""
    import osmnx as ox

    ways, nodes = list(ox.settings.useful_tags_way), list(ox.settings.useful_tags_node)
    ox.settings.useful_tags_way = sorted(set(ways) | set(WALK_TAGS))
    ox.settings.useful_tags_node = sorted(set(nodes) | set(_NODE_TAGS))
    try:
        graph = graph_from()
    finally:
        ox.settings.useful_tags_way, ox.settings.useful_tags_node = ways, nodes
    graph = ox.simplify_graph(graph, node_attrs_include=["kerb", "kerb:height", "wheelchair"])
    graph.graph[TAGGED] = "yes"
    return graph


def _download(kind: str, spec: str, fetch: Any) -> Path:
    path = osm_cache_path(kind, spec)
    if path.is_file():
        logger.info("using the cached OpenStreetMap download %s", path)
        return path
    if not settings.allow_download:
        raise DownloadNotAllowedError(
            f"The walking network for {kind} {spec!r} is not in the cache ({path}) and "
            f"downloading is off. Run again with {param('download', True)} (or set "
            "planning.settings.allow_download = True) to fetch it from OpenStreetMap once, or "
            "pass a local .osm / .graphml / centre-line file instead."
        )
    import osmnx as ox

    logger.info("downloading the OpenStreetMap walking network for %s %r", kind, spec)
    try:
        graph = _fetch_walk(fetch)
    except Exception as exc:
        raise NetworkError(f"Downloading the OSM network for {spec!r} failed: {exc}") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    ox.save_graphml(graph, path)
    return path


def from_place(place: str, crs: Any = None, **kwargs: Any) -> WalkNetwork:
    """Build the walking network of a named place (e.g. ``"静安区, 上海市, 中国"``) from OpenStreetMap.

    Downloads once (only when ``settings.allow_download``; osmnx ``walk`` network with the tags
    the walkability rules read), then reads the GraphML cache.

    Parameters
    ----------
    place : str
        A place name OpenStreetMap's geocoder knows.
    crs : pyproj.CRS, str, int, optional
        Target projected CRS.
    **kwargs
        ``profile``, ``barriers``, ``barriers_layer``, ``largest_component``,
        ``drop_fragments``, ``use_cache`` as for :func:`from_graphml`.

    Returns
    -------
    WalkNetwork
    """
    import osmnx as ox

    path = _download(
        "place",
        place,
        lambda: ox.graph_from_place(place, network_type="walk", simplify=False, retain_all=True),
    )
    return from_graphml(path, crs, **kwargs)


def from_bbox(
    bbox: tuple[float, float, float, float], crs: Any = None, **kwargs: Any
) -> WalkNetwork:
    """Build the walking network in a WGS 84 box ``(west, south, east, north)`` from OpenStreetMap.

    Downloads once (only when ``settings.allow_download``), then reads the GraphML cache.

    Parameters
    ----------
    bbox : tuple of float
        ``(west, south, east, north)`` in degrees.
    crs : pyproj.CRS, str, int, optional
        Target projected CRS.
    **kwargs
        As for :func:`from_place`.

    Returns
    -------
    WalkNetwork
    """
    import osmnx as ox

    west, south, east, north = (float(b) for b in bbox)
    if not (west < east and south < north):
        raise NetworkError(f"bbox {bbox} must be (west, south, east, north) with west<east.")
    spec = f"{west:.6f},{south:.6f},{east:.6f},{north:.6f}"
    path = _download(
        "bbox",
        spec,
        lambda: ox.graph_from_bbox(
            (west, south, east, north), network_type="walk", simplify=False, retain_all=True
        ),
    )
    return from_graphml(path, crs, **kwargs)
