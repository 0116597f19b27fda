"""Who may walk where (步行可达性规则): walkability profiles for OSM tags and road classes.

Two profiles:

- ``walk`` (步行, the default): osmnx's ``walk`` network semantics — no motorways or their
  links, nothing tagged ``foot=no|private`` or ``access=no|private`` without a foot exception, no
  ``highway=construction|proposed|raceway|bus_guideway`` (and the other classes osmnx drops), no
  road tagged ``motorroad=yes`` or ``expressway=yes``, no area outlines, no private service ways;
  a road whose sidewalks are mapped as separate ways (``sidewalk=separate``) is walked along
  those sidewalks, so the road itself is dropped when the data has footways.
- ``step_free`` (无障碍, for a walker or a wheelchair): the walk network without ``highway=steps``,
  ways tagged ``wheelchair=no``, escalators, kerbs higher than 3 cm and inclines above 6 %,
  where tagged.

Road centre-lines (道路中心线) carry a road class (道路等级) instead of tags; a default table maps
the common Chinese classes (:data:`DEFAULT_ROAD_CLASSES`) and a TOML table can override it
(:func:`road_class_table`).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from planning._errors import InputFileError, OptionError, param

Profile = Literal["walk", "step_free"]
PROFILES: tuple[str, ...] = ("walk", "step_free")

#: Why a way leaves a profile: code → (中文, English), as the network report lists them.
FILTERS: dict[str, tuple[str, str]] = {
    "highway": ("道路类型不可步行", "road type not for walking (highway=*)"),
    "area": ("面状道路轮廓", "area outline (area=yes)"),
    "foot": ("禁止行人", "pedestrians banned (foot=no/private)"),
    "access": ("禁止通行且无步行例外", "access=no/private without a foot exception"),
    "service": ("私有服务道路", "private service way (service=private)"),
    "motorroad": ("机动车专用道", "motor road (motorroad=yes / expressway=yes)"),
    "sidewalk": ("人行道另绘", "walked on its separately mapped sidewalks (sidewalk=separate)"),
    "expressway": ("高架/隧道快速路(推断)", "elevated or tunnel trunk road (inferred)"),
    "ramp": ("快速路匝道(推断)", "expressway ramp (inferred)"),
    "road_tunnel": ("机动车隧道(推断)", "road tunnel (inferred)"),
    "road_class": ("道路等级不可步行", "road class not walkable (道路等级)"),
    "steps": ("台阶", "steps"),
    "wheelchair": ("轮椅不可通行", "wheelchair=no"),
    "escalator": ("自动扶梯", "escalator"),
    "kerb": ("路缘石高于3厘米", "kerb higher than 3 cm"),
    "incline": ("坡度大于6%", "incline above 6 %"),
    "road_class_steps": ("道路等级非无障碍", "road class not step-free (道路等级)"),
}

#: Highway classes osmnx's ``walk`` filter drops (its regex also matches ``motorway_link``).
EXCLUDED_HIGHWAYS = frozenset(
    {
        "motorway", "motorway_link", "abandoned", "bus_guideway", "construction", "cycleway",
        "no", "planned", "platform", "proposed", "raceway", "razed", "rest_area", "services",
    }
)  # fmt: skip
#: Highway classes of paths and footways: an extract without any is a drive-only export (osmnx's
#: ``drive`` network keeps living streets, so they do not count).
FOOT_HIGHWAYS = frozenset({"footway", "pedestrian", "path", "steps", "corridor"})
#: The way tags osmnx keeps by default (``ox.settings.useful_tags_way``): a file whose ways carry
#: nothing else lost its ``foot``/``motorroad`` tags on the way (an osmnx export).
OSMNX_DEFAULT_WAY_TAGS = frozenset(
    {"access", "area", "bridge", "est_width", "highway", "junction", "landuse", "lanes",
     "maxspeed", "name", "oneway", "ref", "service", "tunnel", "width"}
)  # fmt: skip
#: Way tags a walkability decision reads (kept on downloads so GraphML carries them).
WALK_TAGS = ("foot", "motorroad", "expressway", "sidewalk", "sidewalk:both", "sidewalk:left",
             "sidewalk:right", "wheelchair", "incline", "kerb", "kerb:height", "conveying")  # fmt: skip

_FOOT_YES = frozenset({"yes", "designated", "permissive", "destination", "official"})
_NO_ACCESS = frozenset({"no", "private"})
_MOTOR_CLASSES = frozenset(
    {"trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link",
     "tertiary", "tertiary_link", "motorway", "motorway_link"}
)  # fmt: skip
_NOT_TUNNEL = frozenset({"", "no", "building_passage", "culvert"})
_NOT_BRIDGE = frozenset({"", "no"})
#: Step-free limits: kerbs higher than this (m) and inclines steeper than this (%) stop a wheelchair.
MAX_KERB_M = 0.03
MAX_INCLINE_PCT = 6.0


def check_profiles(value: Any, name: str = "profile") -> tuple[str, ...]:
    """Return profiles as a tuple, from ``"walk"``, ``"walk,step_free"`` or a sequence.

    Parameters
    ----------
    value : str or sequence of str
        One profile, several separated by commas, or a sequence of them.
    name : str
        Parameter named in the error.

    Returns
    -------
    tuple of str
        Distinct profiles in the order given.

    Raises
    ------
    OptionError
        An unknown profile or none.

    Examples
    --------
    >>> check_profiles("walk,step_free")
    ('walk', 'step_free')
    >>> check_profiles(["step_free"])
    ('step_free',)
    """
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else (value or ())
    out: list[str] = []
    for item in items:
        text = str(item).strip().lower().replace("-", "_")
        if text not in PROFILES:
            raise OptionError(
                f"{param(name, item)}: unknown walking profile; choose {' or '.join(PROFILES)} "
                "(or both, e.g. walk,step_free).",
                name,
            )
        if text not in out:
            out.append(text)
    if not out:
        raise OptionError(f"{param(name)}: give walk and/or step_free.", name)
    return tuple(out)


def check_profile(value: Any, name: str = "profile") -> str:
    """Return one profile (``"walk"`` or ``"step_free"``), checked."""
    profiles = check_profiles(value, name)
    if len(profiles) != 1:
        raise OptionError(f"{param(name, value)}: give one profile here (walk or step_free).", name)
    return profiles[0]


# ---------------------------------------------------------------------------- OSM tags
def values(value: Any) -> list[str]:
    """Return a tag (or the list osmnx makes of merged ways' tags) as lower-case strings."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, list | tuple | set):
        return [v for item in value for v in values(item)]
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):  # a list saved to GraphML as text
        text = text[1:-1].replace("'", "").replace('"', "")
        return [t.strip().lower() for t in text.split(",") if t.strip()]
    return [text.lower()] if text else []


