"""Typed project files: every problem at once with file, section, key and fix; encodings."""

from __future__ import annotations

from pathlib import Path

import pytest

from planning._errors import InputFileError
from planning.cli.main import main
from planning.io.tomlfile import Key, check_toml
from planning.project import load_project_file

GOOD = """
[inputs]
estates = "data/小区.csv"
estates_layer = "小区"
coords = "BD09"

[fields]
households = "总户数"

[network]
file = "data/道路.gpkg"
download = false
bbox = [114.90, 30.05, 115.00, 30.12]
max_snap_m = 250

[audit]
rules = "rules/mine.toml"
out = "results"
walk_speed = 0.8
include_planned = true
measure = "time"
"""


def write(tmp_path: Path, text: str, encoding: str = "utf-8", bom: bool = False) -> Path:
    path = tmp_path / "project.toml"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(InputFileError) as caught:
        load_project_file(path)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{path}: {len(lines) - 1} problem(s) in the project file (项目文件有误):"
    return [line.strip() for line in lines[1:]]


@pytest.mark.parametrize("bom", [False, True])
def test_a_good_file_gives_typed_values_relative_to_the_file(tmp_path: Path, bom: bool):
    spec = load_project_file(write(tmp_path, GOOD, bom=bom))
    assert spec.estates is not None
    assert spec.estates.path == tmp_path / "data" / "小区.csv"
    assert spec.estates.layer == "小区"
    assert spec.coords == "bd09"
    assert spec.fields == {"households": "总户数"}
    assert spec.download is False
    assert spec.bbox == (114.90, 30.05, 115.00, 30.12)
    assert spec.max_snap_m == 250.0
    assert spec.rules == str(tmp_path / "rules" / "mine.toml")
    assert spec.out == tmp_path / "results"
    assert (spec.walk_speed, spec.include_planned, spec.measure) == (0.8, True, "time")


def test_booleans_only_as_toml_booleans(tmp_path: Path):
    found = problems_of(
        tmp_path,
        '[network]\nfile = "r.gpkg"\ndownload = "false"\n[audit]\ninclude_planned = "no"\n',
    )
    where = tmp_path / "project.toml"
    assert found == [
        f"{where} [network] download: expected true or false (a TOML boolean, without quotes), "
        'found the text "false". Fix: download = false',
        f"{where} [audit] include_planned: expected true or false (a TOML boolean, without "
        'quotes), found the text "no". Fix: include_planned = false',
    ]


def test_every_problem_at_once_with_the_nearest_key(tmp_path: Path):
    text = """
[inputs]
estate = "a.csv"
coords = "baidu"
[network]
bbox = [115.0, 30.0, 114.0]
max_snap_m = 0
[audit]
walk_speed = nan
measure = "minutes"
basemap = 3
[output]
folder = "x"
"""
    found = problems_of(tmp_path, text)
    assert len(found) == 8
    joined = "\n".join(found)
    assert '[inputs] estate: unknown key; did you mean "estates"?' in joined
    assert '[inputs] coords: expected one of wgs84, gcj02, bd09, found the text "baidu"' in joined
    assert "[network] bbox: expected 4 values, found 3" in joined
    assert "[network] max_snap_m: must be above 0, found 0" in joined
    assert "[audit] walk_speed: expected a finite number, found nan" in joined
    assert "[audit] measure: expected one of distance, time" in joined
    assert "[audit] basemap: expected one of none, osm, tianditu, amap, found 3" in joined
    assert "unknown section [output]" in joined


def test_ranges_and_quoted_numbers(tmp_path: Path):
    found = problems_of(
        tmp_path, '[audit]\nwalk_speed = "0.8"\n[network]\nbbox = [115.0, 30.0, 114.0, 31.0]\n'
    )
    assert any("walk_speed: expected a number (without quotes)" in f for f in found)
    assert any("bbox: give west < east and south < north in degrees" in f for f in found)
    found = problems_of(tmp_path, "[audit]\nwalk_speed = 30\n")
    assert found == [
        f"{tmp_path / 'project.toml'} [audit] walk_speed: must be at most 3, found 30. "
        "Fix: walk_speed = 0.8  (m/s)"
    ]


def test_per_layer_tables(tmp_path: Path):
    spec = load_project_file(
        write(tmp_path, '[inputs]\nestates = "a.csv"\ncoords = {estates = "BD09"}\n')
    )
    assert spec.coords == {"estates": "bd09"}
    found = problems_of(tmp_path, '[inputs]\ncoords = {houses = "bd09"}\n')
    assert "unknown layer 'houses' in the table" in found[0]


def test_gbk_and_utf16_files_get_a_clear_message(tmp_path: Path):
    text = '[audit]\nrules = "大冶"\n'
    path = write(tmp_path, text, encoding="gbk")
    with pytest.raises(InputFileError, match=r"encoded as GBK/GB18030 .* must be UTF-8"):
        load_project_file(path)
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(InputFileError, match="saved as UTF-16"):
        load_project_file(path)


def test_invalid_toml_names_the_line_and_windows_paths(tmp_path: Path):
    path = write(tmp_path, '[inputs]\nestates = "D:\\数据\\小区.shp"\n')
    with pytest.raises(InputFileError, match=r"line 2.*single quotes") as caught:
        load_project_file(path)
    assert str(path) in str(caught.value)


def test_the_checker_reports_nothing_for_good_values():
    schema = {"audit": {"walk_speed": Key("number", "walk_speed = 0.8", minimum=0.1)}}
    assert check_toml({"audit": {"walk_speed": 0.8}}, schema, "p.toml") == []


def test_the_command_line_prints_the_problems_and_exits_2(tmp_path: Path, capsys):
    path = write(tmp_path, '[inputs]\nestates = "a.csv"\n[network]\ndownload = "false"\n')
    assert main(["audit", "-c", str(path)]) == 2
    err = capsys.readouterr().err
    assert "download: expected true or false" in err
    assert "Traceback" not in err
    path.write_bytes('[inputs]\nestates = "小区.csv"\n'.encode("gbk"))
    assert main(["audit", "-c", str(path)]) == 2
    assert "GBK" in capsys.readouterr().err
