"""Rules applied as each plan says: zones, facility attributes, admin units (issue 16).

The mini city (tests/minicity.py) with hand-computed figures: a 主城区 over part of the north bank,
facilities with and without 特困/举办性质/设施层级 attributes, villages and townships, and the
command ``eldercare audit --rules 双鸭山 --zones 主城区.gpkg``.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from minicity import (
    CRS,
    X0,
    Y0,
    ZONE_COVERAGE,
    _p,
    minicity_layers,
    minicity_zone,
    write_minicity,
)
from shapely.geometry import box

import planning
from planning.analysis.admin_rules import presence_bounds, site_floors, tier_table
from planning.analysis.selection import match_state, share_bounds, unit_counts
from planning.cli import main
from planning.schema.attributes import (
    level_from_text,
    parse_flag,
    parse_ownership,
    parse_zone,
    unit_type_from_name,
)


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return minicity_layers()


@pytest.fixture(scope="module")
def net(layers):
    inputs = planning.load_inputs(layers["estates"], layers["facilities"])
    return planning.load_network(layers["roads"], crs=inputs, barriers=layers["river"])


def _rules(inputs, net, rules: str | Path) -> dict[str, dict]:
    result = planning.audit(inputs, net, rules=rules)
    return {r["rule_id"]: r for r in result.summary["rules"]}


def _facilities(layers, **columns) -> gpd.GeoDataFrame:
    frame = layers["facilities"].copy()
    for name, values in columns.items():
        frame[name] = values
    return frame


# ----------------------------------------------------------------------------- zones


@pytest.mark.parametrize(("span", "expected"), sorted(ZONE_COVERAGE.items()))
def test_zone_rule_is_judged_over_the_zone_only(layers, net, span, expected) -> None:
    estates, covered, households = expected
    inputs = planning.load_inputs(
        layers["estates"],
        layers["facilities"],
        streets=layers["streets"],
        zones=minicity_zone(*span),
    )
    rule = _rules(inputs, net, "双鸭山")["circle_15min"]
    share = 100.0 * covered / households
    assert rule["value"] == pytest.approx(share, abs=0.01)
    assert rule["verdict"] == ("pass" if covered == households else "fail")
    assert (
        f"主城区 (main_urban_area): {len(estates)} estates, {households:,} households"
        in (rule["detail"])
    )
    # Only estates inside the zone can fail it: E6 east of the bridge, never the south bank.
    assert set(rule["failing"]) <= set(estates)
    assert rule["failing"] == ([] if covered == households else ["E6"])


def test_without_zones_the_zone_rule_has_no_data(layers, net) -> None:
    inputs = planning.load_inputs(layers["estates"], layers["facilities"])
    rule = _rules(inputs, net, "双鸭山")["circle_15min"]
    assert (rule["verdict"], rule["value"]) == ("no_data", None)
    assert "needs a zones layer" in rule["detail"]
    assert "not judged over the whole area" in rule["detail"]
    # 忻州's full coverage is for the whole jurisdiction: judged over every estate (3,800/4,400).
    xinzhou = _rules(inputs, net, "忻州")["circle_15min"]
    assert (xinzhou["verdict"], xinzhou["value"]) == ("fail", pytest.approx(86.36, abs=0.01))


def test_a_zones_layer_without_the_zone_is_no_data(layers, net) -> None:
    inputs = planning.load_inputs(
        layers["estates"], layers["facilities"], zones=minicity_zone(-200, 2200, "中心城区")
    )
    rule = _rules(inputs, net, "双鸭山")["circle_15min"]
    assert rule["verdict"] == "no_data"
    assert "has no 主城区 (main_urban_area)" in rule["detail"]
    assert "central_urban_area" in rule["detail"]


def test_zone_from_file_name_cli_and_project_file(tmp_path: Path) -> None:
    """Done when: ``eldercare audit --rules 双鸭山 --zones 主城区.gpkg`` judges the 主城区 only."""
    gpkg = write_minicity(tmp_path)
    zone_file = tmp_path / "主城区.gpkg"
    minicity_zone(-200, 1200, zone=None).to_file(zone_file, driver="GPKG")
    common = [
        "--estates", str(gpkg), "--estates-layer", "estates",
        "--facilities", str(gpkg), "--facilities-layer", "facilities",
        "--network", str(gpkg), "--network-layer", "roads",
        "--barriers", str(gpkg), "--barriers-layer", "river",
    ]  # fmt: skip
    out = tmp_path / "cli"
    assert main(["--quiet", "audit", *common, "--rules", "双鸭山", "--zones", str(zone_file),
                 "--out", str(out)]) == 0  # fmt: skip
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    rule = {r["rule_id"]: r for r in summary["rules"]}["circle_15min"]
    assert (rule["verdict"], rule["value"]) == ("pass", 100.0)
    assert "主城区 (main_urban_area): 2 estates, 1,500 households" in rule["detail"]
    assert rule["judges"] is True
    assert rule["basis"]["code"] == "plan"
    # The whole area would fail (3,800 of 4,400): the zone is what was judged.
    assert summary["totals"]["coverage"]["15min"] == pytest.approx(3800 / 4400, abs=1e-4)

    project = tmp_path / "project.toml"
    project.write_text(
        f'[inputs]\nestates = "minicity.gpkg"\nestates_layer = "estates"\n'
        f'facilities = "minicity.gpkg"\nfacilities_layer = "facilities"\n'
        f'zones = "{zone_file.name}"\n'
        f'[network]\nfile = "minicity.gpkg"\nlayer = "roads"\n'
        f'[audit]\nrules = "shuangyashan"\nout = "from_project"\n',
        encoding="utf-8",
    )
    assert main(["--quiet", "audit", "-c", str(project)]) == 0
    again = json.loads((tmp_path / "from_project" / "summary.json").read_text(encoding="utf-8"))
    rule = {r["rule_id"]: r for r in again["rules"]}["circle_15min"]
    assert (rule["verdict"], rule["value"]) == ("pass", 100.0)


# ----------------------------------------------------------------------------- attributes


def test_tekun_rule_counts_only_tekun_county_institutions(layers, net) -> None:
    def tekun(values, levels):
        facilities = _facilities(layers, 特困供养=values, 设施层级=levels)
        inputs = planning.load_inputs(layers["estates"], facilities, streets=layers["streets"])
        return _rules(inputs, net, "双鸭山")["tekun_institution_per_county"]

    # F3 南岸养老院 is the study area's only institution.
    yes = tekun([None, None, "是"], [None, None, "县级"])
    assert (yes["verdict"], yes["value"], yes["facility_ids"]) == ("pass", 1.0, ["F3"])
    assert "stand-in" not in yes["detail"]
    no = tekun([None, None, "否"], [None, None, "县级"])
    assert (no["verdict"], no["value"], no["failing"]) == ("fail", 0.0, ["研究区"])
    township = tekun([None, None, "是"], [None, None, "乡镇级"])
    assert township["verdict"] == "fail"  # a 特困 home of a township is not the county's
    unknown = tekun([None, None, None], [None, None, "县级"])
    assert (unknown["verdict"], unknown["value"]) == ("no_data", None)
    assert "serves_tekun (特困供养)" in unknown["detail"]


def test_tekun_from_the_name_is_a_visible_stand_in(layers, net) -> None:
    facilities = _facilities(layers, name=["南一日间照料中心", "北岸街道综合养老服务中心",
                                           "南岸县特困人员供养服务中心"])  # fmt: skip
    inputs = planning.load_inputs(layers["estates"], facilities, streets=layers["streets"])
    f3 = inputs.facilities.set_index("facility_id").loc["F3"]
    assert (bool(f3["serves_tekun"]), f3["level"]) == (True, "county")
    assert f3["attributes_inferred"] == "serves_tekun,level"
    rule = _rules(inputs, net, "双鸭山")["tekun_institution_per_county"]
    assert rule["verdict"] == "pass"
    assert "⚠ stand-in" in rule["detail"]


def test_nursing_beds_of_public_institutions_only(layers, net) -> None:
    """双鸭山's 55 % is about 公办 institutions: a private home's beds do not lift it."""
    facilities = pd.concat(
        [
            _facilities(layers, 举办性质=[None, None, "公办"]),
            gpd.GeoDataFrame(
                {
                    "facility_id": ["F4"],
                    "name": ["北岸颐养院"],
                    "kind": ["institution"],
                    "floor_m2": [3000.0],
                    "beds": [200.0],
                    "nursing_beds": [180.0],
                    "status": ["existing"],
                    "举办性质": ["民办"],
                },
                geometry=[_p(1900, 430)],
                crs=CRS,
            ),
        ],
        ignore_index=True,
    )
    inputs = planning.load_inputs(layers["estates"], facilities)
    pooled = _rules(inputs, net, "national")["nursing_bed_share"]
    assert pooled["value"] == pytest.approx(100.0 * (100 + 180) / (200 + 200))  # 70 %
    public = _rules(inputs, net, "双鸭山")["nursing_bed_share"]
    assert (public["verdict"], public["value"], public["facility_ids"]) == ("fail", 50.0, ["F3"])
    # F4's ownership unknown: 50 % (F3 alone) or (100 + 180) / 400 = 70 % — undecided.
    facilities.loc[facilities["facility_id"] == "F4", "举办性质"] = None
    inputs = planning.load_inputs(layers["estates"], facilities)
    open_rule = _rules(inputs, net, "双鸭山")["nursing_bed_share"]
    assert (open_rule["verdict"], open_rule["value"]) == ("no_data", None)
    assert "between 50 and 70" in open_rule["detail"]


def test_yangling_welfare_home_beds(layers, net) -> None:
    facilities = _facilities(layers, name=["南一日间照料中心", "北岸街道综合养老服务中心",
                                           "杨陵区社会福利院"])  # fmt: skip
    inputs = planning.load_inputs(layers["estates"], facilities)
    rule = _rules(inputs, net, "杨陵")["nursing_bed_share"]
    assert (rule["verdict"], rule["value"], rule["threshold"]) == ("fail", 50.0, 60.0)
    assert "role" in rule["detail"]
    assert "stand-in" in rule["detail"]
    plain = _rules(planning.load_inputs(layers["estates"], layers["facilities"]), net, "杨陵")
    assert plain["nursing_bed_share"]["verdict"] == "no_data"  # no facility is the 福利院


# ----------------------------------------------------------------------------- admin units


def _villages() -> gpd.GeoDataFrame:
    """红旗村 over the south bank west of x = 1000 (F1 is a station, no rural point) and 东风村
    east of it, holding a rural point; 滨河社区 is a community, not counted as a village."""
    return gpd.GeoDataFrame(
        {"名称": ["红旗村", "东风村", "滨河社区"]},
        geometry=[
            box(X0 - 200, Y0 - 300, X0 + 1000, Y0 + 150),
            box(X0 + 1000, Y0 - 300, X0 + 2200, Y0 + 150),
            box(X0 - 200, Y0 + 250, X0 + 2200, Y0 + 700),
        ],
        crs=CRS,
    )


def test_townships_have_an_institution_and_villages_a_point(layers, net) -> None:
    point = gpd.GeoDataFrame(
        {"facility_id": ["R1"], "name": ["东风村互助幸福院"], "kind": ["rural_point"],
         "floor_m2": [200.0], "status": ["existing"]},
        geometry=[_p(1500, -100)], crs=CRS,
    )  # fmt: skip
    facilities = pd.concat([layers["facilities"], point], ignore_index=True)
    streets = layers["streets"].assign(name=["南岸镇", "北岸街道"])
    inputs = planning.load_inputs(
        layers["estates"], facilities, streets=streets, villages=_villages()
    )
    assert inputs.streets["unit_type"].tolist() == ["township", "street"]
    rules = _rules(inputs, net, "双鸭山")
    # The one township (南岸镇) has F3 南岸养老院: 1 of 1.
    township = rules["township_institution"]
    assert (township["verdict"], township["value"]) == ("pass", 100.0)
    assert "1 of 1 township units" in township["detail"]
    # Villages 红旗村 (none) and 东风村 (R1): 1 of 2; 滨河社区 is not a village.
    village = rules["village_point"]
    assert (village["verdict"], village["value"], village["facility_ids"]) == ("fail", 50.0, ["R1"])
    assert "without: 红旗村" in village["detail"]
    assert village["failing"] == ["V0001"]
    without = _rules(planning.load_inputs(layers["estates"], facilities), net, "双鸭山")
    assert without["village_point"]["verdict"] == "no_data"
    assert "needs a villages layer" in without["village_point"]["detail"]


def test_three_tier_network_per_county(layers, net) -> None:
    levels = {"设施层级": [None, None, "县级"]}
    inputs = planning.load_inputs(layers["estates"], _facilities(layers, **levels))
    rule = _rules(inputs, net, "大冶")["three_tier_network"]
    # F3 县级, F2 a street centre (township), F1 a community station (村（社区）): 3 of 3.
    assert (rule["verdict"], rule["value"], rule["threshold"]) == ("pass", 3.0, 3.0)
    assert "stand-in" in rule["detail"]  # F1 and F2 have their level from their kind
    station_gone = _facilities(layers, **levels).iloc[1:]
    inputs = planning.load_inputs(layers["estates"], station_gone)
    rule = _rules(inputs, net, "忻州")["three_tier_network"]
    assert (rule["verdict"], rule["value"], rule["failing"]) == ("fail", 2.0, ["研究区"])
    assert "village unmet" in rule["detail"]


def test_single_site_floor_area_in_a_user_ruleset(layers, net, tmp_path: Path) -> None:
    path = tmp_path / "anhui.toml"
    path.write_text(
        'inherits = "national"\n[[documents]]\nid = "ah"\nnumber = "皖民〔2022〕测试号"\n'
        'title = "t"\ndate = "2022"\nstatus = "in_force"\n'
        '[[rules]]\nid = "station_min_floor"\nreport_only = false\n[rules.citation]\n'
        'document = "皖民〔2022〕测试号"\narticle = "一"\nquote_zh = "单处建筑面积不少于350平方米"\n'
        'evidence = "plan"\n',
        encoding="utf-8",
    )
    inputs = planning.load_inputs(layers["estates"], layers["facilities"])
    rule = _rules(inputs, net, path)["station_min_floor"]
    assert (rule["verdict"], rule["value"], rule["failing"]) == ("fail", 300.0, ["F1"])
    national = _rules(inputs, net, "national")["station_min_floor"]
    assert (national["verdict"], national["basis"]["code"]) == ("report", "marked")


# ----------------------------------------------------------------------------- pure parts


def test_match_state_and_share_bounds() -> None:
    frame = pd.DataFrame(
        {
            "kind": ["institution", "institution", "institution", "community_station"],
            "ownership": [None, "public", "private", "public"],
        }
    )
    state = match_state(frame, ["institution"], {"ownership": ("public", "public_private")})
    assert state.tolist() == [-1, 1, 0, 0]
    assert match_state(frame.drop(columns="ownership"), ["institution"], {"ownership": "public"}
                       ).tolist() == [-1, -1, -1, 0]  # fmt: skip
    # Known 30/100; unknown 90/100 and 0/50: lowest 30/150 = 20 %, highest 120/200 = 60 %.
    bounds = share_bounds([30, 90, 0], [100, 100, 50], [1, -1, -1])
    assert (bounds.strict, bounds.low, bounds.high) == pytest.approx((30.0, 20.0, 60.0))
    assert bounds.verdict(55, False) == "no_data"
    assert bounds.verdict(15, False) == "pass"
    assert share_bounds([30], [100], [1]).verdict(55, False) == "fail"
    assert share_bounds([90], [100], [-1]).verdict(55, False) == "no_data"  # none known


def test_unit_counts_presence_tiers_and_sites() -> None:
    counts = unit_counts(["A", "B", "C"], ["A", "A", "B", None], [1, 1, -1, 1], need=2)
    assert counts["status"].tolist() == ["met", "unmet", "unmet"]
    bounds = presence_bounds(pd.Series(["met", "unknown", "unmet", "unmet"]))
    assert (bounds.low, bounds.high) == (25.0, 50.0)
    table = tier_table(["X"], ["X", "X"], {"county": [1, 0], "township": [0, 1], "village": [0, 0]})
    assert table.loc["X", ["tiers_met", "tiers_possible"]].tolist() == [2, 2]
    checked = site_floors(np.array([400.0, 360.0, 0.0]), [1, 1, 0], 350)
    assert (checked["verdict"], checked["smallest"], checked["counted"]) == ("pass", 360.0, [0, 1])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("公办", "public"), ("公建民营", "public_private"), ("民办公助", "private"), ("xx", None)],
)
def test_ownership_cells(text: str, expected: str | None) -> None:
    assert parse_ownership(text) == expected


def test_flags_levels_zones_and_unit_types() -> None:
    assert [parse_flag(v) for v in ("是", "否", "无", "1", 0, "√", "暂无", None)] == [
        True, False, False, True, False, True, None, None,
    ]  # fmt: skip
    assert level_from_text("杨陵区社会福利院") == "county"
    assert level_from_text("城关镇中心敬老院") == "township"
    assert level_from_text("金湖街道社区养老服务站") == "community"
    assert level_from_text("XX镇区域养老服务中心") == "township"  # 区域 is not a district
    assert level_from_text("南岸养老院") is None
    assert parse_zone("城市主城区") == "main_urban_area"
    assert parse_zone("中心城区") == "central_urban_area"
    assert parse_zone("高新区") == "高新区"
    assert [unit_type_from_name(n) for n in ("城关镇", "金湖街道", "红旗村", "东风社区", "示例")] == [
        "township", "street", "village", "community", None,
    ]  # fmt: skip


def test_unrecognised_attribute_values_are_reported(layers) -> None:
    facilities = _facilities(layers, 举办性质=["公办", "集体", None])
    inputs = planning.load_inputs(layers["estates"], facilities)
    problems = [p for p in inputs.report.problems if p.code == "attribute_unrecognised"]
    assert [(p.ids, p.count) for p in problems] == [(["F2"], 1)]
    assert "集体" in problems[0].message
    assert inputs.facilities["ownership"].tolist() == ["public", None, None]
