"""Deterministic generator of the bundled synthetic sample district 示例区 (合成示例数据).

The district is fictional: 6 × 5 km placed near 114.35°E, 30.55°N in CGCS2000 / 3-degree
Gauss-Krüger CM 114E (EPSG:4547). It holds four streets (街道), an arterial grid (主干道) with branch
roads (支路), a meandering river (玉带河) crossed by two bridges, gated estates (居住小区) with gates
(出入口) and internal paths, and elderly-care facilities (养老服务设施) of every kind, with failures of
every rule designed in (listed in ``gis_data/README.md``).

``python -m planning.sample gis_data/`` rewrites the files; the same seed gives the same
layers and, with the same GDAL, the same bytes.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyogrio.errors import DataSourceError
from scipy.sparse import csgraph

from planning._errors import InputDataError, InputFileError
from planning.sample.names import (
    ARTERIALS_EW,
    ARTERIALS_NS,
    COUNTY,
    GATE_NAMES,
    LINKED,
    RIVER_NAME,
    STANDALONE,
    STREETS,
    NameBook,
    facility_size,
    station_land,
)
from planning.sample.output import (
    Design,
    design_report,
    failures_markdown,
    road_graph,
    write_estates_shapefile,
    write_facilities_xlsx,
    write_gpkg,
)

logger = logging.getLogger(__name__)

#: Seed of the bundled sample.
DEFAULT_SEED = 20240611
#: CRS of the GeoPackage layers: CGCS2000 / 3-degree Gauss-Kruger CM 114E.
CRS = "EPSG:4547"
#: South-west corner of the district in EPSG:4547 (m); the layout is drawn from (0, 0).
ORIGIN = (530_500.0, 3_378_500.0)
WIDTH, HEIGHT = 6000.0, 5000.0
#: Arterial (主干道) positions: 7 columns × 6 rows of arterial cells.
X_ART = (0.0, 860.0, 1720.0, 2580.0, 3440.0, 4300.0, 5150.0, 6000.0)
Y_ART = (0.0, 880.0, 1760.0, 2560.0, 3560.0, 4280.0, 5000.0)
#: Arterial row Y_ART[3]..Y_ART[4] holds the river; X_ART[1] and X_ART[5] bridge it.
RIVER_ROW, BRIDGE_COLUMNS = 3, (1, 5)
#: Riverside roads (滨江南路/滨江北路) run this far (m, vertically) outside the banks.
RIVERSIDE_OFFSET = 15.0
#: Zone: P(block is residential), P(block holds two estates), built-year range, P(built ≥ 2019).
_ZONES = {
    "old": (0.50, 0.40, 1985, 2008, 0.0),
    "central": (0.44, 0.30, 1995, 2018, 0.08),
    "new": (0.42, 0.15, 2008, 2018, 0.45),
    "north": (0.42, 0.25, 2000, 2018, 0.15),
    "rural": (0.40, 0.0, 1992, 2016, 0.0),
}
#: Households per 1,000 m² of estate by era (older walk-ups and new high-rises are denser).
_DENSITY = {"old": (15, 24), "mid": (11, 19), "new": (13, 26), "rural": (6, 10)}
#: Linked stations keep this straight-line distance (m) from estates that must stay outside
#: every 15-minute circle (walking is never shorter), and aim for this spacing between each
#: other and the stand-alone stations and centres, so that their surplus reaches other estates.
_KEEP_CLEAR_M, _SPACING_M = 1000.0, 650.0
#: Estates with a gate this far (m) on foot from a station may share its surplus (调剂).
_SHARE_REACH_M = 500.0
#: Wall setback (m) from the road centre-line: base + uniform(0, extra).
_SETBACK = {"arterial": (20.0, 8.0), "branch": (10.0, 6.0), "river": (12.0, 5.0)}
Coord = tuple[float, float]


@dataclass
class SampleDistrict:
    """All layers of the sample district in EPSG:4547, and what fails which rule.

    Attributes
    ----------
    estates, gates, facilities, streets, roads, river : geopandas.GeoDataFrame
        The layers of ``sample_district.gpkg``, with the canonical column names of
        ``docs/architecture.md`` (plus ``subtype`` 类型 on facilities, ``name`` on gates).
    design : Design
        The designed failures, computed on the district's own road graph.
    seed : int
        The seed that generated it.
    """

    estates: gpd.GeoDataFrame
    gates: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    river: gpd.GeoDataFrame
    design: Design = field(default_factory=Design)
    seed: int = DEFAULT_SEED

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Return the GeoPackage layers by name, in writing order."""
        names = ("estates", "gates", "facilities", "streets", "roads", "river")
        return {name: getattr(self, name) for name in names}