def kerb_too_high(tags: Mapping[str, Any]) -> bool:
    """Whether a kerb tagged on a node or a crossing is higher than 3 cm (路缘石过高).

    ``kerb:height`` wins when given (metres, or with ``cm``/``mm``; a bare number above 1 is
    read as centimetres); else ``kerb=raised`` counts as too high, ``lowered``/``flush``/``no``
    as fine.

    Examples
    --------
    >>> kerb_too_high({"kerb": "raised"}), kerb_too_high({"kerb": "lowered"})
    (True, False)
    >>> kerb_too_high({"kerb:height": "5 cm"}), kerb_too_high({"kerb:height": "0.02"})
    (True, False)
    """
    for text in values(tags.get("kerb:height")):
        height = _length_m(text)
        if height is not None:
            return height > MAX_KERB_M + 1e-9
    return "raised" in values(tags.get("kerb"))


def _length_m(text: str) -> float | None:
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(mm|cm|m)?\s*", text)
    if match is None:
        return None
    number, unit = float(match.group(1)), match.group(2)
    if unit == "mm":
        return number / 1000
    if unit == "cm" or (unit is None and number > 1):
        return number / 100
    return number


def incline_pct(text: str) -> float | None:
    """Return an ``incline`` tag as an absolute gradient in % (None for ``up``/``down``).

    Examples
    --------
    >>> incline_pct("-8%"), incline_pct("5°") is not None, incline_pct("up")
    (8.0, True, None)
    """
    match = re.fullmatch(r"\s*([+-]?[0-9]*\.?[0-9]+)\s*(%|°|deg)?\s*", text)
    if match is None:
        return None
    number, unit = abs(float(match.group(1))), match.group(2)
    if unit in ("°", "deg"):
        return 100.0 * math.tan(math.radians(min(number, 89.0)))
    return number


