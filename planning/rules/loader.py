"""Read, validate and resolve rulesets (规则集) from TOML files.

Presets ship in ``planning/rules/data/*.toml``: ``national`` (全国) and one file per city. A
ruleset file may ``inherits = "<preset id or Chinese name>"`` or ``inherits = "other.toml"`` (a
path relative to the file). The child then

* overrides parameters key by key (``[parameters]``; a changed value needs a
  ``[parameter_sources.<name>]`` table saying why);
* overrides rules by ``id`` field by field (``[[rules]]`` with an existing id; a changed
  threshold, unit, kind, status, facility kinds or tier needs its own ``[rules.citation]``);
  ``unset = ["minimum"]`` clears an inherited value;
* adds rules (new ids; a citation is mandatory) and drops inherited ones
  (``disable_rules = ["id", …]``);
* adds or replaces documents by ``id`` (``[[documents]]``).

Every problem a user can make in a file raises :class:`planning._errors.RulesetError` naming the
file, the rule id and the fix.
"""

from __future__ import annotations

import logging
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn, cast

from planning._errors import RulesetError
from planning.rules.model import (
    APPLIES_TO,
    DOCUMENT_STATUSES,
    EVIDENCE_LEVELS,
    FACILITY_KINDS,
    KIND_UNITS,
    KINDS,
    PARAMETER_EVIDENCE_LEVELS,
    PARAMETER_NAMES,
    RULESET_LEVELS,
    UNITS,
    Citation,
    Document,
    Parameters,
    ParameterSource,
    ParamValue,
    Rule,
    Ruleset,
)

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1

