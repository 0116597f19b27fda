"""Plain-data form of a review, ``review.json`` and ``review.xlsx`` (审查结果文件).

Every file is written atomically: a temporary file in the same folder, then :func:`os.replace`,
so a reader never sees half a file; :meth:`planning.results.Review.write` switches the three files
in together (:mod:`planning.io.transaction`). Text cells a spreadsheet would read as formulas are
stored as text, and control characters are dropped (:mod:`planning.io.cells`).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from planning import __version__
from planning.io import write_atomic
from planning.io.cells import protect_workbook, xlsx_text
from planning.review.core import EstateReview, ReviewOutcome
from planning.vocabulary import ESTATE_STATUSES, RULE_VERDICTS, Lang, label

logger = logging.getLogger(__name__)

#: Labels of the review in both languages (sheet, workbook, console summary); verdict and status
#: words come from :mod:`planning.vocabulary` (see :func:`labels`).
LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "新建小区养老服务设施配建审查表",
        "estate_id": "小区编号",
        "name": "小区名称",
        "households": "户数",
        "status": "建设状态",
        "population": "人口",
        "residents": "计算人口",
        "planned_floor_m2": "规划养老服务用房面积(m²)",
        "planned_land_m2": "规划养老服务用地面积(m²)",
        "gates": "出入口",
        "overall": "总体结论",
        "item": "审查事项",
        "rule_id": "规则编号",
        "verdict": "结论",
        "required": "应配",
        "planned": "规划",
        "missing": "缺口",
        "unit": "单位",
        "rate": "标准",
        "basis": "依据",
        "document": "文件",
        "article": "条款",
        "quote_zh": "原文",
        "evidence": "证据等级",
        "note": "说明",
        "tier": "生活圈",
        "limit_m": "服务半径(m)",
        "facility_id": "设施编号",
        "facility_name": "最近设施",
        "facility_kind": "设施类型",
        "walk_m": "步行距离(m)",
        "straight_m": "直线距离(m)",
        "straight_nearest": "直线最近设施",
        "straight_nearest_m": "直线最近距离(m)",
        "not_on_foot": "步行不在服务半径内",
        "covered": "是否覆盖",
        "gate_id": "起点出入口",
        "sharing": "共享设施负荷",
        "floor_m2": "建筑面积(m²)",
        "existing_estates": "现有小区数",
        "households_before": "现有户数",
        "households_after": "加入后户数",
        "ratio_before": "现状每百户面积",
        "ratio_after": "加入后每百户面积",
        "flag": "跌破标准",
        "ruleset": "规则集",
        "version": "工具版本",
        "facts": "小区概况",
        "verdicts": "审查结论",
        "map": "位置与步行路线示意",
        "summary": "小区",
        "sheet_rules": "规则判定",
        "sheet_tiers": "最近设施",
        "sheet_sharing": "共享设施",
        "yes": "是",
        "no": "否",
        "none": "无",
        "legend_route": "步行路线",
        "legend_facility": "养老服务设施",
        "legend_gate": "出入口",
        "legend_estate": "小区范围",
        "generated": "生成",
        "memory_warning": "⚠ 证据等级为 memory 的依据系凭记忆引用、未经核实，请以原文为准。",
        "reviewer": "审查人",
        "date": "日期",
    },
    "en": {
        "title": "Elderly-care provision review of a new residential estate",
        "estate_id": "Estate id",
        "name": "Name",
        "households": "Households",
        "status": "Status",
        "population": "Population",
        "residents": "Residents used",
        "planned_floor_m2": "Planned elderly-service floor area (m²)",
        "planned_land_m2": "Planned elderly-service land (m²)",
        "gates": "Gates",
        "overall": "Overall",
        "item": "Item",
        "rule_id": "Rule",
        "verdict": "Verdict",
        "required": "Required",
        "planned": "Planned",
        "missing": "Missing",
        "unit": "Unit",
        "rate": "Standard",
        "basis": "Basis",
        "document": "Document",
        "article": "Article",
        "quote_zh": "Text (Chinese)",
        "evidence": "Evidence",
        "note": "Note",
        "tier": "Circle",
        "limit_m": "Limit (m)",
        "facility_id": "Facility id",
        "facility_name": "Nearest facility",
        "facility_kind": "Kind",
        "walk_m": "Walk (m)",
        "straight_m": "Straight line (m)",
        "straight_nearest": "Nearest in a straight line",
        "straight_nearest_m": "Straight-line distance (m)",
        "not_on_foot": "not within the limit on foot",
        "covered": "Covered",
        "gate_id": "From gate",
        "sharing": "Load on shared facilities",
        "floor_m2": "Floor area (m²)",
        "existing_estates": "Existing estates",
        "households_before": "Households now",
        "households_after": "Households after",
        "ratio_before": "m² per 100 hh now",
        "ratio_after": "m² per 100 hh after",
        "flag": "Falls below",
        "ruleset": "Ruleset",
        "version": "Tool version",
        "facts": "Estate facts",
        "verdicts": "Verdicts",
        "map": "Location and walking routes",
        "summary": "Estates",
        "sheet_rules": "Rules",
        "sheet_tiers": "Nearest facilities",
        "sheet_sharing": "Shared facilities",
        "yes": "yes",
        "no": "no",
        "none": "none",
        "legend_route": "walking route",
        "legend_facility": "elderly-care facility",
        "legend_gate": "gate",
        "legend_estate": "estate",
        "generated": "Generated",
        "memory_warning": "⚠ Citations with evidence 'memory' are recalled, not verified: check the original text.",
        "reviewer": "Reviewer",
        "date": "Date",
    },
}


def labels(lang: str) -> dict[str, str]:
    """Labels for ``lang`` (``zh`` or ``en``), with the verdicts and statuses of the vocabulary."""
    key: Lang = "en" if lang == "en" else "zh"
    words = {code: label(RULE_VERDICTS, code, key) for code in ("pass", "fail", "report")}
    words.update({code: label(ESTATE_STATUSES, code, key) for code in ESTATE_STATUSES})
    return {**LABELS[key], **words}


def _num(value: float | None, digits: int = 2) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return round(float(value), digits)


def _to_wgs84(crs: Any) -> Callable[[Any], Any]:
    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def convert(geom: Any) -> Any:
        return shapely.transform(
            geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )

    return convert


def _geojson(geom: Any, convert: Callable[[Any], Any]) -> dict[str, Any] | None:
    if geom is None:
        return None
    wgs = shapely.set_precision(convert(geom), 1e-7)
    return json.loads(shapely.to_geojson(wgs))


def estate_to_dict(estate: EstateReview, convert: Callable[[Any], Any]) -> dict[str, Any]:
    """One estate's review as plain JSON data (routes and points in WGS-84)."""
    centre = convert(estate.geometry.representative_point())
    return {
        "estate_id": estate.estate_id,
        "name": estate.name,
        "households": estate.households,
        "status": estate.status,
        "population": _num(estate.population),
        "residents": _num(estate.residents),
        "planned_floor_m2": _num(estate.planned_floor_m2),
        "planned_land_m2": _num(estate.planned_land_m2),
        "lon": round(centre.x, 7),
        "lat": round(centre.y, 7),
        "reachable": estate.reachable,
        "overall": estate.overall,
        "gates": [
            {"gate_id": gid, "geometry": _geojson(geom, convert)}
            for gid, geom in zip(estate.origins["gate_id"], estate.origins.geometry, strict=True)
        ],
        "rules": [
            {
                "rule_id": r.rule_id,
                "kind": r.kind,
                "title_zh": r.title_zh,
                "title_en": r.title_en,
                "verdict": r.verdict,
                "required": r.required,
                "planned": r.planned,
                "missing": r.missing,
                "unit": r.unit,
                "rate": r.rate,
                "rate_unit": r.rate_unit,
                "note": r.note,
                "citation": r.citation,
            }
            for r in estate.rules
        ],
        "tiers": [
            {
                "tier": t.tier,
                "rule_id": t.rule_id,
                "minutes": t.minutes,
                "distance_m": t.distance_m,
                "facility_kinds": list(t.facility_kinds),
                "facility_id": t.facility_id,
                "facility_name": t.facility_name,
                "facility_kind": t.facility_kind,
                "walk_m": t.walk_m,
                "straight_m": t.straight_m,
                "straight_nearest_id": t.straight_nearest_id,
                "straight_nearest_m": t.straight_nearest_m,
                "covered": t.covered,
                "verdict": t.verdict,
                "gate_id": t.gate_id,
                "route": _geojson(t.route, convert),
                "note": t.note,
                "citation": t.citation,
            }
            for t in estate.tiers
        ],
        "sharing": {
            "rule_id": estate.sharing.rule_id,
            "rate": estate.sharing.rate,
            "distance_m": estate.sharing.distance_m,
            "existing_estates_given": estate.sharing.existing_given,
            "verdict": estate.sharing.verdict,
            "note": estate.sharing.note,
            "citation": estate.sharing.citation,
            "facilities": [vars(f).copy() for f in estate.sharing.facilities],
        },
    }


