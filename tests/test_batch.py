"""``eldercare batch`` on the sample district: the same answers as one audit, a killed worker, resume.

One small LocalCluster (2 worker processes) serves the API tests and is always closed; the CLI
test starts its own, as a planner's run would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal

import dask
import geopandas as gpd
import pandas as pd
import pytest
from distributed import Client, LocalCluster

import planning
from planning.batch import BatchEvent, run_batch
from planning.cli import main
from planning.io import Inputs
from planning.project import SAMPLE_GPKG, demo_spec, run_project_audit

pytestmark = pytest.mark.skipif(not SAMPLE_GPKG.exists(), reason="needs gis_data/ (a checkout)")

LAYERS = {"estates": "estates", "facilities": "facilities", "gates": "gates", "streets": "streets"}


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


@pytest.fixture(scope="module")
def sample():
    inputs = planning.load_inputs(*(SAMPLE_GPKG,) * 4, layers=LAYERS)
    net = planning.load_network(
        SAMPLE_GPKG, crs=inputs, layer="roads", barriers=SAMPLE_GPKG, barriers_layer="river"
    )
    return inputs, net


@pytest.fixture(scope="module")
def demo_tables(tmp_path_factory):
    """The tables of ``eldercare demo`` (the single audit of the whole sample district)."""
    return run_project_audit(demo_spec(out=tmp_path_factory.mktemp("demo") / "demo"))


@pytest.fixture(scope="module")
def sample_batch(client, sample, tmp_path_factory):
    """The sample district split by street, run once on the cluster."""
    inputs, net = sample
    out = tmp_path_factory.mktemp("batch") / "province"
    events: list[BatchEvent] = []
    result = run_batch(
        inputs, net, split="streets", out=out, client=client, maps=False, progress=events.append
    )
    return out, result, events


def _started(events: list[BatchEvent]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in events:
        if e.kind == "started":
            counts[e.unit_id] = counts.get(e.unit_id, 0) + 1
    return counts


def test_cli_split_by_street_with_two_workers_equals_demo(demo_tables, tmp_path):
    out = tmp_path / "batch"
    g = str(SAMPLE_GPKG)
    args = ["--quiet", "batch", "--split", "streets", "--workers", "2", "--no-maps"]
    for role, layer in {**LAYERS, "network": "roads", "barriers": "river"}.items():
        args += [f"--{role}", g, f"--{role}-layer", layer]
    assert main([*args, "--out", str(out)]) == 0
    for table in ("estates.csv", "streets.csv"):
        assert (out / "province" / table).read_bytes() == (demo_tables / table).read_bytes()
    batch = json.loads((out / "province" / "summary.json").read_text(encoding="utf-8"))
    single = json.loads((demo_tables / "summary.json").read_text(encoding="utf-8"))
    assert batch["totals"] == single["totals"]
    assert [(r["rule_id"], r["verdict"], r["value"]) for r in batch["rules"]] == [
        (r["rule_id"], r["verdict"], r["value"]) for r in single["rules"]
    ]
    units = pd.read_csv(out / "units.csv", encoding="utf-8-sig", dtype={"unit_id": str})
    assert units["unit_id"].tolist() == ["S01", "S02", "S03", "S04"]
    assert units["status"].eq("done").all()
    assert units["estates"].sum() == single["totals"]["estates"]
    for unit in units["unit_id"]:
        folder = out / "units" / unit
        unit_estates = pd.read_csv(folder / "estates.csv", encoding="utf-8-sig")
        province = pd.read_csv(out / "province" / "estates.csv", encoding="utf-8-sig")
        # A unit's folder shows the province figures of its own estates.
        mine = province[province["estate_id"].isin(unit_estates["estate_id"])]
        pd.testing.assert_frame_equal(unit_estates, mine.reset_index(drop=True))
    assert (out / "units_map.html").read_text(encoding="utf-8").count("<path") == 4
    assert (out / "units_map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_on_a_running_scheduler_gives_the_same_tables(client, demo_tables, tmp_path):
    # --scheduler: the command joins a cluster it did not start (here the module's LocalCluster,
    # reached only by its address, as a planner would reach `dask scheduler` on another host)
    out = tmp_path / "batch"
    g = str(SAMPLE_GPKG)
    args = ["--quiet", "batch", "--split", "streets", "--no-maps"]
    for role, layer in {**LAYERS, "network": "roads", "barriers": "river"}.items():
        args += [f"--{role}", g, f"--{role}-layer", layer]
    address = client.scheduler.address
    assert main([*args, "--scheduler", address, "--out", str(out)]) == 0
    for table in ("estates.csv", "streets.csv"):
        assert (out / "province" / table).read_bytes() == (demo_tables / table).read_bytes()
    assert client.status == "running"  # the cluster is not the command's to close


def test_cli_with_an_unreachable_scheduler_says_so(tmp_path, capsys):
    g = str(SAMPLE_GPKG)
    args = ["batch", "--split", "streets", "--no-maps", "--scheduler", "tcp://127.0.0.1:9"]
    for role, layer in {**LAYERS, "network": "roads", "barriers": "river"}.items():
        args += [f"--{role}", g, f"--{role}-layer", layer]
    assert main([*args, "--out", str(tmp_path / "batch")]) != 0
    err = capsys.readouterr().err
    assert "Cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err
    assert not (tmp_path / "batch").exists()  # nothing half-written


def test_every_unit_ran_once_and_reported_its_steps(sample_batch):
    _, result, events = sample_batch
    assert result.ok
    assert _started(events) == {"S01": 1, "S02": 1, "S03": 1, "S04": 1}
    done = [e for e in events if e.kind == "done"]
    assert sorted(e.unit_id for e in done) == ["S01", "S02", "S03", "S04"]
    assert [e.done for e in done] == [1, 2, 3, 4]
    steps = {e.unit_id: e.step for e in events if e.kind == "step"}
    assert set(steps) == {"S01", "S02", "S03", "S04"}
    assert any("dashboard http" in e.message for e in events if e.kind == "cluster")


def test_a_killed_worker_is_replaced_and_the_batch_gives_the_same_result(
    client, sample, sample_batch, tmp_path
):
    inputs, net = sample
    killed: list[int] = []
    events: list[BatchEvent] = []

    def kill_first_worker(event: BatchEvent) -> None:
        events.append(event)
        # Kill the worker in the middle of the largest unit's audit, once.
        if event.kind == "step" and event.unit_id == "S04" and not killed and event.pid:
            killed.append(event.pid)
            os.kill(event.pid, signal.SIGKILL)

    result = run_batch(
        inputs, net, split="streets", out=tmp_path / "b", client=client, maps=False,
        progress=kill_first_worker,
    )  # fmt: skip
    assert killed
    assert result.ok
    assert _started(events)["S04"] == 2  # rescheduled by Dask on a live worker
    first, _, _ = sample_batch
    for table in ("estates.csv", "streets.csv"):
        assert (tmp_path / "b" / "province" / table).read_bytes() == (
            first / "province" / table
        ).read_bytes()


def test_resume_skips_finished_units_and_reruns_a_changed_one(
    client, sample, sample_batch, tmp_path
):
    inputs, net = sample
    first, _, _ = sample_batch
    out = tmp_path / "again"
    shutil.copytree(first, out)
    events: list[BatchEvent] = []
    again = run_batch(
        inputs, net, split="streets", out=out, client=client, maps=False, progress=events.append
    )
    assert _started(events) == {}
    assert sorted(again.resumed) == ["S01", "S02", "S03", "S04"]
    assert (out / "province" / "estates.csv").read_bytes() == (
        first / "province" / "estates.csv"
    ).read_bytes()

    # One estate of 东湖街道 (S03) gains households: only that unit is measured again, and the
    # province still equals a single audit of the changed inputs.
    street = inputs.streets.loc[inputs.streets["street_id"] == "S03", "geometry"].iloc[0]
    target = inputs.estates.index[inputs.estates.representative_point().within(street)][0]
    estates = inputs.estates.copy()
    estates.loc[target, "households"] += 400
    changed = Inputs(
        estates, inputs.facilities, inputs.gates, inputs.streets, inputs.crs,
        dict(inputs.source_files),
    )  # fmt: skip
    events.clear()
    third = run_batch(
        changed, net, split="streets", out=out, client=client, maps=False, progress=events.append
    )
    assert _started(events) == {"S03": 1}
    assert sorted(third.resumed) == ["S01", "S02", "S04"]
    planning.audit(changed, net).write(tmp_path / "single", maps=False)
    assert (out / "province" / "estates.csv").read_bytes() == (
        tmp_path / "single" / "estates.csv"
    ).read_bytes()
    assert (out / "units" / "S03" / "estates.csv").exists()


def test_a_foreign_folder_is_refused_before_any_work(sample, tmp_path):
    inputs, net = sample
    (tmp_path / "notes.txt").write_text("规划笔记", encoding="utf-8")
    with pytest.raises(planning.OptionError, match="already holds other files"):
        run_batch(inputs, net, split="streets", out=tmp_path, workers=1, maps=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_the_province_layers_hold_every_estate_once(sample_batch):
    out, result, _ = sample_batch
    estates = gpd.read_file(out / "province" / "results.gpkg", layer="estates")
    assert len(estates) == len(result.result.estates) == estates["estate_id"].nunique()
    units = gpd.read_file(out / "units.gpkg", layer="units")
    assert units["estates"].sum() == len(estates)
