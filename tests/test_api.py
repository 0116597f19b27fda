"""The Python API (planning.load_inputs / load_network / audit / site / check_estate) on the
hand-computed mini city, with GeoDataFrames in memory, compared with the command line's files."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import planning
from planning import settings
from planning.cli import main
from tests.minicity import CRS, EXPECTED, X0, Y0, cli_args, minicity_layers, write_minicity


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return minicity_layers()


@pytest.fixture(scope="module")
def inputs(layers):
    return planning.load_inputs(
        estates=layers["estates"], facilities=layers["facilities"], streets=layers["streets"]
    )


@pytest.fixture(scope="module")
def net(layers, inputs):
    return planning.load_network(layers["roads"], crs=inputs, barriers=layers["river"])


@pytest.fixture(scope="module")
def result(inputs, net):
    return planning.audit(inputs, net, rules="national")


def test_audit_from_frames_gives_the_hand_figures(result):
    assert isinstance(result, planning.AuditResult)
    estates = result.estates.set_index("estate_id")
    for estate_id, exp in EXPECTED.items():
        required, _onsite, _shared, shortfall, *_, nearest, w15, _w10, _w5, verdict = exp
        row = estates.loc[estate_id]
        assert row["required_m2"] == pytest.approx(required), estate_id
        assert row["shortfall_m2"] == pytest.approx(shortfall), estate_id
        assert row["verdict"] == verdict, estate_id
        assert (row["nearest_facility_id"] if nearest else None) == nearest, estate_id
        if w15 is not None:
            assert row["walk_15min_m"] == pytest.approx(w15, abs=0.01), estate_id
    totals = result.summary["totals"]
    assert totals["households"] == 4400
    assert totals["coverage"]["15min"] == pytest.approx(3800 / 4400, abs=1e-4)
    assert set(result.rules["verdict"]) <= {"pass", "fail", "report", "no_data"}
    assert len(result.rules) == len(result.ruleset.rules)


def test_the_barrier_comes_with_the_network(net):
    # The road at x = 200 crosses the river and is no bridge; the bridge at x = 1000 stays.
    assert net.report.barrier_edges_removed == 1
    assert net.report.barrier_bridges_kept == 1
    assert net.barrier_polygons is not None
    assert len(net.barrier_polygons) == 1


def test_facade_writes_what_the_cli_writes(tmp_path, layers):
    gpkg = write_minicity(tmp_path)
    cli_out = tmp_path / "cli"
    assert main([*cli_args("audit", gpkg, cli_out), "--lang", "zh"]) == 0
    inputs = planning.load_inputs(
        estates=gpkg, facilities=gpkg, streets=gpkg,
        layers={"estates": "estates", "facilities": "facilities", "streets": "streets"},
    )  # fmt: skip
    net = planning.load_network(
        gpkg, layer="roads", crs=inputs, barriers=gpkg, barriers_layer="river"
    )
    api_out = tmp_path / "api"
    written = planning.audit(inputs, net, rules="national").write(api_out)
    assert set(written) >= {
        "estates.csv",
        "streets.csv",
        "audit.xlsx",
        "summary.json",
        "gap_map.html",
    }
    for name in ("estates.csv", "streets.csv"):
        assert (api_out / name).read_bytes() == (cli_out / name).read_bytes(), name
    api, cli = (json.loads((d / "summary.json").read_text("utf-8")) for d in (api_out, cli_out))
    cli["parameters"].pop("project")  # the command line also records its options
    assert api == cli
    for layer in ("estates", "streets", "facilities"):
        a = gpd.read_file(api_out / "results.gpkg", layer=layer)
        c = gpd.read_file(cli_out / "results.gpkg", layer=layer)
        pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(c))


def test_site_covers_the_outside_estate(result, tmp_path):
    sited = planning.site(result, new=2)
    assert isinstance(sited, planning.SitingResult)
    # One site suffices (E6, 600 households); the second would add nothing.
    assert sited.proposals["households_new"].tolist() == [600]
    assert sited.summary["before"]["coverage"] == pytest.approx(3800 / 4400, abs=1e-4)
    assert sited.summary["after"]["coverage"] == pytest.approx(1.0)
    assert result.proposals is None  # the audit given is not changed
    written = sited.write(tmp_path / "sited", maps=False)
    table = pd.read_csv(written["proposals.csv"], encoding="utf-8-sig")
    assert table["households_new"].tolist() == [600]


def test_site_from_candidate_frame(result):
    candidates = gpd.GeoDataFrame(
        {"candidate_id": ["far", "south"], "required": [False, True]},
        geometry=gpd.points_from_xy([X0 + 1500, X0 + 600], [Y0 + 420, Y0 - 20]),
        crs=CRS,
    ).to_crs(4326)  # any CRS
    sited = planning.site(result, new=1, candidates=candidates)
    assert sited.proposals["candidate_id"].tolist() == ["south", "far"]
    # "far" (x = 1500, north bank) reaches E6 at 50 + 490 + 20 = 560 m.
    assert sited.proposals["households_new"].tolist() == [0, 600]


def test_check_estate_of_a_point_proposal(layers, net, tmp_path):
    proposal = shapely.Point(X0 + 1990, Y0 + 450)
    review = planning.check_estate(
        proposal,
        estate_crs=CRS,
        households=600,
        status="new",
        planned_floor_m2=100.0,
        facilities=layers["facilities"],
        network=net,
        rules="national",
    )
    assert isinstance(review, planning.Review)
    (estate,) = review.estates
    floor = next(r for r in estate.rules if r.kind == "floor_area_per_households")
    # 600 households × 20 m² / 100 = 120 m² required, 100 planned: 20 missing.
    assert floor.required == pytest.approx(120.0)
    assert floor.missing == pytest.approx(20.0)
    assert floor.verdict == "fail"
    tier = next(t for t in estate.tiers if t.tier == "15min")
    # To F2: 50 (connector) + 990 along the north bank + 30 (connector) = 1,070 m > 1,000 m.
    assert tier.facility_id == "F2"
    assert tier.walk_m == pytest.approx(1070.0, abs=0.01)
    assert not tier.covered
    files = review.write(tmp_path / "review")
    data = json.loads(files["review.json"].read_text("utf-8"))
    assert data["estates"][0]["households"] == 600
    assert "<svg" in review.sheet()


def test_explore_returns_an_inline_map(result):
    import folium

    view = result.explore()
    assert isinstance(view, folium.Map)
    assert "北二新苑" in view.get_root().render()
    assert view._repr_html_().startswith("<iframe srcdoc=")


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda r, i, n: planning.audit(i, n, measure="minutes"), "measure"),
        (lambda r, i, n: planning.audit(i, n, walk_speed=-1), "walk_speed_m_per_s"),
        (lambda r, i, n: planning.audit(i, n, include_planned="no"), "include_planned"),
        (lambda r, i, n: planning.site(r, new=5, method="mlip"), "method"),
        (lambda r, i, n: planning.site(r, new=0), "new"),
        (lambda r, i, n: planning.site(r), "new"),
        (lambda r, i, n: planning.site(r, target_coverage=1.5), "target_coverage"),
        (lambda r, i, n: planning.audit("estates.gpkg", n), "inputs"),
        (lambda r, i, n: planning.load_network(Path("roads.gpkg")), "crs"),
    ],
)
def test_wrong_options_name_the_parameter(result, inputs, net, call, parameter):
    with pytest.raises(planning.OptionError) as caught:
        call(result, inputs, net)
    assert caught.value.parameter == parameter
    assert isinstance(caught.value, ValueError)
    assert "--" not in str(caught.value)  # the library speaks of parameters, not flags


def test_options_for_one_call_leave_the_settings_alone(inputs, net):
    before = settings.max_snap_m
    # Every estate lies 50 m from a road: a 10 m limit leaves them all off the network.
    tight = planning.audit(inputs, net, max_snap_m=10.0)
    assert not tight.estates["reachable"].any()
    assert settings.max_snap_m == before
    with pytest.raises(planning.OptionError), settings.override(max_snap_m=-3):
        pass
    assert settings.max_snap_m == before


def test_override_restores_after_an_error():
    before = settings.allow_download
    seen = []

    def fail_inside() -> None:
        with settings.override(allow_download=True):
            seen.append(settings.allow_download)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_inside()
    assert seen == [True]
    assert settings.allow_download is before


def test_errors_are_importable_from_the_package():
    assert issubclass(planning.InputDataError, planning.PlanningError)
    for name in ("InputDataError", "InputFileError", "OptionError", "RulesetError", "NetworkError"):
        assert issubclass(getattr(planning, name), ValueError), name
    assert not issubclass(planning.SolverError, ValueError)


def test_a_multi_layer_barriers_file_is_read_by_its_role(tmp_path, layers, inputs):
    path = tmp_path / "all.gpkg"
    for name in ("estates", "roads", "river"):
        layers[name].to_file(path, layer=name, driver="GPKG")
    net = planning.load_network(path, crs=inputs, barriers=path)  # roads and river by name
    assert net.report.barrier_edges_removed == 1
    other = tmp_path / "two.gpkg"
    layers["estates"].to_file(other, layer="a", driver="GPKG")
    layers["river"].to_file(other, layer="b", driver="GPKG")
    with pytest.raises(planning.InputFileError, match="a, b") as caught:
        planning.load_network(path, layer="roads", crs=inputs, barriers=other)
    assert 'barriers_layer="a"' in str(caught.value)


def test_the_cli_names_its_flag_for_a_library_message(tmp_path, capsys):
    gpkg = write_minicity(tmp_path)
    out = tmp_path / "out"
    assert main(cli_args("audit", gpkg, out)) == 0
    assert main(["site", "--audit", str(out), "--new", "0", "-q"]) == 2
    err = capsys.readouterr().err
    assert "--new 0" in err
    assert "new=" not in err


def test_audit_is_the_function_and_the_subpackage_imports(result):
    from planning.audit import Audit, run_audit

    assert callable(planning.audit)
    assert isinstance(result, Audit)
    assert callable(run_audit)
