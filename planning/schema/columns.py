"""Canonical input fields and how source column headers map onto them (输入数据字段).

Every input layer (居住小区 estates, 养老服务设施 facilities, 小区出入口 gates, 街道/乡镇 streets)
has a fixed set of canonical fields (see ``docs/architecture.md``). Planners' files carry Chinese
or English headers such as ``总户数``, ``建筑面积(㎡)`` or ``Households``; :func:`resolve_columns`
maps them onto the canonical names. Matching ignores case, whitespace, full-width forms (全角),
``_``/``-`` separators and unit suffixes in brackets such as ``(㎡)`` or ``（户）``. Users can
override or add mappings with ``fields={canonical: 源列名}`` (:func:`parse_field_options` reads
the command line's ``canonical=源列名`` pairs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from planning._errors import InputDataError, param
from planning.schema.values import SEPARATORS, fold

__all__ = [
    "COORDINATE_PAIRS",
    "LAYERS",
    "LAYER_NAMES_ZH",
    "SCHEMAS",
    "FieldSpec",
    "canonical_fields",
    "find_coordinate_columns",
    "normalise_name",
    "parse_field_options",
    "resolve_columns",
]

#: Input layers in the order they are loaded.
LAYERS: tuple[str, ...] = ("estates", "facilities", "gates", "streets", "zones", "villages")

#: Chinese names of the layers, for messages.
LAYER_NAMES_ZH: dict[str, str] = {
    "estates": "居住小区",
    "facilities": "养老服务设施",
    "gates": "小区出入口",
    "streets": "街道/乡镇",
    "zones": "规划分区",
    "villages": "村/社区",
}


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field of an input layer.

    Parameters
    ----------
    name : str
        Canonical (English) column name.
    kind : str
        ``"id"``, ``"text"``, ``"int"``, ``"float"``, ``"year"``, ``"flag"`` (yes/no) or
        ``"status"``/``"kind"``.
    aliases : tuple of str
        Source column names recognised automatically (matched after :func:`normalise_name`).
    required : bool
        Whether the loader cannot do without it (ids are generated instead when missing).
    label_zh : str
        Chinese label for messages.
    """

    name: str
    kind: str
    aliases: tuple[str, ...]
    required: bool = False
    label_zh: str = ""


# fmt: off
_STREET_ALIASES = ("所属街道", "街道", "街道名称", "街道办", "所属街镇", "乡镇街道", "乡镇",
                   "street")
_COUNTY_ALIASES = ("区县", "所属区县", "区", "县", "所属区", "行政区", "区县名称", "county",
                   "district")
_UNIT_TYPE_ALIASES = ("单元类型", "类型", "行政区划类型", "街镇类型", "村社类型", "unit_type",
                      "unittype", "type")

