"""Validate one ruleset layer (a TOML table) and merge it onto its parent (规则集继承).

Used by :mod:`planning.rules.loader`. Every problem of a layer goes into one
:class:`~planning.rules._checks.Problems` list naming the file, the rule id, the key and the fix;
the loader raises them together. A rule with problems is left out of the merge so the other
rules can still be checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any, cast

from planning.rules._checks import (
    Problems,
    boolean,
    check_keys,
    facility_kinds,
    number,
    params_table,
    select_table,
    text_list,
)
from planning.rules.model import Ruleset
from planning.rules.records import (
    APPLIES_TO,
    DOCUMENT_STATUSES,
    EVIDENCE_LEVELS,
    KIND_UNITS,
    KINDS,
    PARAMETER_EVIDENCE_LEVELS,
    PARAMETER_NAMES,
    UNITS,
    Citation,
    Document,
    Parameters,
    ParameterSource,
    Rule,
)

_RULE_KEYS = frozenset(
    {
        "id",
        "kind",
        "title_zh",
        "title_en",
        "unit",
        "minimum",
        "target_max",
        "applies_to",
        "facility_kinds",
        "citation",
        "params",
        "select",
        "report_only",
        "unset",
    }
)
_CITATION_KEYS = frozenset({"document", "article", "quote_zh", "evidence", "note"})
_SOURCE_KEYS = frozenset({"document", "evidence", "note", "quote_zh", "article"})
_DOCUMENT_KEYS = frozenset({"id", "number", "title", "date", "status", "note"})
#: Rule fields whose change changes what is checked, so an override needs a new citation.
_SUBSTANTIVE_FIELDS = frozenset(
    {"kind", "unit", "minimum", "target_max", "applies_to", "facility_kinds", "report_only",
     "select"}
)  # fmt: skip
_SUBSTANTIVE_PARAMS = frozenset(
    {"tier", "minutes", "distance_m", "zone", "level", "min_per_unit", "tiers", "numerator",
     "denominator"}
)  # fmt: skip
_UNSETTABLE = frozenset({"minimum", "target_max"})
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE_RE = re.compile(r"^(\d{4})(-\d{2}(-\d{2})?)?$")
CITATION_EXAMPLE = (
    '[rules.citation]\ndocument = "<文号 declared in [[documents]]>"\narticle = "<条款>"\n'
    'quote_zh = "<原文>"\nevidence = "plan"   # plan | found | memory'
)


# ----------------------------------------------------------------------------- small helpers


def text_field(
    table: Mapping[str, Any], key: str, where: str, problems: Problems, *, required: bool = True
) -> str:
    """Return a text value ("" when absent or wrong, with the problem recorded)."""
    value = table.get(key)
    if value is None:
        if required:
            problems.add(where, f"'{key}' is missing; add {key} = \"…\".")
        return ""
    if not isinstance(value, str):
        problems.add(where, f"'{key}' must be a text string, got {value!r}.")
        return ""
    if required and not value.strip():
        problems.add(where, f"'{key}' is empty.")
    return value


def table_of(value: Any, where: str, key: str, problems: Problems) -> dict[str, Any] | None:
    """Return ``value`` when it is a TOML table, else record a problem."""
    if not isinstance(value, dict):
        problems.add(where, f"'{key}' must be a table ([{key}] or {{ … }}), got {value!r}.")
        return None
    return value


def str_list(value: Any, where: str, key: str, problems: Problems) -> tuple[str, ...]:
    """Return a list of strings (empty after recording a problem)."""
    return text_list(value, where, key, problems) or ()


# ----------------------------------------------------------------------------- documents


def merge_documents(
    parent: Ruleset | None, raw_docs: Any, where: str, problems: Problems
) -> tuple[Document, ...]:
    """Add or replace the layer's ``[[documents]]`` (by id) on the parent's."""
    merged: dict[str, Document] = {d.id: d for d in (parent.documents if parent else ())}
    if not isinstance(raw_docs, list):
        problems.add(where, "'documents' must be an array of tables ([[documents]]).")
        return tuple(merged.values())
    for i, item in enumerate(raw_docs):
        dwhere = f"{where} [[documents]] #{i + 1}"
        if table_of(item, dwhere, "documents", problems) is None:
            continue
        count = len(problems.items)
        check_keys(item, _DOCUMENT_KEYS, dwhere, "a document", problems)
        status = text_field(item, "status", dwhere, problems)
        if status and status not in DOCUMENT_STATUSES:
            problems.add(dwhere, f"status '{status}' is not one of {', '.join(DOCUMENT_STATUSES)}.")
        date = text_field(item, "date", dwhere, problems, required=False)
        if date and not _DATE_RE.match(date):
            problems.add(dwhere, f"date '{date}' must be YYYY, YYYY-MM or YYYY-MM-DD (or empty).")
        doc = Document(
            id=text_field(item, "id", dwhere, problems),
            number=text_field(item, "number", dwhere, problems),
            title=text_field(item, "title", dwhere, problems),
            date=date,
            status=status,
            note=text_field(item, "note", dwhere, problems, required=False),
        )
        if len(problems.items) == count:
            merged[doc.id] = doc
    return tuple(merged.values())


# ----------------------------------------------------------------------------- parameters


def _parameter_value(name: str, value: Any, where: str, problems: Problems) -> Any:
    if name == "walk_speed_sensitivity":
        if not isinstance(value, list) or not value:
            problems.add(
                where, "'walk_speed_sensitivity' must be a non-empty list of speeds (m/s)."
            )
            return None
        speeds = [number(v, where, name, problems, positive=True, high=3.0) for v in value]
        return None if any(s is None for s in speeds) else tuple(speeds)
    if name == "circle_measure":
        if value not in ("distance", "time"):
            problems.add(where, f'\'circle_measure\' must be "distance" or "time", got {value!r}.')
            return None
        return value
    if name == "sharing_allowed_existing":
        return boolean(value, where, name, problems)
    if name == "new_estate_cutoff_year":
        if isinstance(value, bool) or not isinstance(value, int) or not 1949 <= value <= 2100:
            problems.add(
                where, f"'new_estate_cutoff_year' must be a year such as 2022, got {value!r}."
            )
            return None
        return value
    high = {"walk_speed_m_per_s": 3.0, "winter_speed_factor": 1.5, "persons_per_household": 10.0}
    return number(value, where, name, problems, positive=True, high=high.get(name))


def _parameter_source(table: Any, where: str, problems: Problems) -> ParameterSource | None:
    if table_of(table, where, "parameter_sources", problems) is None:
        return None
    count = len(problems.items)
    check_keys(table, _SOURCE_KEYS, where, "a parameter source", problems)
    evidence = text_field(table, "evidence", where, problems)
    if evidence and evidence not in PARAMETER_EVIDENCE_LEVELS:
        problems.add(
            where, f"evidence '{evidence}' is not one of {', '.join(PARAMETER_EVIDENCE_LEVELS)}."
        )
    source = ParameterSource(
        document=text_field(table, "document", where, problems),
        evidence=cast(Any, evidence),
        note=text_field(table, "note", where, problems, required=evidence != "plan"),
        quote_zh=text_field(table, "quote_zh", where, problems, required=evidence == "plan"),
        article=text_field(table, "article", where, problems, required=False),
    )
    return source if len(problems.items) == count else None


def merge_parameters(
    parent: Ruleset | None, raw: Mapping[str, Any], where: str, problems: Problems
) -> Parameters | None:
    """Return the parameters after this layer (``None`` when a root layer is incomplete)."""
    values = table_of(raw.get("parameters", {}), where, "parameters", problems) or {}
    sources_raw = table_of(raw.get("parameter_sources", {}), where, "parameter_sources", problems)
    sources_raw = sources_raw or {}
    allowed = frozenset(PARAMETER_NAMES)
    check_keys(values, allowed, where, "[parameters]", problems)
    check_keys(sources_raw, allowed, where, "[parameter_sources]", problems)
    pwhere = f"{where} [parameters]"
    new_values = {
        name: v
        for name, value in values.items()
        if name in allowed and (v := _parameter_value(name, value, pwhere, problems)) is not None
    }
    new_sources = {
        name: s
        for name, table in sources_raw.items()
        if name in allowed
        and (s := _parameter_source(table, f"{where} [parameter_sources.{name}]", problems))
    }
    if parent is None:
        missing = [n for n in PARAMETER_NAMES if n not in values or n not in sources_raw]
        if missing:
            problems.add(
                where,
                f"a root ruleset must set every parameter with a source; missing: "
                f"{', '.join(missing)} (in [parameters] and [parameter_sources.<name>]).",
            )
        if set(PARAMETER_NAMES) - set(new_values) or set(PARAMETER_NAMES) - set(new_sources):
            return None
        return Parameters(**new_values, sources=MappingProxyType(new_sources))
    for name, value in new_values.items():
        if value != getattr(parent.parameters, name) and name not in sources_raw:
            problems.add(
                where,
                f"parameter '{name}' changes from {getattr(parent.parameters, name)!r} to "
                f"{value!r} without a source; add [parameter_sources.{name}] with document, "
                "evidence (plan|found|memory|assumption) and note.",
            )
    sources = {**parent.parameters.sources, **new_sources}
    return replace(parent.parameters, **new_values, sources=MappingProxyType(sources))


# ----------------------------------------------------------------------------- rules


def _citation(table: Any, where: str, problems: Problems) -> Citation | None:
    if table_of(table, where, "citation", problems) is None:
        return None
    count = len(problems.items)
    check_keys(table, _CITATION_KEYS, where, "[rules.citation]", problems)
    evidence = text_field(table, "evidence", where, problems)
    if evidence and evidence not in EVIDENCE_LEVELS:
        problems.add(
            where, f"citation evidence '{evidence}' is not one of {', '.join(EVIDENCE_LEVELS)}."
        )
    note = text_field(table, "note", where, problems, required=False)
    if evidence != "plan" and not note.strip():
        problems.add(
            where,
            f"a citation with evidence '{evidence}' needs a note naming the source and saying "
            "how reliable the wording is.",
        )
    citation = Citation(
        document=text_field(table, "document", where, problems),
        article=text_field(table, "article", where, problems),
        quote_zh=text_field(table, "quote_zh", where, problems),
        evidence=cast(Any, evidence),
        note=note,
    )
    return citation if len(problems.items) == count else None


def _rule_fields(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "kind": rule.kind,
        "title_zh": rule.title_zh,
        "title_en": rule.title_en,
        "unit": rule.unit,
        "minimum": rule.minimum,
        "target_max": rule.target_max,
        "applies_to": rule.applies_to,
        "facility_kinds": list(rule.facility_kinds),
        "citation": rule.citation,
        "params": dict(rule.params),
        "select": dict(rule.select),
        "report_only": rule.report_only_given,
    }


def _bounds(fields: dict[str, Any], unit: str, where: str, problems: Problems) -> tuple[Any, Any]:
    """Check ``minimum``/``target_max``: finite, ≥ 0, ≤ 100 for %, target not below minimum."""
    high = 100.0 if unit == "pct" else None
    found = []
    for key in ("minimum", "target_max"):
        value = fields.get(key)
        found.append(None if value is None else number(value, where, key, problems, low=0.0, high=high))  # fmt: skip
    minimum, target_max = found
    if minimum is not None and target_max is not None and target_max < minimum:
        problems.add(where, f"target_max {target_max:g} is below minimum {minimum:g}.")
    return minimum, target_max


def _build_rule(fields: dict[str, Any], origin: str, where: str, problems: Problems) -> Rule | None:
    """Check every field of a (merged) rule; return it, or ``None`` after recording problems."""
    rid = fields["id"]
    count = len(problems.items)
    kind, unit = fields.get("kind"), fields.get("unit")
    if not isinstance(kind, str) or kind not in KIND_UNITS:
        problems.add(where, f"unknown kind {kind!r}. Use one of: {', '.join(KINDS)}.")
    if not isinstance(unit, str) or unit not in UNITS:
        problems.add(where, f"unknown unit {unit!r}. Use one of: {', '.join(UNITS)}.")
    elif isinstance(kind, str) and kind in KIND_UNITS and unit != KIND_UNITS[kind]:
        problems.add(where, f"kind '{kind}' is measured in '{KIND_UNITS[kind]}', not '{unit}'.")
    applies_to = fields.get("applies_to", "any")
    if applies_to not in APPLIES_TO:
        problems.add(where, f"applies_to {applies_to!r} is not one of {', '.join(APPLIES_TO)}.")
    kinds = facility_kinds(fields.get("facility_kinds", []), where, problems) or ()
    minimum, target_max = _bounds(fields, str(unit), where, problems)
    given = fields.get("report_only")
    if given is not None:
        given = boolean(given, where, "report_only", problems)
    if fields.get("minimum") is None and given is not True:
        problems.add(where, "no minimum; give minimum = … or set report_only = true.")
    params = params_table(fields.get("params", {}), where, problems)
    select = select_table(fields.get("select", {}), where, problems)
    if kind == "service_circle":
        for key in ("tier", "minutes", "distance_m"):
            if key not in fields.get("params", {}):
                problems.add(where, f"a service_circle rule needs params.{key}.")
        if not kinds:
            problems.add(where, "a service_circle rule needs facility_kinds.")
    if kind == "tier_completeness" and "tiers" not in params:
        problems.add(where, 'a tier_completeness rule needs params.tiers, e.g. ["county", …].')
    citation = fields.get("citation")
    if citation is None and "citation" not in fields:
        problems.add(where, f"no citation. Every rule needs one:\n{CITATION_EXAMPLE}")
    title_zh = text_field(fields, "title_zh", where, problems)
    title_en = text_field(fields, "title_en", where, problems)
    if len(problems.items) > count or not isinstance(citation, Citation):
        return None
    return Rule(
        id=rid,
        kind=cast(str, kind),
        title_zh=title_zh,
        title_en=title_en,
        unit=cast(str, unit),
        minimum=minimum,
        target_max=target_max,
        applies_to=applies_to,
        facility_kinds=kinds,
        citation=citation,
        params=MappingProxyType(params),
        report_only=bool(given),
        origin=origin,
        select=MappingProxyType(select),
        report_only_given=given,
    )


def _override(
    inherited: Rule, item: dict[str, Any], overrides: dict[str, Any], rwhere: str,
    problems: Problems,
) -> dict[str, Any] | None:  # fmt: skip
    """Merge an override onto an inherited rule; a substantive change needs a citation."""
    fields = _rule_fields(inherited)
    unset = str_list(item.get("unset", []), rwhere, "unset", problems)
    if set(unset) - _UNSETTABLE:
        problems.add(rwhere, f"unset may only name {', '.join(sorted(_UNSETTABLE))}.")
    current = {**fields, "report_only": inherited.report_only}
    changed = set(unset) | {
        k for k in _SUBSTANTIVE_FIELDS if k in overrides and overrides[k] != current[k]
    }
    new_params = overrides.pop("params", {})
    changed |= {
        f"params.{k}"
        for k in _SUBSTANTIVE_PARAMS
        if k in new_params and new_params[k] != fields["params"].get(k)
    }
    if changed and "citation" not in item:
        problems.add(
            rwhere,
            f"overrides {', '.join(sorted(changed))} of the inherited rule without a "
            f"citation. Say where the new value comes from:\n{CITATION_EXAMPLE}",
        )
        return None
    fields.update(overrides)
    fields["params"] = {**fields["params"], **new_params}
    for name in unset:
        fields[name] = None
    return fields


def merge_rules(
    parent: Ruleset | None, raw: Mapping[str, Any], origin: str, where: str, problems: Problems
) -> tuple[Rule, ...]:
    """Return the parent's rules with this layer's overrides, additions and removals."""
    rules: dict[str, Rule] = {r.id: r for r in (parent.rules if parent else ())}
    raw_rules = raw.get("rules", [])
    if not isinstance(raw_rules, list):
        problems.add(where, "'rules' must be an array of tables ([[rules]]).")
        raw_rules = []
    own_ids: set[str] = set()
    for i, item in enumerate(raw_rules):
        if table_of(item, f"{where} [[rules]] #{i + 1}", "rules", problems) is None:
            continue
        rid = text_field(item, "id", f"{where} [[rules]] #{i + 1}", problems)
        rwhere = f"{where} rule '{rid}'"
        if not ID_RE.match(rid):
            problems.add(rwhere, "rule ids must be lower-case ASCII letters, digits and '_'.")
            continue
        if rid in own_ids:
            problems.add(rwhere, "the id appears twice in this file; merge the two [[rules]].")
            continue
        own_ids.add(rid)
        check_keys(item, _RULE_KEYS, rwhere, "[[rules]]", problems)
        overrides = {k: v for k, v in item.items() if k not in ("unset", "citation")}
        for key in ("params", "select"):
            if key in overrides and table_of(overrides[key], rwhere, key, problems) is None:
                overrides.pop(key)
        if "citation" in item:
            overrides["citation"] = _citation(item["citation"], f"{rwhere} [citation]", problems)
        if rid in rules:
            fields = _override(rules[rid], item, overrides, rwhere, problems)
        elif "unset" in item:
            problems.add(rwhere, "unset only applies to an inherited rule; this id is new.")
            fields = None
        elif "citation" not in item:
            problems.add(rwhere, f"new rule without a citation. Every rule needs one:\n{CITATION_EXAMPLE}")  # fmt: skip
            fields = None
        else:
            fields = dict(overrides)
        rule = None if fields is None else _build_rule(fields, origin, rwhere, problems)
        if rule is not None:
            rules[rid] = rule
    for rid in str_list(raw.get("disable_rules", []), where, "disable_rules", problems):
        if rid not in rules:
            problems.add(
                where,
                f"disable_rules names '{rid}', which is not a rule; rules: {', '.join(rules)}.",
            )
        else:
            del rules[rid]
    _check_unique_status_rules(rules.values(), where, problems)
    return tuple(rules.values())


def _check_unique_status_rules(rules: Any, where: str, problems: Problems) -> None:
    seen: dict[tuple[str, str], str] = {}
    for rule in rules:
        if rule.kind not in ("floor_area_per_households", "land_per_capita"):
            continue
        key = (rule.kind, rule.applies_to)
        if key in seen:
            problems.add(
                where,
                f"rules '{seen[key]}' and '{rule.id}' are both {rule.kind} for "
                f"applies_to = {rule.applies_to}; keep one (override by id or disable_rules).",
            )
        seen[key] = rule.id


def check_references(ruleset: Ruleset, where: str, problems: Problems) -> None:
    """Record citations of documents the ruleset chain does not declare."""
    known = ", ".join(d.number for d in ruleset.documents) or "(none)"
    for rule in ruleset.rules:
        if ruleset.document(rule.citation.document) is None:
            problems.add(
                where,
                f"rule '{rule.id}' cites document '{rule.citation.document}', which is not "
                f"declared. Add it under [[documents]] (id, number, title, date, status) or cite "
                f"one of: {known}.",
            )
    for name, source in ruleset.parameters.sources.items():
        if source.evidence == "plan" and ruleset.document(source.document) is None:
            problems.add(
                where,
                f"parameter '{name}' cites plan document '{source.document}', which is not "
                f"declared under [[documents]]; declared: {known}.",
            )
