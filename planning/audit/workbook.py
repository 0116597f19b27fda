"""``audit.xlsx``: the audit as an office workbook (审计工作簿), Chinese first, English on request.

Sheets: a cover (封面: what was audited, when, ruleset, headline figures, each rule's verdict in
words with its citation), the rules (规则结论), the estates (小区), the streets (街道), the
walking-speed sensitivity (步速敏感性) and, after ``site``, the proposed sites (选址方案). Every
value a reader sees is a word, not a code (是/否, 新建/既有, 达标/不达标, facility kinds in
Chinese); shares are percentages, areas ㎡ to 0.1; failures are filled in the gap map's colours.
``estates.csv`` stays the machine-readable table with the canonical column names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning.audit.columns import ESTATE_COLUMNS, STREET_COLUMNS, street_tier_columns, tier_columns
from planning.audit.palette import (
    COVERAGE_BREAKS,
    COVERAGE_COLOURS,
    RULE_COLOURS,
    VERDICT_COLOURS,
    VERDICT_TINTS,
)
from planning.audit.wording import (
    detail_text,
    fmt_int,
    number,
    report_date,
    statement,
    tier_words,
)
from planning.io.xlsx import Column, CoverRow, Workbook
from planning.vocabulary import (
    ESTATE_STATUSES,
    ESTATE_VERDICTS,
    EVIDENCE_LEVELS,
    FACILITY_KINDS,
    RULE_VERDICTS,
    UNITS,
    UNREACHABLE_REASONS,
    Lang,
    label,
)

#: Sheet names, (中文, English).
SHEETS: dict[str, tuple[str, str]] = {
    "cover": ("封面", "Cover"),
    "rules": ("规则结论", "Rules"),
    "estates": ("小区", "Estates"),
    "streets": ("街道", "Streets"),
    "speeds": ("步速敏感性", "Walking speed"),
    "proposals": ("选址方案", "Proposed sites"),
}

_WORDS: dict[str, tuple[str, str]] = {
    "title": ("养老服务设施配建与服务圈审计", "Elderly-care facility audit"),
    "what": ("审计内容", "What was audited"),
    "what_value": (
        "{estates} 个居住小区（{households} 户），{streets} 个街道（乡镇）",
        "{estates} estates ({households} households) in {streets} streets",
    ),
    "date": ("审计日期", "Date"),
    "ruleset": ("规则集", "Ruleset"),
    "sources": ("数据来源", "Data sources"),
    "version": ("工具版本", "Tool version"),
    "measure": ("测量方式", "Measured as"),
    "headline": ("主要指标", "Headline figures"),
    "estates": ("居住小区数", "Estates"),
    "households": ("户数", "Households"),
    "facilities": ("养老服务设施数", "Facilities"),
    "coverage": ("户数覆盖率", "coverage of households"),
    "outside_estates": ("15分钟生活圈外小区数", "Estates outside the 15-minute circle"),
    "outside_households": ("15分钟生活圈外户数", "Households outside the 15-minute circle"),
    "area_failing": ("配建面积不达标小区数", "Estates short of floor area"),
    "shortfall": ("面积缺口合计(㎡)", "Total shortfall (m²)"),
    "after": ("选址后覆盖率", "Coverage with the proposed sites"),
    "rules": ("规则结论", "Rule verdicts"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "report_only": ("仅报告", "reported"),
    "distance": ("步行距离(GB 50180-2018: 300/500/1000 米)", "walking distance (GB 50180-2018)"),
    "time": ("步行时间(老年人步速 {s} 米/秒)", "walking time at {s} m/s"),
    "rule_id": ("规则编号", "Rule id"),
    "rule": ("规则", "Rule"),
    "verdict": ("结论", "Verdict"),
    "statement": ("结论说明", "Verdict in words"),
    "value": ("实际值", "Value"),
    "threshold": ("标准", "Standard"),
    "unit": ("单位", "Unit"),
    "detail": ("说明", "Detail"),
    "document": ("依据文件", "Document"),
    "article": ("条款", "Article"),
    "quote": ("原文", "Text (Chinese)"),
    "evidence": ("证据等级", "Evidence"),
    "basis": ("判定依据", "Basis of the verdict"),
    "speed": ("步速(米/秒)", "Walking speed (m/s)"),
    "speed_m": ("对应距离(米)", "Distance (m)"),
    "covered": ("覆盖户数", "Households covered"),
    "share": ("覆盖率", "Coverage"),
    "rank": ("优先序", "Rank"),
    "proposal_id": ("方案编号", "Proposal id"),
    "candidate_id": ("候选点编号", "Candidate id"),
    "name": ("名称", "Name"),
    "kind": ("设施类型", "Kind"),
    "floor_m2": ("建筑面积(㎡)", "Floor area (m²)"),
    "newly_covered": ("新增覆盖小区", "Estates newly covered"),
    "households_new": ("新增覆盖户数", "Households newly covered"),
    "compliant_new": ("新增达标小区", "Estates newly compliant"),
    "cumulative": ("累计覆盖率", "Cumulative coverage"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
}

#: Estate columns holding numbers, with their format (the rest are text).
_ESTATE_KINDS: dict[str, str] = {
    "households": "int",
    "population": "int",
    "elderly": "int",
    "rate_m2_per_100hh": "dec2",
    "required_m2": "m2",
    "onsite_m2": "m2",
    "shared_m2": "m2",
    "provided_m2": "m2",
    "shortfall_m2": "m2",
    "land_required_m2": "m2",
    "land_provided_m2": "m2",
    "walk_m": "dec1",
    "walk_any_m": "dec1",
}


def _w(key: str, lang: Lang) -> str:
    zh, en = _WORDS[key]
    return zh if lang == "zh" else en


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def _yes_no(values: Sequence[Any], lang: Lang) -> list[str | None]:
    return [None if _is_missing(v) else _w("yes" if bool(v) else "no", lang) for v in values]


def _coverage_fill(share: Any) -> str | None:
    num = number(share)
    if num is None:
        return None
    for brk, colour in zip(COVERAGE_BREAKS, COVERAGE_COLOURS, strict=False):
        if num < brk:
            return colour
    return COVERAGE_COLOURS[-1]


def _rule_titles(summary: dict[str, Any], lang: Lang) -> dict[str, str]:
    key = "title_zh" if lang == "zh" else "title_en"
    return {r["rule_id"]: r.get(key) or r["rule_id"] for r in summary.get("rules") or []}


def _met(ok: Sequence[Any], judged: Sequence[Any] | None, lang: Lang) -> tuple[list, list]:
    """是/否 per estate, 仅报告 where the rule only reports; fill the judged failures."""
    words: list[str | None] = []
    fills: list[str | None] = []
    for i, value in enumerate(ok):
        reports = judged is not None and not _is_missing(judged[i]) and not bool(judged[i])
        if _is_missing(value):
            words.append(None)
            fills.append(None)
        elif reports:
            words.append(_w("report_only", lang))
            fills.append(None)
        else:
            words.append(_w("yes" if bool(value) else "no", lang))
            fills.append(None if bool(value) else VERDICT_TINTS["area_shortfall"])
    return words, fills


def estate_columns(table: pd.DataFrame, tiers: list[str], summary: dict[str, Any],
                   lang: Lang) -> list[Column]:  # fmt: skip
    """Return the estates sheet's columns: every column of ``estates.csv`` with words for codes."""
    headers = {**ESTATE_COLUMNS, **tier_columns(tiers)}
    titles = _rule_titles(summary, lang)
    out: list[Column] = []
    for name in table.columns:
        zh, en = headers.get(name, (name, name))
        head = zh if lang == "zh" else en
        values = table[name].tolist()
        if name == "status":
            out.append(Column(head, [None if _is_missing(v) else label(ESTATE_STATUSES, str(v), lang) for v in values]))  # fmt: skip
        elif name in {"area_rule_id", "land_rule_id"}:
            out.append(Column(head, [None if _is_missing(v) else titles.get(str(v), str(v)) for v in values]))  # fmt: skip
        elif name in {"area_ok", "land_ok"}:
            judged = name.replace("_ok", "_judged")
            words, fills = _met(values, table[judged].tolist() if judged in table else None, lang)
            out.append(Column(head, words, fills=fills))
        elif name == "unreachable_reason":
            out.append(Column(head, [None if _is_missing(v) else label(UNREACHABLE_REASONS, str(v), lang) for v in values]))  # fmt: skip
        elif name == "verdict":
            codes = [str(v) for v in values]
            out.append(
                Column(head, [label(ESTATE_VERDICTS, c, lang) for c in codes],
                       fills=[None if c == "ok" else VERDICT_COLOURS.get(c) for c in codes])
            )  # fmt: skip
        elif name.startswith("covered_"):
            fills = [
                VERDICT_TINTS["outside_circle"] if not _is_missing(v) and not bool(v) else None
                for v in values
            ]
            out.append(Column(head, _yes_no(values, lang), fills=fills))
        elif name in {"reachable", "area_judged", "land_judged"}:
            out.append(Column(head, _yes_no(values, lang)))
        elif name.startswith("walk_"):
            out.append(Column(head, values, "dec1"))
        else:
            out.append(Column(head, values, _ESTATE_KINDS.get(name, "text")))
    return out


