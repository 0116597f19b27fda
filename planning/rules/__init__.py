"""Jurisdiction rulesets (规则集): the thresholds the audit checks, with their sources.

Presets ship as TOML files in ``planning/rules/data``: ``national`` (全国) and the five plans the
project started from, 双鸭山 ``shuangyashan``, 朝阳 ``chaoyang``, 大冶 ``daye``, 杨陵 ``yangling``,
忻州 ``xinzhou``. A user's own file can inherit from any of them and override rules or
parameters. Every rule carries a :class:`Citation` with an evidence level (plan, found, memory).

Examples
--------
>>> from planning.rules import load_ruleset
>>> rs = load_ruleset("双鸭山")
>>> rs.floor_area_rule("new").minimum
20.0
>>> [t.distance_m for t in rs.circle_tiers()]
[300.0, 500.0, 1000.0]
"""

from planning.rules.format import format_ruleset, format_ruleset_list
from planning.rules.loader import list_rulesets, load_ruleset, resolve_ruleset_id
from planning.rules.model import Ruleset
from planning.rules.records import (
    APPLIES_TO,
    DOCUMENT_STATUSES,
    EVIDENCE_LEVELS,
    FACILITY_KINDS,
    KIND_UNITS,
    KINDS,
    PARAMETER_NAMES,
    UNITS,
    Citation,
    Document,
    Parameters,
    ParameterSource,
    Rule,
    SharingPolicy,
    Tier,
)

__all__ = [
    "APPLIES_TO",
    "DOCUMENT_STATUSES",
    "EVIDENCE_LEVELS",
    "FACILITY_KINDS",
    "KINDS",
    "KIND_UNITS",
    "PARAMETER_NAMES",
    "UNITS",
    "Citation",
    "Document",
    "ParameterSource",
    "Parameters",
    "Rule",
    "Ruleset",
    "SharingPolicy",
    "Tier",
    "format_ruleset",
    "format_ruleset_list",
    "list_rulesets",
    "load_ruleset",
    "resolve_ruleset_id",
]