#: Canonical fields per layer, in output column order (geometry comes last and is not listed).
SCHEMAS: dict[str, tuple[FieldSpec, ...]] = {
    "estates": (
        FieldSpec("estate_id", "id", ("小区编号", "编号", "id", "小区id", "小区代码", "estateid",
                                      "code"), label_zh="小区编号"),
        FieldSpec("name", "text", ("小区名称", "名称", "小区名", "小区", "name", "estatename"),
                  label_zh="小区名称"),
        FieldSpec("households", "int", ("户数", "总户数", "房屋总数", "住户数", "hh", "households",
                                        "居民户数", "总套数", "套数", "住宅套数"),
                  required=True, label_zh="户数"),
        FieldSpec("status", "status", ("状态", "建设状态", "新建/既有", "新建既有", "小区类型",
                                       "status"), label_zh="建设状态"),
        FieldSpec("built_year", "year", ("建成年代", "建成年份", "竣工年份", "建成时间", "竣工时间",
                                         "建成年", "builtyear", "year", "yearbuilt",
                                         "completionyear"), label_zh="建成年代"),
        FieldSpec("population", "float", ("人口", "常住人口", "总人口", "人口数", "population",
                                          "pop"), label_zh="人口"),
        FieldSpec("elderly", "float", ("60岁及以上人口", "老年人口", "老年人数", "60岁以上人口",
                                       "老人数", "elderly", "elderlypopulation", "pop60"),
                  label_zh="60岁及以上人口"),
        FieldSpec("street", "text", _STREET_ALIASES, label_zh="所属街道"),
    ),
    "facilities": (
        FieldSpec("facility_id", "id", ("设施编号", "机构编号", "编号", "id", "facilityid", "code"),
                  label_zh="设施编号"),
        FieldSpec("name", "text", ("名称", "机构名称", "设施名称", "name", "facilityname"),
                  label_zh="名称"),
        FieldSpec("kind", "kind", ("类型", "设施类型", "机构类型", "类别", "设施类别", "kind",
                                   "type"), required=True, label_zh="设施类型"),
        FieldSpec("floor_m2", "float", ("建筑面积", "面积", "floor_area", "floorarea", "floor_m2",
                                        "gfa", "gfam2", "用房面积", "服务用房面积"),
                  label_zh="建筑面积"),
        FieldSpec("land_m2", "float", ("用地面积", "占地面积", "land_m2", "landarea"),
                  label_zh="用地面积"),
        FieldSpec("beds", "float", ("床位", "床位数", "总床位", "总床位数", "beds"),
                  label_zh="床位数"),
        FieldSpec("nursing_beds", "float", ("护理型床位", "护理床位", "护理型床位数", "护理床位数",
                                            "nursing_beds", "nursingbeds"),
                  label_zh="护理型床位"),
        FieldSpec("estate_id", "id", ("配建所属小区", "所属小区编号", "所属小区", "小区编号",
                                      "estate_id"), label_zh="配建所属小区"),
        FieldSpec("status", "status", ("状态", "建设状态", "现状/规划", "现状规划", "status"),
                  label_zh="状态"),
        FieldSpec("street", "text", _STREET_ALIASES, label_zh="所属街道"),
        FieldSpec("county", "text", _COUNTY_ALIASES, label_zh="区县"),
        # Attributes some rules need (planning.schema.attributes reads them; names help too).
        FieldSpec("ownership", "text", ("举办性质", "机构性质", "性质", "所有制", "运营性质",
                                        "公办民办", "公办/民办", "ownership"), label_zh="举办性质"),
        FieldSpec("serves_tekun", "flag", ("特困供养", "特困人员供养", "是否特困供养",
                                           "特困供养机构", "特困", "serves_tekun", "tekun"),
                  label_zh="特困供养"),
        FieldSpec("medical_care", "flag", ("医养结合", "是否医养结合", "medical_care"),
                  label_zh="医养结合"),
        FieldSpec("level", "text", ("设施层级", "机构层级", "层级", "级别", "机构级别", "level"),
                  label_zh="设施层级"),
        FieldSpec("role", "text", ("职能", "功能定位", "设施职能", "定位", "role"),
                  label_zh="设施职能"),
        FieldSpec("meal_service", "flag", ("助餐", "助餐服务", "是否助餐", "老年助餐",
                                           "meal_service"), label_zh="助餐服务"),
        # Which of the attributes above were read from the name or kind (a stand-in).
        FieldSpec("attributes_inferred", "text", ("attributes_inferred",),
                  label_zh="推断属性"),
    ),
    "gates": (
        FieldSpec("gate_id", "id", ("出入口编号", "门编号", "编号", "id", "gateid"),
                  label_zh="出入口编号"),
        FieldSpec("estate_id", "id", ("小区编号", "所属小区编号", "所属小区", "estate_id",
                                      "estateid"), required=True, label_zh="所属小区编号"),
    ),
    "streets": (
        FieldSpec("street_id", "id", ("街道编码", "编码", "街道编号", "编号", "id", "code",
                                      "streetid"), label_zh="街道编码"),
        FieldSpec("name", "text", ("街道名称", "名称", "街道", "乡镇", "乡镇名称", "name"),
                  label_zh="街道名称"),
        FieldSpec("county", "text", _COUNTY_ALIASES, label_zh="区县"),
        FieldSpec("unit_type", "text", _UNIT_TYPE_ALIASES, label_zh="单元类型"),
    ),
    "zones": (
        FieldSpec("zone_id", "id", ("分区编号", "编号", "id", "code", "zoneid"),
                  label_zh="分区编号"),
        FieldSpec("name", "text", ("分区名称", "名称", "name"), label_zh="分区名称"),
        FieldSpec("zone", "text", ("分区", "区域类型", "分区类型", "规划分区", "区域", "类型",
                                   "zone", "zonetype"), label_zh="分区"),
    ),
    "villages": (
        FieldSpec("village_id", "id", ("村编码", "社区编码", "编码", "编号", "id", "code",
                                       "villageid"), label_zh="村/社区编码"),
        FieldSpec("name", "text", ("村名称", "社区名称", "村名", "村委会", "名称", "name"),
                  label_zh="村/社区名称"),
        FieldSpec("unit_type", "text", _UNIT_TYPE_ALIASES, label_zh="单元类型"),
        FieldSpec("township", "text", ("所属乡镇", "所属街道", "乡镇", "街道", "乡镇街道",
                                       "township"), label_zh="所属乡镇"),
        FieldSpec("county", "text", _COUNTY_ALIASES, label_zh="区县"),
    ),
}