def review_to_dict(review: ReviewOutcome, inputs: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the whole review as plain JSON data (``review.json``)."""
    convert = _to_wgs84(review.crs)
    rs = review.ruleset
    return {
        "tool": {"name": "eldercare-planning", "version": __version__},
        "ruleset": {"id": rs.id, "name_zh": rs.name_zh, "name_en": rs.name_en},
        "parameters": {**review.parameters, "crs": str(review.crs)},
        "inputs": dict(inputs or {}),
        "estates": [estate_to_dict(e, convert) for e in review.estates],
    }


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder (os.replace)."""
    write_atomic(path, lambda tmp: tmp.write_bytes(data))


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write ``review.json`` (UTF-8, Chinese kept readable)."""
    text = json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)
    atomic_write_bytes(path, text.encode("utf-8"))


def _verdict_text(value: str, lab: dict[str, str]) -> str:
    return lab.get(value, value)


def _yes(value: bool | None, lab: dict[str, str]) -> str:
    return "" if value is None else (lab["yes"] if value else lab["no"])


def write_xlsx(data: dict[str, Any], path: Path, lang: str = "zh") -> None:
    """Write ``review.xlsx``: estates, rule verdicts, nearest facilities and shared facilities."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    lab = labels(lang)
    wb = Workbook()
    bold = Font(bold=True)
    fills = {
        lab["fail"]: PatternFill("solid", fgColor="F8D7DA"),
        lab["pass"]: PatternFill("solid", fgColor="D4EDDA"),
    }

    def sheet(title: str, header: list[str], rows: list[list[Any]], first: bool = False) -> None:
        ws = wb.active if first and wb.active is not None else wb.create_sheet()
        ws.title = xlsx_text(title)
        ws.append([xlsx_text(value) for value in header])
        for cell in ws[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        verdict_col = header.index(lab["verdict"]) if lab["verdict"] in header else None
        for row in rows:
            ws.append([xlsx_text(value) for value in row])
            if verdict_col is not None and row[verdict_col] in fills:
                ws.cell(ws.max_row, verdict_col + 1).fill = fills[row[verdict_col]]
        for col, name in enumerate(header, start=1):
            width = (
                max(len(str(name)), *(len(str(r[col - 1] or "")) for r in rows))
                if rows
                else len(str(name))
            )
            ws.column_dimensions[ws.cell(1, col).column_letter].width = min(60, max(8, width + 2))
        ws.freeze_panes = "A2"

    estates = data["estates"]
    sheet(
        lab["summary"],
        [lab[k] for k in ("estate_id", "name", "households", "status", "residents",
                          "planned_floor_m2", "planned_land_m2", "overall")]
        + [lab["ruleset"], lab["version"]],
        [
            [e["estate_id"], e["name"], e["households"], lab.get(e["status"], e["status"]),
             e["residents"], e["planned_floor_m2"], e["planned_land_m2"],
             _verdict_text(e["overall"], lab), data["ruleset"]["id"], data["tool"]["version"]]
            for e in estates
        ],
        first=True,
    )  # fmt: skip
    basis = [lab[k] for k in ("document", "article", "quote_zh", "evidence")]
    rule_rows: list[list[Any]] = []
    for e in estates:
        for r in e["rules"]:
            c = r["citation"]
            title = r["title_zh"] if lang != "en" else r["title_en"]
            rule_rows.append(
                [e["estate_id"], title, r["rule_id"], _verdict_text(r["verdict"], lab), r["required"],
                 r["planned"], r["missing"], r["unit"], r["rate"], r["rate_unit"], r["note"],
                 c["document"], c["article"], c["quote_zh"], c["evidence"]]
            )  # fmt: skip
        s = e["sharing"]
        c = s["citation"]
        rule_rows.append(
            [e["estate_id"], lab["sharing"], s["rule_id"], _verdict_text(s["verdict"], lab), None,
             None, None, "m2_per_100hh", s["rate"], "m2_per_100hh", s["note"],
             c["document"], c["article"], c["quote_zh"], c["evidence"]]
        )  # fmt: skip
    sheet(
        lab["sheet_rules"],
        [lab[k] for k in ("estate_id", "item", "rule_id", "verdict", "required", "planned",
                          "missing", "unit", "rate")] + [lab["unit"] + " ", lab["note"], *basis],
        rule_rows,
    )  # fmt: skip
    tier_rows = [
        [e["estate_id"], t["tier"], t["distance_m"], t["facility_id"], t["facility_name"],
         t["facility_kind"], t["walk_m"], t["straight_m"], _yes(t["covered"], lab),
         _verdict_text(t["verdict"], lab), t["gate_id"], t["note"], t["citation"]["document"],
         t["citation"]["article"], t["citation"]["quote_zh"], t["citation"]["evidence"],
         t["straight_nearest_id"], t["straight_nearest_m"]]
        for e in estates
        for t in e["tiers"]
    ]  # fmt: skip
    sheet(
        lab["sheet_tiers"],
        [lab[k] for k in ("estate_id", "tier", "limit_m", "facility_id", "facility_name",
                          "facility_kind", "walk_m", "straight_m", "covered", "verdict",
                          "gate_id", "note")] + basis
        + [lab["straight_nearest"], lab["straight_nearest_m"]],
        tier_rows,
    )  # fmt: skip
    share_rows = [
        [e["estate_id"], f["facility_id"], f["name"], f["kind"], f["floor_m2"], f["walk_m"],
         f["existing_estates"], f["households_before"], f["households_after"], f["ratio_before"],
         f["ratio_after"], _yes(f["flag"], lab)]
        for e in estates
        for f in e["sharing"]["facilities"]
    ]  # fmt: skip
    sheet(
        lab["sheet_sharing"],
        [lab[k] for k in ("estate_id", "facility_id", "facility_name", "facility_kind",
                          "floor_m2", "walk_m", "existing_estates", "households_before",
                          "households_after", "ratio_before", "ratio_after", "flag")],
        share_rows,
    )  # fmt: skip
    protect_workbook(wb)
    write_atomic(path, wb.save)
