"""A named what-if (情景): facilities added, moved or closed, planned estates, an elderly projection.

A scenario file (``scenario.toml``) says what differs from the inputs::

    name = "xingfuli"            # folder OUT/scenarios/xingfuli/ (default: the file's name)
    title = "幸福里建成"          # shown on maps and tables
    horizon_year = 2035          # optional: also report coverage in that year (规划期)
    close = ["F3"]               # facilities closed (关停), by facility_id

    [[add]]                      # a new facility (新增设施), lon/lat in WGS-84
    name = "幸福里日间照料中心"
    kind = "community_station"   # or 日间照料中心, 街道综合养老服务中心 …
    floor_m2 = 300
    lon = 114.301
    lat = 30.592
    year = 2028                  # optional: opens then (planned until; counts from its year)

    [[move]]                     # an existing facility somewhere else
    id = "F2"
    lon = 114.305
    lat = 30.590

    [[estates]]                  # a planned estate (规划小区) with its households
    name = "幸福里"
    households = 1200
    lon = 114.302
    lat = 30.593
    year = 2027                  # occupied from (入住年份)

    [facility_years]             # planned facilities of the inputs: the year each opens
    F9 = 2029

    [elderly_share]              # 60+ share of residents (老年人口占比) by year
    by = "street"                # street (街道 id or name) or county (区县)
    default = {2024 = 0.21, 2035 = 0.29}
    [elderly_share.units]
    "南岸街道" = {2024 = 0.25, 2035 = 0.33}

Ids the scenario gives to new facilities and estates start with their own prefix
(:data:`ADDED_PREFIX`, :data:`PLANNED_PREFIX`) so they never collide with an input id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planning._errors import InputFileError, param
from planning.audit.horizon import YEARS, ElderlyProjection
from planning.io.tomlfile import read_toml
from planning.schema.values import normalise_kind

#: Prefix of the ids of facilities a scenario adds (新增) and of planned estates (规划小区).
ADDED_PREFIX = "ADD-"
PLANNED_PREFIX = "PLAN-"

#: A scenario name is a folder name: letters (Chinese too), digits, ``-`` and ``_``.
NAME_PATTERN = re.compile(r"^[\w\-]{1,64}$")

_TOP_KEYS = {"name", "title", "horizon_year", "close", "coords", "add", "move", "estates",
             "facility_years", "elderly_share"}  # fmt: skip


def check_name(name: str, where: str = "scenario name") -> str:
    """Return a usable scenario name or raise: it becomes a folder under ``scenarios/``.

    Examples
    --------
    >>> check_name("幸福里_2030")
    '幸福里_2030'
    >>> check_name("../base")
    Traceback (most recent call last):
    ...
    planning._errors.InputFileError: scenario name '../base': use letters, digits, - and _ only (it names the folder scenarios/<name>/), e.g. xingfuli_2030.
    """
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or name in ("base",):
        raise InputFileError(
            f"{where} {name!r}: use letters, digits, - and _ only (it names the folder "
            "scenarios/<name>/), e.g. xingfuli_2030."
            + (" 'base' is the audit itself." if name == "base" else "")
        )
    return name


@dataclass(frozen=True)
class AddedFacility:
    """A facility the scenario adds (lon/lat WGS-84)."""

    facility_id: str
    name: str
    kind: str
    floor_m2: float
    lon: float
    lat: float
    year: int | None = None
    estate_id: str | None = None


@dataclass(frozen=True)
class PlannedEstate:
    """An estate the scenario plans (lon/lat WGS-84), occupied from ``year``."""

    estate_id: str
    name: str
    households: int
    lon: float
    lat: float
    year: int | None = None
    status: str = "new"
    street: str | None = None


@dataclass(frozen=True)
class Scenario:
    """What a scenario changes; :func:`planning.scenario.apply_scenario` applies it to inputs."""

    name: str
    title: str = ""
    horizon_year: int | None = None
    added: tuple[AddedFacility, ...] = ()
    moved: dict[str, tuple[float, float]] = field(default_factory=dict)
    closed: tuple[str, ...] = ()
    estates: tuple[PlannedEstate, ...] = ()
    facility_years: dict[str, int] = field(default_factory=dict)
    projection: ElderlyProjection | None = None
    source: Path | None = None

    @property
    def facility_years_all(self) -> dict[str, int]:
        """Years of the inputs' planned facilities and of the added ones that carry one."""
        years = dict(self.facility_years)
        years.update({a.facility_id: a.year for a in self.added if a.year is not None})
        return years


