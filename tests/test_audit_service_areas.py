"""The audit's service-area polygons: merged tiers by default, per facility on request, or none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

import planning as P
from planning import network
from planning._errors import InputFileError, OptionError
from planning.audit import AuditOptions
from planning.audit import run as audit_run
from planning.cli import main
from planning.project import load_project_file
from tests.minicity import cli_args, write_minicity


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory):
    gpkg = write_minicity(tmp_path_factory.mktemp("areas"))
    layers = {"estates": "estates", "facilities": "facilities", "streets": "streets"}
    inputs = P.load_inputs(gpkg, gpkg, None, gpkg, layers=layers)
    net = P.load_network(gpkg, crs=inputs, layer="roads", barriers=gpkg, barriers_layer="river")
    return inputs, net


def test_merged_by_default_one_polygon_per_tier(city) -> None:
    inputs, net = city
    areas = P.audit(inputs, net).service_areas
    assert areas["tier"].tolist() == ["5min", "10min", "15min"]
    assert areas["merged"].all()
    assert (areas["facility_id"] == "").all()
    assert areas["distance_m"].tolist() == [300.0, 500.0, 1000.0]


def test_per_facility_adds_each_facilitys_own_and_merged_is_their_union(city) -> None:
    inputs, net = city
    merged = P.audit(inputs, net).service_areas
    result = P.audit(inputs, net, service_areas="per-facility")
    areas = result.service_areas
    assert result.summary["parameters"]["service_areas"] == "per-facility"
    for tier in ("5min", "10min", "15min"):
        rows = areas[areas["tier"] == tier]
        own = rows[~rows["merged"]]
        assert len(own) >= 1
        assert (own["facility_id"] != "").all()
        union = shapely.union_all(own.geometry.to_numpy())
        one = rows[rows["merged"]].geometry.iloc[0]
        assert one.symmetric_difference(union).area < 1e-6 * union.area
        assert one.equals(merged[merged["tier"] == tier].geometry.iloc[0])


def test_none_traces_nothing(city) -> None:
    inputs, net = city
    result = P.audit(inputs, net, service_areas="none")
    assert len(result.service_areas) == 0
    assert {"tier", "facility_id", "merged"} <= set(result.service_areas.columns)


def test_an_unknown_choice_names_the_parameter(city) -> None:
    with pytest.raises(OptionError, match=r'service_areas="hull".*merged'):
        AuditOptions(service_areas="hull")  # type: ignore[arg-type]


def test_tiers_traced_side_by_side_equal_one_after_another(city, monkeypatch) -> None:
    inputs, net = city
    result = P.audit(inputs, net, service_areas="none")
    facilities = result.facilities
    snaps = network.snap(net, facilities.geometry, 300.0)
    active = facilities["status"].eq("existing").to_numpy()
    serial = audit_run._service_areas(net, facilities, snaps, active, result.tiers, "merged")
    monkeypatch.setattr(audit_run, "PARALLEL_TIERS_MIN_EDGES", 0)  # workers even for this city
    side = audit_run._service_areas(net, facilities, snaps, active, result.tiers, "merged")
    assert serial["tier"].tolist() == side["tier"].tolist()
    assert all(a.equals_exact(b, 0) for a, b in zip(serial.geometry, side.geometry, strict=True))


def test_the_cli_and_project_file_choose_too(tmp_path: Path) -> None:
    gpkg = write_minicity(tmp_path)
    assert main([*cli_args("audit", gpkg, tmp_path / "out"), "--service-areas", "none"]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["parameters"]["service_areas"] == "none"
    assert summary["parameters"]["project"]["service_areas"] == "none"
    project = tmp_path / "project.toml"
    project.write_text('[audit]\nservice_areas = "hulls"\n', encoding="utf-8")
    with pytest.raises(InputFileError, match="service_areas"):
        load_project_file(project)
    project.write_text('[audit]\nservice_areas = "per-facility"\n', encoding="utf-8")
    assert load_project_file(project).service_areas == "per-facility"
