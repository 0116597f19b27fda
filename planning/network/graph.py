"""The walking network data structure (步行路网).

:class:`WalkNetwork` holds a projected, undirected walking graph as flat numpy arrays: node
coordinates, edge end nodes ``u``/``v``, edge lengths in metres and the full edge geometries
(shapely LineStrings oriented from ``u`` to ``v``), plus a CSR adjacency built once. Every
builder in :mod:`planning.network` returns one; the kernels in :mod:`planning.network.paths`
work on its arrays only.
"""

from __future__ import annotations

import copy
import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from planning._errors import NetworkError
from planning.network.report import BuildReport

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
GeomArray = npt.NDArray[np.object_]


class WalkNetwork:
    """Projected undirected walking network with a CSR adjacency (步行路网).

    Parameters
    ----------
    node_x, node_y : array of float
        Node coordinates in ``crs`` (metres).
    u, v : array of int
        Edge end nodes (indices into the node arrays).
    length : array of float
        Edge lengths in metres (the length of the edge geometry).
    geometry : array of shapely.LineString
        Edge geometries, each running from node ``u`` to node ``v``.
    crs : pyproj.CRS
        A projected CRS in metres.
    node_id : array of int, optional
        Original node ids (OSM ids) where available, else ``0..n-1``.
    bridge : array of bool, optional
        Whether an edge is a bridge (kept across barriers).
    report : BuildReport, optional
        How the network was built.
    step_free : array of bool, optional
        Whether an edge is step-free (无障碍: no steps, high kerbs, steep inclines); all True
        when not given.
    fragments : array of shapely.LineString, optional
        Edges of the stray fragments removed from the network (碎片), kept to tell a point
        near one only from a point far from any street.

    Attributes
    ----------
    barrier_polygons : GeoDataFrame or None
        The barrier polygons (rivers, rail) whose crossings were removed, in ``crs``, kept to be
        drawn on maps; set by :func:`planning.load_network`, None otherwise.

    Notes
    -----
    The CSR adjacency lists, for every node ``i``, the half-edges
    ``indptr[i]:indptr[i+1]`` with neighbour ``adj_node``, edge index ``adj_edge`` and
    length ``adj_length``. A self-loop appears twice in its node's list.
    """

    def __init__(
        self,
        node_x: npt.ArrayLike,
        node_y: npt.ArrayLike,
        u: npt.ArrayLike,
        v: npt.ArrayLike,
        length: npt.ArrayLike,
        geometry: npt.ArrayLike,
        crs: CRS | str | int,
        node_id: npt.ArrayLike | None = None,
        bridge: npt.ArrayLike | None = None,
        report: BuildReport | None = None,
        step_free: npt.ArrayLike | None = None,
        fragments: npt.ArrayLike | None = None,
    ) -> None:
        self.node_x: FloatArray = np.ascontiguousarray(node_x, dtype=np.float64)
        self.node_y: FloatArray = np.ascontiguousarray(node_y, dtype=np.float64)
        self.u: IntArray = np.ascontiguousarray(u, dtype=np.int64)
        self.v: IntArray = np.ascontiguousarray(v, dtype=np.int64)
        self.length: FloatArray = np.ascontiguousarray(length, dtype=np.float64)
        self.geometry: GeomArray = np.asarray(geometry, dtype=object)
        self.crs: CRS = CRS.from_user_input(crs)
        n, m = len(self.node_x), len(self.u)
        self.node_id: IntArray = (
            np.arange(n, dtype=np.int64)
            if node_id is None
            else np.ascontiguousarray(node_id, dtype=np.int64)
        )
        self.bridge: BoolArray = (
            np.zeros(m, dtype=bool) if bridge is None else np.asarray(bridge, dtype=bool)
        )
        self.report: BuildReport = report if report is not None else BuildReport()
        self.step_free: BoolArray = (
            np.ones(m, dtype=bool) if step_free is None else np.asarray(step_free, dtype=bool)
        )
        self.fragments: GeomArray = (
            np.zeros(0, dtype=object) if fragments is None else np.asarray(fragments, dtype=object)
        )
        self._check()
        self.indptr, self.adj_node, self.adj_edge, self.adj_length = _build_csr(
            n, self.u, self.v, self.length
        )
        self._tree: shapely.STRtree | None = None
        self.barrier_polygons: gpd.GeoDataFrame | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_lines(
        cls,
        node_x: npt.ArrayLike,
        node_y: npt.ArrayLike,
        u: npt.ArrayLike,
        v: npt.ArrayLike,
        crs: CRS | str | int,
        geometry: npt.ArrayLike | None = None,
        **kwargs: Any,
    ) -> WalkNetwork:
        """Build a network whose lengths come from its geometries.

        Parameters
        ----------
        node_x, node_y, u, v, crs
            As for :class:`WalkNetwork`.
        geometry : array of LineString, optional
            Edge geometries; straight segments between the end nodes when omitted.
        **kwargs
            ``node_id``, ``bridge``, ``report``, ``step_free``, ``fragments``.

        Returns
        -------
        WalkNetwork
        """
        x = np.asarray(node_x, dtype=np.float64)
        y = np.asarray(node_y, dtype=np.float64)
        uu = np.asarray(u, dtype=np.int64)
        vv = np.asarray(v, dtype=np.int64)
        if geometry is None:
            coords = np.stack(
                [np.column_stack([x[uu], y[uu]]), np.column_stack([x[vv], y[vv]])], axis=1
            )
            geoms = shapely.linestrings(coords)
        else:
            geoms = np.asarray(geometry, dtype=object)
        return cls(x, y, uu, vv, shapely.length(geoms), geoms, crs, **kwargs)

    def _check(self) -> None:
        n, m = len(self.node_x), len(self.u)
        if len(self.node_y) != n or len(self.node_id) != n:
            raise NetworkError("WalkNetwork: node arrays have different lengths.")
        if not (
            len(self.v)
            == m
            == len(self.length)
            == len(self.geometry)
            == len(self.bridge)
            == len(self.step_free)
        ):
            raise NetworkError("WalkNetwork: edge arrays have different lengths.")
        if m and (self.u.min() < 0 or self.v.min() < 0 or max(self.u.max(), self.v.max()) >= n):
            raise NetworkError("WalkNetwork: an edge refers to a node that does not exist.")
        if m and (not np.all(np.isfinite(self.length)) or self.length.min() < 0):
            raise NetworkError("WalkNetwork: edge lengths must be finite and non-negative.")
        if not self.crs.is_projected:
            raise NetworkError(
                f"WalkNetwork: CRS {self.crs.to_string()} is not projected; walking distances "
                "need a local metric CRS (局部米制坐标系), e.g. the UTM zone of the city."
            )

    # ------------------------------------------------------------------ basics
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_x)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return len(self.u)

    def __repr__(self) -> str:
        return (
            f"WalkNetwork({self.n_nodes} nodes, {self.n_edges} edges, crs={self.crs.to_string()!r})"
        )

    @property
    def profile(self) -> str:
        """Walkability profile: ``walk`` (步行) or ``step_free`` (无障碍)."""
        return self.report.profile

    @property
    def tree(self) -> shapely.STRtree:
        """STRtree over the edge geometries, built on first use."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.geometry)
        return self._tree

    def component_labels(self) -> tuple[int, IntArray]:
        """Connected-component label of every node.

        Returns
        -------
        n_components : int
        labels : array of int
        """
        n = self.n_nodes
        adj = coo_array(
            (np.ones(self.n_edges, dtype=np.int8), (self.u, self.v)), shape=(n, n)
        ).tocsr()
        k, labels = connected_components(adj, directed=False)
        return int(k), labels.astype(np.int64)

    def degree(self) -> IntArray:
        """Return the number of edge ends at every node (a self-loop counts twice)."""
        return np.diff(self.indptr).astype(np.int64)

    # ------------------------------------------------------------------ derived networks
    def subset_edges(self, keep: npt.ArrayLike, *, drop_isolated: bool = True) -> WalkNetwork:
        """Return the network with only the edges where ``keep`` is true.

        Parameters
        ----------
        keep : array of bool
            One flag per edge.
        drop_isolated : bool, default True
            Also drop nodes left without edges (node ids are kept).

        Returns
        -------
        WalkNetwork
            A new network; the report is copied.
        """
        keep_arr = np.asarray(keep, dtype=bool)
        u, v = self.u[keep_arr], self.v[keep_arr]
        node_keep = np.ones(self.n_nodes, dtype=bool)
        if drop_isolated:
            node_keep[:] = False
            node_keep[u] = True
            node_keep[v] = True
        new_index = np.full(self.n_nodes, -1, dtype=np.int64)
        new_index[node_keep] = np.arange(int(node_keep.sum()))
        report = copy.deepcopy(self.report)  # its lists too: derived networks add notes
        net = WalkNetwork(
            self.node_x[node_keep],
            self.node_y[node_keep],
            new_index[u],
            new_index[v],
            self.length[keep_arr],
            self.geometry[keep_arr],
            self.crs,
            node_id=self.node_id[node_keep],
            bridge=self.bridge[keep_arr],
            report=report,
            step_free=self.step_free[keep_arr],
            fragments=self.fragments,
        )
        net.barrier_polygons = self.barrier_polygons
        net.refresh_report()
        return net

    def largest_component(self) -> WalkNetwork:
        """Keep only the largest connected component; the report counts what was dropped."""
        k, labels = self.component_labels()
        if k <= 1:
            return self
        sizes = np.bincount(labels)
        best = int(np.argmax(sizes))
        keep = labels[self.u] == best
        net = self.subset_edges(keep)
        net.report.dropped_components += k - 1
        net.report.dropped_nodes += int(self.n_nodes - sizes[best])
        net.report.dropped_edges += int((~keep).sum())
        logger.info(
            "kept the largest component (%d nodes); dropped %d components with %d nodes",
            sizes[best],
            k - 1,
            self.n_nodes - sizes[best],
        )
        return net

    def refresh_report(self, max_dangling: int = 10_000) -> None:
        """Recompute the size, component and dangling-end fields of :attr:`report`."""
        r = self.report
        r.n_nodes, r.n_edges = self.n_nodes, self.n_edges
        k, labels = self.component_labels()
        sizes = np.sort(np.bincount(labels))[::-1] if self.n_nodes else np.zeros(0, np.int64)
        r.n_components = k
        r.component_sizes = [int(s) for s in sizes]
        dangling = np.flatnonzero(self.degree() == 1)[:max_dangling]
        r.dangling_ends = [
            (float(x), float(y))
            for x, y in zip(self.node_x[dangling], self.node_y[dangling], strict=True)
        ]

    # ------------------------------------------------------------------ exports
    def edges_gdf(self) -> gpd.GeoDataFrame:
        """Edges as a GeoDataFrame (``u``, ``v``, ``u_id``, ``v_id``, ``length_m``, ``bridge``, ``step_free``).

        Returns
        -------
        geopandas.GeoDataFrame
            One LineString per edge, in the network CRS, for maps and the results file.
        """
        import geopandas as gpd

        return gpd.GeoDataFrame(
            {
                "u": self.u,
                "v": self.v,
                "u_id": self.node_id[self.u],
                "v_id": self.node_id[self.v],
                "length_m": self.length,
                "bridge": self.bridge,
                "step_free": self.step_free,
            },
            geometry=gpd.GeoSeries(self.geometry, crs=self.crs),
        )

    def nodes_gdf(self) -> gpd.GeoDataFrame:
        """Nodes as a GeoDataFrame of Points (column ``node_id``)."""
        import geopandas as gpd

        return gpd.GeoDataFrame(
            {"node_id": self.node_id},
            geometry=gpd.points_from_xy(self.node_x, self.node_y),
            crs=self.crs,
        )

    def to_networkx(self) -> nx.MultiGraph:
        """Return a :class:`networkx.MultiGraph` for cross-checks.

        Nodes are the node indices ``0..n-1`` (attributes ``x``, ``y``, ``osmid``); edges have
        key = edge index and attribute ``length``.
        """
        import networkx as nx

        g = nx.MultiGraph(crs=self.crs)
        g.add_nodes_from(
            (i, {"x": float(x), "y": float(y), "osmid": int(o)})
            for i, (x, y, o) in enumerate(zip(self.node_x, self.node_y, self.node_id, strict=True))
        )
        g.add_edges_from(
            (int(a), int(b), int(k), {"length": float(w)})
            for k, (a, b, w) in enumerate(zip(self.u, self.v, self.length, strict=True))
        )
        return g

    def arrays_equal(self, other: WalkNetwork) -> bool:
        """Whether two networks have identical arrays, geometries and CRS."""
        return bool(
            self.crs == other.crs
            and np.array_equal(self.node_x, other.node_x)
            and np.array_equal(self.node_y, other.node_y)
            and np.array_equal(self.node_id, other.node_id)
            and np.array_equal(self.u, other.u)
            and np.array_equal(self.v, other.v)
            and np.array_equal(self.length, other.length)
            and np.array_equal(self.bridge, other.bridge)
            and np.array_equal(self.step_free, other.step_free)
            and np.all(shapely.equals_exact(self.geometry, other.geometry, tolerance=0.0))
        )


def _build_csr(
    n: int, u: IntArray, v: IntArray, length: FloatArray
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """Build the undirected CSR adjacency (both directions of every edge)."""
    m = len(u)
    src = np.concatenate([u, v])
    dst = np.concatenate([v, u])
    eid = np.concatenate([np.arange(m, dtype=np.int64)] * 2)
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    adj_edge = np.ascontiguousarray(eid[order])
    return (
        indptr,
        np.ascontiguousarray(dst[order]),
        adj_edge,
        np.ascontiguousarray(length[adj_edge]),
    )