_TOP_KEYS = frozenset(
    {
        "schema_version",
        "id",
        "name_zh",
        "name_en",
        "level",
        "inherits",
        "aliases",
        "documents",
        "parameters",
        "parameter_sources",
        "rules",
        "disable_rules",
    }
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
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE_RE = re.compile(r"^(\d{4})(-\d{2}(-\d{2})?)?$")
_CITATION_EXAMPLE = (
    '[rules.citation]\ndocument = "<文号 declared in [[documents]]>"\narticle = "<条款>"\n'
    'quote_zh = "<原文>"\nevidence = "plan"   # plan | found | memory'
)


# ----------------------------------------------------------------------------- small helpers


def _fail(where: str, message: str) -> NoReturn:
    raise RulesetError(f"{where}: {message}")


def _check_keys(table: Mapping[str, Any], allowed: frozenset[str], where: str, what: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        _fail(
            where,
            f"unknown key(s) {', '.join(unknown)} in {what}. "
            f"Allowed keys: {', '.join(sorted(allowed))}.",
        )


def _str(table: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = table.get(key)
    if value is None:
        if required:
            _fail(where, f"'{key}' is missing; add {key} = \"…\".")
        return ""
    if not isinstance(value, str):
        _fail(where, f"'{key}' must be a text string, got {value!r}.")
    if required and not value.strip():
        _fail(where, f"'{key}' is empty.")
    return value


def _number(value: Any, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(where, f"'{key}' must be a number, got {value!r}.")
    return float(value)


def _bool(value: Any, where: str, key: str) -> bool:
    if not isinstance(value, bool):
        _fail(where, f"'{key}' must be true or false, got {value!r}.")
    return value


def _table(value: Any, where: str, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _fail(where, f"'{key}' must be a table ([{key}] or {{ … }}), got {value!r}.")
    return value


def _str_list(value: Any, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        _fail(where, f'\'{key}\' must be a list of strings, e.g. {key} = ["a", "b"].')
    return tuple(value)


def _normalise_name(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s\-_·.]+", "", text)


def _strip_suffix(key: str) -> str:
    for suffix in ("市", "区", "县", "省"):
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


# ----------------------------------------------------------------------------- presets


@dataclass(frozen=True)
class _Preset:
    id: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]
    file: Any  # importlib.resources Traversable


def _preset_dir() -> Any:
    return resources.files("planning.rules").joinpath("data")


def _parse(text: bytes, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        _fail(where, f"not UTF-8 text ({exc}). Save the file as UTF-8.")
    except tomllib.TOMLDecodeError as exc:
        _fail(where, f"TOML syntax error: {exc}. Fix the file at that line.")


def _presets() -> dict[str, _Preset]:
    found: dict[str, _Preset] = {}
    for entry in sorted(_preset_dir().iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        raw = _parse(entry.read_bytes(), str(entry))
        pid = _str(raw, "id", str(entry))
        aliases = _str_list(raw.get("aliases", []), str(entry), "aliases")
        found[pid] = _Preset(
            pid, _str(raw, "name_zh", str(entry)), _str(raw, "name_en", str(entry)), aliases, entry
        )
    return found


def _available(presets: Mapping[str, _Preset]) -> str:
    return ", ".join(f"{p.id} ({p.name_zh})" for p in _ordered(presets.values()))


def _ordered(presets: Any) -> list[_Preset]:
    return sorted(presets, key=lambda p: (p.id != "national", p.id))


def resolve_ruleset_id(text: str) -> str:
    """Return the preset id for a name: the id, the Chinese or English name, or an alias.

    Case, spaces and hyphens are ignored, and a trailing 市/区/县 may be left out, so
    ``双鸭山``, ``双鸭山市``, ``Shuangyashan`` and ``SHUANGYASHAN`` all give ``shuangyashan``.
    Only a preset's own suffix may be dropped: ``朝阳区`` (Beijing) does not match ``朝阳市``.

    Raises
    ------
    RulesetError
        If no preset matches; the message lists the available ids with their Chinese names.
    """
    presets = _presets()
    index: dict[str, str] = {}
    for preset in presets.values():
        for name in (preset.id, preset.name_zh, preset.name_en, *preset.aliases):
            index.setdefault(_normalise_name(name), preset.id)
        # the Chinese name without its own 市/区/县 (双鸭山市 → 双鸭山), never another suffix:
        # 朝阳区 (Beijing) must not resolve to 朝阳市 (Liaoning).
        index.setdefault(_strip_suffix(_normalise_name(preset.name_zh)), preset.id)
    key = _normalise_name(str(text))
    if key in index:
        return index[key]
    raise RulesetError(
        f"Unknown ruleset '{text}'. Available rulesets: {_available(presets)}. "
        "Give one of these ids (Chinese names and pinyin work too) or the path of a .toml file."
    )


def _looks_like_path(text: str) -> bool:
    return text.lower().endswith(".toml") or "/" in text or "\\" in text


# ----------------------------------------------------------------------------- public API


def load_ruleset(name_or_path: str | Path) -> Ruleset:
    """Load a preset by name or a ruleset file, with its inheritance resolved.

    Parameters
    ----------
    name_or_path : str or Path
        A preset id or name (``daye``, ``大冶``, ``杨陵区`` …) or the path of a ``.toml`` file.

    Returns
    -------
    Ruleset

    Raises
    ------
    RulesetError
        Unknown preset, missing file, TOML syntax error (with file and line), unknown rule kind
        or unit, missing citation, inheritance cycle, or any other invalid content.
    """
    if isinstance(name_or_path, Path) or _looks_like_path(str(name_or_path)):
        return _load_file(Path(name_or_path), ())
    return _load_preset(resolve_ruleset_id(str(name_or_path)), ())


def list_rulesets() -> list[Ruleset]:
    """Load every preset, ``national`` first, then by id."""
    return [_load_preset(p.id, ()) for p in _ordered(_presets().values())]


# ----------------------------------------------------------------------------- resolution


def _load_preset(preset_id: str, seen: tuple[str, ...]) -> Ruleset:
    presets = _presets()
    preset = presets[preset_id]
    key = f"preset:{preset_id}"
    where = str(preset.file)
    return _resolve(_parse(preset.file.read_bytes(), where), where, key, None, seen)


def _load_file(path: Path, seen: tuple[str, ...]) -> Ruleset:
    if not path.is_file():
        _fail(str(path), "file not found. Give the path of a ruleset .toml file or a preset id.")
    try:
        text = path.read_bytes()
    except OSError as exc:
        _fail(str(path), f"cannot be read ({exc}).")
    key = f"file:{path.resolve()}"
    raw = _parse(text, str(path))
    return _resolve(raw, str(path), key, path, seen)


def _load_parent(ref: str, child_path: Path | None, seen: tuple[str, ...], where: str) -> Ruleset:
    if _looks_like_path(ref):
        base = child_path.parent if child_path is not None else Path.cwd()
        target = (base / ref).resolve()
        if f"file:{target}" in seen:
            _cycle(seen, f"file:{target}", where)
        return _load_file(target, seen)
    try:
        preset_id = resolve_ruleset_id(ref)
    except RulesetError as exc:
        _fail(where, f"inherits = '{ref}': {exc}")
    if f"preset:{preset_id}" in seen:
        _cycle(seen, f"preset:{preset_id}", where)
    return _load_preset(preset_id, seen)


def _cycle(seen: tuple[str, ...], again: str, where: str) -> NoReturn:
    chain = " → ".join(s.split(":", 1)[1] for s in (*seen, again))
    _fail(where, f"inheritance cycle: {chain}. Make one of these files inherit from another one.")


def _resolve(
    raw: dict[str, Any], where: str, key: str, path: Path | None, seen: tuple[str, ...]
) -> Ruleset:
    _check_keys(raw, _TOP_KEYS, where, "the ruleset file")
    version = raw.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        _fail(where, f"schema_version {version!r} is not supported; use {SCHEMA_VERSION}.")
    seen = (*seen, key)
    inherits_ref = raw.get("inherits")
    parent: Ruleset | None = None
    if inherits_ref is not None:
        if not isinstance(inherits_ref, str) or not inherits_ref.strip():
            _fail(where, "'inherits' must be a preset id or the path of a .toml file.")
        parent = _load_parent(inherits_ref, path, seen, where)

    default_id = path.stem.lower() if path is not None else ""
    rid = str(raw.get("id") or default_id)
    if not _ID_RE.match(rid):
        _fail(where, f"id '{rid}' must be lower-case ASCII letters, digits and '_'.")
    where = f"{where} [ruleset {rid}]"
    name_zh = _str(raw, "name_zh", where, required=parent is None) or (
        parent.name_zh if parent else ""
    )
    name_en = _str(raw, "name_en", where, required=parent is None) or (
        parent.name_en if parent else ""
    )
    level = _str(raw, "level", where, required=parent is None) or (parent.level if parent else "")
    if level not in RULESET_LEVELS:
        _fail(where, f"level '{level}' is not one of {', '.join(RULESET_LEVELS)}.")
    aliases = _str_list(raw.get("aliases", []), where, "aliases")

    documents = _merge_documents(parent, raw.get("documents", []), where)
    parameters = _merge_parameters(parent, raw, where)
    rules = _merge_rules(parent, raw, rid, where)
    ruleset = Ruleset(
        id=rid,
        name_zh=name_zh,
        name_en=name_en,
        level=level,
        inherits=parent.id if parent else None,
        documents=documents,
        parameters=parameters,
        rules=rules,
        aliases=aliases,
        chain=(rid, *(parent.chain if parent else ())),
        source=str(path) if path is not None else where.split(" [ruleset ", 1)[0],
    )
    _check_references(ruleset, where)
    logger.debug("loaded ruleset %s with %d rules", rid, len(rules))
    return ruleset


# ----------------------------------------------------------------------------- documents


def _merge_documents(parent: Ruleset | None, raw_docs: Any, where: str) -> tuple[Document, ...]:
    if not isinstance(raw_docs, list):
        _fail(where, "'documents' must be an array of tables ([[documents]]).")
    merged: dict[str, Document] = {d.id: d for d in (parent.documents if parent else ())}
    for i, item in enumerate(raw_docs):
        dwhere = f"{where} [[documents]] #{i + 1}"
        item = _table(item, dwhere, "documents")
        _check_keys(item, _DOCUMENT_KEYS, dwhere, "a document")
        status = _str(item, "status", dwhere)
        if status not in DOCUMENT_STATUSES:
            _fail(dwhere, f"status '{status}' is not one of {', '.join(DOCUMENT_STATUSES)}.")
        date = _str(item, "date", dwhere, required=False)
        if date and not _DATE_RE.match(date):
            _fail(dwhere, f"date '{date}' must be YYYY, YYYY-MM or YYYY-MM-DD (or empty).")
        doc = Document(
            id=_str(item, "id", dwhere),
            number=_str(item, "number", dwhere),
            title=_str(item, "title", dwhere),
            date=date,
            status=status,
            note=_str(item, "note", dwhere, required=False),
        )
        merged[doc.id] = doc
    return tuple(merged.values())


# ----------------------------------------------------------------------------- parameters


def _parameter_value(name: str, value: Any, where: str) -> Any:
    if name == "walk_speed_sensitivity":
        if not isinstance(value, list) or not value:
            _fail(where, "'walk_speed_sensitivity' must be a non-empty list of speeds (m/s).")
        speeds = tuple(_number(v, where, name) for v in value)
        if any(s <= 0 for s in speeds):
            _fail(where, "'walk_speed_sensitivity' speeds must be positive (m/s).")
        return speeds
    if name == "circle_measure":
        if value not in ("distance", "time"):
            _fail(where, f'\'circle_measure\' must be "distance" or "time", got {value!r}.')
        return value
    if name == "sharing_allowed_existing":
        return _bool(value, where, name)
    if name == "new_estate_cutoff_year":
        if isinstance(value, bool) or not isinstance(value, int) or not 1949 <= value <= 2100:
            _fail(where, f"'new_estate_cutoff_year' must be a year such as 2022, got {value!r}.")
        return value
    number = _number(value, where, name)
    if number <= 0:
        _fail(where, f"'{name}' must be positive, got {value!r}.")
    if name == "winter_speed_factor" and number > 1.5:
        _fail(where, f"'winter_speed_factor' {number} is implausible; use a value ≤ 1.")
    return number


def _parameter_source(table: Any, where: str) -> ParameterSource:
    table = _table(table, where, "parameter_sources")
    _check_keys(table, _SOURCE_KEYS, where, "a parameter source")
    evidence = _str(table, "evidence", where)
    if evidence not in PARAMETER_EVIDENCE_LEVELS:
        _fail(where, f"evidence '{evidence}' is not one of {', '.join(PARAMETER_EVIDENCE_LEVELS)}.")
    note = _str(table, "note", where, required=evidence != "plan")
    return ParameterSource(
        document=_str(table, "document", where),
        evidence=cast(Any, evidence),
        note=note,
        quote_zh=_str(table, "quote_zh", where, required=evidence == "plan"),
        article=_str(table, "article", where, required=False),
    )


def _merge_parameters(parent: Ruleset | None, raw: Mapping[str, Any], where: str) -> Parameters:
    values = _table(raw.get("parameters", {}), where, "parameters")
    sources_raw = _table(raw.get("parameter_sources", {}), where, "parameter_sources")
    allowed = frozenset(PARAMETER_NAMES)
    _check_keys(values, allowed, where, "[parameters]")
    _check_keys(sources_raw, allowed, where, "[parameter_sources]")
    pwhere = f"{where} [parameters]"
    new_values = {name: _parameter_value(name, v, pwhere) for name, v in values.items()}
    new_sources = {
        name: _parameter_source(t, f"{where} [parameter_sources.{name}]")
        for name, t in sources_raw.items()
    }
    if parent is None:
        missing = [n for n in PARAMETER_NAMES if n not in new_values or n not in new_sources]
        if missing:
            _fail(
                where,
                f"a root ruleset must set every parameter with a source; missing: "
                f"{', '.join(missing)} (in [parameters] and [parameter_sources.<name>]).",
            )
        return Parameters(**new_values, sources=MappingProxyType(new_sources))
    for name, value in new_values.items():
        if value != getattr(parent.parameters, name) and name not in new_sources:
            _fail(
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
    _check_keys(table, _CITATION_KEYS, where, "[rules.citation]")
    evidence = _str(table, "evidence", where)
    if evidence not in EVIDENCE_LEVELS:
        _fail(where, f"citation evidence '{evidence}' is not one of {', '.join(EVIDENCE_LEVELS)}.")
    note = _str(table, "note", where, required=False)
    if evidence != "plan" and not note.strip():
        _fail(
            where,
            f"a citation with evidence '{evidence}' needs a note naming the source and saying "
            "how reliable the wording is.",
        )
    return Citation(
        document=_str(table, "document", where),
        article=_str(table, "article", where),
        quote_zh=_str(table, "quote_zh", where),
        evidence=cast(Any, evidence),
        note=note,
    )


def _param_value(value: Any, where: str, key: str) -> ParamValue:
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list) and all(isinstance(v, str | int | float | bool) for v in value):
        return tuple(value)
    _fail(where, f"params.{key} must be a string, number, boolean or a list of them.")


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
        _fail(where, f"rule '{rid}': unknown kind {kind!r}. Use one of: {', '.join(KINDS)}.")
    unit = fields.get("unit")
    if not isinstance(unit, str) or unit not in UNITS:
        _fail(where, f"rule '{rid}': unknown unit {unit!r}. Use one of: {', '.join(UNITS)}.")
    if unit != KIND_UNITS[kind]:
        _fail(
            where, f"rule '{rid}': kind '{kind}' is measured in '{KIND_UNITS[kind]}', not '{unit}'."
        )
    applies_to = fields.get("applies_to", "any")
    if applies_to not in APPLIES_TO:
        _fail(
            where, f"rule '{rid}': applies_to {applies_to!r} is not one of {', '.join(APPLIES_TO)}."
        )
    kinds = _str_list(fields.get("facility_kinds", []), where, "facility_kinds")
    bad = [k for k in kinds if k not in FACILITY_KINDS]
    if bad:
        _fail(
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
        _fail(where, f"rule '{rid}' has no minimum; give minimum = … or set report_only = true.")
    for value, name in ((minimum, "minimum"), (target_max, "target_max")):
        if value is not None and value < 0:
            _fail(where, f"rule '{rid}': {name} must not be negative.")
        if value is not None and unit == "pct" and value > 100:
            _fail(where, f"rule '{rid}': {name} {value} % is above 100 %.")
    if minimum is not None and target_max is not None and target_max < minimum:
        _fail(where, f"rule '{rid}': target_max {target_max} is below minimum {minimum}.")
    params = {k: _param_value(v, where, k) for k, v in fields.get("params", {}).items()}
    if kind == "service_circle":
        for key in ("tier", "minutes", "distance_m"):
            if key not in params:
                _fail(where, f"service_circle rule '{rid}' needs params.{key}.")
        for key in ("minutes", "distance_m"):
            if _number(params[key], where, f"params.{key}") <= 0:
                _fail(where, f"rule '{rid}': params.{key} must be positive.")
        if not kinds:
            _fail(where, f"service_circle rule '{rid}' needs facility_kinds.")
    citation = fields.get("citation")
    if not isinstance(citation, Citation):
        _fail(where, f"rule '{rid}' has no citation. Every rule needs one:\n{_CITATION_EXAMPLE}")
    return Rule(
        id=rid,
        kind=kind,
        title_zh=_str(fields, "title_zh", f"{where} rule '{rid}'"),
        title_en=_str(fields, "title_en", f"{where} rule '{rid}'"),
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


def _merge_rules(
    parent: Ruleset | None, raw: Mapping[str, Any], origin: str, where: str
) -> tuple[Rule, ...]:
    rules: dict[str, Rule] = {r.id: r for r in (parent.rules if parent else ())}
    raw_rules = raw.get("rules", [])
    if not isinstance(raw_rules, list):
        _fail(where, "'rules' must be an array of tables ([[rules]]).")
    own_ids: set[str] = set()
    for i, item in enumerate(raw_rules):
        item = _table(item, f"{where} [[rules]] #{i + 1}", "rules")
        rid = _str(item, "id", f"{where} [[rules]] #{i + 1}")
        rwhere = f"{where} rule '{rid}'"
        if not _ID_RE.match(rid):
            _fail(rwhere, "rule ids must be lower-case ASCII letters, digits and '_'.")
        if rid in own_ids:
            _fail(rwhere, "the id appears twice in this file; merge the two [[rules]] tables.")
        own_ids.add(rid)
        _check_keys(item, _RULE_KEYS, rwhere, "[[rules]]")
        overrides = {k: v for k, v in item.items() if k not in ("unset", "citation")}
        if "citation" in item:
            overrides["citation"] = _citation(item["citation"], f"{rwhere} [citation]")
        unset = _str_list(item.get("unset", []), rwhere, "unset")
        if set(unset) - _UNSETTABLE:
            _fail(rwhere, f"unset may only name {', '.join(sorted(_UNSETTABLE))}.")
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
                _fail(
                    rwhere,
                    f"overrides {', '.join(sorted(changed))} of the inherited rule without a "
                    f"citation. Say where the new value comes from:\n{_CITATION_EXAMPLE}",
                )
            fields.update(overrides)
            fields["params"] = {**fields["params"], **new_params}
        else:
            if unset:
                _fail(rwhere, "unset only applies to an inherited rule; this id is new.")
            if "citation" not in item:
                _fail(
                    rwhere,
                    f"new rule without a citation. Every rule needs one:\n{_CITATION_EXAMPLE}",
                )
            fields = dict(overrides)
        for name in unset:
            fields[name] = None
        rules[rid] = _build_rule(fields, origin, where)
    disabled = _str_list(raw.get("disable_rules", []), where, "disable_rules")
    for rid in disabled:
        if rid not in rules:
            _fail(
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
            _fail(
                where,
                f"rules '{seen[key]}' and '{rule.id}' are both {rule.kind} for "
                f"applies_to = {rule.applies_to}; keep one (override by id or disable_rules).",
            )
        seen[key] = rule.id


def _check_references(ruleset: Ruleset, where: str) -> None:
    known = ", ".join(d.number for d in ruleset.documents) or "(none)"
    for rule in ruleset.rules:
        if ruleset.document(rule.citation.document) is None:
            _fail(
                where,
                f"rule '{rule.id}' cites document '{rule.citation.document}', which is not "
                f"declared. Add it under [[documents]] (id, number, title, date, status) or cite "
                f"one of: {known}.",
            )
    for name, source in ruleset.parameters.sources.items():
        if source.evidence == "plan" and ruleset.document(source.document) is None:
            _fail(
                where,
                f"parameter '{name}' cites plan document '{source.document}', which is not "
                f"declared under [[documents]]; declared: {known}.",
            )
