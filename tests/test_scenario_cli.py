"""Named scenarios on the command line, the scenario file, the horizon year (规划期), candidate ids."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import planning
from planning.audit.horizon import ElderlyProjection
from planning.cli import main
from planning.scenario import apply_scenario, read_scenario
from tests.minicity import CRS, X0, Y0, cli_args, minicity_layers, write_minicity


def lonlat(x: float, y: float) -> tuple[float, float]:
    point = gpd.GeoSeries([shapely.Point(X0 + x, Y0 + y)], crs=CRS).to_crs(4326).iloc[0]
    return float(point.x), float(point.y)


def scenario_text(name: str, *, year: int | None = None, close: str = "") -> str:
    lon, lat = lonlat(1990, 420)
    elon, elat = lonlat(1960, 470)
    year_line = f"year = {year}\n" if year else ""
    return (
        f'name = "{name}"\nclose = [{close}]\n\n'
        f'[[add]]\nname = "北三日间照料中心"\nkind = "日间照料中心"\nfloor_m2 = 200\n'
        f"lon = {lon!r}\nlat = {lat!r}\n{year_line}\n"
        f'[[estates]]\nname = "幸福里"\nhouseholds = 500\nlon = {elon!r}\nlat = {elat!r}\n'
        "year = 2031\n\n"
        "[elderly_share]\ndefault = {2024 = 0.2, 2034 = 0.3}\n"
    )


def digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenarios")
    gpkg = write_minicity(folder)
    out = folder / "out"
    assert main(cli_args("audit", gpkg, out)) == 0
    return folder, gpkg, out


@pytest.fixture(scope="module")
def scenarios(city):
    """Two scenarios run into the base's folder; the base's files before them."""
    folder, gpkg, out = city
    base = digest(out)
    (folder / "east.toml").write_text(scenario_text("east"), encoding="utf-8")
    (folder / "shut.toml").write_text(scenario_text("shut", close='"F2"'), encoding="utf-8")
    codes = [
        main([*cli_args("audit", gpkg, out), "--scenario", str(folder / f"{name}.toml")])
        for name in ("east", "shut")
    ]
    return base, codes


def test_scenario_folders_never_overwrite_each_other_or_the_base(city, scenarios):
    out = city[2]
    base, codes = scenarios
    assert codes == [0, 0]
    east = json.loads((out / "scenarios/east/summary.json").read_text(encoding="utf-8"))
    # east: the new station covers E6 and the planned 幸福里 (500 households): all 4,900 covered
    assert east["totals"]["households"] == 4900
    assert east["totals"]["households_covered"]["15min"] == 4900
    # shut: F2 closed, the north bank's E4 and E5 lose their only centre in reach
    estates = pd.read_csv(out / "scenarios/shut/estates.csv", encoding="utf-8-sig")
    assert not estates.set_index("estate_id").loc["E4", "covered_15min"]
    assert digest(out) == base
    assert digest(out / "scenarios/east") != digest(out / "scenarios/shut")
    assert east["parameters"]["project"]["scenario_name"] == "east"
    added = pd.read_csv(out / "scenarios/east/estates.csv", encoding="utf-8-sig")
    assert added.set_index("estate_id").loc["E6", "nearest_facility_id"] == "ADD-east-1"


def test_compare_on_the_command_line(city, scenarios, capsys):
    folder, _, out = city
    assert scenarios[1] == [0, 0]
    assert (
        main(["compare", str(out), str(out / "scenarios/east"), "--out", str(folder / "cmp")]) == 0
    )
    totals = pd.read_csv(folder / "cmp/compare_totals.csv", encoding="utf-8-sig")
    row = totals.set_index("figure").loc["households_covered.15min"]
    assert (row["a"], row["b"], row["difference"]) == (3800, 4900, 1100)
    table = pd.read_csv(folder / "cmp/compare_estates.csv", encoding="utf-8-sig")
    changes = dict(zip(table["estate_id"], table["change"], strict=True))
    assert changes["E6"] == "changed"
    assert changes["PLAN-east-1"] == "added"
    assert changes["E1"] == "same"
    assert "estate(s) changed" in capsys.readouterr().out


def horizon_totals(folder: Path, year: int, *, station_year: int | None) -> dict:
    layers = minicity_layers()
    inputs = planning.load_inputs(layers["estates"], layers["facilities"],
                                  streets=layers["streets"])  # fmt: skip
    net = planning.load_network(layers["roads"], crs=inputs, barriers=layers["river"])
    folder_text = scenario_text("h", year=station_year)
    file = folder / f"horizon_{year}_{station_year}.toml"
    file.write_text(folder_text, encoding="utf-8")
    scenario = read_scenario(file)
    changed = apply_scenario(inputs, scenario)
    result = planning.audit(changed, net, "national", horizon_year=year,
                            projection=scenario.projection,
                            facility_years=scenario.facility_years_all)  # fmt: skip
    return result.totals


def test_horizon_year_counts_planned_estates_and_facilities_from_their_year(tmp_path):
    # The station opens in 2030, 幸福里 (500 households) is lived in from 2031.
    before = horizon_totals(tmp_path, 2029, station_year=2030)["horizon"]
    assert before["year"] == 2029
    assert before["households"] == 4400
    assert before["households_covered"]["15min"] == 3800  # E6 not yet covered
    opened = horizon_totals(tmp_path, 2030, station_year=2030)["horizon"]
    assert opened["households_covered"]["15min"] == 4400
    later = horizon_totals(tmp_path, 2035, station_year=2030)
    assert later["horizon"]["households"] == 4900
    # elderly share 0.2 (2024) → 0.3 (2034), held after: 2035 is 0.3 of 4,900 × 3.0 residents
    assert later["horizon"]["elderly"] == pytest.approx(4900 * 3.0 * 0.3)
    assert later["horizon"]["elderly_coverage"]["15min"] == 1.0
    # today: the station is planned (not counted), 幸福里 is in the table as a new estate
    assert later["households_covered"]["15min"] == 3800
    mid = horizon_totals(tmp_path, 2029, station_year=2030)["horizon"]
    assert mid["elderly"] == pytest.approx(4400 * 3.0 * 0.25)


def test_projection_interpolates_by_street():
    p = ElderlyProjection(by="street", default={2020: 0.1},
                          units={"北岸街道": {2020: 0.2, 2040: 0.4}})  # fmt: skip
    assert p.share("北岸街道", 2030) == pytest.approx(0.3)
    assert p.share("南岸街道", 2030) == pytest.approx(0.1)


def test_a_scenario_file_lists_every_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "a/b"\nbogus = 1\n\n[[add]]\nkind = "hospital"\nfloor_m2 = "300"\nlon = 500\n'
        "lat = 30\n\n[[move]]\nlon = 114\nlat = 30\n",
        encoding="utf-8",
    )
    with pytest.raises(planning.InputFileError) as error:
        read_scenario(bad)
    text = str(error.value)
    for part in ("name", "bogus", "hospital", "floor_m2", "lon = 500", "id is missing"):
        assert part in text, part


def test_closing_an_unknown_facility_is_named(tmp_path):
    layers = minicity_layers()
    inputs = planning.load_inputs(layers["estates"], layers["facilities"])
    file = tmp_path / "x.toml"
    file.write_text('close = ["F9"]\n', encoding="utf-8")
    with pytest.raises(planning.InputDataError, match="F9"):
        apply_scenario(inputs, read_scenario(file))


def test_site_with_a_scenario_name_writes_its_own_folder_with_prefixed_ids(city):
    out = city[2]
    base = digest(out)
    args = ["--quiet", "site", "--audit", str(out), "--new", "1", "--scenario", "one_more"]
    assert main(args) == 0
    proposals = pd.read_csv(out / "scenarios/one_more/proposals.csv", encoding="utf-8-sig")
    assert proposals["proposal_id"].tolist() == ["PROP-001"]
    assert proposals["candidate_id"].str.startswith("CAND-G").all()
    assert digest(out) == base


def test_horizon_year_on_the_command_line(city):
    folder, gpkg, _ = city
    out = folder / "horizon"
    assert main([*cli_args("audit", gpkg, out), "--horizon-year", "2035"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    horizon = summary["totals"]["horizon"]
    assert horizon["year"] == 2035
    # no planned estate or facility in the mini city: the same households and coverage as today
    assert horizon["households_covered"] == summary["totals"]["households_covered"]
    assert summary["parameters"]["horizon_year"] == 2035
    assert main([*cli_args("audit", gpkg, folder / "h2"), "--horizon-year", "35"]) == 2