@dataclass
class _Block:
    i: int
    j: int
    x0: float
    x1: float
    y0: float
    y1: float
    sides: dict[str, str]  # side → arterial / branch / river
    zone: str
    street: int
    reserved: bool = False


@dataclass
class _Road:
    coords: list[Coord]
    name: str
    cls: str
    bridge: int = 0
    estate_id: str | None = None


@dataclass
class _Estate:
    estate_id: str
    name: str
    households: int
    status: str
    built_year: int
    population: float
    elderly: float
    street: int
    zone: str
    ring: list[Coord]
    centre: Coord


@dataclass
class _Facility:
    name: str
    kind: str
    subtype: str
    status: str
    estate_id: str | None
    point: Coord
    street: int
    floor_m2: float
    land_m2: float = float("nan")
    beds: float = float("nan")
    nursing_beds: float = float("nan")


def _r(v: float) -> float:
    return float(round(float(v), 1))


def _off_grid(v: float) -> float:
    """Round to 5k + 2.5 m: ≥ 2.5 m from every road junction (roads lie on the 5 m grid)."""
    return float(np.floor(v / 5) * 5 + 2.5)


def _zone(x: float, north: bool) -> tuple[str, int]:
    """Return the planning zone and street index of a block centre."""
    if north:
        return ("rural" if x >= X_ART[5] else "north"), 3
    if x < X_ART[3]:
        return "old", 0
    return ("central", 1) if x < X_ART[5] else ("new", 2)


def _branches(rng: np.random.Generator, lo: float, hi: float, rural: bool) -> list[float]:
    """Return branch-road positions (5 m grid) cutting [lo, hi] into 2 (rural), 3 or 4 parts."""
    n = 2 if rural else int(rng.choice([3, 4], p=[0.45, 0.55]))
    step = (hi - lo) / n
    return [float(round((lo + k * step + rng.uniform(-15, 15)) / 5) * 5) for k in range(1, n)]


