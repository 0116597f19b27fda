from __future__ import annotations

import pytest

from planning._errors import InputDataError
from planning.cli.flags import render
from planning.schema import (
    FACILITY_KINDS,
    KIND_SYNONYMS,
    SCHEMAS,
    canonical_fields,
    find_coordinate_columns,
    kind_help,
    normalise_estate_status,
    normalise_facility_status,
    normalise_kind,
    normalise_name,
    parse_field_options,
    parse_number,
    parse_year,
    resolve_columns,
)

# --------------------------------------------------------------------------- header matching


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("建筑面积(㎡)", "建筑面积"),
        ("建筑面积（㎡）", "建筑面积"),
        ("户数（户）", "户数"),
        ("  Floor_Area ", "floorarea"),
        ("ＨＨ", "hh"),  # full-width letters
        ("Estate ID", "estateid"),
    ],
)
def test_normalise_name(header: str, expected: str) -> None:
    assert normalise_name(header) == expected


ESTATE_ALIASES = {
    "estate_id": ["小区编号", "编号", "id", "小区ID", "ID"],
    "name": ["小区名称", "名称", "小区名"],
    "households": ["户数", "总户数", "房屋总数", "住户数", "hh", "HH", "户数（户）", "总户数(户)"],
    "status": ["状态", "建设状态", "新建/既有"],
    "built_year": ["建成年代", "建成年份", "竣工年份"],
    "population": ["人口", "常住人口", "总人口"],
    "elderly": ["60岁及以上人口", "老年人口", "老年人数"],
    "street": ["所属街道", "街道", "街道名称"],
}
FACILITY_ALIASES = {
    "facility_id": ["设施编号", "id"],
    "name": ["名称", "机构名称", "设施名称"],
    "kind": ["类型", "设施类型", "机构类型"],
    "floor_m2": ["建筑面积", "面积", "建筑面积(㎡)", "floor_area", "建筑面积（平方米）"],
    "land_m2": ["用地面积", "用地面积(㎡)"],
    "beds": ["床位", "床位数", "总床位"],
    "nursing_beds": ["护理型床位", "护理床位"],
    "estate_id": ["配建所属小区", "所属小区编号"],
    "status": ["状态", "现状/规划"],
    "county": ["区县", "所属区县"],
}
GATE_ALIASES = {"gate_id": ["出入口编号", "gate_id"], "estate_id": ["小区编号", "所属小区编号"]}
STREET_ALIASES = {
    "street_id": ["街道编码", "编码"],
    "name": ["街道名称", "名称"],
    "county": ["区县", "所属区县"],
}


@pytest.mark.parametrize(
    ("layer", "table"),
    [
        ("estates", ESTATE_ALIASES),
        ("facilities", FACILITY_ALIASES),
        ("gates", GATE_ALIASES),
        ("streets", STREET_ALIASES),
    ],
)
def test_every_alias_is_recognised_alone(layer: str, table: dict[str, list[str]]) -> None:
    for canonical, aliases in table.items():
        for alias in aliases:
            mapping = resolve_columns(["无关列", alias], layer)
            assert mapping.get(canonical) == alias, (layer, canonical, alias, mapping)


def test_canonical_names_match_themselves() -> None:
    for layer, specs in SCHEMAS.items():
        names = [s.name for s in specs]
        mapping = resolve_columns(names, layer)
        assert mapping == {n: n for n in names}


def test_resolve_a_realistic_chinese_header() -> None:
    cols = ["小区名称", "地址", "总户数", "建成年代", "楼栋数", "经度", "纬度"]
    mapping = resolve_columns(cols, "estates")
    assert mapping == {"name": "小区名称", "households": "总户数", "built_year": "建成年代"}


def test_more_specific_alias_wins_and_columns_are_used_once() -> None:
    # "小区名称" is listed before "名称" for estates; both present → 小区名称 is the name.
    mapping = resolve_columns(["名称", "小区名称", "户数"], "estates")
    assert mapping["name"] == "小区名称"
    # In the streets layer, 街道名称 is the name and 街道编码 the id.
    mapping = resolve_columns(["街道编码", "街道名称", "区县"], "streets")
    assert mapping == {"street_id": "街道编码", "name": "街道名称", "county": "区县"}


def test_user_field_map_wins_and_is_checked() -> None:
    mapping = resolve_columns(["总户数", "核定户数"], "estates", {"households": "核定户数"})
    assert mapping["households"] == "核定户数"
    # qualified with another layer → ignored here
    mapping = resolve_columns(["总户数"], "estates", {"facilities.name": "机构"})
    assert mapping == {"households": "总户数"}
    with pytest.raises(InputDataError, match="not a field of the estates layer") as info:
        resolve_columns(["总户数"], "estates", {"hosueholds": "总户数"})
    assert "总户数" in str(info.value)  # lists the available columns
    with pytest.raises(InputDataError, match="does not exist") as info:
        resolve_columns(["总户数", "地址"], "estates", {"households": "户数合计"})
    assert "总户数, 地址" in str(info.value)


