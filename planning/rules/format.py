"""Plain-text rendering of rulesets for ``eldercare rules list`` and ``eldercare rules show``.

The output is meant for a terminal: no colours, Chinese and English labels, columns padded by
display width (a Chinese character takes two cells). Rules resting on unverified evidence are
flagged ``⚠ 未核实 (memory)`` and draft documents (送审稿, 征求意见稿) are marked as drafts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Literal

from planning._errors import RulesetError
from planning.rules.model import Ruleset
from planning.rules.records import Document, Rule
from planning.vocabulary import RULE_BASES, ZONES, label

Lang = Literal["zh", "en"]

_LABELS: Mapping[str, Mapping[str, str]] = {
    "zh": {
        "ruleset": "规则集",
        "level": "级别",
        "chain": "继承链",
        "file": "规则文件",
        "documents": "引用文件",
        "parameters": "参数",
        "rules": "规则",
        "threshold": "阈值",
        "applies": "适用",
        "facilities": "计入设施",
        "params": "附加参数",
        "source": "出处",
        "defined": "定义于",
        "target_max": "上限参考",
        "coverage": "覆盖率",
        "walk": "步行",
        "minutes": "分钟",
        "population": "人口缺失时按 户数 × {pph} 人/户 估算（persons_per_household）",
        "sharing": "可调剂：{d} m 内他小区设施可计入",
        "memory": "⚠ 未核实 (memory)",
        "plan": "方案原文 (plan)",
        "found": "公开资料 (found)",
        "draft": "草案 draft",
        "undated": "日期不详",
        "count_rules": "条",
        "none": "—",
        "status": "文件状态",
        "id": "id",
        "name": "中文名",
        "inherits": "继承",
        "n_rules": "规则数",
        "list_level": "级别",
        "verdict": "结论依据",
        "judged": "给出达标/不达标结论的规则",
        "reported": "仅报告数值、不判定的规则",
        "policy": "判定原则",
        "select": "仅计入",
        "zone": "适用分区",
        "policy_all": "all：凡有阈值的规则均判定",
        "policy_verified": "verified：出处未核实（memory）的数值仅报告",
        "policy_own_plan": "own_plan：仅本地规划原文或国家标准规定的数值判定，沿用的默认值仅报告",
    },
    "en": {
        "ruleset": "Ruleset",
        "level": "Level",
        "chain": "Inheritance",
        "file": "File",
        "documents": "Documents cited",
        "parameters": "Parameters",
        "rules": "Rules",
        "threshold": "Threshold",
        "applies": "Applies to",
        "facilities": "Facilities counted",
        "params": "Extra parameters",
        "source": "Source",
        "defined": "Defined in",
        "target_max": "upper guide",
        "coverage": "coverage",
        "walk": "walk",
        "minutes": "min",
        "population": "population missing → households × {pph} persons (persons_per_household)",
        "sharing": "sharing (调剂) allowed: facilities of other estates within {d} m count",
        "memory": "⚠ unverified (memory)",
        "plan": "plan text (plan)",
        "found": "public source (found)",
        "draft": "draft 草案",
        "undated": "undated",
        "count_rules": "rules",
        "none": "—",
        "status": "status",
        "id": "id",
        "name": "中文名",
        "inherits": "inherits",
        "n_rules": "rules",
        "list_level": "level",
        "verdict": "Basis",
        "judged": "Rules that judge (pass/fail)",
        "reported": "Rules that only report their figure",
        "policy": "Verdict policy",
        "select": "Counts only",
        "zone": "Zone",
        "policy_all": "all: every rule with a threshold judges",
        "policy_verified": "verified: unverified (memory) figures only report",
        "policy_own_plan": "own_plan: only figures in the local plan or a national standard "
        "judge; inherited defaults only report",
    },
}

_UNITS: Mapping[str, Mapping[str, str]] = {
    "zh": {
        "m2_per_100hh": "m²/百户",
        "m2_per_person": "m²/人",
        "m2": "m²",
        "m": "m",
        "min": "分钟",
        "m_per_s": "m/s",
        "pct": "%",
        "count": "个",
        "ratio": "",
        "per_1000_elderly": "人/千名老年人",
    },
    "en": {
        "m2_per_100hh": "m² per 100 households",
        "m2_per_person": "m² per person",
        "m2": "m²",
        "m": "m",
        "min": "min",
        "m_per_s": "m/s",
        "pct": "%",
        "count": "",
        "ratio": "",
        "per_1000_elderly": "per 1 000 elderly",
    },
}

_APPLIES: Mapping[str, Mapping[str, str]] = {
    "zh": {"new": "新建小区 (new)", "existing": "已建成小区 (existing)", "any": "全部 (any)"},
    "en": {"new": "new estates", "existing": "existing estates", "any": "all"},
}


def _labels(lang: str) -> Mapping[str, str]:
    if lang not in _LABELS:
        raise RulesetError(f"Output language '{lang}' is not 'zh' or 'en'.")
    return _LABELS[lang]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _num(value: float) -> str:
    return f"{value:g}"


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


def _evidence(evidence: str, labels: Mapping[str, str]) -> str:
    return labels.get(evidence, evidence)


def _threshold(rule: Rule, ruleset: Ruleset, lang: str) -> str:
    labels = _labels(lang)
    unit = _UNITS[lang][rule.unit]
    sep = "" if rule.unit == "pct" or not unit else " "
    parts: list[str] = []
    if rule.minimum is not None:
        text = f"≥ {_num(rule.minimum)}{sep}{unit}".rstrip()
        if rule.unit == "ratio" and rule.minimum > 0 and (1 / rule.minimum).is_integer():
            text += f" (1:{int(1 / rule.minimum)})"
        if rule.kind in ("service_circle", "admin_unit_coverage", "presence_per_admin_unit"):
            text = f"{labels['coverage']} {text}"
        parts.append(text)
    if rule.target_max is not None:
        parts.append(f"{labels['target_max']} {_num(rule.target_max)}{sep}{unit}".rstrip())
    if rule.kind == "service_circle":
        minutes = _num(float(rule.params["minutes"]))  # type: ignore[arg-type]
        distance = _num(float(rule.params["distance_m"]))  # type: ignore[arg-type]
        parts.append(f"{labels['walk']} {distance} m / {minutes} {labels['minutes']}")
    if rule.kind == "land_per_capita":
        parts.append(
            labels["population"].format(pph=_value(ruleset.parameters.persons_per_household))
        )
    if rule.kind == "floor_area_per_households" and rule.applies_to != "new":
        sharing = ruleset.sharing_policy(
            rule.applies_to if rule.applies_to != "any" else "existing"
        )
        if sharing.allowed:
            parts.append(labels["sharing"].format(d=_num(sharing.distance_m)))
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def _document_line(doc: Document, labels: Mapping[str, str]) -> str:
    date = doc.date or labels["undated"]
    status = doc.status_zh if doc.status_zh == doc.status else f"{doc.status_zh} ({doc.status})"
    flag = f"  [{labels['draft']}]" if doc.is_draft else ""
    return f"  {doc.number}  {date}  {status}{flag}\n      {doc.title}"


def _cited_documents(ruleset: Ruleset) -> list[Document]:
    refs = {rule.citation.document for rule in ruleset.rules}
    refs |= {src.document for src in ruleset.parameters.sources.values()}
    return [doc for doc in ruleset.documents if doc.number in refs or doc.id in refs]


def _rule_block(rule: Rule, ruleset: Ruleset, lang: Lang) -> list[str]:
    labels = _labels(lang)
    title = (
        f"{rule.title_zh} / {rule.title_en}"
        if lang == "zh"
        else f"{rule.title_en} / {rule.title_zh}"
    )
    lines = [f"[{rule.id}] {title}", f"  kind: {rule.kind}"]
    lines.append(f"  {labels['threshold']}: {_threshold(rule, ruleset, lang)}")
    lines.append(f"  {labels['verdict']}: {basis_text(rule, ruleset, lang)}")
    lines.append(f"  {labels['applies']}: {_APPLIES[lang][rule.applies_to]}")
    kinds = ", ".join(rule.facility_kinds) or labels["none"]
    lines.append(f"  {labels['facilities']}: {kinds}")
    if rule.select:
        chosen = ", ".join(f"{k}={_value(v)}" for k, v in rule.select.items())
        lines.append(f"  {labels['select']}: {chosen}")
    if rule.zone:
        zones = ", ".join(f"{label(ZONES, z, lang)} ({z})" for z in rule.zone)
        lines.append(f"  {labels['zone']}: {zones}")
    hidden = ("tier", "minutes", "distance_m", "zone")
    shown = {k: v for k, v in rule.params.items() if k not in hidden}
    if shown:
        extras = ", ".join(f"{k}={_value(v)}" for k, v in shown.items())
        lines.append(f"  {labels['params']}: {extras}")
    cit = rule.citation
    doc = ruleset.document(cit.document)
    draft = f" [{labels['draft']}]" if doc is not None and doc.is_draft else ""
    lines.append(
        f"  {labels['source']}: {cit.document}{draft}  {cit.article}  "
        f"— {_evidence(cit.evidence, labels)}"
    )
    lines.append(f"    「{cit.quote_zh}」")
    if cit.note:
        lines.append(f"    {cit.note}")
    lines.append(f"  {labels['defined']}: {rule.origin}")
    return lines


def basis_text(rule: Rule, ruleset: Ruleset, lang: Lang = "zh") -> str:
    """Say whether a rule judges or only reports, and why, e.g. ``仅报告：本地规划未规定该数值``.

    Inherited defaults name the evidence they rest on (``未核实 (memory)``) and the ruleset whose
    plan does not state them.

    Examples
    --------
    >>> from planning.rules import load_ruleset
    >>> rs = load_ruleset("chaoyang")
    >>> basis_text(rs.rule("nursing_bed_share"), rs, "en")
    'report only: the local plan does not state this figure (inherited default) [朝阳市; ⚠ unverified (memory)]'
    """
    labels = _labels(lang)
    text = label(RULE_BASES, rule.basis, lang) if rule.basis else labels["none"]
    if rule.basis == "not_in_plan":
        sep = "；" if lang == "zh" else "; "
        text += f" [{ruleset.name_zh}{sep}{_evidence(rule.citation.evidence, labels)}]"
    return text


def _verdict_summary(ruleset: Ruleset, lang: Lang) -> list[str]:
    labels = _labels(lang)
    judged = ", ".join(r.id for r in ruleset.judged) or labels["none"]
    out = [
        f"{labels['policy']}: {labels['policy_' + ruleset.verdicts]}",
        f"{labels['judged']}: {judged}",
        f"{labels['reported']}:",
    ]
    out.extend(f"  {r.id} — {basis_text(r, ruleset, lang)}" for r in ruleset.reported)
    return out


def format_ruleset(ruleset: Ruleset, lang: Lang = "zh") -> str:
    """Render one ruleset for ``eldercare rules show NAME``.

    Parameters
    ----------
    ruleset : Ruleset
        The ruleset, inheritance resolved.
    lang : {"zh", "en"}
        Language of the labels; quotes are always in Chinese.

    Returns
    -------
    str
        Header (id, names, level, inheritance chain, documents with number, date and status),
        parameters with their sources, which rules judge and which only report (and why), then
        every rule with threshold, verdict basis, scope, facility kinds, the attributes counted
        facilities must have, the zone, and citation (document, article, quote, evidence level;
        memory evidence flagged).
    """
    labels = _labels(lang)
    out = [
        f"{labels['ruleset']} {ruleset.id} — {ruleset.name_zh} / {ruleset.name_en}",
        f"{labels['level']}: {ruleset.level}    {labels['chain']}: {' → '.join(ruleset.chain)}",
        f"{labels['file']}: {ruleset.source}",
        "",
        f"{labels['documents']}:",
    ]
    out.extend(_document_line(doc, labels) for doc in _cited_documents(ruleset))
    out += ["", f"{labels['parameters']}:"]
    params = ruleset.parameters
    names = list(params.sources) or []
    width = max((_width(n) for n in names), default=0)
    for name in names:
        source = params.sources[name]
        flag = f"  {labels['memory']}" if source.evidence == "memory" else ""
        value = _value(getattr(params, name))
        out.append(f"  {_pad(name, width)} = {value}   [{source.evidence}] {source.document}{flag}")
        if source.quote_zh:
            out.append(f"      「{source.quote_zh}」")
        if source.note:
            out.append(f"      {source.note}")
    out += ["", *_verdict_summary(ruleset, lang)]
    out += ["", f"{labels['rules']} ({len(ruleset.rules)} {labels['count_rules']}):"]
    for rule in ruleset.rules:
        out.append("")
        out.extend(_rule_block(rule, ruleset, lang))
    return "\n".join(out) + "\n"


def format_ruleset_list(rulesets: Iterable[Ruleset], lang: Lang = "zh") -> str:
    """Render a table of rulesets for ``eldercare rules list``.

    Columns: id, 中文名, level, inherits, number of rules, and whether any document behind the
    ruleset is a draft.
    """
    labels = _labels(lang)
    header = [
        labels["id"],
        labels["name"],
        labels["list_level"],
        labels["inherits"],
        labels["n_rules"],
        labels["status"],
    ]
    rows = [header]
    for rs in rulesets:
        status = labels["draft"] if rs.drafts else labels["none"]
        rows.append(
            [rs.id, rs.name_zh, rs.level, rs.inherits or labels["none"], str(len(rs.rules)), status]
        )
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines) + "\n"
