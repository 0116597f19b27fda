"""Results folders as one transaction: all new files or all old ones, never an input overwritten.

Unit tests of :mod:`planning.io.transaction` / :mod:`planning.io.outfolder`, then fault injection
on real audits of the mini city: a run killed (SIGTERM, SIGINT, SIGKILL) while computing, while
writing the tables or inside map drawing, or failing with an exception, leaves the previous
results folder byte-identical and no staging or temporary files behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from planning.cli.main import main
from planning.io.outfolder import OutputFolderError, check_output_folder, output_lock
from planning.io.transaction import AUDIT_FILES, MAP_FILES, output_transaction
from tests.minicity import cli_args, write_minicity


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) by relative path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    """Staging, old-set, lock and temporary files beside or inside a results folder."""
    beside = [p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}.")]
    inside = [p.name for p in folder.rglob(".*")] if folder.is_dir() else []
    return sorted(beside + inside)


def write_set(folder: Path, text: str, names=("summary.json", "estates.csv")) -> None:
    with output_transaction(folder, owns=AUDIT_FILES) as staging:
        for name in names:
            (staging / name).write_text(f"{name}: {text}", encoding="utf-8")


# --------------------------------------------------------------------------- the transaction


def test_a_new_set_replaces_the_old_one_whole(tmp_path: Path):
    out = tmp_path / "results"
    write_set(out, "old", ("summary.json", "estates.csv", "proposals.csv", "gap_map.html"))
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    write_set(out, "new")
    # Owned files not written again (a stale proposals.csv, old maps) go; the planner's stay.
    assert snapshot(out) == {
        "estates.csv": b"estates.csv: new",
        "notes.txt": b"my notes",
        "summary.json": b"summary.json: new",
    }
    assert leftovers(out) == []


def test_a_failure_inside_leaves_the_old_set_byte_identical(tmp_path: Path):
    out = tmp_path / "results"
    write_set(out, "old")
    before = snapshot(out)

    def fail_half_way() -> None:
        with output_transaction(out, owns=AUDIT_FILES) as staging:
            (staging / "summary.json").write_text("half", encoding="utf-8")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        fail_half_way()
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_maps_redrawn_keep_the_tables_as_they_are(tmp_path: Path):
    out = tmp_path / "results"
    write_set(out, "tables", ("summary.json", "results.gpkg", "gap_map.html"))
    with output_transaction(out, owns=MAP_FILES) as staging:
        assert (staging / "results.gpkg").read_bytes() == b"results.gpkg: tables"
        (staging / "gap_map.html").write_text("redrawn", encoding="utf-8")
    assert snapshot(out) == {
        "gap_map.html": b"redrawn",
        "results.gpkg": b"results.gpkg: tables",
        "summary.json": b"summary.json: tables",
    }


def test_a_folder_holding_an_input_is_refused_before_any_work(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    estates = data / "estates.csv"
    estates.write_text("name,lon,lat\n", encoding="utf-8")
    for out in (data, tmp_path):  # the input's folder, and a folder above it
        with pytest.raises(OutputFolderError, match=r"holds the input estates\.csv"):
            check_output_folder(out, inputs=[estates])
    with (
        pytest.raises(OutputFolderError, match="holds the input"),
        output_transaction(data, owns=AUDIT_FILES, inputs=[estates]),
    ):
        pytest.fail("the block must not run")
    assert estates.read_text(encoding="utf-8") == "name,lon,lat\n"
    assert check_output_folder(data / "results", inputs=[estates]) == (data / "results").resolve()


def test_a_file_or_an_unrelated_folder_is_refused(tmp_path: Path):
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(OutputFolderError, match="is a file, not a folder"):
        check_output_folder(afile)
    with pytest.raises(OutputFolderError, match="is a file, not a folder"):
        check_output_folder(afile / "sub")
    other = tmp_path / "documents"
    other.mkdir()
    (other / "plan.docx").write_bytes(b"doc")
    with pytest.raises(OutputFolderError, match=r"already holds other files \(plan.docx\)"):
        check_output_folder(other)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_output_folder(empty) == empty.resolve()


def test_an_unwritable_folder_is_refused(tmp_path: Path, monkeypatch):
    import planning.io.outfolder as outfolder

    out = tmp_path / "results"
    out.mkdir()
    # The tests may run as root, which writes anywhere: make the probe meet a read-only disk.
    monkeypatch.setattr(outfolder, "probe", lambda folder: OSError(30, "Read-only file system"))
    with pytest.raises(
        OutputFolderError, match=r"cannot be written \(the file system is read-only"
    ):
        check_output_folder(out)
    with pytest.raises(OutputFolderError, match="cannot be created in"):
        check_output_folder(tmp_path / "new")


def test_a_second_run_into_the_same_folder_is_refused(tmp_path: Path):
    out = tmp_path / "results"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from planning.io.outfolder import output_lock
                with output_lock({str(out)!r}):
                    print("locked", flush=True)
                    time.sleep(60)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        busy = rf"being written by another eldercare run \(pid {holder.pid} on "
        with pytest.raises(OutputFolderError, match=busy), output_lock(out):
            pytest.fail("the lock must be refused")
    finally:
        holder.kill()
        holder.wait()
    # A run that died released its lock: the next run gets it.
    with output_lock(out) as locked:
        assert locked == out.resolve()
        with output_lock(out):  # the same process may take it again
            pass
    assert leftovers(out) == []


def test_what_a_killed_run_left_is_cleaned_or_restored(tmp_path: Path):
    out = tmp_path / "results"
    write_set(out, "old")
    before = snapshot(out)
    # A run killed while building its set, and one killed between the two renames of a
    # non-atomic switch (the old set renamed aside, the new one not yet in place).
    stale = tmp_path / ".results.staging-99999-abcdef12"
    stale.mkdir()
    (stale / "summary.json").write_text("half", encoding="utf-8")
    out.rename(tmp_path / ".results.old-99999-abcdef12")
    write_set(out, "new")
    assert snapshot(out)["summary.json"] == b"summary.json: new"
    assert leftovers(out) == []
    assert before["summary.json"] == b"summary.json: old"


def test_the_non_atomic_switch_gives_the_same_result(tmp_path: Path, monkeypatch):
    import planning.io.transaction as transaction

    monkeypatch.setattr(transaction, "_exchange", lambda a, b: False)  # not Linux
    out = tmp_path / "results"
    write_set(out, "old")
    write_set(out, "new")
    assert snapshot(out)["summary.json"] == b"summary.json: new"
    assert leftovers(out) == []


def test_a_folder_that_cannot_be_renamed_is_updated_file_by_file(tmp_path: Path, monkeypatch):
    import planning.io.transaction as transaction

    monkeypatch.setattr(transaction, "in_place", lambda target: target.is_dir())  # a mount point
    out = tmp_path / "results"
    out.mkdir()
    write_set(out, "old", ("summary.json", "estates.csv", "proposals.csv"))
    write_set(out, "new")
    assert snapshot(out) == {
        "estates.csv": b"estates.csv: new",
        "summary.json": b"summary.json: new",
    }
    assert leftovers(out) == []


# --------------------------------------------------------------------------- fault injection


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    return write_minicity(tmp_path_factory.mktemp("city"))


@pytest.fixture(scope="module")
def audited(city: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("audited") / "results"
    assert main(cli_args("audit", city, out)) == 0
    (out / "notes.txt").write_text("the planner's own notes", encoding="utf-8")
    return out


@pytest.fixture
def previous(audited: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A results folder from a complete audit (a fresh copy per test), and its bytes."""
    out = tmp_path / "results"
    shutil.copytree(audited, out)
    return out, snapshot(out)