def _river(rng: np.random.Generator, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the river's centre, lower and upper bank y at xs (meanders, 80–115 m wide)."""
    mid = (Y_ART[RIVER_ROW] + Y_ART[RIVER_ROW + 1]) / 2
    a1, l1, p1 = rng.uniform(140, 170), rng.uniform(2400, 2900), rng.uniform(0, 2 * np.pi)
    a2, l2, p2 = rng.uniform(15, 25), rng.uniform(800, 1000), rng.uniform(0, 2 * np.pi)
    l3, p3 = rng.uniform(1500, 2500), rng.uniform(0, 2 * np.pi)
    centre = mid + a1 * np.sin(2 * np.pi * xs / l1 + p1) + a2 * np.sin(2 * np.pi * xs / l2 + p2)
    half = 40 + 8.75 * (1 + np.sin(2 * np.pi * xs / l3 + p3))
    return np.round(centre, 1), np.round(centre - half, 1), np.round(centre + half, 1)


def _node(roads: list[_Road]) -> list[_Road]:
    """Split roads at every junction so that junctions are shared endpoints, exactly.

    Junctions are all endpoints plus the crossings of vertical and horizontal two-point lines;
    polylines (riverside roads, internal paths) are split only at their own vertices.
    """
    ends = {c for r in roads for c in (r.coords[0], r.coords[-1])}
    two = [r.coords for r in roads if len(r.coords) == 2]
    v = np.array([(a[0], min(a[1], b[1]), max(a[1], b[1])) for a, b in two if a[0] == b[0]])
    h = np.array([(a[1], min(a[0], b[0]), max(a[0], b[0])) for a, b in two if a[1] == b[1]])
    cross = (h[None, :, 1] < v[:, None, 0]) & (v[:, None, 0] < h[None, :, 2])
    cross &= (v[:, None, 1] < h[None, :, 0]) & (h[None, :, 0] < v[:, None, 2])
    ends |= {(float(v[a, 0]), float(h[b, 0])) for a, b in zip(*np.nonzero(cross), strict=True)}
    pts = np.array(sorted(ends))
    out: list[_Road] = []
    for road in roads:
        (ax, ay), (bx, by) = road.coords[0], road.coords[-1]
        if len(road.coords) == 2 and (ax == bx or ay == by):
            axis, fixed = (1, 0) if ax == bx else (0, 1)
            lo, hi = sorted((road.coords[0][axis], road.coords[1][axis]))
            on = pts[
                (pts[:, fixed] == road.coords[0][fixed]) & (pts[:, axis] > lo) & (pts[:, axis] < hi)
            ]
            key = on[:, axis] if road.coords[0][axis] < road.coords[1][axis] else -on[:, axis]
            chain = [road.coords[0], *[(float(x), float(y)) for x, y in on[np.argsort(key)]]]
            chain.append(road.coords[1])
            out.extend(
                dataclasses.replace(road, coords=[a, b]) for a, b in itertools.pairwise(chain)
            )
            continue
        piece = [road.coords[0]]
        for c in road.coords[1:]:
            piece.append(c)
            if c in ends and c != road.coords[-1]:
                out.append(dataclasses.replace(road, coords=piece))
                piece = [c]
        out.append(dataclasses.replace(road, coords=piece))
    return out


def _layout(rng: np.random.Generator) -> tuple[list[_Block], list[_Road], dict[str, np.ndarray]]:
    """Lay out arterials, branches, riverside roads and bridges; return blocks, roads, river."""
    names = NameBook(rng)
    cells = [(i, j) for i in range(7) for j in range(6)]
    xb = {
        (i, j): _branches(rng, X_ART[i], X_ART[i + 1], i >= 5 and j >= RIVER_ROW) for i, j in cells
    }
    yb = {
        (i, j): _branches(rng, Y_ART[j], Y_ART[j + 1], i >= 5 and j > RIVER_ROW) for i, j in cells
    }
    river_row_x = itertools.chain.from_iterable(xb[i, RIVER_ROW] for i in range(7))
    xs = np.unique([*np.arange(0.0, WIDTH + 1, 50.0), *X_ART, *river_row_x])
    centre, lower, upper = _river(rng, xs)
    south, north = np.round(lower - RIVERSIDE_OFFSET, 1), np.round(upper + RIVERSIDE_OFFSET, 1)
    ys_at = dict(zip(xs.tolist(), south.tolist(), strict=True))
    yn_at = dict(zip(xs.tolist(), north.tolist(), strict=True))
    roads: list[_Road] = []

    def vertical(x: float, j: int, name: str, cls: str) -> None:
        y0, y1 = Y_ART[j], Y_ART[j + 1]
        if j != RIVER_ROW:
            roads.append(_Road([(x, y0), (x, y1)], name, cls))
        else:  # roads stop at the riverside roads, clear of the river
            roads.append(_Road([(x, y0), (x, ys_at[x])], name, cls))
            roads.append(_Road([(x, yn_at[x]), (x, y1)], name, cls))

    for k, x in enumerate(X_ART):
        for j in range(6):
            vertical(x, j, ARTERIALS_NS[k], "arterial")
        if k in BRIDGE_COLUMNS:
            label = f"{RIVER_NAME}{'一二'[BRIDGE_COLUMNS.index(k)]}桥"
            roads.append(_Road([(x, ys_at[x]), (x, yn_at[x])], label, "arterial", bridge=1))
    roads.extend(
        _Road([(0.0, y), (WIDTH, y)], ARTERIALS_EW[m], "arterial") for m, y in enumerate(Y_ART)
    )
    roads.append(_Road(list(zip(xs.tolist(), south.tolist(), strict=True)), "滨江南路", "branch"))
    roads.append(_Road(list(zip(xs.tolist(), north.tolist(), strict=True)), "滨江北路", "branch"))
    blocks: list[_Block] = []
    for i, j in cells:
        for x in xb[i, j]:
            vertical(x, j, names.road(), "branch")
        ycuts = [Y_ART[j], Y_ART[j + 1]] if j == RIVER_ROW else [Y_ART[j], *yb[i, j], Y_ART[j + 1]]
        if j != RIVER_ROW:
            roads.extend(
                _Road([(X_ART[i], y), (X_ART[i + 1], y)], names.road(), "branch") for y in yb[i, j]
            )
        xcuts = [X_ART[i], *xb[i, j], X_ART[i + 1]]
        for x0, x1 in itertools.pairwise(xcuts):
            inside = (xs >= x0) & (xs <= x1)
            for y0, y1 in itertools.pairwise(ycuts):
                edges = zip(("west", "east", "south", "north"), (x0, x1, y0, y1), strict=True)
                sides = {k: "arterial" if v in (*X_ART, *Y_ART) else "branch" for k, v in edges}
                parts = [(y0, y1, False)]
                if j == RIVER_ROW:  # a block south and a block north of the river
                    parts = [
                        (y0, float(south[inside].min()), False),
                        (float(north[inside].max()), y1, True),
                    ]
                for lo, hi, north_bank in parts:
                    s = dict(sides)
                    if j == RIVER_ROW:
                        s["south" if north_bank else "north"] = "river"
                    zone, street = _zone((x0 + x1) / 2, j > RIVER_ROW or north_bank)
                    blocks.append(_Block(i, j, x0, x1, lo, hi, s, zone, street))
    return blocks, roads, {"x": xs, "centre": centre, "lower": lower, "upper": upper}


def _year(rng: np.random.Generator, zone: str) -> int:
    _, _, lo, hi, p_new = _ZONES[zone]
    return int(rng.integers(2019, 2025)) if rng.random() < p_new else int(rng.integers(lo, hi + 1))


def _era(zone: str, year: int) -> str:
    if zone == "rural":
        return "rural"
    return "old" if year < 2000 else ("mid" if year < 2015 else "new")


def _estate_rects(rng: np.random.Generator, b: _Block) -> list[tuple[list[float], set[str]]]:
    """Return walled rectangles [x0, y0, x1, y1] in a block, each with its sides facing a road."""
    sb = {s: _r(_SETBACK[k][0] + rng.uniform(0, _SETBACK[k][1])) for s, k in b.sides.items()}
    r = [b.x0 + sb["west"], b.y0 + sb["south"], b.x1 - sb["east"], b.y1 - sb["north"]]
    faces = {s for s, k in b.sides.items() if k != "river"}
    if b.zone == "rural":  # a small village compound in one corner of a large block
        w, h = _r(rng.uniform(100, 190)), _r(rng.uniform(100, 170))
        west, south = rng.random() < 0.5, rng.random() < 0.5
        r[2 if west else 0] = r[0] + w if west else r[2] - w
        r[3 if south else 1] = r[1] + h if south else r[3] - h
        faces -= {"east" if west else "west", "north" if south else "south"}
    r = [_r(v) for v in r]
    r[2], r[3] = min(r[2], r[0] + 390.0), min(r[3], r[1] + 390.0)
    w, h = r[2] - r[0], r[3] - r[1]
    if min(w, h) < 100:
        return []
    if max(w, h) < 216 or rng.random() >= _ZONES[b.zone][1]:
        return [(r, faces)]
    if w >= h:  # two compounds side by side, wall to wall across an 8 m alley
        cut = _r(min(max(r[0] + w * rng.uniform(0.42, 0.58), r[0] + 104), r[2] - 104))
        return [
            ([r[0], r[1], cut - 4, r[3]], faces - {"east"}),
            ([cut + 4, r[1], r[2], r[3]], faces - {"west"}),
        ]
    cut = _r(min(max(r[1] + h * rng.uniform(0.42, 0.58), r[1] + 104), r[3] - 104))
    return [
        ([r[0], r[1], r[2], cut - 4], faces - {"north"}),
        ([r[0], cut + 4, r[2], r[3]], faces - {"south"}),
    ]


def _ring(rng: np.random.Generator, r: list[float]) -> list[Coord]:
    """Return the counter-clockwise wall of an estate, sometimes with one chamfered corner."""
    x0, y0, x1, y1 = r
    ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    if rng.random() < 0.2:  # 切角: gates sit in the middle 40 % of a side, clear of the cut
        k, leg = int(rng.integers(4)), _r(0.15 * min(x1 - x0, y1 - y0))
        v, prev, nxt = np.array(ring[k]), np.array(ring[k - 1]), np.array(ring[(k + 1) % 4])
        cut = [v + leg * (p - v) / np.linalg.norm(p - v) for p in (prev, nxt)]
        ring[k : k + 1] = [(float(c[0]), float(c[1])) for c in cut]
    return [(_r(x), _r(y)) for x, y in ring]


def _place_standalone(
    rng: np.random.Generator, blocks: list[_Block], roads: list[_Road], names: NameBook
) -> list[_Facility]:
    """Reserve one block per stand-alone facility and connect it to the road by a 40 m path."""
    out: list[_Facility] = []
    for kind, subtype, i, j, north, status in STANDALONE:
        bank = [b for b in blocks if j != RIVER_ROW or (b.sides["south"] == "river") == north]
        cands = [b for b in bank if (b.i, b.j) == (i, j) and not b.reserved]
        b = cands[int(rng.integers(len(cands)))]
        b.reserved = True
        side = next(s for s in ("south", "north", "west", "east") if b.sides[s] != "river")
        mx, my = _off_grid((b.x0 + b.x1) / 2), _off_grid((b.y0 + b.y1) / 2)
        if north:  # the river-test station: on the west side, close to the bank
            side, my = "west", _r(b.y0 + 45)
        road, point = {
            "south": ((mx, b.y0), (mx, b.y0 + 40)),
            "north": ((mx, b.y1), (mx, b.y1 - 40)),
            "west": ((b.x0, my), (b.x0 + 40, my)),
            "east": ((b.x1, my), (b.x1 - 40, my)),
        }[side]
        place = STREETS[b.street][1] if kind == "street_centre" else ""
        subtype, name = names.facility(kind, subtype, place)
        roads.append(_Road([road, point], f"{name}出入通道", "path"))
        size = facility_size(rng, kind, subtype)
        out.append(_Facility(name, kind, subtype, status, None, point, b.street, *size))
    return out


def _place_estates(
    rng: np.random.Generator, blocks: list[_Block], roads: list[_Road], names: NameBook
) -> tuple[list[_Estate], list[tuple[str, str, str, Coord]]]:
    """Fill residential blocks with walled estates, their gates, access and internal paths."""
    estates: list[_Estate] = []
    gates: list[tuple[str, str, str, Coord]] = []
    for b in blocks:
        p_home = 0.75 if b.j == RIVER_ROW else _ZONES[b.zone][0]  # riverside living is popular
        if b.reserved or rng.random() >= p_home:
            continue
        rects = _estate_rects(rng, b)
        if not rects:
            continue
        year = _year(rng, b.zone)
        if len(rects) == 2 and rng.random() < 0.5:  # one development in two phases (一期/二期)
            years = [year, min(2024, year + int(rng.integers(1, 4)))]
            labels = list(names.phases(_era(b.zone, year)))
        else:
            years = [year] + [_year(rng, b.zone) for _ in rects[1:]]
            labels = [names.estate(_era(b.zone, y)) for y in years]
        for (r, faces), year, name in zip(rects, years, labels, strict=True):
            eid, ring = f"E{len(estates) + 1:03d}", _ring(rng, r)
            area = float(shapely.area(shapely.Polygon(ring)))
            density = rng.uniform(*_DENSITY[_era(b.zone, year)]) / 1000  # households per m²
            hh = int(np.clip(round(area * density), 150, 4000))
            pop = float(round(hh * rng.uniform(2.8, 3.1)))
            share = 0.15 + 0.15 * min(1.0, (2024 - year) / 39) + rng.uniform(-0.02, 0.02)
            share = min(max(share, 0.15), 0.3)
            centre = (_r((r[0] + r[2]) / 2), _r((r[1] + r[3]) / 2))
            status, elderly = ("new" if year >= 2019 else "existing"), float(round(pop * share))
            e = _Estate(eid, name, hh, status, year, pop, elderly, b.street, b.zone, ring, centre)
            estates.append(e)
            sides = [s for s in ("south", "east", "north", "west") if s in faces]
            n = max(int(rng.choice([1, 2, 3], p=[0.3, 0.5, 0.2])), 2 if hh > 2000 else 1)
            for s in [sides[k] for k in rng.permutation(len(sides))[: min(n, len(sides))]]:
                gx = _off_grid(r[0] + (r[2] - r[0]) * rng.uniform(0.3, 0.7))
                gy = _off_grid(r[1] + (r[3] - r[1]) * rng.uniform(0.3, 0.7))
                gate, road, stub = {
                    "south": ((gx, r[1]), (gx, b.y0), (gx, r[1] + 25)),
                    "north": ((gx, r[3]), (gx, b.y1), (gx, r[3] - 25)),
                    "west": ((r[0], gy), (b.x0, gy), (r[0] + 25, gy)),
                    "east": ((r[2], gy), (b.x1, gy), (r[2] - 25, gy)),
                }[s]
                gates.append((f"G{len(gates) + 1:04d}", eid, name + GATE_NAMES[s], gate))
                roads.append(_Road([road, gate], f"{name}{GATE_NAMES[s]}通道", "path", 0, eid))
                roads.append(_Road([gate, stub, centre], f"{name}内部道路", "path", 0, eid))
    return estates, gates


def _walker(
    roads: list[_Road], gates: list[tuple[str, str, str, Coord]], limit_m: float
) -> Callable[[Coord], np.ndarray]:
    """Return a function: road endpoint → ids of the estates with a gate within ``limit_m`` on foot."""
    graph, node = road_graph(gpd.GeoSeries([shapely.LineString(r.coords) for r in _node(roads)]))
    gate_nodes = np.array([node[g[3]] for g in gates])
    owner = np.array([g[1] for g in gates])

    def reach(point: Coord) -> np.ndarray:
        dist = csgraph.dijkstra(graph, directed=False, indices=node[point], limit=limit_m)
        return np.unique(owner[dist[gate_nodes] <= limit_m])

    return reach


def _protected(estates: list[_Estate], facilities: list[_Facility]) -> shapely.MultiPolygon:
    """Return the estates that must stay outside every 15-minute circle (一刻钟服务圈).

    They are the rural north-east, the south-east corner and the south-bank estates within
    1,000 m in a straight line of the north-bank station (the river test).
    """
    north_station = min(  # the stand-alone station by the north bank (lowest in street 3)
        (f.point for f in facilities if f.kind == "community_station" and f.street == 3),
        key=lambda p: p[1],
    )
    keep = []
    for e in estates:
        wall = shapely.Polygon(e.ring)
        corner = e.centre[0] > X_ART[6] and e.centre[1] < Y_ART[1]
        river = e.street != 3 and shapely.distance(wall, shapely.Point(north_station)) <= 1000
        if e.zone == "rural" or corner or river:
            keep.append(wall)
    return shapely.MultiPolygon(keep)


def _link_stations(
    rng: np.random.Generator,
    estates: list[_Estate],
    facilities: list[_Facility],
    names: NameBook,
    reach: Callable[[Coord], np.ndarray],
) -> None:
    """Put community stations (本小区配建) at the centre of chosen estates.

    ``pass`` stations meet the floor standard on their own estate's households; those of
    existing estates are large and go where most existing estates not yet within 500 m on foot
    (``reach``) of a station or centre can share their surplus (调剂). ``short`` ones do not meet
    it. No existing station comes within 1,000 m of the estates designed to stay outside every
    circle (a planned one may: it does not count in the circles yet).
    """
    protected = _protected(estates, facilities)
    existing = {e.estate_id for e in estates if e.status == "existing"}
    used: set[str] = set()
    placed = [f.point for f in facilities if f.kind in ("community_station", "street_centre")]
    served = set(itertools.chain.from_iterable(reach(p) for p in placed))
    for zone, estate_status, outcome, status in LINKED:
        lo, hi = (500, 2500) if outcome == "pass" else (1100, 4000)  # 150 m² is short
        free = [
            e
            for e in estates
            if e.status == estate_status
            and e.estate_id not in used
            and (
                status == "planned"  # planned stations do not count in the circles
                or shapely.distance(protected, shapely.Point(e.centre)) > _KEEP_CLEAR_M
            )
        ]
        pool = [e for e in free if e.zone == zone] or free
        fits = [e for e in pool if lo <= e.households <= hi] or [
            e for e in free if lo <= e.households <= hi
        ]
        spaced = [
            e for e in fits if min(np.hypot(*np.subtract(e.centre, p)) for p in placed) > _SPACING_M
        ]
        cands = spaced or fits or pool
        if not cands:
            continue
        if outcome == "pass" and estate_status == "existing":  # most unserved neighbours
            gain = [len((set(reach(e.centre)) & existing) - served) for e in cands]
            cands = [e for e, g in zip(cands, gain, strict=True) if g == max(gain)]
        e = cands[int(rng.integers(len(cands)))]
        used.add(e.estate_id)
        placed.append(e.centre)
        served |= set(reach(e.centre))
        standard = 20.0 if e.status == "new" else 15.0
        need = e.households * standard / 100
        if outcome == "short":
            floor = e.households * rng.uniform(5, 10) / 100
        elif e.status == "new":
            floor = need * rng.uniform(1.05, 1.4)
        else:
            floor = max(need * rng.uniform(1.1, 1.5), rng.uniform(700, 800))
        floor = float(np.clip(np.ceil(floor / 10) * 10, 150, 800))
        subtype, name = names.facility("community_station", "", e.name)
        args = (name, "community_station", subtype, status, e.estate_id, e.centre, e.street)
        facilities.append(_Facility(*args, floor, station_land(rng, floor)))


def _streets(river: dict[str, np.ndarray]) -> list[shapely.Polygon]:
    """Split the district into four streets: three south of the river's centre-line, one north."""
    centre = list(zip(river["x"].tolist(), river["centre"].tolist(), strict=True))
    south = shapely.Polygon([(0.0, 0.0), (WIDTH, 0.0), *centre[::-1]])
    cuts = (0.0, X_ART[3], X_ART[5], WIDTH)
    boxes = [shapely.box(a, 0.0, b, HEIGHT) for a, b in itertools.pairwise(cuts)]
    return [
        *shapely.intersection(south, boxes),
        shapely.Polygon([*centre, (WIDTH, HEIGHT), (0.0, HEIGHT)]),
    ]


def _frame(rows: list[Any], geoms: object, columns: str) -> gpd.GeoDataFrame:
    """Return a layer in EPSG:4547: local coordinates shifted by ORIGIN."""
    geometry = shapely.transform(np.asarray(geoms), lambda c: c + np.array(ORIGIN))
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns.split()), geometry=geometry, crs=CRS)