#: Coordinate column pairs recognised in tables (CSV/XLSX), in order of preference.
COORDINATE_PAIRS: tuple[tuple[str, str], ...] = (
    ("lon", "lat"), ("lng", "lat"), ("longitude", "latitude"), ("经度", "纬度"), ("东经", "北纬"),
    ("x", "y"), ("x坐标", "y坐标"), ("坐标x", "坐标y"), ("pointx", "pointy"),
)
# fmt: on

_OPEN_BRACKET_TAIL = re.compile(r"[(\[（【<《][^)\]）】>》]*$")
_BRACKETS = re.compile(r"[(\[（【<《][^()\[\]（）【】<>《》]*[)\]）】>》]")
_UNIT_TAIL = re.compile(r"(?:/|单位)?(?:m2|㎡|平方米|平米|户|人|张|个)$")


def normalise_name(name: object) -> str:
    """Normalise a column header for matching.

    Folds full-width characters (全角→半角), lower-cases, drops whitespace and ``_``/``-``
    separators and removes bracketed unit suffixes such as ``(㎡)`` or ``（户）``.

    Parameters
    ----------
    name : object
        A column header (anything; converted with ``str``).

    Returns
    -------
    str
        The normalised header, e.g. ``"建筑面积(㎡)" → "建筑面积"``, ``"Floor_Area" → "floorarea"``.
    """
    text = fold(str(name))
    stripped = _OPEN_BRACKET_TAIL.sub("", _BRACKETS.sub("", text))
    if stripped.strip():
        text = stripped
    return SEPARATORS.sub("", text)


def _name_keys(name: object) -> tuple[str, ...]:
    """Return matching keys of a source header: normalised, and without a trailing unit word."""
    key = normalise_name(name)
    keys = [key]
    tail = _UNIT_TAIL.sub("", key)
    if tail and tail != key:
        keys.append(tail)
    return tuple(keys)


def canonical_fields(layer: str) -> tuple[str, ...]:
    """Return the canonical field names of ``layer`` in output order.

    Raises
    ------
    InputDataError
        When ``layer`` is not one of :data:`LAYERS`.
    """
    _check_layer(layer)
    return tuple(spec.name for spec in SCHEMAS[layer])


def _check_layer(layer: str) -> None:
    if layer not in SCHEMAS:
        raise InputDataError(
            f"Unknown layer {layer!r} (图层); expected one of {', '.join(LAYERS)}."
        )


