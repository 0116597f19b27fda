"""Estates and facilities of the sample district (小区与设施布置).

Fills the blocks of :mod:`planning.sample.layout` with walled estates (居住小区), their gates
(出入口) and paths, reserves blocks for stand-alone facilities (独立设置的养老服务设施) and links
community stations to chosen estates (本小区配建) so that every rule has designed passes and
failures. Everything here draws from the district's random generator in a fixed order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import csgraph

from planning.sample.layout import node_roads
from planning.sample.model import (
    RIVER_ROW,
    X_ART,
    Y_ART,
    Block,
    Coord,
    Estate,
    Facility,
    Gate,
    Road,
)
from planning.sample.names import (
    GATE_NAMES,
    LINKED,
    STANDALONE,
    STREETS,
    NameBook,
    facility_size,
    station_land,
)
from planning.sample.output import road_graph

#: Estates with a gate this far (m) on foot from a station may share its surplus (调剂).
SHARE_REACH_M = 500.0
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
#: Wall setback (m) from the road centre-line: base + uniform(0, extra).
_SETBACK = {"arterial": (20.0, 8.0), "branch": (10.0, 6.0), "river": (12.0, 5.0)}


def _r(v: float) -> float:
    return float(round(float(v), 1))


def _off_grid(v: float) -> float:
    """Round to 5k + 2.5 m: ≥ 2.5 m from every road junction (roads lie on the 5 m grid)."""
    return float(np.floor(v / 5) * 5 + 2.5)


def _year(rng: np.random.Generator, zone: str) -> int:
    _, _, lo, hi, p_new = _ZONES[zone]
    return int(rng.integers(2019, 2025)) if rng.random() < p_new else int(rng.integers(lo, hi + 1))


def _era(zone: str, year: int) -> str:
    if zone == "rural":
        return "rural"
    return "old" if year < 2000 else ("mid" if year < 2015 else "new")


def _estate_rects(rng: np.random.Generator, b: Block) -> list[tuple[list[float], set[str]]]:
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


def place_standalone(
    rng: np.random.Generator, blocks: list[Block], roads: list[Road], names: NameBook
) -> list[Facility]:
    """Reserve one block per stand-alone facility and connect it to the road by a 40 m path.

    Parameters
    ----------
    rng : numpy.random.Generator
        The district's generator.
    blocks : list of Block
        Blocks of the layout; the chosen ones are marked ``reserved``.
    roads : list of Road
        Roads of the layout; each facility's access path is appended.
    names : NameBook
        Name book of estates and facilities.

    Returns
    -------
    list of Facility
        The facilities of :data:`planning.sample.names.STANDALONE`, in that order.
    """
    out: list[Facility] = []
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
        roads.append(Road([road, point], f"{name}出入通道", "path"))
        size = facility_size(rng, kind, subtype)
        out.append(Facility(name, kind, subtype, status, None, point, b.street, *size))
    return out


def place_estates(
    rng: np.random.Generator, blocks: list[Block], roads: list[Road], names: NameBook
) -> tuple[list[Estate], list[Gate]]:
    """Fill residential blocks with walled estates, their gates, access and internal paths.

    Parameters
    ----------
    rng : numpy.random.Generator
        The district's generator.
    blocks : list of Block
        Blocks of the layout; reserved ones stay empty.
    roads : list of Road
        Roads of the layout; gate access paths and internal paths are appended.
    names : NameBook
        Name book of estates and facilities.

    Returns
    -------
    estates : list of Estate
        Estates numbered ``E001`` … in block order.
    gates : list of Gate
        Gates numbered ``G0001`` … with their estate, name and position on the wall.
    """
    estates: list[Estate] = []
    gates: list[Gate] = []
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
            e = Estate(eid, name, hh, status, year, pop, elderly, b.street, b.zone, ring, centre)
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
                roads.append(Road([road, gate], f"{name}{GATE_NAMES[s]}通道", "path", 0, eid))
                roads.append(Road([gate, stub, centre], f"{name}内部道路", "path", 0, eid))
    return estates, gates


def walker(roads: list[Road], gates: list[Gate], limit_m: float) -> Callable[[Coord], np.ndarray]:
    """Return a function: road endpoint → ids of the estates with a gate within ``limit_m`` on foot.

    Parameters
    ----------
    roads : list of Road
        Every road, paths included (noded here).
    gates : list of Gate
        The estates' gates; each lies on the end of its access path.
    limit_m : float
        Walking distance (m) on the roads.

    Returns
    -------
    callable
        Maps a road endpoint to the sorted array of estate ids within reach.
    """
    graph, node = road_graph(
        gpd.GeoSeries([shapely.LineString(r.coords) for r in node_roads(roads)])
    )
    gate_nodes = np.array([node[g[3]] for g in gates])
    owner = np.array([g[1] for g in gates])

    def reach(point: Coord) -> np.ndarray:
        dist = csgraph.dijkstra(graph, directed=False, indices=node[point], limit=limit_m)
        return np.unique(owner[dist[gate_nodes] <= limit_m])

    return reach


def _protected(estates: list[Estate], facilities: list[Facility]) -> shapely.MultiPolygon:
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


def link_stations(
    rng: np.random.Generator,
    estates: list[Estate],
    facilities: list[Facility],
    names: NameBook,
    reach: Callable[[Coord], np.ndarray],
) -> None:
    """Put community stations (本小区配建) at the centre of chosen estates.

    ``pass`` stations meet the floor standard on their own estate's households; those of
    existing estates are large and go where most existing estates not yet within 500 m on foot
    (``reach``) of a station or centre can share their surplus (调剂). ``short`` ones do not meet
    it. No existing station comes within 1,000 m of the estates designed to stay outside every
    circle (a planned one may: it does not count in the circles yet).

    Parameters
    ----------
    rng : numpy.random.Generator
        The district's generator.
    estates : list of Estate
        The estates.
    facilities : list of Facility
        The stand-alone facilities; the linked stations are appended.
    names : NameBook
        Name book of estates and facilities.
    reach : callable
        The :func:`walker` at :data:`SHARE_REACH_M`.
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
        facilities.append(Facility(*args, floor, station_land(rng, floor)))