def build_sample_district(seed: int = DEFAULT_SEED) -> SampleDistrict:
    """Generate the synthetic sample district 示例区 (合成示例数据) from a seed.

    Parameters
    ----------
    seed : int, default DEFAULT_SEED
        Seed of :func:`numpy.random.default_rng`; the same seed gives identical layers.

    Returns
    -------
    SampleDistrict
        The layers in EPSG:4547 and the designed failures.
    """
    if seed < 0:
        raise InputDataError(f"The sample district's seed must be 0 or more, not {seed}.")
    rng = np.random.default_rng(seed)
    blocks, roads, river = _layout(rng)
    names = NameBook(rng)
    facilities = _place_standalone(rng, blocks, roads, names)
    estates, gates = _place_estates(rng, blocks, roads, names)
    _link_stations(rng, estates, facilities, names, _walker(roads, gates, _SHARE_REACH_M))
    street = [name for _, name in STREETS]
    noded = _node(roads)
    lines = shapely.linestrings(
        np.concatenate([np.array(r.coords) for r in noded]),
        indices=np.repeat(np.arange(len(noded)), [len(r.coords) for r in noded]),
    )
    width = river["upper"] - river["lower"]
    bank = np.r_[np.c_[river["x"], river["lower"]], np.c_[river["x"], river["upper"]][::-1]]
    facility_rows = [
        dataclasses.asdict(f) | {"facility_id": f"F{k + 1:03d}", "street": street[f.street]}
        for k, f in enumerate(facilities)
    ]
    district = SampleDistrict(
        estates=_frame(
            [dataclasses.asdict(e) | {"street": street[e.street]} for e in estates],
            [shapely.Polygon(e.ring) for e in estates],
            "estate_id name households status built_year population elderly street",
        ),
        gates=_frame(
            [g[:3] for g in gates], shapely.points([g[3] for g in gates]), "gate_id estate_id name"
        ),
        facilities=_frame(
            [row | {"county": COUNTY} for row in facility_rows],
            shapely.points([f.point for f in facilities]),
            "facility_id name kind subtype floor_m2 land_m2 beds nursing_beds estate_id status "
            "street county",
        ),
        streets=_frame(
            [(sid, name, COUNTY) for sid, name in STREETS], _streets(river), "street_id name county"
        ),
        roads=_frame(
            [(f"R{k + 1:04d}", r.name, r.cls, r.bridge, r.estate_id) for k, r in enumerate(noded)],
            lines,
            "road_id name class bridge estate_id",
        ),
        river=_frame(
            [(RIVER_NAME, "river", float(width.min()), float(width.max()))],
            [shapely.Polygon(bank)],
            "name kind width_min_m width_max_m",
        ),
        seed=seed,
    )
    district.design = design_report(district.layers())
    logger.info("sample district: %d estates, %d road pieces", len(estates), len(noded))
    return district


