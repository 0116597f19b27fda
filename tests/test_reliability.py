"""Every failure a message, never a traceback; nothing silently wrong.

Each bad input or fault of the outside audit gets its own clear message (file, option, fix) and
exit status 2, an unexpected error one line with the log file of its traceback (exit 1); a
damaged network cache entry is rebuilt; ``summary.json`` names the network file this run read;
escape sequences in names never reach the terminal.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely import affinity

import planning
from planning import settings
from planning.cli.main import main
from tests.minicity import cli_args, minicity_layers, write_minicity


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    return write_minicity(tmp_path_factory.mktemp("city"))


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setattr(settings, "cache_folder", folder)
    return folder


def run(args: list[str], capsys) -> tuple[int, str]:
    status = main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, err


def test_an_unexpected_error_is_one_line_and_a_log_file(own_cache: Path, monkeypatch, capsys):
    def broken(args):
        return 1 / 0

    # planning.cli.main is also the name of the entry function: patch the module itself.
    monkeypatch.setattr(sys.modules["planning.cli.main"], "_cmd_rules", broken)
    status, err = run(["rules", "list"], capsys)
    assert status == 1
    assert len(err.strip().splitlines()) == 1
    assert "unexpected ZeroDivisionError: division by zero" in err
    assert "Please report it" in err
    logs = list((own_cache / "logs").glob("eldercare-error-*.log"))
    assert len(logs) == 1
    assert str(logs[0]) in err
    text = logs[0].read_text(encoding="utf-8")
    assert "Traceback" in text
    assert "eldercare rules list" in text
    assert "1 / 0" in text


def test_an_unreadable_csv_names_the_file_and_the_fix(tmp_path: Path, monkeypatch, capsys):
    estates = tmp_path / "小区.csv"
    estates.write_text("名称,经度,纬度,户数\n一号,114.3,30.5,100\n", encoding="utf-8")
    real = pathlib.Path.read_bytes

    def locked(self: Path) -> bytes:  # what Excel on Windows does to an open file
        if self.name == estates.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", locked)
    status, err = run(["validate", "--estates", str(estates)], capsys)
    assert status == 2
    assert f"{estates}: cannot be read (Permission denied)" in err
    assert "Excel/WPS" in err


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.gpkg", b"", "is empty (0 bytes)"),
        ("小区.shp", "名称,经度,纬度\n一号,114.3,30.5\n".encode(), "holds a CSV table"),
        (
            "小区.csv",
            b"PK\x03\x04" + b"\x00" * 30 + b"[Content_Types].xml",
            "rename it to 小区.xlsx",
        ),
        ("damaged.gpkg", b"\x07\x13garbage" * 50, "cannot be read as a GeoPackage"),
    ],
)
def test_empty_files_and_wrong_extensions(tmp_path: Path, capsys, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    status, err = run(["validate", "--estates", str(path)], capsys)
    assert status == 2
    assert expected in err
    assert "not recognized as being in a supported file format" not in err


def test_a_folder_named_like_a_table(tmp_path: Path, capsys):
    folder = tmp_path / "小区.csv"
    folder.mkdir()
    status, err = run(["validate", "--estates", str(folder)], capsys)
    assert (status, err.strip()) == (
        2,
        f"error: {folder} is a folder, not a CSV table. Give the file itself.",
    )


def test_output_folder_problems_come_before_any_work(
    city: Path, tmp_path: Path, monkeypatch, capsys
):
    def never(*args, **kwargs):
        pytest.fail("the audit must not start")

    monkeypatch.setattr("planning.project.prepare_project", never)
    afile = tmp_path / "results"
    afile.write_text("not a folder", encoding="utf-8")
    status, err = run(cli_args("audit", city, afile), capsys)
    assert status == 2
    assert f"{afile} is a file, not a folder: choose another results folder (--out)" in err
    status, err = run(cli_args("audit", city, afile / "sub"), capsys)
    assert status == 2
    assert "is a file, not a folder" in err


def test_network_option_mistakes(city: Path, tmp_path: Path, capsys):
    base = ["-q", "audit", "--estates", str(city), "--estates-layer", "estates"]
    osm = tmp_path / "roads.osm"
    osm.write_text('<?xml version="1.0"?><osm version="0.6"></osm>', encoding="utf-8")
    status, err = run(
        [*base, "--network", str(osm), "--network-layer", "roads", "--out", str(tmp_path / "o")],
        capsys,
    )
    assert status == 2
    assert "has no layers: leave out --network-layer" in err
    status, err = run(
        [*base, "--network", str(city), "--network-layer", "roads", "--barriers",
         str(tmp_path / "河流.gpkg"), "--out", str(tmp_path / "o")],
        capsys,
    )  # fmt: skip
    assert status == 2
    assert f"{tmp_path / '河流.gpkg'}: file not found" in err
    status, err = run(
        [*base, "--network", str(city), "--network-layer", "roads", "--max-snap-m", "0",
         "--out", str(tmp_path / "o")],
        capsys,
    )  # fmt: skip
    assert status == 2
    assert "--max-snap-m 0.0: give a number above 0 m" in err


def test_a_garbage_pbf_file(city: Path, tmp_path: Path, capsys):
    pytest.importorskip("osmium")
    pbf = tmp_path / "roads.osm.pbf"
    pbf.write_bytes(bytes(range(256)) * 12)
    status, err = run(
        ["-q", "audit", "--estates", str(city), "--estates-layer", "estates", "--network",
         str(pbf), "--out", str(tmp_path / "o")],
        capsys,
    )  # fmt: skip
    assert status == 2
    assert f"{pbf}: not a readable OpenStreetMap PBF file" in err


def test_exit_2_when_no_estate_reaches_the_network(tmp_path: Path, capsys):
    layers = minicity_layers()
    gpkg = tmp_path / "far.gpkg"
    layers["estates"].to_file(gpkg, layer="estates")
    far_roads = layers["roads"].copy()
    far_roads["geometry"] = far_roads.geometry.map(lambda g: affinity.translate(g, 50_000, 0))
    far_roads.to_file(gpkg, layer="roads")
    out = tmp_path / "results"
    status, err = run(cli_args("audit", gpkg, out, layers=("estates", "network")), capsys)
    assert status == 2
    assert "No estate reaches the walking network: all 6 estates lie farther than 300 m" in err
    assert not out.exists()


def test_summary_names_the_network_file_this_run_read(city: Path, tmp_path: Path, capsys):
    first, second = tmp_path / "a" / "city.gpkg", tmp_path / "b" / "city.gpkg"
    for copy in (first, second):
        copy.parent.mkdir()
        shutil.copyfile(city, copy)
    for gpkg in (first, second):  # the second run takes the network from the cache
        out = gpkg.parent / "results"
        assert main(cli_args("audit", gpkg, out)) == 0
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert summary["parameters"]["network"]["source"] == str(gpkg)


def test_a_damaged_network_cache_entry_is_rebuilt(city: Path, own_cache: Path):
    crs = gpd.read_file(city, layer="estates").crs
    built = planning.load_network(city, crs=crs, layer="roads")
    assert not built.report.cache_hit
    [entry] = (own_cache / "networks").glob("*.npz")
    checksum = entry.with_name(entry.name + ".sha256")
    assert checksum.read_text(encoding="ascii").strip()
    assert planning.load_network(city, crs=crs, layer="roads").report.cache_hit
    data = entry.read_bytes()
    for damaged in (data[: len(data) // 2], data[:-9] + b"different"):  # truncated, changed
        entry.write_bytes(damaged)
        again = planning.load_network(city, crs=crs, layer="roads")
        assert not again.report.cache_hit
        assert again.n_edges == built.n_edges
        assert planning.load_network(city, crs=crs, layer="roads").report.cache_hit
        data = entry.read_bytes()
    checksum.unlink()  # an entry whose checksum was never written (killed while saving)
    assert not planning.load_network(city, crs=crs, layer="roads").report.cache_hit


def test_escape_sequences_never_reach_the_terminal(tmp_path: Path, capsys):
    hostile = tmp_path / "小区\x1b[2J\x1b[31m.csv"
    status = main(["validate", "--estates", str(hostile)])
    out, err = capsys.readouterr()
    assert status == 2
    assert "\x1b" not in out + err
    assert "小区[2J" not in err
    assert "File not found" in err