def resolve_columns(
    columns: Iterable[object],
    layer: str,
    field_map: Mapping[str, str] | None = None,
    *,
    file: str | None = None,
) -> dict[str, str]:
    """Map canonical field names of ``layer`` to source columns.

    Parameters
    ----------
    columns : iterable
        The source file's column headers.
    layer : str
        One of :data:`LAYERS`.
    field_map : mapping, optional
        User mappings ``canonical → source column`` (the ``fields`` parameter). They win
        over automatic matches. Keys may be qualified with the layer (``"estates.households"``);
        keys qualified with another layer are ignored.
    file : str, optional
        File name used in error messages.

    Returns
    -------
    dict
        ``{canonical: source_column}`` for every field that was found; fields without a source
        column are absent. A source column is used for at most one field.

    Raises
    ------
    InputDataError
        When ``field_map`` names an unknown canonical field or a column the file does not have;
        the message lists the valid names and the available columns.
    """
    _check_layer(layer)
    cols = [str(c) for c in columns]
    where = f" in {file}" if file else ""
    specs = SCHEMAS[layer]
    known = {s.name for s in specs}
    result: dict[str, str] = {}
    used: set[str] = set()
    for key, source in (field_map or {}).items():
        target_layer, _, canonical = key.rpartition(".")
        if target_layer and target_layer != layer:
            continue
        if canonical not in known:
            raise InputDataError(
                f"{param('fields.' + key, source)}: {canonical!r} is not a field of the {layer} layer "
                f"({LAYER_NAMES_ZH[layer]}){where}. Valid fields: {', '.join(sorted(known))}. "
                f"Available columns: {', '.join(cols)}."
            )
        if source not in cols:
            raise InputDataError(
                f"{param('fields.' + key, source)}: the column {source!r} does not exist{where}. "
                f"Available columns (可用列): {', '.join(cols)}. Fix: spell the column exactly "
                "as in the file's header row."
            )
        result[canonical] = source
        used.add(source)
    keyed = [(c, _name_keys(c)) for c in cols]
    for spec in specs:
        if spec.name in result:
            continue
        names = (spec.name, *spec.aliases)
        wanted = [normalise_name(a) for a in names]
        # Shapefile field names are cut at 10 bytes (dBASE): 小区编号 → 小区编 (UTF-8).
        wanted += [t for a in names for t in _truncations(a) if t not in wanted]
        best: tuple[int, int, str] | None = None
        for position, (col, keys) in enumerate(keyed):
            if col in used:
                continue
            for rank, alias in enumerate(wanted):
                if alias in keys and (best is None or (rank, position) < best[:2]):
                    best = (rank, position, col)
        if best is not None:
            result[spec.name] = best[2]
            used.add(best[2])
    return result


def _truncations(alias: str) -> list[str]:
    """Return ``alias`` as a shapefile would store it after cutting it to 10 bytes."""
    result = []
    for encoding in ("utf-8", "gbk"):
        try:
            raw = alias.encode(encoding)
        except UnicodeEncodeError:
            continue
        if len(raw) > 10:
            cut = normalise_name(raw[:10].decode(encoding, errors="ignore"))
            if len(cut) >= 2 and cut not in result:
                result.append(cut)
    return result


def parse_field_options(options: Sequence[str]) -> dict[str, str]:
    """Parse ``canonical=源列名`` pairs (the command line's repeated field option).

    Parameters
    ----------
    options : sequence of str
        Strings of the form ``canonical=column`` or ``layer.canonical=column``.

    Returns
    -------
    dict
        ``{canonical: column}`` (keys keep their layer qualifier when given).

    Raises
    ------
    InputDataError
        When an option has no ``=`` or an empty side.
    """
    result: dict[str, str] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputDataError(
                f"{param('fields')} {option!r}: expected canonical=源列名, e.g. "
                f"{param('fields.households', '总户数')}."
            )
        result[key.strip()] = value.strip()
    return result


def find_coordinate_columns(columns: Iterable[object]) -> tuple[str, str, str] | None:
    """Find the coordinate columns of a table.

    Parameters
    ----------
    columns : iterable
        Column headers.

    Returns
    -------
    tuple or None
        ``(x_column, y_column, pair)`` where ``pair`` is the canonical pair name (e.g. ``"lon"``
        for lon/lat-style headers, ``"x"`` for x/y-style headers), or ``None`` when no pair is
        present.
    """
    cols = [str(c) for c in columns]
    keys = {c: _name_keys(c) for c in cols}
    for x_name, y_name in COORDINATE_PAIRS:
        x_col = next((c for c in cols if x_name in keys[c]), None)
        y_col = next((c for c in cols if y_name in keys[c]), None)
        if x_col is not None and y_col is not None:
            pair = "x" if x_name in {"x", "x坐标", "坐标x", "pointx"} else "lon"
            return x_col, y_col, pair
    return None
