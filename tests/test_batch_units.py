"""Batch units on the mini city: floor area shared across a unit border, bad units, manifests.

The mini city (tests/minicity.py) with one more existing estate, E7, 180 m from the day-care
centre F1 that E1 owns. Split into three units so that E1, E7 and F1 lie in "SW" and E2 in "SE":
F1's 150 m² surplus must be shared between E7 and E2 across the SW/SE border, once.
"""

from __future__ import annotations

import dask
import geopandas as gpd
import pandas as pd
import pytest
from distributed import Client, LocalCluster
from shapely.geometry import box

import planning
from planning.audit import AuditOptions
from planning.batch import run_batch, run_manifest
from planning.batch.jobs import AuditChoices
from planning.batch.plan import halo_m
from planning.cli import main
from tests.minicity import CRS, X0, Y0, _p, minicity_layers


@pytest.fixture(scope="module")
def client():
    with (
        dask.config.set({"distributed.worker.daemon": False}),
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def _city() -> dict[str, gpd.GeoDataFrame]:
    layers = minicity_layers()
    e7 = gpd.GeoDataFrame(
        {"estate_id": ["E7"], "name": ["南七小区"], "households": [1000], "status": ["existing"]},
        geometry=[_p(300, -50)],
        crs=CRS,
    )
    layers["estates"] = pd.concat([layers["estates"], e7], ignore_index=True)
    return layers


def _units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"unit": ["SW", "SE", "N"]},
        geometry=[
            box(X0 - 200, Y0 - 300, X0 + 400, Y0 + 200),
            box(X0 + 400, Y0 - 300, X0 + 2200, Y0 + 200),
            box(X0 - 200, Y0 + 200, X0 + 2200, Y0 + 700),
        ],
        crs=CRS,
    )


@pytest.fixture(scope="module")
def city():
    layers = _city()
    inputs = planning.load_inputs(
        layers["estates"], layers["facilities"], streets=layers["streets"]
    )
    net = planning.load_network(layers["roads"], crs=inputs, barriers=layers["river"])
    return inputs, net


def test_floor_area_shared_across_a_unit_border_counts_once(client, city, tmp_path):
    inputs, net = city
    batch = run_batch(
        inputs, net, split=_units(), split_field="unit", out=tmp_path / "b", client=client,
        maps=False,
    )  # fmt: skip
    assert batch.ok
    estates = batch.result.estates.set_index("estate_id")
    # E1 keeps 150 of F1's 300 m²; the 150 m² surplus goes to the short existing estates that
    # reach it, by households: E7 (1,000, SW) 100 m², E2 (500, SE) 50 m².
    assert estates.loc["E1", "onsite_m2"] == 150.0
    assert estates.loc["E7", "shared_m2"] == 100.0
    assert estates.loc["E2", "shared_m2"] == 50.0
    assert estates.loc["E7", "shortfall_m2"] == 50.0
    assert estates.loc["E2", "shortfall_m2"] == 25.0
    # Land: F1's 600 m² less E1's 300 leaves 300, split 200 / 100.
    assert estates.loc["E7", "land_provided_m2"] == 200.0
    assert estates.loc["E2", "land_provided_m2"] == 100.0
    # No square metre twice: what E2 and E7 share is exactly F1's surplus.
    assert estates.loc[["E2", "E7"], "shared_m2"].sum() == 150.0
    units = batch.units.set_index("unit_id")
    assert units.loc["SW", "estates"] == 2
    assert units.loc["SE", "estates"] == 2
    single = planning.audit(inputs, net)
    single.write(tmp_path / "single", maps=False)
    assert (tmp_path / "b" / "province" / "estates.csv").read_bytes() == (
        tmp_path / "single" / "estates.csv"
    ).read_bytes()
    # The SE unit's own folder shows E2 with the province's share, not what SE alone gives.
    se = pd.read_csv(tmp_path / "b" / "units" / "SE" / "estates.csv", encoding="utf-8-sig")
    assert se.set_index("estate_id").loc["E2", "shared_m2"] == 50.0


