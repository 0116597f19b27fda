"""Small OSM XML files for tests, and osmnx's own ``walk`` filter applied to a file's ways.

``OsmFile`` lays nodes out in metres (UTM 51N, central Shanghai) and writes ways with tags. ``osmnx_walk_ways`` evaluates the Overpass filter osmnx sends for ``network_type="walk"``
(taken from osmnx itself) on every way, clause by clause, so tests can compare the ways this
package keeps with the ways osmnx would download.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

#: Nodes are laid out in metres from this point of UTM zone 51N (central Shanghai), so a network
#: built in EPSG:32651 has exactly the lengths the test wrote down.
CRS = "EPSG:32651"
X0, Y0 = 350_000.0, 3_456_000.0


@dataclass
class OsmFile:
    """Nodes on a metre grid (x east, y north from a fixed point) and tagged ways."""

    nodes: dict[int, tuple[float, float, dict[str, str]]] = field(default_factory=dict)
    ways: list[tuple[int, list[int], dict[str, str]]] = field(default_factory=list)

    def node(self, node_id: int, x: float, y: float, **tags: str) -> int:
        self.nodes[node_id] = (x, y, {k.replace("__", ":"): v for k, v in tags.items()})
        return node_id

    def way(self, way_id: int, refs: list[int], **tags: str) -> int:
        self.ways.append((way_id, refs, {k.replace("__", ":"): v for k, v in tags.items()}))
        return way_id

    def write(self, path: Path, generator: str = "test") -> Path:
        root = ET.Element("osm", version="0.6", generator=generator)
        for node_id, (x, y, tags) in self.nodes.items():
            lon, lat = lonlat(x, y)
            el = ET.SubElement(root, "node", id=str(node_id), lat=f"{lat:.10f}", lon=f"{lon:.10f}")
            for k, v in tags.items():
                ET.SubElement(el, "tag", k=k, v=v)
        for way_id, refs, tags in self.ways:
            el = ET.SubElement(root, "way", id=str(way_id))
            for ref in refs:
                ET.SubElement(el, "nd", ref=str(ref))
            for k, v in tags.items():
                ET.SubElement(el, "tag", k=k, v=v)
        ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
        return path

    def points(self, *node_ids: int) -> list[tuple[float, float]]:
        """Projected (EPSG:32651) coordinates of nodes."""
        return [(X0 + self.nodes[i][0], Y0 + self.nodes[i][1]) for i in node_ids]


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Longitude and latitude of the point x metres east and y metres north of (X0, Y0)."""
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(X0 + x, Y0 + y)
    return lon, lat


_CLAUSE = re.compile(r'\["([^"]+)"(?:(!?~)"([^"]*)")?\]')


def osmnx_walk_ways(path: Path) -> set[int]:
    """Ids of the ways osmnx's ``walk`` Overpass filter keeps (Overpass regex semantics)."""
    from osmnx import _overpass

    clauses = _CLAUSE.findall(_overpass._get_network_filter("walk"))
    assert clauses, "osmnx's walk filter could not be read"
    kept = set()
    for way in ET.parse(path).getroot().iter("way"):
        tags = {t.get("k"): t.get("v") for t in way.iter("tag")}
        ok = True
        for key, op, pattern in clauses:
            value = tags.get(key)
            if not op:  # ["highway"]: the tag must be there
                ok &= value is not None
            elif op == "!~":  # absent, or not matching the regex anywhere
                ok &= value is None or re.search(pattern, value) is None
            else:
                ok &= value is not None and re.search(pattern, value) is not None
        if ok:
            kept.add(int(way.get("id")))
    return kept
