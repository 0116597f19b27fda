"""`eldercare site` on the mini city: the only uncovered estate (E6) gets a centre."""

import json

import geopandas as gpd
import pandas as pd
import pytest

from planning.cli import main
from tests.minicity import X0, Y0, cli_args, write_minicity


def _args(gpkg, out):
    return cli_args("site", gpkg, out)


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
