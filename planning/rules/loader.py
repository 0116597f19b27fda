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
* adds or replaces documents by ``id`` (``[[documents]]``);
* may set ``verdicts = "all" | "verified" | "own_plan"``: which rules give a verdict
  (:mod:`planning.rules.verdicts`; inherited, ``all`` at the root by default).

Every value is checked against its type and range (numbers must be finite: ``nan`` and ``inf``
are refused), unknown keys are refused, and *all* problems of a file are raised together in one
:class:`planning._errors.RulesetError` naming the file, the rule id, the key and the fix.

Example of a user file (``my_daye.toml``)::

    inherits = "大冶"                 # or "daye", or "../base.toml"
    name_zh = "大冶市（2025 情景）"

    [[documents]]                     # every cited document must be declared
    id = "local-2025"
    number = "大冶规〔2025〕1号"
    title = "…"
    date = "2025"
    status = "in_force"               # in_force | draft_for_approval | draft_for_comment | …

    [parameters]
    walk_speed_m_per_s = 0.7
    [parameter_sources.walk_speed_m_per_s]
    document = "local survey 2025"
    evidence = "found"                # plan | found | memory | assumption
    note = "median of 300 observed residents aged 65+"

    [[rules]]
    id = "floor_area_new"             # overrides the inherited rule, other fields are kept
    minimum = 30
    [rules.citation]
    document = "大冶规〔2025〕1号"
    article = "第三条"
    quote_zh = "新建住宅小区按每百户不少于30平方米配建"
    evidence = "plan"
"""

from __future__ import annotations

import functools
import logging
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from planning._errors import RulesetError
from planning.rules._checks import Problems, check_keys, fail
from planning.rules._layers import (
    ID_RE,
    check_references,
    merge_documents,
    merge_parameters,
    merge_rules,
    str_list,
    text_field,
)
from planning.rules.model import Ruleset
from planning.rules.records import RULESET_LEVELS, VERDICT_POLICIES
from planning.rules.verdicts import apply_policy

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
        "verdicts",
    }
)


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
        fail(where, f"not UTF-8 text ({exc}). Save the file as UTF-8.")
    except tomllib.TOMLDecodeError as exc:
        fail(where, f"TOML syntax error: {exc}. Fix the file at that line.")


@functools.cache  # presets are package data: read once per process
def _presets() -> dict[str, _Preset]:
    found: dict[str, _Preset] = {}
    for entry in sorted(_preset_dir().iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        raw = _parse(entry.read_bytes(), str(entry))
        problems = Problems(str(entry))
        pid = text_field(raw, "id", str(entry), problems)
        aliases = str_list(raw.get("aliases", []), str(entry), "aliases", problems)
        name_zh = text_field(raw, "name_zh", str(entry), problems)
        found[pid] = _Preset(
            pid, name_zh, text_field(raw, "name_en", str(entry), problems), aliases, entry
        )
        problems.raise_if_any()
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


def _id_from_stem(stem: str) -> str:
    """Ruleset id for a file without ``id``: its name, lower-cased, other characters as ``_``."""
    rid = re.sub(r"[^a-z0-9_]+", "_", stem.lower()).strip("_")
    if not rid:
        return "custom"
    return rid if rid[0].isalpha() else f"r_{rid}"


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


@functools.cache  # a Ruleset is frozen, so one copy per preset serves every caller
def _load_preset(preset_id: str, seen: tuple[str, ...]) -> Ruleset:
    presets = _presets()
    preset = presets[preset_id]
    key = f"preset:{preset_id}"
    where = str(preset.file)
    return _resolve(_parse(preset.file.read_bytes(), where), where, key, None, seen)


def _load_file(path: Path, seen: tuple[str, ...]) -> Ruleset:
    if not path.is_file():
        fail(str(path), "file not found. Give the path of a ruleset .toml file or a preset id.")
    try:
        text = path.read_bytes()
    except OSError as exc:
        fail(str(path), f"cannot be read ({exc}).")
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
        fail(where, f"inherits = '{ref}': {exc}")
    if f"preset:{preset_id}" in seen:
        _cycle(seen, f"preset:{preset_id}", where)
    return _load_preset(preset_id, seen)


def _cycle(seen: tuple[str, ...], again: str, where: str) -> NoReturn:
    chain = " → ".join(s.split(":", 1)[1] for s in (*seen, again))
    fail(where, f"inheritance cycle: {chain}. Make one of these files inherit from another one.")


def _resolve(
    raw: dict[str, Any], where: str, key: str, path: Path | None, seen: tuple[str, ...]
) -> Ruleset:
    problems = Problems(where)
    check_keys(raw, _TOP_KEYS, where, "the ruleset file", problems)
    version = raw.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        problems.add(where, f"schema_version {version!r} is not supported; use {SCHEMA_VERSION}.")
    seen = (*seen, key)
    inherits_ref = raw.get("inherits")
    parent: Ruleset | None = None
    if inherits_ref is not None:
        if not isinstance(inherits_ref, str) or not inherits_ref.strip():
            fail(where, "'inherits' must be a preset id or the path of a .toml file.")
        parent = _load_parent(inherits_ref, path, seen, where)

    default_id = _id_from_stem(path.stem) if path is not None else ""
    rid = str(raw.get("id") or default_id)
    if not ID_RE.match(rid):
        problems.add(where, f"id '{rid}' must be lower-case ASCII letters, digits and '_'.")
    where = f"{where} [ruleset {rid}]"
    inherited = {"name_zh": "", "name_en": "", "level": ""} if parent is None else {
        "name_zh": parent.name_zh, "name_en": parent.name_en, "level": parent.level
    }  # fmt: skip
    name_zh, name_en, level = (
        text_field(raw, k, where, problems, required=parent is None) or inherited[k]
        for k in ("name_zh", "name_en", "level")
    )
    if level and level not in RULESET_LEVELS:
        problems.add(where, f"level '{level}' is not one of {', '.join(RULESET_LEVELS)}.")
    aliases = str_list(raw.get("aliases", []), where, "aliases", problems)
    verdicts = raw.get("verdicts", parent.verdicts if parent else "all")
    if verdicts not in VERDICT_POLICIES:
        problems.add(where, f"verdicts {verdicts!r} is not one of {', '.join(VERDICT_POLICIES)}.")
        verdicts = "all"

    documents = merge_documents(parent, raw.get("documents", []), where, problems)
    parameters = merge_parameters(parent, raw, where, problems)
    rules = merge_rules(parent, raw, rid, where, problems)
    if parameters is None:
        problems.raise_if_any()
    assert parameters is not None  # a root without parameters is a problem raised above
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
        verdicts=str(verdicts),
    )
    check_references(ruleset, where, problems)
    problems.raise_if_any()
    ruleset = replace(
        ruleset, rules=apply_policy(ruleset.rules, ruleset.verdicts, ruleset.document)
    )
    logger.debug("loaded ruleset %s with %d rules", rid, len(rules))
    return ruleset
