"""Safe spreadsheets: names that look like formulas stay text in every CSV and XLSX written.

OWASP "CSV injection": a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return must not become a live formula when a colleague opens ``estates.csv``, ``audit.xlsx`` or
``review.xlsx``; numbers stay numbers (a negative number is no formula).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from openpyxl import Workbook

import planning
from planning.io.cells import csv_safe, protect_workbook, xlsx_safe
from tests.minicity import CRS, X0, Y0, minicity_layers

HOSTILE = {
    0: '=HYPERLINK("http://evil.example","点我")',
    1: "@SUM(1+1)*cmd|' /C calc'!A0",
    2: "+2+3",
    3: "-2+3+cmd|' /C calc'!A0",
    4: "=1+1",
}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    layers = minicity_layers()
    estates = layers["estates"].copy()
    for row, name in HOSTILE.items():
        estates.loc[row, "name"] = name
    inputs = planning.load_inputs(estates=estates, facilities=layers["facilities"])
    net = planning.load_network(layers["roads"], crs=inputs)
    out = tmp_path_factory.mktemp("safe") / "results"
    planning.audit(inputs, net).write(out, maps=False)
    return out


def test_estates_csv_escapes_formulas_and_keeps_numbers(written: Path):
    rows = list(csv.DictReader(io.StringIO((written / "estates.csv").read_text("utf-8-sig"))))
    names = {row["estate_id"]: row["name"] for row in rows}
    assert names["E1"] == "'" + HOSTILE[0]
    assert names["E2"] == "'" + HOSTILE[1]
    assert names["E3"] == "'+2+3"
    assert names["E4"] == "'" + HOSTILE[3]
    assert names["E5"] == "'=1+1"
    assert names["E6"] == "北三小区"
    assert [row["households"] for row in rows] == ["1000", "500", "800", "1200", "300", "600"]


def test_audit_xlsx_holds_no_formula(written: Path):
    book = openpyxl.load_workbook(written / "audit.xlsx")
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    by_value = {cell.value: cell for cell in cells if isinstance(cell.value, str)}
    for name in HOSTILE.values():
        cell = by_value[name]  # the name as given, stored as text
        assert cell.data_type == "s"
        assert cell.quotePrefix


def test_review_xlsx_holds_no_formula(tmp_path: Path):
    layers = minicity_layers()
    inputs = planning.load_inputs(estates=layers["estates"], facilities=layers["facilities"])
    net = planning.load_network(layers["roads"], crs=inputs)
    proposal = gpd.GeoDataFrame(
        {"name": ["=1+2", "@cmd"], "households": [600, 300], "planned_floor_m2": [120.0, 60.0]},
        geometry=[shapely.Point(X0 + 1990, Y0 + 450), shapely.Point(X0 + 600, Y0 - 50)],
        crs=CRS,
    )
    review = planning.check_estate(
        proposal, status="new", facilities=layers["facilities"], network=net
    )
    review.write(tmp_path / "review")
    book = openpyxl.load_workbook(tmp_path / "review" / "review.xlsx")
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    names = [cell for cell in cells if cell.value in ("=1+2", "@cmd")]
    assert len(names) == 2
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in names)


def test_the_helpers_on_their_own():
    frame = pd.DataFrame(
        {"name": ["=1", "-3.5", "-", "\tx", "ok"], "value": [-3.5, 2.0, -1.0, 0.0, 1.0]}
    )
    text = csv_safe(frame).to_csv(index=False, lineterminator="\n")
    assert text.splitlines() == [
        "name,value",
        "'=1,-3.5",
        "-3.5,2.0",
        "'-,-1.0",
        "'\tx,0.0",
        "ok,1.0",
    ]
    assert list(frame["name"]) == ["=1", "-3.5", "-", "\tx", "ok"]  # the frame itself unchanged
    assert xlsx_safe(pd.DataFrame({"a": ["bad\x01\x1b", 1]}))["a"].tolist() == ["bad", 1]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["=1+2", -3, "-3", "text"])
    assert protect_workbook(book) == 1
    assert [(c.value, c.data_type) for c in sheet[1]] == [
        ("=1+2", "s"),
        (-3, "n"),
        ("-3", "s"),
        ("text", "s"),
    ]