def write_sample_district(folder: str | Path, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Generate the sample district and write every file into ``folder``.

    Parameters
    ----------
    folder : str or pathlib.Path
        Output folder (created if missing), normally ``gis_data/``.
    seed : int, default DEFAULT_SEED
        Seed of the generator.

    Returns
    -------
    dict of str to pathlib.Path
        Paths written: ``gpkg``, ``shapefile`` (GBK, no .cpg), ``xlsx`` and ``failures``
        (``designed_failures.md``; ``README.md`` beside them is written by hand).
    """
    out, district = Path(folder), build_sample_district(seed)
    paths = {
        "gpkg": out / "sample_district.gpkg",
        "shapefile": out / "shapefile" / "estates_gbk.shp",
        "xlsx": out / "facilities.xlsx",
        "failures": out / "designed_failures.md",
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_gpkg(district.layers(), paths["gpkg"], seed)
        write_estates_shapefile(district.estates, paths["shapefile"])
        write_facilities_xlsx(district.facilities, paths["xlsx"], seed)
        text = failures_markdown(seed, district.layers(), district.design)
        paths["failures"].write_text(text, encoding="utf-8")
    except (OSError, DataSourceError) as exc:
        raise InputFileError(
            f"Cannot write the sample district to {out}: {exc}. Choose a writable folder."
        ) from exc
    logger.info("wrote the sample district to %s", out)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m planning.sample [FOLDER] [--seed N]``; return the exit status."""
    parser = argparse.ArgumentParser(description="Write the sample district 示例区 (合成示例数据).")
    parser.add_argument("folder", nargs="?", default="gis_data", help="default: gis_data")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"default: {DEFAULT_SEED}")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be 0 or more, not {args.seed}")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logger.setLevel(logging.INFO)
    write_sample_district(args.folder, args.seed)
    return 0
