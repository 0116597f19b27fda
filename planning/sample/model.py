"""Frame and working records of the sample district generator (示例区生成器的数据结构).

The district's frame (size, arterial grid, river row) and the plain records that the layout
(:mod:`planning.sample.layout`) and the placement (:mod:`planning.sample.placement`) pass to each
other before :mod:`planning.sample.district` turns them into layers. Coordinates are local metres
from the district's south-west corner.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A local coordinate (m from the south-west corner of the district).
Coord = tuple[float, float]
#: A gate (出入口): gate id, estate id, name, position.
Gate = tuple[str, str, str, Coord]

#: Size of the district (m).
WIDTH, HEIGHT = 6000.0, 5000.0
#: Arterial (主干道) positions: 7 columns × 6 rows of arterial cells.
X_ART = (0.0, 860.0, 1720.0, 2580.0, 3440.0, 4300.0, 5150.0, 6000.0)
Y_ART = (0.0, 880.0, 1760.0, 2560.0, 3560.0, 4280.0, 5000.0)
#: Arterial row Y_ART[3]..Y_ART[4] holds the river; X_ART[1] and X_ART[5] bridge it.
RIVER_ROW, BRIDGE_COLUMNS = 3, (1, 5)


@dataclass
class Block:
    """A block (街坊) between roads: arterial cell ``(i, j)``, extent and what each side faces."""

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
class Road:
    """A road centre-line (道路中心线); ``estate_id`` is set on an estate's own paths."""

    coords: list[Coord]
    name: str
    cls: str
    bridge: int = 0
    estate_id: str | None = None


@dataclass
class Estate:
    """A gated estate (居住小区) with its wall ring and centre."""

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
class Facility:
    """An elderly-care facility (养老服务设施); ``estate_id`` is set on stations linked to one."""

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