#: Where a run is stopped: a function it calls, replaced by one that says so and waits.
KILL_POINTS = {
    "computing": "planning.api.analysis.run_audit",
    "writing tables": "planning.audit.output._write_xlsx",
    "drawing maps": "planning.maps.render_png",
}

_RUNNER = """
import importlib, sys, time
from pathlib import Path
target, ready, args = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
module, _, name = target.rpartition(".")
def stop_here(*a, **k):
    ready.write_text("ready")
    time.sleep(120)
setattr(importlib.import_module(module), name, stop_here)
from planning.cli.main import main
sys.exit(main(args))
"""


def _run_until(point: str, args: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUNNER, KILL_POINTS[point], str(ready), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(1200):  # the run reaches the point within a minute
        if ready.exists() or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert ready.exists(), proc.communicate()
    return proc


@pytest.mark.parametrize(
    ("point", "sig", "status"),
    [
        ("computing", signal.SIGTERM, 143),
        ("writing tables", signal.SIGINT, 130),
        ("drawing maps", signal.SIGTERM, 143),
    ],
)
def test_a_stopped_run_leaves_the_previous_folder_intact(
    previous, city: Path, tmp_path: Path, point: str, sig: int, status: int
):
    out, before = previous
    # A different language: the new set would differ from the old one byte for byte.
    proc = _run_until(point, ["--lang", "en", *cli_args("audit", city, out)], tmp_path)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status
    assert "no results folder was changed" in err
    assert "Traceback" not in err
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_a_killed_run_leaves_the_folder_intact_and_the_next_run_cleans_up(
    previous, city: Path, tmp_path: Path
):
    out, before = previous
    proc = _run_until("drawing maps", ["--lang", "en", *cli_args("audit", city, out)], tmp_path)
    proc.send_signal(signal.SIGKILL)  # no clean-up code can run
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(out) == before
    assert any(".staging-" in name for name in leftovers(out))
    # The next run into the folder removes what the killed one left.
    assert main(["-q", "map", str(out), "--lang", "en"]) == 0
    assert leftovers(out) == []
    after = snapshot(out)
    assert after["summary.json"] == before["summary.json"]
    assert after["gap_map.html"] != before["gap_map.html"]


def test_an_exception_in_map_drawing_leaves_the_previous_folder_intact(
    previous, city: Path, monkeypatch, capsys
):
    out, before = previous

    def broken(*args, **kwargs):
        raise ZeroDivisionError("injected")

    monkeypatch.setattr("planning.maps.write_report", broken)
    assert main(["--lang", "en", *cli_args("audit", city, out)]) == 1
    err = capsys.readouterr().err
    assert "unexpected ZeroDivisionError: injected" in err
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_the_cli_refuses_an_output_folder_holding_its_input(city: Path, capsys):
    before = city.read_bytes()
    assert main(cli_args("audit", city, city.parent)) == 2
    err = capsys.readouterr().err
    assert f"holds the input {city.name}" in err
    assert "--out" in err
    assert city.read_bytes() == before
    assert sorted(p.name for p in city.parent.iterdir()) == [city.name]


@pytest.mark.skipif(os.name != "posix", reason="signals of POSIX")
def test_signals_during_the_switch_are_held_until_it_is_done(tmp_path: Path):
    import planning.io.transaction as transaction

    out = tmp_path / "results"
    write_set(out, "old")
    real = transaction._exchange

    def exchange_after_sigint(a: Path, b: Path) -> bool:
        os.kill(os.getpid(), signal.SIGINT)  # arrives in the middle of the switch
        return real(a, b)

    transaction._exchange = exchange_after_sigint
    try:
        with pytest.raises(KeyboardInterrupt):
            write_set(out, "new")
    finally:
        transaction._exchange = real
    # Delivered only after the switch: the new set is complete, nothing is left over.
    assert snapshot(out)["summary.json"] == b"summary.json: new"
    assert leftovers(out) == []