def _too_steep(tags: Mapping[str, Any]) -> bool:
    for text in values(tags.get("incline")):
        pct = incline_pct(text)
        if pct is not None and pct > MAX_INCLINE_PCT + 1e-9:
            return True
    return False


def walk_filter(
    tags: Mapping[str, Any], *, footways: bool, stripped: bool, infer: bool = True
) -> str | None:
    """Return why a way is not walkable (a code of :data:`FILTERS`), None when it is.

    Parameters
    ----------
    tags : mapping
        The way's OSM tags (list values, as osmnx merges them, count when any value matches).
    footways : bool
        The data has footways and paths; without them ``sidewalk=separate`` roads are kept
        (their sidewalks are not in the file).
    stripped : bool
        The file lost its ``foot``/``motorroad`` tags (an osmnx export); then ``access=no`` is
        not trusted (its foot exceptions are gone; ``access=private`` still counts, as in
        osmnx), and with ``infer`` elevated and tunnel trunk roads, trunk ramps and road tunnels
        are taken for motor roads, as Chinese expressways (城市快速路) are tagged.
    infer : bool, default True
        Infer motor roads on stripped data (``settings.infer_expressways``).

    Returns
    -------
    str or None

    Examples
    --------
    >>> walk_filter({"highway": "motorway_link"}, footways=True, stripped=False)
    'highway'
    >>> walk_filter({"highway": "trunk", "foot": "no"}, footways=True, stripped=False)
    'foot'
    >>> print(walk_filter({"highway": "service", "access": "private", "foot": "yes"},
    ...                   footways=True, stripped=False))
    None
    """
    highway = values(tags.get("highway"))
    foot = set(values(tags.get("foot")))
    if not highway:
        return "highway"
    if "yes" in values(tags.get("area")):
        return "area"
    if any(h in EXCLUDED_HIGHWAYS for h in highway) and not (
        set(highway) <= {"cycleway"} and foot & _FOOT_YES
    ):
        return "highway"
    if foot & {"no", "private"}:
        return "foot"
    # a stripped file lost the foot=* exceptions of access=no, so only access=private counts
    barred = _NO_ACCESS - ({"no"} if stripped else set())
    if set(values(tags.get("access"))) & barred and not foot & _FOOT_YES:
        return "access"
    if "private" in values(tags.get("service")):
        return "service"
    motor = set(values(tags.get("motorroad"))) | set(values(tags.get("expressway")))
    if "yes" in motor and not foot & _FOOT_YES:
        return "motorroad"
    if footways and any(
        "separate" in values(tags.get(key))
        for key in ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right")
    ):
        return "sidewalk"
    if stripped and infer and not foot & _FOOT_YES:
        return _inferred_motor_road(tags, highway)
    return None


def _inferred_motor_road(tags: Mapping[str, Any], highway: list[str]) -> str | None:
    """Expressway parts as China's OSM tags them, when their motorroad tags were stripped."""
    if any(h in ("trunk_link", "motorway_link") for h in highway):
        return "ramp"
    elevated = any(b not in _NOT_BRIDGE for b in values(tags.get("bridge")))
    tunnel = any(t not in _NOT_TUNNEL for t in values(tags.get("tunnel")))
    if "trunk" in highway and (elevated or tunnel):
        return "expressway"
    if tunnel and any(h in _MOTOR_CLASSES for h in highway):
        return "road_tunnel"
    return None


def step_free_filter(tags: Mapping[str, Any]) -> str | None:
    """Return why a walkable way is not step-free (a code of :data:`FILTERS`), None when it is.

    Examples
    --------
    >>> step_free_filter({"highway": "steps"}), step_free_filter({"highway": "footway"})
    ('steps', None)
    >>> step_free_filter({"highway": "footway", "incline": "8%"})
    'incline'
    """
    if "steps" in values(tags.get("highway")):
        return "steps"
    if "no" in values(tags.get("wheelchair")):
        return "wheelchair"
    if set(values(tags.get("conveying"))) - {"no"}:
        return "escalator"
    if kerb_too_high(tags):
        return "kerb"
    if _too_steep(tags):
        return "incline"
    return None


