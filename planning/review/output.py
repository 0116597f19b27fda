"""Plain-data form of a review, ``review.json`` and ``review.xlsx`` (审查结果文件).

Every file is written atomically: a temporary file in the same folder, then :func:`os.replace`,
so a reader never sees half a file; :meth:`planning.results.Review.write` switches the three files
in together (:mod:`planning.io.transaction`). Text cells a spreadsheet would read as formulas are
stored as text, and control characters are dropped (:mod:`planning.io.cells` through
:mod:`planning.io.xlsx`).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from planning import __version__
from planning.audit.palette import RULE_COLOURS
from planning.audit.wording import report_date, tier_words
from planning.io import write_atomic
from planning.io.xlsx import Column, CoverRow, Workbook
from planning.review.core import EstateReview, ReviewOutcome
from planning.vocabulary import (
    ESTATE_STATUSES,
    EVIDENCE_LEVELS,
    FACILITY_KINDS,
    RULE_VERDICTS,
    UNITS,
    Lang,
    label,
)

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
        "cover": "封面",
        "sources": "数据来源",
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
        "cover": "Cover",
        "sources": "Data sources",
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


def _yes(value: bool | None, lab: dict[str, str]) -> str | None:
    return None if value is None else (lab["yes"] if value else lab["no"])


def _unit(code: Any, lang: Lang) -> str | None:
    return None if code is None else label(UNITS, str(code), lang)


def _fills(verdicts: list[str]) -> list[str | None]:
    return [RULE_COLOURS.get(v) for v in verdicts]


def _cover(data: dict[str, Any], lab: dict[str, str], lang: Lang) -> list[CoverRow]:
    rs = data["ruleset"]
    name = rs["name_zh"] if lang == "zh" else rs["name_en"]
    rows = [
        CoverRow(lab["date"], report_date().isoformat()),
        CoverRow(lab["ruleset"], f"{name} ({rs['id']})"),
        CoverRow(lab["version"], data["tool"]["version"]),
        CoverRow(
            lab["sources"], "；".join(Path(str(v)).name for v in data["inputs"].values()) or "–"
        ),
        CoverRow(lab["verdicts"]),
    ]
    for e in data["estates"]:
        rows.append(
            CoverRow(
                f"{e['estate_id']} {e['name']}",
                _verdict_text(e["overall"], lab),
                fill=RULE_COLOURS.get(e["overall"]),
                note=f"{lab['households']} {e['households']:,}",
            )
        )
    return rows


def write_xlsx(data: dict[str, Any], path: Path, lang: str = "zh") -> None:
    """Write ``review.xlsx``: a cover, the estates, rule verdicts, nearest and shared facilities.

    Values are words (是/否, 新建/既有, 达标/不达标, facility kinds and units in the language),
    verdicts filled in the sheet's colours, headers frozen and filtered (:mod:`planning.io.xlsx`).
    """
    key: Lang = "en" if lang == "en" else "zh"
    lab = labels(key)
    estates = data["estates"]
    basis = [lab[k] for k in ("document", "article", "quote_zh", "evidence")]

    def cit(c: dict[str, Any]) -> list[Any]:
        return [c.get("document"), c.get("article"), c.get("quote_zh"),
                label(EVIDENCE_LEVELS, str(c.get("evidence")), key)]  # fmt: skip

    def table(header: list[str], rows: list[list[Any]], kinds: dict[int, str],
              verdict_col: int | None = None, codes: Sequence[str] = ()) -> list[Column]:  # fmt: skip
        """Columns of a sheet; the verdict column is filled by its codes' colours."""
        cols = []
        for i, head in enumerate(header):
            values = [row[i] for row in rows]
            fills = _fills(list(codes)) if i == verdict_col else None
            cols.append(Column(head, values, kinds.get(i, "text"), fills=fills, max_width=44))
        return cols

    summary_rows = [
        [e["estate_id"], e["name"], e["households"], lab.get(e["status"], e["status"]),
         e["residents"], e["planned_floor_m2"], e["planned_land_m2"],
         _verdict_text(e["overall"], lab)]
        for e in estates
    ]  # fmt: skip
    rule_rows: list[list[Any]] = []
    rule_codes: list[str] = []
    for e in estates:
        for r in e["rules"]:
            title = r["title_zh"] if key == "zh" else r["title_en"]
            rule_rows.append(
                [e["estate_id"], title, _verdict_text(r["verdict"], lab), r["required"],
                 r["planned"], r["missing"], _unit(r["unit"], key), r["rate"],
                 _unit(r["rate_unit"], key), r["note"], *cit(r["citation"]), r["rule_id"]]
            )  # fmt: skip
            rule_codes.append(r["verdict"])
        sh = e["sharing"]
        rule_rows.append(
            [e["estate_id"], lab["sharing"], _verdict_text(sh["verdict"], lab), None, None, None,
             None, sh["rate"], _unit("m2_per_100hh", key), sh["note"], *cit(sh["citation"]),
             sh["rule_id"]]
        )  # fmt: skip
        rule_codes.append(sh["verdict"])
    tier_rows = [
        [e["estate_id"], tier_words(t["tier"], key), t["distance_m"], t["facility_id"],
         t["facility_name"], None if t["facility_kind"] is None
         else label(FACILITY_KINDS, t["facility_kind"], key), t["walk_m"], t["straight_m"],
         _yes(t["covered"], lab), _verdict_text(t["verdict"], lab), t["gate_id"], t["note"],
         *cit(t["citation"]), t["straight_nearest_id"], t["straight_nearest_m"]]
        for e in estates
        for t in e["tiers"]
    ]  # fmt: skip
    tier_codes = [t["verdict"] for e in estates for t in e["tiers"]]
    share_rows = [
        [e["estate_id"], f["facility_id"], f["name"], label(FACILITY_KINDS, str(f["kind"]), key),
         f["floor_m2"], f["walk_m"], f["existing_estates"], f["households_before"],
         f["households_after"], f["ratio_before"], f["ratio_after"], _yes(f["flag"], lab)]
        for e in estates
        for f in e["sharing"]["facilities"]
    ]  # fmt: skip

    sheets: list[tuple[str, list[Column]]] = [(lab["summary"], table(
        [lab[k] for k in ("estate_id", "name", "households", "status", "residents",
                          "planned_floor_m2", "planned_land_m2", "overall")],
        summary_rows, {2: "int", 4: "int", 5: "m2", 6: "m2"}, 7,
        [e["overall"] for e in estates]))]  # fmt: skip
    sheets.append((lab["sheet_rules"], table(
        [lab[k] for k in ("estate_id", "item", "verdict", "required", "planned", "missing",
                          "unit", "rate")] + [lab["rate"] + lab["unit"], lab["note"], *basis,
                                              lab["rule_id"]],
        rule_rows, {3: "dec2", 4: "dec2", 5: "dec2", 7: "dec2"}, 2, rule_codes)))  # fmt: skip
    sheets.append((lab["sheet_tiers"], table(
        [lab[k] for k in ("estate_id", "tier", "limit_m", "facility_id", "facility_name",
                          "facility_kind", "walk_m", "straight_m", "covered", "verdict",
                          "gate_id", "note")] + basis
        + [lab["straight_nearest"], lab["straight_nearest_m"]],
        tier_rows, {2: "int", 6: "dec1", 7: "dec1", 17: "dec1"}, 9, tier_codes)))  # fmt: skip
    sheets.append((lab["sheet_sharing"], table(
        [lab[k] for k in ("estate_id", "facility_id", "facility_name", "facility_kind",
                          "floor_m2", "walk_m", "existing_estates", "households_before",
                          "households_after", "ratio_before", "ratio_after", "flag")],
        share_rows, {4: "m2", 5: "dec1", 6: "int", 7: "int", 8: "int", 9: "dec2", 10: "dec2"})))  # fmt: skip

    def build(tmp: Path) -> None:
        with Workbook(tmp, lab["title"]) as book:
            book.cover(lab["cover"], lab["title"], _cover(data, lab, key))
            for name, columns in sheets:
                book.table(name, columns, freeze_cols=1)

    write_atomic(path, build)
