"""audit.xlsx as an office workbook, read back cell by cell (mini city, national ruleset).

The mini city: six estates (1000, 500, 800, 1200, 300, 600 households; E3 and E5 new, the rest
existing), the national ruleset (the existing-estate figure only reports), E6 outside the
15-minute circle. Expectations are worked out by hand from those figures.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import planning
from planning.audit.palette import RULE_COLOURS, VERDICT_COLOURS
from planning.vocabulary import (
    ESTATE_STATUSES,
    ESTATE_VERDICTS,
    EVIDENCE_LEVELS,
    FACILITY_KINDS,
    RULE_VERDICTS,
    UNITS,
    UNREACHABLE_REASONS,
)
from tests.minicity import minicity_layers

#: Every code the Chinese workbook must show as a word instead.
CODES = (
    set(ESTATE_VERDICTS)
    | set(ESTATE_STATUSES)
    | set(RULE_VERDICTS)
    | set(UNITS)
    | set(FACILITY_KINDS)
    | set(EVIDENCE_LEVELS)
    | set(UNREACHABLE_REASONS)
    | {"True", "False", "5min", "10min", "15min"}
)
#: Columns that hold identifiers from the data or the ruleset, not display words.
ID_HEADERS = {"小区编号", "规则编号", "最近设施编号", "不限距离最近设施编号", "街道编码"}
ID_HEADERS |= {f"{m}分钟圈最近设施" for m in (5, 10, 15)}


def _audit(tmp: Path, *, proposals: bool = False) -> planning.AuditResult:
    layers = minicity_layers()
    inputs = planning.load_inputs(
        estates=layers["estates"], facilities=layers["facilities"], streets=layers["streets"]
    )
    net = planning.load_network(layers["roads"], crs=inputs, barriers=layers["river"])
    result = planning.audit(inputs, net, rules="national")
    if proposals:
        return planning.site(result, new=1).audit  # type: ignore[return-value]
    return result


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wb") / "results"
    _audit(out).write(out, maps=False)
    return out


@pytest.fixture(scope="module")
def book(written: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(written / "audit.xlsx")


def _table(sheet) -> list[dict[str, object]]:
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [
        dict(zip(header, row, strict=True)) for row in rows[1:] if any(v is not None for v in row)
    ]


def _cell(sheet, header: str, row: int):
    heads = [c.value for c in sheet[1]]
    return sheet.cell(row, heads.index(header) + 1)


def test_sheets_in_order_cover_first(book: openpyxl.Workbook):
    assert book.sheetnames == ["封面", "规则结论", "小区", "街道", "步速敏感性"]


def test_no_english_code_in_the_chinese_workbook(book: openpyxl.Workbook):
    found = []
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows())
        header = [c.value for c in rows[0]] if sheet.title != "封面" else []
        for row in rows:
            for i, cell in enumerate(row):
                head = header[i] if i < len(header) else None
                if head in ID_HEADERS:
                    continue
                if isinstance(cell.value, bool) or cell.value in CODES:
                    found.append(f"{sheet.title}!{cell.coordinate}={cell.value!r}")
    assert found == []


def test_estates_sheet_words_formats_fills(book: openpyxl.Workbook):
    sheet = book["小区"]
    rows = {r["小区编号"]: r for r in _table(sheet)}
    assert [rows[e]["新建/既有"] for e in ("E1", "E3")] == ["既有", "新建"]
    # national: the existing-estate figure reports only (仅报告), the new-estate one judges
    assert rows["E1"]["面积达标"] == "仅报告"
    assert rows["E3"]["面积达标"] == "否"
    assert rows["E3"]["结论"] == "配建面积不足"
    assert rows["E6"]["结论"] == "不在15分钟服务圈内"
    assert rows["E6"]["15分钟圈覆盖"] == "否"
    assert rows["E1"]["15分钟圈覆盖"] == "是"
    assert rows["E1"]["可接入路网"] == "是"
    # E3: 800 households × 20 m² / 100 = 160 m² required, nothing provided
    assert rows["E3"]["应配建面积(㎡)"] == pytest.approx(160.0)
    # row of E3 is the third data row (row 4)
    assert _cell(sheet, "户数", 4).value == 800
    assert _cell(sheet, "户数", 4).number_format == "#,##0"
    assert _cell(sheet, "应配建面积(㎡)", 4).number_format == "#,##0.0"
    verdict = _cell(sheet, "结论", 4)
    assert verdict.fill.fgColor.rgb == "FF" + VERDICT_COLOURS["area_shortfall"][1:].upper()
    assert _cell(sheet, "结论", 2).fill.fill_type is None  # E1 meets both: no fill


def test_table_sheets_are_frozen_filtered_and_fitted(book: openpyxl.Workbook):
    estates = book["小区"]
    assert estates.freeze_panes == "C2"  # header row and the id and name columns
    n_cols = len([c for c in estates[1] if c.value is not None])
    last = openpyxl.utils.get_column_letter(n_cols)
    assert estates.auto_filter.ref == f"A1:{last}7"  # header + six estates
    assert book["街道"].freeze_panes == "C2"
    assert book["规则结论"].auto_filter.ref.startswith("A1:")
    widths = {c: estates.column_dimensions[c].width for c in ("A", "B", "W")}
    # 小区编号 (4 CJK characters = 8 units + 2); 小区名称; a facility name column
    assert widths["A"] == pytest.approx(10.0, abs=1.0)  # Excel adds its cell padding
    assert all(6 <= w <= 48 for w in widths.values())


def test_streets_coverage_is_a_percentage(book: openpyxl.Workbook):
    sheet = book["街道"]
    rows = _table(sheet)
    heads = [c.value for c in sheet[1]]
    col = heads.index("15分钟圈户数覆盖率") + 1
    assert sheet.cell(2, col).number_format == "0.0%"
    total = sum(float(r["户数"]) for r in rows)
    covered = sum(float(r["15分钟圈覆盖户数"]) for r in rows)
    assert total == 4400  # 1000 + 500 + 800 + 1200 + 300 + 600
    assert covered == 3800  # all but E6 (600)


def test_rules_sheet_verdicts_in_words_and_shares(book: openpyxl.Workbook):
    sheet = book["规则结论"]
    rows = {r["规则编号"]: r for r in _table(sheet)}
    new = rows["floor_area_new"]
    assert new["结论"] == "不达标"
    # E3 and E5 are the new estates; neither provides floor area: 0 of 2 meet it
    assert new["实际值"] == 0.0
    assert new["标准"] == 1.0
    assert new["单位"] == "%"
    assert new["结论说明"] == "不达标：0% 的小区达标，标准 100% 的小区"
    assert new["说明"] == "2 个新建小区中 0 个达到 ≥ 20 ㎡/百户"
    assert rows["floor_area_existing"]["结论"] == "仅报告"
    heads = [c.value for c in sheet[1]]
    r = 2 + list(rows).index("floor_area_new")
    cell = sheet.cell(r, heads.index("结论") + 1)
    assert cell.fill.fgColor.rgb == "FF" + RULE_COLOURS["fail"][1:].upper()
    assert sheet.cell(r, heads.index("实际值") + 1).number_format == "0.0%"


def test_cover_sheet_names_what_when_and_the_verdicts(book: openpyxl.Workbook):
    cells = {
        row[0]: row[1]
        for row in book["封面"].iter_rows(values_only=True)
        if row and row[0] is not None
    }
    assert cells["审计内容"] == "6 个居住小区（4,400 户），2 个街道（乡镇）"
    assert cells["规则集"].endswith("(national)")
    assert cells["15分钟生活圈 户数覆盖率"] == pytest.approx(3800 / 4400, abs=1e-4)
    assert cells["15分钟生活圈外小区数"] == 1  # E6
    assert cells["15分钟生活圈外户数"] == 600
    rows = list(book["封面"].iter_rows(values_only=True))
    head = next(i for i, row in enumerate(rows) if row[:2] == ("规则", "结论"))
    verdicts = [row[1] for row in rows[head + 1 :] if row[0]]
    assert "不达标" in verdicts
    assert set(verdicts) <= {label[0] for label in RULE_VERDICTS.values()}


def test_english_workbook_and_identical_reruns(tmp_path: Path, written: Path):
    result = _audit(tmp_path)
    result.write(tmp_path / "en", maps=False, lang="en")
    book = openpyxl.load_workbook(tmp_path / "en" / "audit.xlsx")
    assert book.sheetnames == ["Cover", "Rules", "Estates", "Streets", "Walking speed"]
    rows = {r["Estate id"]: r for r in _table(book["Estates"])}
    assert rows["E3"]["Verdict"] == "Floor-area shortfall"
    assert rows["E3"]["Status (new/existing)"] == "new"
    result.write(tmp_path / "zh", maps=False)
    assert (tmp_path / "zh" / "audit.xlsx").read_bytes() == (written / "audit.xlsx").read_bytes()


def test_proposals_sheet_after_siting(tmp_path: Path):
    sited = _audit(tmp_path, proposals=True)
    sited.write(tmp_path / "sited", maps=False)
    book = openpyxl.load_workbook(tmp_path / "sited" / "audit.xlsx")
    assert book.sheetnames[-1] == "选址方案"
    rows = _table(book["选址方案"])
    assert len(rows) == 1
    assert rows[0]["优先序"] == 1
    assert rows[0]["设施类型"] == FACILITY_KINDS["community_station"][0]
    assert rows[0]["新增覆盖户数"] == 600  # E6, the only estate outside the circle
    assert rows[0]["累计覆盖率"] == pytest.approx(1.0)
    cover = {r[0]: r[1] for r in book["封面"].iter_rows(values_only=True) if r and r[0]}
    assert cover["选址后覆盖率"] == pytest.approx(1.0)