def node_blocks_step_free(tags: Mapping[str, Any]) -> bool:
    """Whether a node stops a wheelchair: a kerb higher than 3 cm, or ``wheelchair=no``."""
    if not tags:
        return False
    if "no" in values(tags.get("wheelchair")) and "barrier" in tags:
        return True
    return ("kerb" in tags or "kerb:height" in tags) and kerb_too_high(tags)


# ---------------------------------------------------------------------------- road classes
#: Walkability of a road class (道路等级): not walkable, walkable, walkable and step-free.
CLASS_VALUES: dict[str, str] = {
    "no": "no", "walk": "walk", "step_free": "step_free",
    "不可步行": "no", "可步行": "walk", "无障碍": "step_free",
}  # fmt: skip

#: Default table of Chinese road classes (道路等级, after CJJ 37 and GB 50180 names); a planner's
#: TOML table overrides or extends it. Footbridges and underpasses mostly have stairs only, so
#: they are walkable but not step-free unless the table says otherwise.
DEFAULT_ROAD_CLASSES: dict[str, str] = {
    "高速公路": "no", "高速": "no", "快速路": "no", "城市快速路": "no", "快速干道": "no",
    "高架路": "no", "高架快速路": "no", "匝道": "no", "motorway": "no", "expressway": "no",
    "ramp": "no",
    "主干路": "step_free", "主干道": "step_free", "次干路": "step_free", "次干道": "step_free",
    "支路": "step_free", "街坊路": "step_free", "小区路": "step_free", "小区道路": "step_free",
    "巷道": "step_free", "胡同": "step_free", "人行道": "step_free", "步行街": "step_free",
    "步行道": "step_free", "绿道": "step_free", "国道": "step_free", "省道": "step_free",
    "县道": "step_free", "乡道": "step_free", "村道": "step_free",
    "台阶": "walk", "梯道": "walk", "楼梯": "walk", "人行天桥": "walk", "天桥": "walk",
    "人行地道": "walk", "地下通道": "walk", "steps": "walk",
}  # fmt: skip


def road_class_table(table: str | Path | Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the road-class table: the defaults, overridden by ``table``.

    Parameters
    ----------
    table : path or mapping, optional
        A TOML file with a ``[road_classes]`` table (``"快速路" = "no"``, ``"人行天桥" =
        "step_free"``), or the same as a mapping. Values: ``no`` (不可步行), ``walk`` (可步行,
        not step-free) or ``step_free`` (无障碍).

    Returns
    -------
    dict
        Class name → ``no`` / ``walk`` / ``step_free``.

    Raises
    ------
    InputFileError
        The file is missing, not TOML, or has no ``[road_classes]`` table.
    OptionError
        A value is not one of the three.

    Examples
    --------
    >>> road_class_table({"快速路": "walk"})["快速路"], road_class_table()["台阶"]
    ('walk', 'walk')
    """
    out = dict(DEFAULT_ROAD_CLASSES)
    if table is None:
        return out
    where = "road_classes"
    if isinstance(table, str | Path):
        path = Path(table)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise InputFileError(
                f"{path}: road-class table not found ({param('road_classes')})."
            ) from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputFileError(f"{path}: not a valid TOML road-class table ({exc}).") from exc
        if not isinstance(data.get("road_classes"), dict):
            raise InputFileError(
                f'{path}: put the classes under a [road_classes] table, e.g. "快速路" = "no".'
            )
        table, where = data["road_classes"], f"{path} [road_classes]"
    assert isinstance(table, Mapping)
    for name, value in table.items():
        code = CLASS_VALUES.get(str(value).strip().lower())
        if code is None:
            raise OptionError(
                f"{where}: {name!r} = {value!r}; use no (不可步行), walk (可步行) or step_free "
                "(无障碍).",
                "road_classes",
            )
        out[str(name).strip()] = code
    return out