def street_columns(table: pd.DataFrame, tiers: list[str], lang: Lang) -> list[Column]:
    """Return the streets sheet's columns: coverage shares as percentages, shaded as on the map."""
    headers = {**STREET_COLUMNS, **street_tier_columns(tiers)}
    out: list[Column] = []
    for name in table.columns:
        zh, en = headers.get(name, (name, name))
        head = zh if lang == "zh" else en
        values = table[name].tolist()
        if name == "has_street_centre":
            out.append(Column(head, _yes_no(values, lang)))
        elif "coverage" in name:
            fills = [_coverage_fill(v) for v in values] if name.startswith("coverage_") else None
            out.append(Column(head, values, "pct", fills=fills))
        elif name in {"required_m2", "provided_m2", "shortfall_m2"}:
            out.append(Column(head, values, "m2"))
        elif name in {"estates", "households", "elderly", "estates_area_failing",
                      "street_centres"} or name.startswith("households_covered_"):  # fmt: skip
            out.append(Column(head, values, "int"))
        else:
            out.append(Column(head, values))
    return out


def _rule_value(value: Any, unit: str) -> tuple[Any, str]:
    """Return a rule figure as a cell: shares as fractions in percent format, other numbers as they are."""
    num = number(value)
    if num is not None and unit in {"pct", "pct_estates"}:
        return num / 100.0, "pct"
    return num, "dec2"


