"""The writers of a results folder: the same bytes however they run (in parallel, from caches).

The mini city's audit is written one writer after another and side by side in worker processes,
with the network layer freshly encoded and copied from its cache, and with the maps drawn from
the folder and from the audit in memory: every file must be byte-identical. The GeoPackage's
layers must hold what the plain geopandas ``to_file`` writes.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

import planning as P
from planning import settings
from planning.audit import output
from planning.io.parallel import Job, JobFailed, run_jobs
from planning.maps import draw_all
from planning.maps.results import from_audit, load_results
from tests.minicity import write_minicity

TABLES = ("results.gpkg", "estates.csv", "streets.csv", "audit.xlsx", "summary.json")
MAPS = ("gap_map.html", "gap_map.png", "report.html", "report.pdf")


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> P.AuditResult:
    folder = tmp_path_factory.mktemp("writers")
    gpkg = write_minicity(folder)
    layers = {"estates": "estates", "facilities": "facilities", "streets": "streets"}
    inputs = P.load_inputs(gpkg, gpkg, None, gpkg, layers=layers)
    net = P.load_network(gpkg, crs=inputs, layer="roads", barriers=gpkg, barriers_layer="river")
    return P.audit(inputs, net, "national")


@pytest.fixture
def cache(tmp_path: Path):
    with settings.override(cache_folder=tmp_path / "cache"):
        yield tmp_path / "cache" / "networks"


def _bytes(folder: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in names}


def test_writers_side_by_side_write_the_same_bytes(audit, tmp_path: Path, cache: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    assert sorted(output.write_tables(audit, one, workers=1)) == sorted(TABLES)
    assert sorted(output.write_tables(audit, two, workers=2)) == sorted(TABLES)
    assert _bytes(one, TABLES) == _bytes(two, TABLES)


def test_the_network_layer_is_encoded_once_and_copied(audit, tmp_path: Path, cache: Path) -> None:
    fresh, cold, warm = tmp_path / "fresh.gpkg", tmp_path / "cold.gpkg", tmp_path / "warm.gpkg"
    output._write_gpkg(audit, fresh, cache=False)
    assert not cache.exists()
    output._write_gpkg(audit, cold)  # writes the cache entry, then copies it
    entries = sorted(p.name for p in cache.iterdir())
    assert len(entries) == 2
    assert entries[0].startswith("layer-")
    assert entries[1].endswith(".sha256")
    output._write_gpkg(audit, warm)
    assert fresh.read_bytes() == cold.read_bytes() == warm.read_bytes()
    # the copy holds exactly the network layer, first, as encoded without the cache
    assert next(name for name, _ in pyogrio.list_layers(warm)) == "network"


def test_a_damaged_network_layer_cache_is_rewritten(audit, tmp_path: Path, cache: Path) -> None:
    first = tmp_path / "first.gpkg"
    output._write_gpkg(audit, first)
    entry = next(p for p in cache.iterdir() if p.suffix == ".gpkg")
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0xFF
    entry.write_bytes(bytes(data))
    again = tmp_path / "again.gpkg"
    output._write_gpkg(audit, again)  # detected while copying: written in full instead
    assert again.read_bytes() == first.read_bytes()
    assert not entry.exists()  # removed, to be written anew by the next run
    third = tmp_path / "third.gpkg"
    output._write_gpkg(audit, third)
    assert entry.exists()
    assert third.read_bytes() == first.read_bytes()


def test_layers_hold_what_geopandas_to_file_writes(audit, tmp_path: Path, cache: Path) -> None:
    ours = tmp_path / "results.gpkg"
    output._write_gpkg(audit, ours)
    plain = tmp_path / "plain.gpkg"
    for name, frame in output.gpkg_layers(audit):
        frame.to_file(plain, layer=name, driver="GPKG")  # the plain way: no Arrow, no cache
    names = [name for name, _ in output.gpkg_layers(audit)]
    assert [n for n, _ in pyogrio.list_layers(ours)] == names
    for name in names:
        a = gpd.read_file(ours, layer=name)
        b = gpd.read_file(plain, layer=name)
        pd.testing.assert_frame_equal(
            pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry"))
        )
        assert a.geometry.geom_equals_exact(b.geometry, tolerance=0).all(), name
        assert a.crs == b.crs


def test_maps_from_memory_are_the_maps_from_the_folder(audit, tmp_path: Path, cache) -> None:
    disk, memory = tmp_path / "disk", tmp_path / "memory"
    for folder in (disk, memory):
        folder.mkdir()
        output.write_tables(audit, folder, workers=1)
    draw_all(disk)  # reads results.gpkg and summary.json back
    draw_all(memory, results=from_audit(audit, memory), workers=2)
    drawn = [name for name in MAPS if (disk / name).exists()]
    assert {"gap_map.html", "gap_map.png", "report.html"} <= set(drawn)
    assert _bytes(disk, tuple(drawn)) == _bytes(memory, tuple(drawn))
    # and the layers the maps got are those the folder holds
    loaded, held = load_results(disk), from_audit(audit, memory)
    assert sorted(loaded.layers) == sorted(held.layers)
    assert loaded.summary == held.summary


def test_audit_write_is_one_set_whatever_the_workers(audit, tmp_path: Path, cache, monkeypatch):
    import planning.results as results_module

    serial = tmp_path / "serial"
    audit.write(serial)
    monkeypatch.setattr(results_module, "parallel_workers", lambda result: 2)
    parallel = tmp_path / "parallel"
    audit.write(parallel)
    names = sorted(p.name for p in serial.iterdir())
    assert names == sorted(p.name for p in parallel.iterdir())
    assert _bytes(serial, tuple(names)) == _bytes(parallel, tuple(names))


def test_a_failing_worker_leaves_the_previous_set(audit, tmp_path: Path, cache, monkeypatch):
    import planning.results as results_module

    out = tmp_path / "results"
    audit.write(out, maps=False)
    before = _bytes(out, TABLES)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output, "_write_xlsx", broken)
    monkeypatch.setattr(results_module, "parallel_workers", lambda result: 2)
    with pytest.raises(OSError, match="No space left"):
        audit.write(out, maps=False)
    assert _bytes(out, TABLES) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_jobs_merge_in_their_order_and_errors_come_back(tmp_path: Path) -> None:
    def slow() -> dict[str, int]:
        time.sleep(0.3)
        return {"slow": 1}

    jobs = [Job("slow", slow), Job("fast", lambda: {"fast": 2}, cost=5.0)]
    assert list(run_jobs(jobs, workers=2)) == ["slow", "fast"]

    def fails() -> dict[str, int]:
        raise ValueError("bad cell in row 7")

    with pytest.raises(ValueError, match="bad cell in row 7"):
        run_jobs([Job("a", lambda: {"a": 1}), Job("b", fails)], workers=2)


def test_a_worker_that_dies_is_named_and_the_others_are_stopped(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"

    def sleeper() -> dict[str, int]:
        pid_file.write_text(str(os.getpid()))
        time.sleep(600)
        return {}

    def dies() -> dict[str, int]:
        while not pid_file.exists():  # the sleeper runs
            time.sleep(0.01)
        os._exit(3)

    with pytest.raises(JobFailed, match=r"dies: the worker process stopped .*exit code 3"):
        run_jobs([Job("sleeper", sleeper, cost=2.0), Job("dies", dies)], workers=2)
    with pytest.raises(ProcessLookupError):  # stopped and reaped, not left running
        os.kill(int(pid_file.read_text()), 0)
