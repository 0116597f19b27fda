"""A rule's verdict in words and figures (规则结论的文字表述), for the workbook, report and map.

``summary.json`` keeps codes (``pct_estates``, ``community_station``); what a reader sees is
written here from :mod:`planning.vocabulary`: ``不达标：16.7% 的小区达标，标准 100%``. The detail
the audit records in English is put in Chinese for its common forms (:func:`detail_text`), with
every remaining code replaced by its Chinese word.
"""

from __future__ import annotations

import math
import os
import re
from datetime import UTC, date, datetime
from typing import Any

from planning.vocabulary import (
    ADMIN_UNIT_TYPES,
    ESTATE_STATUSES,
    FACILITY_KINDS,
    RULE_VERDICTS,
    UNITS,
    Lang,
    label,
)

__all__ = [
    "detail_text",
    "figure",
    "fmt_int",
    "fmt_m2",
    "fmt_pct",
    "number",
    "report_date",
    "statement",
    "tier_words",
]


def number(value: Any) -> float | None:
    """Return ``value`` as a finite float, or None (missing, text, NaN)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def fmt_int(value: Any) -> str:
    """Format a count with thousands separators; ``–`` for missing.

    Examples
    --------
    >>> fmt_int(12345.4), fmt_int(None)
    ('12,345', '–')
    """
    num = number(value)
    return "–" if num is None else f"{round(num):,}"


def fmt_m2(value: Any) -> str:
    """Format an area in m² to 0.1 with thousands separators; ``–`` for missing."""
    num = number(value)
    return "–" if num is None else f"{num:,.1f}"


def fmt_pct(value: Any) -> str:
    """Format a share 0–1 as a percentage with one decimal; ``–`` for missing.

    Examples
    --------
    >>> fmt_pct(0.5906735751295337)
    '59.1%'
    """
    num = number(value)
    return "–" if num is None else f"{num * 100:.1f}%"


def _plain(num: float) -> str:
    """``12.5`` → ``"12.5"``, ``60.0`` → ``"60"``, ``1234.0`` → ``"1,234"``."""
    text = f"{num:,.2f}".rstrip("0").rstrip(".")
    return text or "0"


def figure(value: Any, unit: str, lang: Lang = "zh") -> str:
    """Return a rule's value or threshold with its unit as people read it.

    Examples
    --------
    >>> figure(16.67, "pct_estates"), figure(16.67, "pct_estates", "en")
    ('16.7% 的小区', '16.7% of estates')
    >>> figure(20, "m2_per_100hh"), figure(350.0, "m2"), figure(1, "count")
    ('20 ㎡/百户', '350 ㎡', '1 个')
    """
    num = number(value)
    if num is None:
        return "–"
    if unit in {"pct", "pct_estates"}:
        text = f"{num:.1f}".rstrip("0").rstrip(".") + "%"
        if unit == "pct_estates":
            return f"{text} 的小区" if lang == "zh" else f"{text} of estates"
        return text
    if unit in {"share", "fraction"}:
        return fmt_pct(num)
    if unit == "count":
        return f"{_plain(num)} 个" if lang == "zh" else _plain(num)
    words = label(UNITS, unit, lang) if unit in UNITS else unit
    return f"{_plain(num)} {words}".strip()


def statement(rule: dict[str, Any], lang: Lang = "zh") -> str:
    """Return the verdict of a ``summary.json`` rule in words and figures.

    Examples
    --------
    >>> statement({"verdict": "fail", "value": 16.67, "threshold": 100.0, "unit": "pct_estates"})
    '不达标：16.7% 的小区达标，标准 100% 的小区'
    >>> statement({"verdict": "report", "value": 82.89, "threshold": None, "unit": "pct"}, "en")
    'reported: 82.9% (no figure to judge against)'
    """
    verdict = str(rule.get("verdict") or "report")
    unit = str(rule.get("unit") or "")
    word = label(RULE_VERDICTS, verdict, lang)
    value = figure(rule.get("value"), unit, lang)
    has_threshold = number(rule.get("threshold")) is not None
    threshold = figure(rule.get("threshold"), unit, lang)
    zh = lang == "zh"
    if verdict == "no_data":
        return f"{word}：现有数据无法判定" if zh else f"{word}: the data cannot decide it"
    if unit == "pct_estates":
        figures = f"{value}达标" if zh else f"{value} meet it"
    else:
        figures = f"实际 {value}" if zh else f"value {value}"
    at_least = "" if unit == "pct_estates" else "≥ "
    if verdict == "report":
        if has_threshold:
            note = (
                f"（标准 {at_least}{threshold}，本规则只报告不判定）"
                if zh
                else f" (standard {at_least}{threshold}; this rule reports, it does not judge)"
            )
        else:
            note = "（未给出判定标准）" if zh else " (no figure to judge against)"
        return (
            f"{word}：{figures}{note}" if zh else f"{word}: {figures.removeprefix('value ')}{note}"
        )
    sep = "，" if zh else ", "
    std = (
        (f"标准 {threshold}" if unit == "pct_estates" else f"标准 ≥ {threshold}")
        if zh
        else (f"standard {threshold}" if unit == "pct_estates" else f"standard ≥ {threshold}")
    )
    return f"{word}：{figures}{sep}{std}" if zh else f"{word}: {figures}{sep}{std}"


def _kinds(codes: str) -> str:
    return "、".join(label(FACILITY_KINDS, k.strip(), "zh") for k in codes.split(","))


#: English detail forms of the audit (``planning.audit.rules`` / ``unit_rules``) in Chinese.
_DETAIL_ZH: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"^(\d+) of (\d+) (new|existing) estates meet ≥ ([\d.]+) (.+?)(?: \((.+?)\))?"
                r"(?:, (.+))?$"),
     lambda g: f"{g[2]} 个{label(ESTATE_STATUSES, g[3], 'zh')}小区中 {g[1]} 个达到 ≥ {g[4]} "
               f"{g[6] or g[5]}" + (f"，{g[7]}" if g[7] else "")),
    (re.compile(r"^households within (\d+) m of ([a-z_]+(?:, [a-z_]+)*)(?:, (.+))?$"),
     lambda g: f"距{_kinds(g[2])}步行 {g[1]} 米以内的户数" + (f"，{g[3]}" if g[3] else "")),
    (re.compile(r"^(\d+) of (\d+) streets have one$"),
     lambda g: f"{g[2]} 个街道（乡镇）中 {g[1]} 个已建有"),
    (re.compile(r"^(\d+) of (\d+) sites have ≥ ([\d.]+) m²$"),
     lambda g: f"{g[2]} 处设施中 {g[1]} 处建筑面积 ≥ {g[3]} ㎡"),
    (re.compile(r"^smallest ([\d.]+) m²$"), lambda g: f"最小 {g[1]} ㎡"),
    (re.compile(r"^(\d+) without a floor area \(建筑面积\)$"), lambda g: f"{g[1]} 处缺建筑面积"),
    (re.compile(r"^nursing_beds / beds of (\d+) facilities(?: \((.+)\))?$"),
     lambda g: f"{g[1]} 处设施的护理型床位 / 床位" + (f"（{g[2]}）" if g[2] else "")),
)  # fmt: skip


def _codes_to_words(text: str, lang: Lang) -> str:
    """Replace the vocabulary codes inside ``text`` by their words."""
    for vocabulary in (FACILITY_KINDS, ADMIN_UNIT_TYPES):
        for code in sorted(vocabulary, key=len, reverse=True):
            text = re.sub(rf"\b{code}\b", label(vocabulary, code, lang), text)
    return text


def _part_zh(part: str) -> str:
    for pattern, words in _DETAIL_ZH:
        found = pattern.match(part)
        if found is not None:
            return str(words([found.group(0), *found.groups()]))
    return part


def detail_text(detail: Any, lang: Lang = "zh") -> str:
    """Return the audit's detail of a rule in ``lang`` (codes as words).

    Examples
    --------
    >>> detail_text("5 of 30 new estates meet ≥ 20 m² per 100 households (㎡/百户)")
    '30 个新建小区中 5 个达到 ≥ 20 ㎡/百户'
    >>> detail_text("households within 500 m of community_station, street_centre")
    '距社区养老服务站/日间照料中心、街道(乡镇)综合养老服务中心步行 500 米以内的户数'
    >>> detail_text("23 of 31 sites have ≥ 350 m²; smallest 150 m²")
    '31 处设施中 23 处建筑面积 ≥ 350 ㎡；最小 150 ㎡'
    """
    text = "" if detail is None else str(detail)
    if lang != "zh" or not text:
        return _codes_to_words(text, lang)
    return _codes_to_words("；".join(_part_zh(p) for p in text.split("; ")), lang)


def tier_words(tier: str, lang: Lang = "zh") -> str:
    """Return e.g. ``"15分钟生活圈"`` for ``"15min"``.

    Examples
    --------
    >>> tier_words("15min"), tier_words("5min", "en")
    ('15分钟生活圈', '5-minute circle')
    """
    minutes = tier.removesuffix("min")
    return f"{minutes}分钟生活圈" if lang == "zh" else f"{minutes}-minute circle"


def report_date() -> date:
    """Return the date printed on reports and workbooks.

    Today, or the date of ``SOURCE_DATE_EPOCH`` when set (reproducible builds fix it).
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    return date.today()