def rule_columns(summary: dict[str, Any], lang: Lang) -> list[Column]:
    """Return the rules sheet's columns: one row per rule, verdicts in words and filled, units in words."""
    rules = summary.get("rules") or []
    key = "title_zh" if lang == "zh" else "title_en"
    values = [_rule_value(r.get("value"), str(r.get("unit") or "")) for r in rules]
    thresholds = [_rule_value(r.get("threshold"), str(r.get("unit") or "")) for r in rules]
    cit = [r.get("citation") or {} for r in rules]
    verdicts = [str(r.get("verdict")) for r in rules]
    units = [str(r.get("unit") or "") for r in rules]
    return [
        Column(_w("rule", lang), [r.get(key) or r.get("rule_id") for r in rules], max_width=36),
        Column(
            _w("verdict", lang),
            [label(RULE_VERDICTS, v, lang) for v in verdicts],
            fills=[RULE_COLOURS.get(v) for v in verdicts],
        ),
        Column(_w("statement", lang), [statement(r, lang) for r in rules], max_width=60),
        Column(_w("value", lang), [v for v, _ in values], kinds=[k for _, k in values]),
        Column(_w("threshold", lang), [v for v, _ in thresholds], kinds=[k for _, k in thresholds]),
        Column(
            _w("unit", lang),
            [
                "%" if u in {"pct", "pct_estates"} else label(UNITS, u, lang) if u in UNITS else u
                for u in units
            ],
        ),
        Column(
            _w("detail", lang), [detail_text(r.get("detail"), lang) for r in rules], max_width=60
        ),
        Column(_w("document", lang), [c.get("document") for c in cit], max_width=40),
        Column(_w("article", lang), [c.get("article") for c in cit], max_width=20),
        Column(_w("quote", lang), [c.get("quote_zh") for c in cit], max_width=60),
        Column(
            _w("evidence", lang),
            [label(EVIDENCE_LEVELS, str(c.get("evidence")), lang) for c in cit],
        ),
        Column(_w("basis", lang), [(r.get("basis") or {}).get(lang) for r in rules], max_width=44),
        # the id a ruleset file and `eldercare rules show` use
        Column(_w("rule_id", lang), [r.get("rule_id") for r in rules]),
    ]


