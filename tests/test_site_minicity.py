"""`eldercare site` on the mini city: the only uncovered estate (E6) gets a centre."""

import json

import geopandas as gpd
import pandas as pd
import pytest

from planning import audit, load_inputs, load_network, site
from planning._errors import InputDataError
from planning.cli import main
from tests.minicity import X0, Y0, cli_args, minicity_layers, write_minicity


def _args(gpkg, out):
    return cli_args("site", gpkg, out)


def _audit(gpkg=None):
    """The mini city's audit through the Python facade (national ruleset)."""
    layers = minicity_layers()
    inputs = load_inputs(
        estates=layers["estates"], facilities=layers["facilities"], streets=layers["streets"]
    )
    net = load_network(layers["roads"], crs=inputs, barriers=layers["river"])
    return audit(inputs, net, rules="national")


def test_site_covers_the_outside_estate(tmp_path):
    gpkg = write_minicity(tmp_path)
    out = tmp_path / "out"
    assert main([*_args(gpkg, out), "--new", "2"]) == 0
    proposals = pd.read_csv(out / "proposals.csv", encoding="utf-8-sig")
    # One site suffices: a second adds nothing, so only one is proposed.
    assert len(proposals) == 1
    assert proposals.loc[0, "households_new"] == 600
    assert proposals.loc[0, "cumulative_coverage"] == pytest.approx(1.0)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    siting = summary["siting"]
    assert siting["before"]["coverage"] == pytest.approx(3800 / 4400, abs=1e-4)
    assert siting["after"]["coverage"] == pytest.approx(1.0)
    assert siting["gap"] == pytest.approx(0.0, abs=1e-6)
    layer = gpd.read_file(out / "results.gpkg", layer="proposals")
    # The site lies on the north bank, within 1000 m walk of E6 (x = 1990).
    site = layer.geometry.iloc[0]
    assert site.y > Y0 + 250
    assert abs(site.x - (X0 + 1990)) < 1000


def test_candidate_file_with_excluded_and_required(tmp_path):
    gpkg = write_minicity(tmp_path)
    cands = gpd.GeoDataFrame(
        {
            "candidate_id": ["near", "far", "south"],
            "excluded": [True, False, False],
            "required": [False, False, True],
        },
        geometry=gpd.points_from_xy(
            [X0 + 1950, X0 + 1500, X0 + 600], [Y0 + 420, Y0 + 420, Y0 - 20]
        ),
        crs="EPSG:32650",
    )
    path = tmp_path / "cands.gpkg"
    cands.to_file(path, driver="GPKG")
    out = tmp_path / "out"
    assert main([*_args(gpkg, out), "--candidates", str(path), "--new", "1"]) == 0
    proposals = pd.read_csv(out / "proposals.csv", encoding="utf-8-sig")
    assert proposals["candidate_id"].tolist() == ["south", "far"]
    assert bool(proposals.loc[0, "required"])
    # "far" (x = 1500, north bank) reaches E6 at 50 + 490 + 20 = 560 m.
    assert proposals.loc[1, "households_new"] == 600


def test_site_needs_a_goal(tmp_path, capsys):
    gpkg = write_minicity(tmp_path)
    with pytest.raises(SystemExit):
        main(_args(gpkg, tmp_path / "o"))


# ----------------------------------------------------------------------------- vacant properties


def _write_candidates(tmp_path, rows) -> str:
    """Candidate sites on the north bank: (id, x, floor_m2 or None), 20 m off the road."""
    cands = gpd.GeoDataFrame(
        {
            "candidate_id": [r[0] for r in rows],
            "name": [f"闲置用房{r[0]}" for r in rows],
            "建筑面积": [r[2] for r in rows],
        },
        geometry=gpd.points_from_xy([X0 + r[1] for r in rows], [Y0 + 420] * len(rows)),
        crs="EPSG:32650",
    )
    path = tmp_path / "vacant.gpkg"
    cands.to_file(path, driver="GPKG")
    return str(path)


def test_vacant_properties_serve_what_their_floor_area_allows(tmp_path):
    # Existing estates need 15 m² per 100 households (national ruleset): 150 m² serves 1,000
    # households, 30 m² serves 200. E6 (600 households) is the only estate outside the circle.
    gpkg = write_minicity(tmp_path)
    path = _write_candidates(tmp_path, [("big", 1500, 150.0), ("small", 1950, 30.0)])
    out = tmp_path / "out"
    assert main([*_args(gpkg, out), "--candidates", path, "--new", "1"]) == 0
    proposals = pd.read_csv(out / "proposals.csv", encoding="utf-8-sig")
    assert proposals["candidate_id"].tolist() == ["big"]
    assert proposals.loc[0, "capacity_households"] == pytest.approx(1000.0)
    assert proposals.loc[0, "households_new"] == 600
    # the small one alone would serve only 200 of E6's 600 households
    out2 = tmp_path / "out2"
    path2 = _write_candidates(tmp_path, [("small", 1950, 30.0)])
    assert main([*_args(gpkg, out2), "--candidates", path2, "--new", "1"]) == 0
    small = pd.read_csv(out2 / "proposals.csv", encoding="utf-8-sig")
    assert small.loc[0, "households_new"] == 200
    summary = json.loads((out2 / "summary.json").read_text(encoding="utf-8"))["siting"]
    assert summary["capacitated"] is True
    assert summary["after"]["coverage"] == pytest.approx((3800 + 200) / 4400, abs=1e-4)