class _Problems:
    """Collects every problem of a scenario file, each with where it is and the fix."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, where: str, text: str) -> None:
        self.items.append(f"{self.path} {where}: {text}")

    def number(self, table: dict[str, Any], key: str, where: str, *, low: float | None = None,
               high: float | None = None, required: bool = True) -> float | None:  # fmt: skip
        value = table.get(key)
        if value is None:
            if required:
                self.add(where, f"{key} is missing; e.g. {key} = {_example(key)}")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            self.add(where, f"{key} must be a number without quotes, found {value!r}")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.add(where, f"{key} = {value} is out of range ({low} … {high})")
            return None
        return float(value)

    def year(self, table: dict[str, Any], key: str, where: str) -> int | None:
        value = self.number(table, key, where, low=YEARS[0], high=YEARS[1], required=False)
        if value is not None and value != int(value):
            self.add(where, f"{key} must be a whole year, found {value}")
            return None
        return None if value is None else int(value)


def _example(key: str) -> str:
    return {"lon": "114.30", "lat": "30.59", "floor_m2": "300", "households": "1200"}.get(key, "1")


def _lonlat(p: _Problems, table: dict[str, Any], where: str) -> tuple[float, float] | None:
    lon = p.number(table, "lon", where, low=-180, high=180)
    lat = p.number(table, "lat", where, low=-90, high=90)
    return None if lon is None or lat is None else (lon, lat)


def _text(p: _Problems, table: dict[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        p.add(where, f'{key} must be a text in quotes, e.g. {key} = "F2"; found {value!r}')
        return None
    return str(value).strip()


def _unknown(p: _Problems, table: dict[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            p.add(where, f"unknown key {key!r}; allowed: {', '.join(sorted(allowed))}")


def _added(p: _Problems, items: Any, name: str) -> tuple[AddedFacility, ...]:
    out = []
    for i, item in enumerate(_tables(p, items, "add")):
        where = f"[[add]] #{i + 1}"
        _unknown(p, item, {"id", "name", "kind", "floor_m2", "lon", "lat", "year", "estate_id"},
                 where)  # fmt: skip
        kind = normalise_kind(item.get("kind")) if item.get("kind") is not None else None
        if kind is None:
            p.add(where, f"kind {item.get('kind')!r} is not a facility kind; e.g. kind = "
                         '"community_station" (日间照料中心) or "street_centre"')  # fmt: skip
        floor = p.number(item, "floor_m2", where, low=0, high=1e6)
        xy = _lonlat(p, item, where)
        given = _text(p, item, "id", where)
        ident = f"{ADDED_PREFIX}{given or f'{name}-{i + 1}'}"
        if kind is None or floor is None or xy is None:
            continue
        out.append(
            AddedFacility(ident, _text(p, item, "name", where) or ident, kind, floor, *xy,
                          p.year(item, "year", where), _text(p, item, "estate_id", where))
        )  # fmt: skip
    return tuple(out)


def _planned(p: _Problems, items: Any, name: str) -> tuple[PlannedEstate, ...]:
    out = []
    for i, item in enumerate(_tables(p, items, "estates")):
        where = f"[[estates]] #{i + 1}"
        _unknown(p, item, {"id", "name", "households", "lon", "lat", "year", "status", "street"},
                 where)  # fmt: skip
        households = p.number(item, "households", where, low=1, high=100_000)
        xy = _lonlat(p, item, where)
        status = str(item.get("status", "new")).lower()
        if status not in ("new", "existing"):
            p.add(where, f'status must be "new" or "existing", found {item.get("status")!r}')
        given = _text(p, item, "id", where)
        ident = f"{PLANNED_PREFIX}{given or f'{name}-{i + 1}'}"
        if households is None or xy is None:
            continue
        out.append(
            PlannedEstate(ident, _text(p, item, "name", where) or ident, int(households), *xy,
                          p.year(item, "year", where), status, _text(p, item, "street", where))
        )  # fmt: skip
    return tuple(out)


def _tables(p: _Problems, items: Any, key: str) -> list[dict[str, Any]]:
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        p.add(f"[[{key}]]", f"write each entry as a [[{key}]] table")
        return []
    return items


def _projection(p: _Problems, data: Any) -> ElderlyProjection | None:
    if data is None:
        return None
    where = "[elderly_share]"
    if not isinstance(data, dict):
        p.add(where, "write it as a table: [elderly_share] with by, default and units")
        return None
    _unknown(p, data, {"by", "default", "units"}, where)
    by = str(data.get("by", "street")).lower()
    if by not in ("street", "county"):
        p.add(where, f'by must be "street" or "county", found {data.get("by")!r}')
        by = "street"

    def series(value: Any, at: str) -> dict[int, float]:
        if not isinstance(value, dict) or not value:
            p.add(at, "give shares by year, e.g. {2024 = 0.21, 2035 = 0.29}")
            return {}
        out: dict[int, float] = {}
        for year, share in value.items():
            ok_year = str(year).isdigit() and YEARS[0] <= int(year) <= YEARS[1]
            ok_share = isinstance(share, int | float) and not isinstance(share, bool)
            if not ok_year or not ok_share or not 0 <= float(share) <= 1:
                p.add(at, f"{year} = {share!r}: give a year = a share between 0 and 1 (0.25)")
                continue
            out[int(year)] = float(share)
        return out

    default = series(data["default"], f"{where} default") if "default" in data else {}
    units_data = data.get("units", {})
    units = {}
    if isinstance(units_data, dict):
        units = {str(k): series(v, f"{where} units.{k}") for k, v in units_data.items()}
    else:
        p.add(f"{where} units", 'write [elderly_share.units] with "街道名" = {2024 = 0.25}')
    if not default and not units:
        p.add(where, "give default = {2024 = 0.21, 2035 = 0.29} or [elderly_share.units]")
    return ElderlyProjection(by, default, units)  # type: ignore[arg-type]


def read_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file (``scenario.toml``; every problem at once).

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    Scenario

    Raises
    ------
    InputFileError
        A missing or unreadable file, invalid TOML, unknown keys, wrong values, a name that
        cannot name a folder; each problem with its place in the file and the fix.
    """
    file = Path(path)
    data = read_toml(file, "scenario file")
    p = _Problems(file)
    _unknown(p, data, _TOP_KEYS, "")
    name = str(data.get("name", file.stem))
    try:
        check_name(name, "name")
    except InputFileError as error:
        p.add("name", str(error))
    if data.get("coords", "wgs84") != "wgs84":
        p.add("coords", "scenario coordinates are WGS-84 lon/lat (GPS); convert them first")
    closed = data.get("close", [])
    if not isinstance(closed, list) or not all(isinstance(c, str | int) for c in closed):
        p.add("close", 'give facility ids, e.g. close = ["F3", "F7"]')
        closed = []
    moved: dict[str, tuple[float, float]] = {}
    for i, item in enumerate(_tables(p, data.get("move"), "move")):
        where = f"[[move]] #{i + 1}"
        _unknown(p, item, {"id", "lon", "lat"}, where)
        ident = _text(p, item, "id", where)
        xy = _lonlat(p, item, where)
        if ident is None:
            p.add(where, 'id is missing: the facility_id to move, e.g. id = "F2"')
        elif xy is not None:
            moved[ident] = xy
    years: dict[str, int] = {}
    raw_years = data.get("facility_years", {})
    if isinstance(raw_years, dict):
        for key in raw_years:
            year = p.year(raw_years, key, "[facility_years]")
            if year is not None:
                years[str(key)] = year
    else:
        p.add("[facility_years]", "write it as a table: F9 = 2029")
    scenario = Scenario(
        name=name,
        title=str(data.get("title", name)),
        horizon_year=p.year(data, "horizon_year", ""),
        added=_added(p, data.get("add"), name),
        moved=moved,
        closed=tuple(str(c) for c in closed),
        estates=_planned(p, data.get("estates"), name),
        facility_years=years,
        projection=_projection(p, data.get("elderly_share")),
        source=file,
    )
    if p.items:
        raise InputFileError(
            f"{file}: {len(p.items)} problem(s) in the scenario file (情景文件有误):\n  "
            + "\n  ".join(p.items)
        )
    return scenario