def speed_columns(sensitivity: pd.DataFrame, lang: Lang) -> list[Column]:
    """Return the walking-speed sensitivity sheet's columns."""
    get = sensitivity.get
    return [
        Column(_w("speed", lang), list(get("speed_m_per_s", pd.Series(dtype=float))), "dec2"),
        Column(_w("speed_m", lang), list(get("distance_m", pd.Series(dtype=float))), "int"),
        Column(_w("covered", lang), list(get("households_covered", pd.Series(dtype=float))), "int"),
        Column(_w("share", lang), list(get("coverage", pd.Series(dtype=float))), "pct"),
    ]


def proposal_columns(proposals: pd.DataFrame, lang: Lang) -> list[Column]:
    """Return the columns of the proposed sites (选址方案), in rank order."""
    frame = pd.DataFrame(proposals.drop(columns="geometry", errors="ignore")).sort_values(
        "rank", kind="stable"
    )

    def col(name: str) -> list[Any]:
        return frame[name].tolist() if name in frame else [None] * len(frame)

    return [
        Column(_w("rank", lang), col("rank"), "int"),
        Column(_w("proposal_id", lang), col("proposal_id")),
        Column(_w("candidate_id", lang), col("candidate_id")),
        Column(_w("name", lang), col("name")),
        Column(
            _w("kind", lang),
            [None if _is_missing(k) else label(FACILITY_KINDS, str(k), lang) for k in col("kind")],
        ),
        Column(_w("floor_m2", lang), col("floor_m2"), "m2"),
        Column(_w("newly_covered", lang), col("estates_newly_covered"), "int"),
        Column(_w("households_new", lang), col("households_new"), "int"),
        Column(_w("compliant_new", lang), col("estates_compliant_new"), "int"),
        Column(_w("cumulative", lang), col("cumulative_coverage"), "pct"),
        Column(_w("lon", lang), col("lon"), "coord"),
        Column(_w("lat", lang), col("lat"), "coord"),
    ]


def cover_rows(
    summary: dict[str, Any], estates: pd.DataFrame, streets: pd.DataFrame, lang: Lang
) -> list[CoverRow]:
    """Return the cover's lines: what was audited, when, under which rules, and the headline figures."""
    totals = summary.get("totals") or {}
    rs = summary.get("ruleset") or {}
    params = summary.get("parameters") or {}
    tiers = summary.get("tiers") or ["15min"]
    main = "15min" if "15min" in tiers else tiers[-1]
    name = rs.get("name_zh" if lang == "zh" else "name_en") or rs.get("name_zh") or ""
    measure = (
        _w("time", lang).format(s=params.get("walk_speed_m_per_s"))
        if params.get("measure") == "time"
        else _w("distance", lang)
    )
    sources = "；".join(Path(p).name for p in summary.get("inputs") or {}) or "–"
    covered = estates.get(f"covered_{main}")
    outside = ~covered.fillna(False).astype(bool) if covered is not None else None
    rows = [
        CoverRow(
            _w("what", lang),
            _w("what_value", lang).format(
                estates=fmt_int(totals.get("estates")),
                households=fmt_int(totals.get("households")),
                streets=fmt_int(len(streets)),
            ),
        ),
        CoverRow(_w("date", lang), report_date().isoformat()),
        CoverRow(_w("ruleset", lang), f"{name} ({rs.get('id', '')})"),
        CoverRow(_w("measure", lang), measure),
        CoverRow(_w("sources", lang), sources),
        CoverRow(_w("version", lang), str(summary.get("tool_version") or "")),
        CoverRow(_w("headline", lang)),
        CoverRow(_w("estates", lang), totals.get("estates"), "int"),
        CoverRow(_w("households", lang), totals.get("households"), "int"),
    ]
    for tier in tiers:
        share = (totals.get("coverage") or {}).get(tier)
        rows.append(CoverRow(f"{tier_words(tier, lang)} {_w('coverage', lang)}", share, "pct",
                             fill=_coverage_fill(share) if tier == main else None))  # fmt: skip
    if outside is not None:
        hh = estates["households"].to_numpy(float)
        rows.append(CoverRow(_w("outside_estates", lang), int(outside.sum()), "int",
                             fill=VERDICT_TINTS["outside_circle"] if outside.any() else None))  # fmt: skip
        rows.append(CoverRow(_w("outside_households", lang), float(hh[outside.to_numpy()].sum()), "int"))  # fmt: skip
    failing = totals.get("estates_area_failing")
    rows.append(CoverRow(_w("area_failing", lang), failing, "int",
                         fill=VERDICT_TINTS["area_shortfall"] if failing else None))  # fmt: skip
    rows.append(CoverRow(_w("shortfall", lang), totals.get("shortfall_m2"), "m2"))
    after = ((summary.get("siting") or {}).get("after") or {}).get("coverage")
    if after is not None:
        rows.append(CoverRow(_w("after", lang), after, "pct", fill=_coverage_fill(after)))
    rows.append(CoverRow(_w("rules", lang)))
    return rows