def test_capacitated_set_cover_needs_three_small_sites(tmp_path):
    # 600 households outside the circle, 200 per 30 m² site: all of them need three sites.
    gpkg = write_minicity(tmp_path)
    rows = [(f"s{k}", x, 30.0) for k, x in enumerate((1400, 1600, 1800, 1950))]
    path = _write_candidates(tmp_path, rows)
    out = tmp_path / "out"
    args = [*_args(gpkg, out), "--candidates", path, "--target-coverage", "1.0"]
    assert main(args) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["siting"]
    assert summary["new_sites"] == 3
    assert summary["bound"] == 3
    assert summary["status"] == "optimal"
    proposals = pd.read_csv(out / "proposals.csv", encoding="utf-8-sig")
    assert proposals["households_new"].sum() == 600


def test_blank_floor_area_is_filled_by_the_option_or_refused(tmp_path):
    gpkg = write_minicity(tmp_path)
    path = _write_candidates(tmp_path, [("a", 1500, 30.0), ("b", 1950, None)])
    out = tmp_path / "out"
    # b has no floor area: with --floor-m2 150 it serves 1,000 households and takes all of E6
    assert main([*_args(gpkg, out), "--candidates", path, "--new", "1", "--floor-m2", "150"]) == 0
    proposals = pd.read_csv(out / "proposals.csv", encoding="utf-8-sig")
    assert proposals["candidate_id"].tolist() == ["b"]
    assert proposals.loc[0, "floor_m2"] == pytest.approx(150.0)
    # without the option the blank cannot be read
    with pytest.raises(InputDataError, match=r"candidate\(s\) b have no floor area"):
        site(_audit(gpkg), new=1, candidates=path)


def test_floor_area_that_is_not_a_number_names_the_row(tmp_path):
    gpkg = write_minicity(tmp_path)
    frame = pd.DataFrame(
        {"lon": [116.0, 116.001], "lat": [39.0, 39.001], "floor_m2": ["120", "一百"]}
    )
    with pytest.raises(
        InputDataError, match=r"column floor_m2: .*positive number; row 2 \('一百'\)"
    ):
        site(_audit(gpkg), new=1, candidates=frame)


# ----------------------------------------------------------------------------- spacing, console


def test_minimum_spacing_keeps_new_sites_apart(tmp_path):
    # 300 households per 45 m² site: E6 needs two; a and b stand 50 m apart.
    gpkg = write_minicity(tmp_path)
    path = _write_candidates(tmp_path, [("a", 1950, 45.0), ("b", 1900, 45.0), ("c", 1500, 45.0)])
    free = site(_audit(gpkg), target_coverage=1.0, candidates=path)
    assert free.summary["new_sites"] == 2
    spaced = site(_audit(gpkg), target_coverage=1.0, candidates=path, min_spacing_m=100)
    assert spaced.summary["new_sites"] == 2
    assert spaced.summary["status"] == "optimal"
    chosen = sorted(spaced.proposals["candidate_id"])
    assert "c" in chosen
    assert chosen != ["a", "b"]
    assert spaced.summary["min_spacing_m"] == 100
    assert spaced.summary["spacing_measured"] == "straight line"
    xy = spaced.proposals.geometry
    assert xy.iloc[0].distance(xy.iloc[1]) >= 100


def test_console_summary_agrees_with_the_files(tmp_path, capsys):
    gpkg = write_minicity(tmp_path)
    rows = [(f"s{k}", x, 30.0) for k, x in enumerate((1400, 1600, 1800, 1950))]
    path = _write_candidates(tmp_path, rows)
    out = tmp_path / "out"
    args = [a for a in _args(gpkg, out) if a != "--quiet"]
    assert main([*args, "--candidates", path, "--target-coverage", "1.0", "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["siting"]
    proposals = pd.read_csv(out / "proposals.csv", encoding="utf-8-sig")
    assert "proven optimal (lower bound 3, gap 0.00%" in printed
    assert "Largest gains (3 of 3)" in printed
    assert "Proposed 3 Community station / day care site(s)" in printed  # the kind in words
    assert "community_station" not in printed
    assert "86.4% → 100.0%" in printed
    assert set(proposals["status"]) == {summary["status"]} == {"optimal"}
    assert set(proposals["bound"]) == {summary["bound"]}
    assert set(proposals["gap"]) == {summary["gap"]}