def test_the_halo_is_the_longest_walk_plus_the_snap_limit():
    ruleset = planning.load_ruleset("national")
    # national: circles up to 1,000 m, sensitivity 15 min × 1.1 m/s = 990 m, sharing 500 m,
    # nearest-facility search 3,000 m; + 300 m snapping; polygon drawn outside the circle.
    assert 3300.0 < halo_m(AuditChoices(ruleset, AuditOptions())) < 3300.0 * 1.005 + 1.0


def _manifest_city(folder) -> str:
    """Three county folders: south (good), north-west (no households column), east (its own
    network file is missing)."""
    layers = minicity_layers()
    est, fac = layers["estates"], layers["facilities"]
    parts = {
        "south": (est[est["estate_id"].isin(["E1", "E2", "E3"])], fac[fac["facility_id"] != "F2"]),
        "north": (est[est["estate_id"].isin(["E4", "E5"])].drop(columns="households"), None),
        "east": (est[est["estate_id"] == "E6"], fac[fac["facility_id"] == "F2"]),
    }
    lines = ['[network]\nfile = "roads.gpkg"\nbarriers = "river.gpkg"\n']
    for name, (estates, facilities) in parts.items():
        estates.to_file(folder / f"{name}_estates.gpkg", driver="GPKG")
        lines.append(f'[[units]]\nid = "{name}"\nname = "{name}县"\n'
                     f'estates = "{name}_estates.gpkg"\n')  # fmt: skip
        if facilities is not None:
            facilities.to_file(folder / f"{name}_facilities.gpkg", driver="GPKG")
            lines.append(f'facilities = "{name}_facilities.gpkg"\n')
        if name == "east":
            lines.append('network = "no_such_network.gpkg"\n')
    layers["roads"].to_file(folder / "roads.gpkg", driver="GPKG")
    layers["river"].to_file(folder / "river.gpkg", driver="GPKG")
    path = folder / "counties.toml"
    path.write_text("".join(lines), encoding="utf-8")
    return str(path)


def test_a_bad_unit_is_reported_and_the_others_finish(client, tmp_path):
    manifest = _manifest_city(tmp_path)
    batch = run_manifest(manifest, out=tmp_path / "out", client=client, maps=False)
    assert not batch.ok
    assert set(batch.failed) == {"north", "east"}
    assert "households" in batch.failed["north"]
    assert "no_such_network.gpkg" in batch.failed["east"]
    estates = batch.result.estates.set_index("estate_id")
    assert sorted(estates.index) == ["E1", "E2", "E3"]
    # E2 reaches F1 at 480 m ≤ 500 m and takes 75 m² of its surplus (tests/minicity.py).
    assert estates.loc["E2", "shared_m2"] == 75.0
    assert estates.loc["E3", "walk_m"] == 370.0
    status = batch.units.set_index("unit_id")["status"].to_dict()
    assert status == {"south": "done", "north": "failed", "east": "failed"}


def test_the_command_says_some_units_failed(tmp_path, capsys):
    manifest = _manifest_city(tmp_path)
    code = main(["batch", "--manifest", manifest, "--workers", "1", "--no-maps",
                 "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 3
    assert "unit north failed" in err
    assert "unit east failed" in err
    assert "FAILED" in err  # the progress line of a failed unit
    units = pd.read_csv(tmp_path / "out" / "units.csv", encoding="utf-8-sig")
    assert units.set_index("unit_id").loc["south", "status"] == "done"


def test_the_units_map_keeps_names_as_text(tmp_path):
    from planning.audit import measured_tiers
    from planning.batch.outputs import write_unit_outputs

    tier = max(measured_tiers(planning.load_ruleset("national")), key=lambda t: t.distance_m)
    table = pd.DataFrame(
        {"unit_id": ["A", "B"], "name": ["<script>alert(1)</script>", "北区"], "status": ["done"] * 2,
         "estates": [3, 0], "households": [900, 0], f"coverage_{tier.name}": [0.42, None]}
    )  # fmt: skip
    outlines = [box(0, 0, 10, 10), box(10, 0, 20, 10)]
    files = write_unit_outputs(tmp_path, table, outlines, CRS, tier, "单元 & <b>")
    page = files["units_map.html"].read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "#d7191c" in page  # 42 %: the lowest class
    assert "#cccccc" in page  # no estates: no figure
    assert (
        gpd.read_file(files["units.gpkg"], layer="units")["name"].tolist() == table["name"].tolist()
    )