def cover_table(summary: dict[str, Any], lang: Lang) -> list[Column]:
    """Return the cover's rule table: rule, verdict, the verdict in words, the citation."""
    rules = summary.get("rules") or []
    key = "title_zh" if lang == "zh" else "title_en"
    verdicts = [str(r.get("verdict")) for r in rules]
    cit = [r.get("citation") or {} for r in rules]
    return [
        Column(_w("rule", lang), [r.get(key) or r.get("rule_id") for r in rules]),
        Column(
            _w("verdict", lang),
            [label(RULE_VERDICTS, v, lang) for v in verdicts],
            fills=[RULE_COLOURS.get(v) for v in verdicts],
        ),
        Column(_w("statement", lang), [statement(r, lang) for r in rules]),
        Column(
            _w("document", lang),
            [" ".join(x for x in (c.get("document"), c.get("article")) if x) for c in cit],
        ),
        Column(_w("quote", lang), [c.get("quote_zh") for c in cit]),
    ]


def write_audit_workbook(
    path: Path,
    summary: dict[str, Any],
    estates: pd.DataFrame,
    streets: pd.DataFrame,
    sensitivity: pd.DataFrame,
    proposals: pd.DataFrame | None = None,
    *,
    lang: Lang = "zh",
) -> Path:
    """Write ``audit.xlsx`` from the tables the audit writes (see the module docstring).

    Parameters
    ----------
    path : Path
        Target file.
    summary : dict
        ``summary.json`` content (:func:`planning.audit.summary_dict`).
    estates, streets : DataFrame
        The tables of ``estates.csv`` and ``streets.csv`` (canonical columns).
    sensitivity : DataFrame
        Walking-speed sensitivity (``speed_m_per_s``, ``distance_m``, ``households_covered``,
        ``coverage``).
    proposals : DataFrame, optional
        Proposed sites after ``site``: a 选址方案 sheet.
    lang : {"zh", "en"}
        Language of sheet names, headers and values.

    Returns
    -------
    Path
    """
    tiers = [str(t) for t in summary.get("tiers") or []]

    def sheet(key: str) -> str:
        zh, en = SHEETS[key]
        return zh if lang == "zh" else en

    build: list[Callable[[Workbook], None]] = [
        lambda b: b.cover(
            sheet("cover"),
            _w("title", lang),
            cover_rows(summary, estates, streets, lang),
            cover_table(summary, lang),
        ),
        lambda b: b.table(sheet("rules"), rule_columns(summary, lang), freeze_cols=1),
        lambda b: b.table(
            sheet("estates"), estate_columns(estates, tiers, summary, lang), freeze_cols=2
        ),
        lambda b: b.table(sheet("streets"), street_columns(streets, tiers, lang), freeze_cols=2),
        lambda b: b.table(sheet("speeds"), speed_columns(sensitivity, lang)),
    ]
    if proposals is not None and len(proposals):
        build.append(lambda b: b.table(sheet("proposals"), proposal_columns(proposals, lang)))
    with Workbook(Path(path), _w("title", lang)) as book:
        for step in build:
            step(book)
    return Path(path)