def find_scenario(
    value: str, listed: dict[str, str], base: Path | None = None, need_file: bool = True
) -> tuple[str | None, str]:
    """Return the scenario file (absolute, or None) and name that ``value`` means.

    ``value`` is a scenario file (``.toml``), a name listed in a project's ``[scenarios]``
    (``listed``), or a name with a file ``scenarios/<name>.toml`` beside the project (``base``).
    Without a file (``need_file=False``, e.g. a named siting run) the name alone names the
    folder ``OUT/scenarios/<name>/``.

    Raises
    ------
    InputFileError
        No such file, or a name that cannot name a folder.
    """
    path = Path(value)
    candidates = [path] if path.suffix.lower() == ".toml" else []
    if candidates and base is not None and not path.is_absolute():
        candidates.insert(0, base / path)
    if value in listed:
        candidates.append(Path(listed[value]))
    if base is not None and not candidates:
        candidates.append(base / "scenarios" / f"{value}.toml")
    found = next((p for p in candidates if p.is_file()), None)
    if found is None and (need_file or path.suffix.lower() == ".toml"):
        tried = ", ".join(str(p) for p in candidates) or value
        raise InputFileError(
            f"Scenario {value!r} not found (tried {tried}): give a scenario file "
            f"({param('scenario', 'scenario.toml')}) or list it in the project's [scenarios]."
        )
    if found is None:
        return None, check_name(value)
    return str(found.resolve()), read_scenario(found).name
