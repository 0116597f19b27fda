"""Validate one ruleset layer (a TOML table) and merge it onto its parent (规则集继承).

Used by :mod:`planning.rules.loader`; every function raises
:class:`planning._errors.RulesetError` with the file (``where``), the rule id and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any, NoReturn, cast

from planning._errors import RulesetError
from planning.rules.model import Ruleset
from planning.rules.records import (
    APPLIES_TO,
    DOCUMENT_STATUSES,
    EVIDENCE_LEVELS,
    FACILITY_KINDS,
    KIND_UNITS,
    KINDS,
    PARAMETER_EVIDENCE_LEVELS,
    PARAMETER_NAMES,
    UNITS,
    Citation,
    Document,
    Parameters,
    ParameterSource,
    ParamValue,
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
        "report_only",
        "unset",
    }
)
_CITATION_KEYS = frozenset({"document", "article", "quote_zh", "evidence", "note"})
_SOURCE_KEYS = frozenset({"document", "evidence", "note", "quote_zh", "article"})
_DOCUMENT_KEYS = frozenset({"id", "number", "title", "date", "status", "note"})
#: Rule fields whose change changes what is checked, so an override needs a new citation.
_SUBSTANTIVE_FIELDS = frozenset(
    {"kind", "unit", "minimum", "target_max", "applies_to", "facility_kinds", "report_only"}
)
_SUBSTANTIVE_PARAMS = frozenset({"tier", "minutes", "distance_m", "zone"})
_UNSETTABLE = frozenset({"minimum", "target_max"})
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE_RE = re.compile(r"^(\d{4})(-\d{2}(-\d{2})?)?$")
CITATION_EXAMPLE = (
    '[rules.citation]\ndocument = "<文号 declared in [[documents]]>"\narticle = "<条款>"\n'
    'quote_zh = "<原文>"\nevidence = "plan"   # plan | found | memory'
)


# ----------------------------------------------------------------------------- small helpers


def fail(where: str, message: str) -> NoReturn:
    raise RulesetError(f"{where}: {message}")


def check_keys(table: Mapping[str, Any], allowed: frozenset[str], where: str, what: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        fail(
            where,
            f"unknown key(s) {', '.join(unknown)} in {what}. "
            f"Allowed keys: {', '.join(sorted(allowed))}.",
        )


def text_field(table: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = table.get(key)
    if value is None:
        if required:
            fail(where, f"'{key}' is missing; add {key} = \"…\".")
        return ""
    if not isinstance(value, str):
        fail(where, f"'{key}' must be a text string, got {value!r}.")
    if required and not value.strip():
        fail(where, f"'{key}' is empty.")
    return value


def _number(value: Any, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        fail(where, f"'{key}' must be a number, got {value!r}.")
    return float(value)


def _bool(value: Any, where: str, key: str) -> bool:
    if not isinstance(value, bool):
        fail(where, f"'{key}' must be true or false, got {value!r}.")
    return value


def _table(value: Any, where: str, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        fail(where, f"'{key}' must be a table ([{key}] or {{ … }}), got {value!r}.")
    return value


def str_list(value: Any, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail(where, f'\'{key}\' must be a list of strings, e.g. {key} = ["a", "b"].')
    return tuple(value)


# ----------------------------------------------------------------------------- documents


def merge_documents(parent: Ruleset | None, raw_docs: Any, where: str) -> tuple[Document, ...]:
    if not isinstance(raw_docs, list):
        fail(where, "'documents' must be an array of tables ([[documents]]).")
    merged: dict[str, Document] = {d.id: d for d in (parent.documents if parent else ())}
    for i, item in enumerate(raw_docs):
        dwhere = f"{where} [[documents]] #{i + 1}"
        item = _table(item, dwhere, "documents")
        check_keys(item, _DOCUMENT_KEYS, dwhere, "a document")
        status = text_field(item, "status", dwhere)
        if status not in DOCUMENT_STATUSES:
            fail(dwhere, f"status '{status}' is not one of {', '.join(DOCUMENT_STATUSES)}.")
        date = text_field(item, "date", dwhere, required=False)
        if date and not _DATE_RE.match(date):
            fail(dwhere, f"date '{date}' must be YYYY, YYYY-MM or YYYY-MM-DD (or empty).")
        doc = Document(
            id=text_field(item, "id", dwhere),
            number=text_field(item, "number", dwhere),
            title=text_field(item, "title", dwhere),
            date=date,
            status=status,
            note=text_field(item, "note", dwhere, required=False),
        )
        merged[doc.id] = doc
    return tuple(merged.values())


# ----------------------------------------------------------------------------- parameters


def _parameter_value(name: str, value: Any, where: str) -> Any:
    if name == "walk_speed_sensitivity":
        if not isinstance(value, list) or not value:
            fail(where, "'walk_speed_sensitivity' must be a non-empty list of speeds (m/s).")
        speeds = tuple(_number(v, where, name) for v in value)
        if any(s <= 0 for s in speeds):
            fail(where, "'walk_speed_sensitivity' speeds must be positive (m/s).")
        return speeds
    if name == "circle_measure":
        if value not in ("distance", "time"):
            fail(where, f'\'circle_measure\' must be "distance" or "time", got {value!r}.')
        return value
    if name == "sharing_allowed_existing":
        return _bool(value, where, name)
    if name == "new_estate_cutoff_year":
        if isinstance(value, bool) or not isinstance(value, int) or not 1949 <= value <= 2100:
            fail(where, f"'new_estate_cutoff_year' must be a year such as 2022, got {value!r}.")
        return value
    number = _number(value, where, name)
    if number <= 0:
        fail(where, f"'{name}' must be positive, got {value!r}.")
    if name == "winter_speed_factor" and number > 1.5:
        fail(where, f"'winter_speed_factor' {number} is implausible; use a value ≤ 1.")
    return number


def _parameter_source(table: Any, where: str) -> ParameterSource:
    table = _table(table, where, "parameter_sources")
    check_keys(table, _SOURCE_KEYS, where, "a parameter source")
    evidence = text_field(table, "evidence", where)
    if evidence not in PARAMETER_EVIDENCE_LEVELS:
        fail(where, f"evidence '{evidence}' is not one of {', '.join(PARAMETER_EVIDENCE_LEVELS)}.")
    note = text_field(table, "note", where, required=evidence != "plan")
    return ParameterSource(
        document=text_field(table, "document", where),
        evidence=cast(Any, evidence),
        note=note,
        quote_zh=text_field(table, "quote_zh", where, required=evidence == "plan"),
        article=text_field(table, "article", where, required=False),
    )


def merge_parameters(parent: Ruleset | None, raw: Mapping[str, Any], where: str) -> Parameters:
    values = _table(raw.get("parameters", {}), where, "parameters")
    sources_raw = _table(raw.get("parameter_sources", {}), where, "parameter_sources")
    allowed = frozenset(PARAMETER_NAMES)
    check_keys(values, allowed, where, "[parameters]")
    check_keys(sources_raw, allowed, where, "[parameter_sources]")
    pwhere = f"{where} [parameters]"
    new_values = {name: _parameter_value(name, v, pwhere) for name, v in values.items()}
    new_sources = {
        name: _parameter_source(t, f"{where} [parameter_sources.{name}]")
        for name, t in sources_raw.items()
    }
    if parent is None:
        missing = [n for n in PARAMETER_NAMES if n not in new_values or n not in new_sources]
        if missing:
            fail(
                where,
                f"a root ruleset must set every parameter with a source; missing: "
                f"{', '.join(missing)} (in [parameters] and [parameter_sources.<name>]).",
            )
        return Parameters(**new_values, sources=MappingProxyType(new_sources))
    for name, value in new_values.items():
        if value != getattr(parent.parameters, name) and name not in new_sources:
            fail(
                where,
                f"parameter '{name}' changes from {getattr(parent.parameters, name)!r} to "
                f"{value!r} without a source; add [parameter_sources.{name}] with document, "
                "evidence (plan|found|memory|assumption) and note.",
            )
    sources = {**parent.parameters.sources, **new_sources}
    return replace(parent.parameters, **new_values, sources=MappingProxyType(sources))


# ----------------------------------------------------------------------------- rules


def _citation(table: Any, where: str) -> Citation:
    table = _table(table, where, "citation")
    check_keys(table, _CITATION_KEYS, where, "[rules.citation]")
    evidence = text_field(table, "evidence", where)
    if evidence not in EVIDENCE_LEVELS:
        fail(where, f"citation evidence '{evidence}' is not one of {', '.join(EVIDENCE_LEVELS)}.")
    note = text_field(table, "note", where, required=False)
    if evidence != "plan" and not note.strip():
        fail(
            where,
            f"a citation with evidence '{evidence}' needs a note naming the source and saying "
            "how reliable the wording is.",
        )
    return Citation(
        document=text_field(table, "document", where),
        article=text_field(table, "article", where),
        quote_zh=text_field(table, "quote_zh", where),
        evidence=cast(Any, evidence),
        note=note,
    )


def _param_value(value: Any, where: str, key: str) -> ParamValue:
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list) and all(isinstance(v, str | int | float | bool) for v in value):
        return tuple(value)
    fail(where, f"params.{key} must be a string, number, boolean or a list of them.")


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
        "report_only": rule.report_only,
    }


def _build_rule(fields: dict[str, Any], origin: str, where: str) -> Rule:
    rid = fields["id"]
    kind = fields.get("kind")
    if not isinstance(kind, str) or kind not in KIND_UNITS:
        fail(where, f"rule '{rid}': unknown kind {kind!r}. Use one of: {', '.join(KINDS)}.")
    unit = fields.get("unit")
    if not isinstance(unit, str) or unit not in UNITS:
        fail(where, f"rule '{rid}': unknown unit {unit!r}. Use one of: {', '.join(UNITS)}.")
    if unit != KIND_UNITS[kind]:
        fail(
            where, f"rule '{rid}': kind '{kind}' is measured in '{KIND_UNITS[kind]}', not '{unit}'."
        )
    applies_to = fields.get("applies_to", "any")
    if applies_to not in APPLIES_TO:
        fail(
            where, f"rule '{rid}': applies_to {applies_to!r} is not one of {', '.join(APPLIES_TO)}."
        )
    kinds = str_list(fields.get("facility_kinds", []), where, "facility_kinds")
    bad = [k for k in kinds if k not in FACILITY_KINDS]
    if bad:
        fail(
            where,
            f"rule '{rid}': unknown facility kind(s) {', '.join(bad)}; "
            f"use {', '.join(FACILITY_KINDS)}.",
        )
    minimum = fields.get("minimum")
    target_max = fields.get("target_max")
    minimum = None if minimum is None else _number(minimum, where, f"{rid}.minimum")
    target_max = None if target_max is None else _number(target_max, where, f"{rid}.target_max")
    report_only = _bool(fields.get("report_only", False), where, f"{rid}.report_only")
    if minimum is None and not report_only:
        fail(where, f"rule '{rid}' has no minimum; give minimum = … or set report_only = true.")
    for value, name in ((minimum, "minimum"), (target_max, "target_max")):
        if value is not None and value < 0:
            fail(where, f"rule '{rid}': {name} must not be negative.")
        if value is not None and unit == "pct" and value > 100:
            fail(where, f"rule '{rid}': {name} {value} % is above 100 %.")
    if minimum is not None and target_max is not None and target_max < minimum:
        fail(where, f"rule '{rid}': target_max {target_max} is below minimum {minimum}.")
    params = {k: _param_value(v, where, k) for k, v in fields.get("params", {}).items()}
    if kind == "service_circle":
        for key in ("tier", "minutes", "distance_m"):
            if key not in params:
                fail(where, f"service_circle rule '{rid}' needs params.{key}.")
        for key in ("minutes", "distance_m"):
            if _number(params[key], where, f"params.{key}") <= 0:
                fail(where, f"rule '{rid}': params.{key} must be positive.")
        if not kinds:
            fail(where, f"service_circle rule '{rid}' needs facility_kinds.")
    citation = fields.get("citation")
    if not isinstance(citation, Citation):
        fail(where, f"rule '{rid}' has no citation. Every rule needs one:\n{CITATION_EXAMPLE}")
    return Rule(
        id=rid,
        kind=kind,
        title_zh=text_field(fields, "title_zh", f"{where} rule '{rid}'"),
        title_en=text_field(fields, "title_en", f"{where} rule '{rid}'"),
        unit=unit,
        minimum=minimum,
        target_max=target_max,
        applies_to=applies_to,
        facility_kinds=kinds,
        citation=citation,
        params=MappingProxyType(params),
        report_only=report_only,
        origin=origin,
    )


def merge_rules(
    parent: Ruleset | None, raw: Mapping[str, Any], origin: str, where: str
) -> tuple[Rule, ...]:
    rules: dict[str, Rule] = {r.id: r for r in (parent.rules if parent else ())}
    raw_rules = raw.get("rules", [])
    if not isinstance(raw_rules, list):
        fail(where, "'rules' must be an array of tables ([[rules]]).")
    own_ids: set[str] = set()
    for i, item in enumerate(raw_rules):
        item = _table(item, f"{where} [[rules]] #{i + 1}", "rules")
        rid = text_field(item, "id", f"{where} [[rules]] #{i + 1}")
        rwhere = f"{where} rule '{rid}'"
        if not ID_RE.match(rid):
            fail(rwhere, "rule ids must be lower-case ASCII letters, digits and '_'.")
        if rid in own_ids:
            fail(rwhere, "the id appears twice in this file; merge the two [[rules]] tables.")
        own_ids.add(rid)
        check_keys(item, _RULE_KEYS, rwhere, "[[rules]]")
        overrides = {k: v for k, v in item.items() if k not in ("unset", "citation")}
        if "citation" in item:
            overrides["citation"] = _citation(item["citation"], f"{rwhere} [citation]")
        unset = str_list(item.get("unset", []), rwhere, "unset")
        if set(unset) - _UNSETTABLE:
            fail(rwhere, f"unset may only name {', '.join(sorted(_UNSETTABLE))}.")
        if "params" in overrides:
            overrides["params"] = _table(overrides["params"], rwhere, "params")
        if rid in rules:
            fields = _rule_fields(rules[rid])
            changed = set(unset) | {
                k for k in _SUBSTANTIVE_FIELDS if k in overrides and overrides[k] != fields[k]
            }
            new_params = overrides.pop("params", {})
            changed |= {
                f"params.{k}"
                for k in _SUBSTANTIVE_PARAMS
                if k in new_params and new_params[k] != fields["params"].get(k)
            }
            if changed and "citation" not in overrides:
                fail(
                    rwhere,
                    f"overrides {', '.join(sorted(changed))} of the inherited rule without a "
                    f"citation. Say where the new value comes from:\n{CITATION_EXAMPLE}",
                )
            fields.update(overrides)
            fields["params"] = {**fields["params"], **new_params}
        else:
            if unset:
                fail(rwhere, "unset only applies to an inherited rule; this id is new.")
            if "citation" not in item:
                fail(
                    rwhere,
                    f"new rule without a citation. Every rule needs one:\n{CITATION_EXAMPLE}",
                )
            fields = dict(overrides)
        for name in unset:
            fields[name] = None
        rules[rid] = _build_rule(fields, origin, where)
    disabled = str_list(raw.get("disable_rules", []), where, "disable_rules")
    for rid in disabled:
        if rid not in rules:
            fail(
                where,
                f"disable_rules names '{rid}', which is not a rule; rules: {', '.join(rules)}.",
            )
        del rules[rid]
    _check_unique_status_rules(rules.values(), where)
    return tuple(rules.values())


def _check_unique_status_rules(rules: Any, where: str) -> None:
    seen: dict[tuple[str, str], str] = {}
    for rule in rules:
        if rule.kind not in ("floor_area_per_households", "land_per_capita"):
            continue
        key = (rule.kind, rule.applies_to)
        if key in seen:
            fail(
                where,
                f"rules '{seen[key]}' and '{rule.id}' are both {rule.kind} for "
                f"applies_to = {rule.applies_to}; keep one (override by id or disable_rules).",
            )
        seen[key] = rule.id


def check_references(ruleset: Ruleset, where: str) -> None:
    known = ", ".join(d.number for d in ruleset.documents) or "(none)"
    for rule in ruleset.rules:
        if ruleset.document(rule.citation.document) is None:
            fail(
                where,
                f"rule '{rule.id}' cites document '{rule.citation.document}', which is not "
                f"declared. Add it under [[documents]] (id, number, title, date, status) or cite "
                f"one of: {known}.",
            )
    for name, source in ruleset.parameters.sources.items():
        if source.evidence == "plan" and ruleset.document(source.document) is None:
            fail(
                where,
                f"parameter '{name}' cites plan document '{source.document}', which is not "
                f"declared under [[documents]]; declared: {known}.",
            )
