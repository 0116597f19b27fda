"""Inputs given in memory (GeoDataFrame / DataFrame) and the one point reader.

A frame goes through the same reading, checks and messages as a file; the same BD-09 points read
by the audit's loaders, the estate review and the siting candidates land on the same WGS-84
coordinates.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

import planning
from planning._errors import InputDataError, InputFileError, OptionError
from planning.coords import bd09_to_wgs84, gcj02_to_bd09
from planning.io import load_estates, load_facilities, load_inputs
from planning.io.frames import frame_hash
from planning.review.inputs import read_any
from planning.siting import read_candidates

SAMPLE = Path(__file__).resolve().parents[1] / "gis_data" / "sample_district.gpkg"
LAYERS = ("estates", "facilities", "gates", "streets")


def _sample_frames() -> dict[str, gpd.GeoDataFrame]:
    return {layer: gpd.read_file(SAMPLE, layer=layer) for layer in LAYERS}


# --------------------------------------------------------------------------- same as files


def test_sample_frames_give_the_same_layers_as_the_file() -> None:
    from_file, file_report = load_inputs(
        SAMPLE, SAMPLE, SAMPLE, SAMPLE, layers={layer: layer for layer in LAYERS}
    )
    frames = _sample_frames()
    from_frames, frame_report = load_inputs(**frames)
    for layer in LAYERS:
        pd.testing.assert_frame_equal(getattr(from_frames, layer), getattr(from_file, layer))
    assert from_frames.crs == from_file.crs
    # the same checks ran: rows read and kept per layer agree (the sample has 233 estates)
    assert frame_report.rows_read == file_report.rows_read
    assert frame_report.rows_kept == file_report.rows_kept
    assert frame_report.rows_read["estates"] == 233
    assert frame_report.files == {layer: f"{layer} (GeoDataFrame)" for layer in LAYERS}


def test_frames_are_not_modified(tmp_path: Path) -> None:
    frames = _sample_frames()
    estates = frames["estates"].set_index("estate_id", drop=False)  # not a RangeIndex
    estates.columns.name = "cols"
    before = estates.copy(deep=True)
    table = pd.DataFrame({"户数": ["100", "200"], "lon": [114.30, 114.31], "lat": [30.6, 30.6]})
    table_before = table.copy(deep=True)
    load_inputs(estates, frames["facilities"])
    load_estates(table, coords="bd09")
    pd.testing.assert_frame_equal(estates, before)
    assert estates.crs == before.crs
    pd.testing.assert_frame_equal(table, table_before)


def test_content_hash_is_recorded_and_stable() -> None:
    frames = _sample_frames()
    first, _ = load_inputs(frames["estates"], frames["facilities"])
    again, _ = load_inputs(_sample_frames()["estates"], _sample_frames()["facilities"])
    assert set(first.source_files) == {"estates (GeoDataFrame)", "facilities (GeoDataFrame)"}
    assert first.source_files == again.source_files
    assert all(len(h) == 64 for h in first.source_files.values())
    changed = frames["estates"].copy()
    changed.loc[0, "households"] = changed.loc[0, "households"] + 1
    third, _ = load_inputs(changed, frames["facilities"])
    assert (
        third.source_files["estates (GeoDataFrame)"] != first.source_files["estates (GeoDataFrame)"]
    )
    assert (
        third.source_files["facilities (GeoDataFrame)"]
        == first.source_files["facilities (GeoDataFrame)"]
    )


def test_frame_hash_ignores_the_index_but_not_the_crs() -> None:
    frame = gpd.GeoDataFrame({"a": [1, 2]}, geometry=[Point(0, 0), Point(1, 1)], crs=4326)
    assert frame_hash(frame) == frame_hash(frame.set_index(pd.Index([7, 8])))
    assert frame_hash(frame) != frame_hash(frame.set_crs(4490, allow_override=True))
    assert frame_hash(frame) != frame_hash(frame.rename(columns={"a": "b"}))


# --------------------------------------------------------------------------- CRS and coordinates


def test_a_frame_in_degrees_and_one_in_metres_give_the_same_result() -> None:
    frames = _sample_frames()
    metric = frames["estates"]  # EPSG:4547, CGCS2000 3-degree Gauss-Krüger, 114°E
    degrees = metric.to_crs(4326)
    a, _ = load_estates(metric)
    b, _ = load_estates(degrees)
    assert a.crs.to_epsg() == 4547  # projected in metres: kept
    assert b.crs.to_epsg() == 32650  # geographic: the UTM zone of the data
    # the same land in either CRS: areas agree to the projections' scale difference (< 0.2 %)
    ratio = b.geometry.area.to_numpy() / a.geometry.area.to_numpy()
    assert np.all(np.abs(ratio - 1.0) < 2e-3)
    assert b["households"].tolist() == a["households"].tolist()
    # and projected into one CRS the coordinates agree to a micrometre
    c, _ = load_estates(degrees, target_crs=4547)
    gap = np.abs(c.geometry.get_coordinates().to_numpy() - a.geometry.get_coordinates().to_numpy())
    assert gap.max() < 1e-6


def test_dataframe_with_bd09_lonlat() -> None:
    # WGS-84 (116.404, 39.915) is GCJ-02 (116.41024449916938, 39.91640428150164) (published).
    bd_lon, bd_lat = gcj02_to_bd09(116.41024449916938, 39.91640428150164)
    table = pd.DataFrame(
        {
            "名称": ["甲", "乙"],
            "总户数": [300, 500],
            "经度": [float(bd_lon), 116.42],
            "纬度": [float(bd_lat), 39.92],
        }
    )
    estates, report = load_estates(table, coords="bd09", fields={"households": "总户数"})
    assert report.usable
    assert estates["households"].tolist() == [300, 500]
    wgs = estates.to_crs(4326).geometry
    assert wgs.iloc[0].x == pytest.approx(116.404, abs=2e-7)
    assert wgs.iloc[0].y == pytest.approx(39.915, abs=2e-7)
    assert report.find("coords_converted")[0].file == "estates (DataFrame)"
    # rows of a frame are numbered from 1 (its position), whatever its index
    broken = table.assign(总户数=[300, None]).set_index(pd.Index([10, 20]))
    _, report = load_estates(broken, coords="bd09", fields={"households": "总户数"})
    assert report.find("households_missing")[0].rows == [2]


def test_geodataframe_without_crs_is_a_clear_error() -> None:
    frame = gpd.GeoDataFrame({"户数": [10]}, geometry=[box(0, 0, 100, 100)])
    with pytest.raises(InputDataError, match=r"estates \(GeoDataFrame\) has no CRS") as info:
        load_inputs(frame)
    assert "set_crs" in str(info.value)
    assert 'crs="EPSG:4547"' in str(info.value)
    estates, report = load_inputs(frame, crs=4547)  # unless one is given for it
    assert report.usable
    assert estates.crs.to_epsg() == 4547


@pytest.mark.parametrize("value", [[1, 2], 42, {"户数": [1]}])
def test_wrong_type_names_the_parameter(value: object) -> None:
    frames = _sample_frames()
    with pytest.raises(OptionError) as info:
        load_inputs(frames["estates"], facilities=value)
    assert info.value.parameter == "facilities"
    assert str(info.value).startswith("facilities= got a ")
    with pytest.raises(OptionError):
        load_estates(value)


def test_facade_accepts_frames_and_paths_together() -> None:
    frames = _sample_frames()
    inputs = planning.load_inputs(estates=frames["estates"], facilities=SAMPLE)
    assert len(inputs.estates) == 233
    assert len(inputs.facilities) == 40
    assert set(inputs.source_files) == {"estates (GeoDataFrame)", str(SAMPLE)}
    with pytest.raises((OptionError, InputFileError)) as info:
        planning.load_inputs(estates=[1, 2])
    assert "estates" in str(info.value)


def test_frame_problems_are_named_by_the_frame() -> None:
    table = pd.DataFrame({"名称": ["甲", "乙"], "lon": [114.30, 114.31], "lat": [30.6, 30.6]})
    _, report = load_estates(table)
    (missing,) = report.find("column_missing")
    assert missing.file == "estates (DataFrame)"
    assert "estates (DataFrame)" in report.format()
    no_location = pd.DataFrame({"名称": ["站"], "类型": ["日间照料中心"]})
    _, report = load_facilities(no_location)
    assert report.find("no_geometry")[0].file == "facilities (DataFrame)"


# --------------------------------------------------------------------------- one point reader

# WGS-84 points in Beijing (the first one with published GCJ-02 values), and their BD-09 positions.
WGS = np.array([[116.404, 39.915], [116.41, 39.92], [116.39, 39.905]])
BD_LON, BD_LAT = (np.asarray(v) for v in gcj02_to_bd09(*planning.coords.wgs84_to_gcj02(*WGS.T)))


def _bd09_table(path: Path) -> Path:
    text = "编号,名称,户数,经度,纬度\n" + "".join(
        f"P{i},点{i},100,{float(x)!r},{float(y)!r}\n"
        for i, (x, y) in enumerate(zip(BD_LON, BD_LAT, strict=True))
    )
    path.write_text(text, encoding="utf-8")
    return path


def _coordinates(frame: gpd.GeoDataFrame) -> np.ndarray:
    return frame.to_crs(4326).geometry.get_coordinates().to_numpy()


@pytest.mark.parametrize("as_frame", [False, True])
def test_three_readers_put_bd09_points_in_the_same_place(tmp_path: Path, as_frame: bool) -> None:
    path = _bd09_table(tmp_path / "points.csv")
    source = pd.read_csv(path) if as_frame else path
    audit, report = load_estates(source, coords="bd09")
    assert report.usable
    review = read_any(source, coords="bd09")
    sites = read_candidates(source, crs=4326, coords="bd09")
    expected = np.column_stack(bd09_to_wgs84(BD_LON, BD_LAT))
    for frame in (audit, review, sites):
        assert np.abs(_coordinates(frame) - expected).max() < 1e-9
    # and that is where the points were (the inverse is exact to < 1e-8°)
    assert np.abs(expected - WGS).max() < 1e-8


def test_projected_data_is_never_shifted(caplog: pytest.LogCaptureFixture) -> None:
    metric = gpd.GeoDataFrame(
        {"户数": [100], "candidate_id": ["C1"]}, geometry=[Point(530600.0, 3378600.0)], crs=4547
    )
    with caplog.at_level(logging.WARNING, logger="planning"):
        review = read_any(metric, coords="bd09", role="estate")
        sites = read_candidates(metric, crs=4547, coords="bd09")
    estates, report = load_estates(metric, coords="bd09")
    for frame in (review, sites, estates):
        assert frame.crs.to_epsg() == 4547
        assert frame.geometry.iloc[0].coords[0] == pytest.approx((530600.0, 3378600.0), abs=1e-9)
    assert report.find("coords_ignored")[0].severity == "warning"
    ignored = [
        r for r in caplog.records if "BD09 coordinate system given for it was ignored" in r.message
    ]
    assert [r.message.split(" ")[0] for r in ignored] == ["estate", "candidates"]


def test_projected_xy_table_needs_its_crs() -> None:
    table = pd.DataFrame({"户数": [100, 200], "X": [530600.0, 531600.0], "Y": [3378600.0] * 2})
    _, report = load_estates(table)
    assert [p.code for p in report.errors] == ["xy_needs_crs"]
    assert "530600, 3378600" in report.errors[0].message
    estates, report = load_estates(table, crs=4547)
    assert report.usable
    assert estates.crs.to_epsg() == 4547
    assert estates.geometry.iloc[0].distance(estates.geometry.iloc[1]) == pytest.approx(1000.0)


def test_review_reads_proposals_and_gates_from_frames() -> None:
    from planning.review.inputs import ProposalOptions, read_gates, read_proposals

    table = pd.DataFrame(
        {"小区名称": ["拟建A"], "经度": [float(BD_LON[0])], "纬度": [float(BD_LAT[0])]}
    )
    before = table.copy(deep=True)
    options = ProposalOptions(households=800, status="new", planned_floor_m2=160.0)
    proposals = read_proposals(table, options=options, coords="bd09")
    pd.testing.assert_frame_equal(table, before)
    assert proposals["households"].tolist() == [800]
    assert proposals["name"].tolist() == ["拟建A"]
    assert np.abs(_coordinates(proposals) - WGS[:1]).max() < 1e-8
    gates = pd.DataFrame({"经度": [float(BD_LON[0])], "纬度": [float(BD_LAT[0])]})
    linked = read_gates(gates, None, proposals.to_crs(32650), coords="bd09")
    assert linked["estate_id"].tolist() == ["P1"]  # within 50 m of the proposal: its gate
    with pytest.raises(InputDataError, match=r"estate \(DataFrame\)") as info:
        read_proposals(table.drop(columns=["经度", "纬度"]), options=options)
    assert "no geometry and no longitude/latitude columns" in str(info.value)
