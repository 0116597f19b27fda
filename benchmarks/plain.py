"""The plain way of each step, for comparison (run by ``bench_audit.py --plain KIND``).

* ``networkx``: the service circles with networkx — a graph from the edges, every gate and
  facility attached to its nearest node (a KD-tree, what ``osmnx.distance.nearest_nodes`` does),
  one ``multi_source_dijkstra_path_length`` per tier from the tier's facilities;
* ``shapely``: the merged tier polygons with shapely — the edges networkx reached (whole edges
  with both ends within the distance, the reached part of the others), buffered and
  ``shapely.union_all`` per tier (the distances are not counted);
* ``writers``: the GeoPackage with geopandas ``to_file`` (one call per layer) and the workbook
  with pandas and openpyxl, from the audit's result.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from measure import Stage


def _tiers(ruleset: Any) -> list[Any]:
    from planning.audit.tiers import measured_tiers

    return measured_tiers(ruleset, None, None)


def _graph(net: Any) -> Any:
    import networkx as nx

    graph = nx.Graph()
    graph.add_weighted_edges_from(
        zip(net.u.tolist(), net.v.tolist(), net.length.tolist(), strict=True)
    )
    return graph


def _nearest_nodes(net: Any, xy: np.ndarray) -> np.ndarray:
    from scipy.spatial import cKDTree

    tree = cKDTree(np.column_stack([net.node_x, net.node_y]))
    return tree.query(xy)[1]


def _distances(net: Any, inputs: Any, ruleset: Any) -> tuple[dict[str, Any], Any]:
    import networkx as nx

    graph = _graph(net)
    fac = inputs.facilities
    fxy = np.column_stack([fac.geometry.x, fac.geometry.y])
    f_node = _nearest_nodes(net, fxy)
    gxy = np.column_stack([inputs.gates.geometry.x, inputs.gates.geometry.y])
    g_node = _nearest_nodes(net, gxy)
    owner = inputs.gates["estate_id"].to_numpy()
    out = {}
    for tier in _tiers(ruleset):
        sources = set(f_node[fac["kind"].isin(tier.facility_kinds).to_numpy()].tolist())
        dist = nx.multi_source_dijkstra_path_length(graph, sources, cutoff=tier.distance_m)
        gate_d = np.array([dist.get(n, np.inf) for n in g_node.tolist()])
        best: dict[str, float] = {}
        for estate, d in zip(owner, gate_d, strict=True):
            best[estate] = min(best.get(estate, np.inf), d)
        out[tier.name] = (dist, best)
    return out, _tiers(ruleset)


def run_networkx(net: Any, inputs: Any, ruleset: Any) -> dict[str, Any]:
    """Time the circles the networkx way."""
    stages: dict[str, Any] = {}
    with Stage(stages, "networkx: snap to nodes + circles (3 tiers)"):
        _distances(net, inputs, ruleset)
    return stages


def run_shapely(net: Any, inputs: Any, ruleset: Any, buffer_m: float) -> dict[str, Any]:
    """Time the merged tier polygons the shapely way (distances from networkx, not counted)."""
    found, tiers = _distances(net, inputs, ruleset)
    stages: dict[str, Any] = {}
    with Stage(stages, "shapely: merged tier polygons (buffer + union_all)"):
        for tier in tiers:
            dist, _ = found[tier.name]
            du = np.array([dist.get(n, np.inf) for n in net.u.tolist()])
            dv = np.array([dist.get(n, np.inf) for n in net.v.tolist()])
            cut = tier.distance_m
            whole = (du <= cut) & (dv <= cut)
            pieces = list(net.geometry[whole])
            for e in np.flatnonzero((du <= cut) ^ (dv <= cut)):
                line, length = net.geometry[e], shapely.length(net.geometry[e])
                reach = (cut - min(du[e], dv[e])) / max(net.length[e], 1e-9) * length
                if du[e] <= cut:
                    pieces.append(shapely.ops.substring(line, 0, reach))
                else:
                    pieces.append(shapely.ops.substring(line, length - reach, length))
            shapely.union_all(shapely.buffer(np.asarray(pieces, dtype=object), buffer_m))
    return stages


def run_writers(result: Any, folder: Any) -> dict[str, Any]:
    """Time geopandas ``to_file`` (every layer) and the openpyxl workbook."""
    import geopandas as gpd
    import pandas as pd

    from planning.audit.output import estate_table, street_table

    stages: dict[str, Any] = {}
    layers = {
        "estates": gpd.GeoDataFrame(
            estate_table(result),
            geometry=result.estates.geometry.to_numpy(),
            crs=result.estates.crs,
        ),
        "facilities": result.facilities,
        "streets": gpd.GeoDataFrame(
            street_table(result),
            geometry=result.streets.geometry.to_numpy(),
            crs=result.streets.crs,
        ),
        "service_areas": result.service_areas,
        "network": result.network_edges,
    }
    for name, frame in list(layers.items()):
        layers[name] = frame = frame.copy()
        for column in frame.columns:
            if str(frame[column].dtype) == "boolean":
                frame[column] = frame[column].astype(object)
    path = folder / "plain.gpkg"
    with Stage(stages, "geopandas to_file: results.gpkg (5 layers)"):
        for name, frame in layers.items():
            frame.to_file(path, layer=name, driver="GPKG")
    with (
        Stage(stages, "openpyxl: estates + streets sheets"),
        pd.ExcelWriter(folder / "plain.xlsx", engine="openpyxl") as writer,
    ):
        estate_table(result).to_excel(writer, sheet_name="estates", index=False)
        street_table(result).to_excel(writer, sheet_name="streets", index=False)
    return stages
