"""The Python blocks of docs/python-api.md run as written and give the demo's figures."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path

import pytest

from planning.cli import main

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "python-api.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> tuple[dict, str]:
    namespace: dict = {}
    printed = io.StringIO()
    previous = Path.cwd()
    os.chdir(REPO)  # the example reads gis_data/ relative to the repository
    try:
        with contextlib.redirect_stdout(printed):
            for block in _blocks():
                exec(compile(block, str(DOC), "exec"), namespace)
    finally:
        os.chdir(previous)
    return namespace, printed.getvalue()


def test_the_doc_has_the_worked_example():
    assert len(_blocks()) >= 4
    first = _blocks()[0]
    # "audits the sample district from GeoDataFrames in memory in under ten lines"
    assert len([line for line in first.splitlines() if line.strip()]) < 10


def test_worked_example_gives_the_demo_figures(executed, tmp_path):
    namespace, _ = executed
    demo = tmp_path / "demo"
    assert main(["-q", "demo", "--out", str(demo)]) == 0
    expected = json.loads((demo / "summary.json").read_text(encoding="utf-8"))
    totals = namespace["result"].summary["totals"]
    for key in ("estates", "households", "households_covered", "coverage", "shortfall_m2",
                "estates_area_failing", "verdicts"):  # fmt: skip
        assert totals[key] == expected["totals"][key], key
    rules = {r["rule_id"]: (r["verdict"], r["value"]) for r in expected["rules"]}
    assert {
        r["rule_id"]: (r["verdict"], r["value"]) for r in namespace["result"].summary["rules"]
    } == rules


def test_printed_lines_match_the_doc(executed):
    namespace, printed = executed
    coverage = namespace["result"].summary["totals"]["coverage"]["15min"]
    assert f"15-minute coverage of households: {coverage:.1%}" in printed
    assert "method | method=\"mlip\": choose one of 'auto', 'milp', 'greedy'." in printed
    assert "300.0" in printed.splitlines()[-1]