def test_field_map_messages_name_the_parameter() -> None:
    with pytest.raises(InputDataError) as info:
        resolve_columns(["总户数"], "estates", {"households": "户数合计"})
    assert str(info.value).startswith('fields={"households": "户数合计"}: the column')
    assert render(info.value.raw_message).startswith("--field households=户数合计: the column")
    with pytest.raises(InputDataError) as info:
        parse_field_options(["households"])
    assert "e.g. --field households=总户数" in render(info.value.raw_message)


def test_unknown_layer() -> None:
    with pytest.raises(InputDataError, match="Unknown layer"):
        canonical_fields("buildings")
    assert canonical_fields("gates") == ("gate_id", "estate_id")


def test_parse_field_options() -> None:
    assert parse_field_options(["households=总户数", "facilities.name = 机构名"]) == {
        "households": "总户数",
        "facilities.name": "机构名",
    }
    with pytest.raises(InputDataError, match="canonical=源列名"):
        parse_field_options(["households"])


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["名称", "经度", "纬度"], ("经度", "纬度", "lon")),
        (["lng", "lat"], ("lng", "lat", "lon")),
        (["Longitude", "Latitude"], ("Longitude", "Latitude", "lon")),
        (["LON", "LAT"], ("LON", "LAT", "lon")),
        (["X", "Y"], ("X", "Y", "x")),
        (["X坐标", "Y坐标"], ("X坐标", "Y坐标", "x")),
        (["名称", "地址"], None),
    ],
)
def test_find_coordinate_columns(columns: list[str], expected: object) -> None:
    assert find_coordinate_columns(columns) == expected


# --------------------------------------------------------------------------- vocabularies


def test_every_kind_synonym_maps_to_its_kind() -> None:
    for kind, synonyms in KIND_SYNONYMS.items():
        assert kind in FACILITY_KINDS
        for synonym in synonyms:
            assert normalise_kind(synonym) == kind, synonym


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("XX街道综合养老服务中心", "street_centre"),  # longest synonym wins over 养老服务中心
        ("XX社区日间照料中心", "community_station"),
        ("光明社区养老服务中心", "community_station"),  # 社区养老服务中心 beats 养老服务中心
        ("上海金福居敬老院", "institution"),
        ("某某镇农村互助幸福院", "rural_point"),
        ("爱照护（长征）长者照护之家", "community_station"),
        ("Street Centre", "street_centre"),
        ("超市", None),
        ("", None),
        (None, None),
    ],
)
def test_kind_free_text(text: object, kind: str | None) -> None:
    assert normalise_kind(text) == kind


def test_kind_help_lists_kinds_and_chinese_synonyms() -> None:
    text = kind_help()
    for kind in FACILITY_KINDS:
        assert kind in text
    assert "日间照料中心" in text
    assert "敬老院" in text
    assert "互助幸福院" in text


@pytest.mark.parametrize(
    ("value", "status"),
    [("新建", "new"), ("既有", "existing"), ("已建成", "existing"), ("老旧小区", "existing"),
     ("NEW", "new"), ("其他", None), ("", None)],
)  # fmt: skip
def test_estate_status(value: str, status: str | None) -> None:
    assert normalise_estate_status(value) == status


@pytest.mark.parametrize(
    ("value", "status"),
    [("现状", "existing"), ("已建", "existing"), ("规划", "planned"), ("拟建", "planned"),
     ("在建", "planned"), ("Planned", "planned"), ("待定", None)],
)  # fmt: skip
def test_facility_status(value: str, status: str | None) -> None:
    assert normalise_facility_status(value) == status


@pytest.mark.parametrize(
    ("value", "number"),
    [(1200, 1200.0), ("1,200", 1200.0), ("1200户", 1200.0), ("约 350 ㎡", 350.0),
     ("１２００", 1200.0), ("1.2万", 12000.0), ("-5", -5.0), ("暂无", None), ("100-200", None),
     ("", None), (float("nan"), None), ("abc", None)],
)  # fmt: skip
def test_parse_number(value: object, number: float | None) -> None:
    assert parse_number(value) == number


@pytest.mark.parametrize(
    ("value", "year"),
    [(2004, 2004), (2004.0, 2004), ("2004年", 2004), ("2004-05-01", 2004), ("90年代", 1990),
     ("暂无", None), (float("nan"), None), (12, None), ("abc", None)],
)  # fmt: skip
def test_parse_year(value: object, year: int | None) -> None:
    assert parse_year(value) == year
