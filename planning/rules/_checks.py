"""Typed checks of ruleset TOML values, collecting every problem of a file (规则集校验).

A ruleset file is read in one pass that records *every* problem it finds in a :class:`Problems`
list (file, ruleset, rule id and key in each line) instead of stopping at the first; the loader
raises one :class:`~planning._errors.RulesetError` listing them all. TOML accepts ``nan`` and
``inf`` as numbers: a threshold or parameter that is not finite is a problem here, never a rule
that passes every estate (``nan``) or fails late (``inf``).

The checkers return the parsed value, or ``None`` after recording a problem.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from planning._errors import RulesetError
from planning.rules.records import FACILITY_KINDS, UNIT_LEVELS, ParamValue
from planning.vocabulary import FACILITY_LEVELS, FACILITY_ROLES, OWNERSHIP


def fail(where: str, message: str) -> NoReturn:
    """Raise a :class:`RulesetError` at once (for problems that stop reading the file)."""
    raise RulesetError(f"{where}: {message}")


@dataclass
class Problems:
    """Every problem found in one ruleset file, raised together by :meth:`raise_if_any`."""

    file: str
    items: list[str] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        """Record one problem at ``where`` (file, ruleset, rule and key)."""
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        """Raise one :class:`RulesetError` listing every problem recorded, if any."""
        if len(self.items) == 1:
            raise RulesetError(self.items[0])
        if self.items:
            lines = "\n".join(f"  {i}. {item}" for i, item in enumerate(self.items, 1))
            raise RulesetError(
                f"{self.file}: {len(self.items)} problems in the ruleset file; fix them all:\n"
                f"{lines}"
            )


def check_keys(
    table: Mapping[str, Any], allowed: frozenset[str], where: str, what: str, problems: Problems
) -> None:
    """Record the keys of ``table`` that are not ``allowed``, listing the allowed ones."""
    unknown = sorted(set(table) - allowed)
    if unknown:
        problems.add(
            where,
            f"unknown key(s) {', '.join(unknown)} in {what}. "
            f"Allowed keys: {', '.join(sorted(allowed))}.",
        )


def number(
    value: Any,
    where: str,
    key: str,
    problems: Problems,
    *,
    low: float | None = None,
    positive: bool = False,
    high: float | None = None,
) -> float | None:
    """Return ``value`` as a finite float within the bounds, or record why it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.add(where, f"'{key}' must be a number, got {value!r}.")
        return None
    if not math.isfinite(value):
        problems.add(where, f"'{key}' is {value!r}; it must be a finite number.")
        return None
    result = float(value)
    if positive and result <= 0:
        problems.add(where, f"'{key}' must be positive, got {value!r}.")
        return None
    if low is not None and result < low:
        problems.add(where, f"'{key}' must not be below {low:g}, got {value!r}.")
        return None
    if high is not None and result > high:
        problems.add(where, f"'{key}' must not be above {high:g}, got {value!r}.")
        return None
    return result


def boolean(value: Any, where: str, key: str, problems: Problems) -> bool | None:
    """Return ``value`` when it is ``true``/``false``, else record a problem."""
    if not isinstance(value, bool):
        problems.add(where, f"'{key}' must be true or false, got {value!r}.")
        return None
    return value


def text_list(value: Any, where: str, key: str, problems: Problems) -> tuple[str, ...] | None:
    """Return a list of strings as a tuple, or record a problem."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add(where, f"'{key}' must be a list of strings, got {value!r}.")
        return None
    return tuple(value)


def _choices(
    allowed: tuple[str, ...], *, many: bool = True
) -> Callable[[Any, str, str, Problems], ParamValue | None]:
    """Return a checker for a code (or, when ``many``, a list of codes) from ``allowed``."""

    def check(value: Any, where: str, key: str, problems: Problems) -> ParamValue | None:
        values = value if many and isinstance(value, list) else [value]
        bad = [v for v in values if not isinstance(v, str) or v not in allowed]
        if bad or not values:
            form = "one of" if not many else "one (or a list) of"
            problems.add(where, f"'{key}' must be {form} {', '.join(allowed)}; got {value!r}.")
            return None
        return tuple(values) if isinstance(value, list) else value

    return check


def _text(value: Any, where: str, key: str, problems: Problems) -> ParamValue | None:
    if not isinstance(value, str):
        problems.add(where, f"'{key}' must be a text string, got {value!r}.")
        return None
    return value


def _texts(value: Any, where: str, key: str, problems: Problems) -> ParamValue | None:
    if isinstance(value, str):
        return value
    return text_list(value, where, key, problems)


def _positive(value: Any, where: str, key: str, problems: Problems) -> ParamValue | None:
    return number(value, where, key, problems, positive=True)


def _count(value: Any, where: str, key: str, problems: Problems) -> ParamValue | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.add(where, f"'{key}' must be a whole number ≥ 1, got {value!r}.")
        return None
    return value


def _tier(value: Any, where: str, key: str, problems: Problems) -> ParamValue | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d+min", value):
        problems.add(where, f"'{key}' must name a tier such as \"15min\", got {value!r}.")
        return None
    return value


def _flag(value: Any, where: str, key: str, problems: Problems) -> ParamValue | None:
    return boolean(value, where, key, problems)


#: ``params`` keys every rule may carry, with their checkers. Keys ending in ``_zh`` or
#: ``_note`` are free text (quotes, scopes, conditions the data cannot check).
PARAM_CHECKS: Mapping[str, Callable[[Any, str, str, Problems], ParamValue | None]] = {
    "tier": _tier,
    "minutes": _positive,
    "distance_m": _positive,
    "distance_m_strict": _positive,
    "zone": _texts,
    "level": _choices(UNIT_LEVELS),
    "min_per_unit": _count,
    "tiers": _choices(tuple(FACILITY_LEVELS)),
    "numerator": _choices(("nursing_beds", "beds", "floor_m2", "land_m2"), many=False),
    "denominator": _choices(("nursing_beds", "beds", "floor_m2", "land_m2"), many=False),
    "sharing_allowed": _flag,
    "sharing_distance_m": _positive,
    "evaluable": _flag,
    "missing_fields": _texts,
    "population_source": _text,
    "counts_planned": _flag,
}

#: ``[rules.select]`` keys (facility attributes) and their checkers.
SELECT_CHECKS: Mapping[str, Callable[[Any, str, str, Problems], ParamValue | None]] = {
    "ownership": _choices(tuple(OWNERSHIP)),
    "serves_tekun": _flag,
    "medical_care": _flag,
    "level": _choices(tuple(FACILITY_LEVELS)),
    "role": _choices(tuple(FACILITY_ROLES)),
    "meal_service": _flag,
}


def params_table(table: Mapping[str, Any], where: str, problems: Problems) -> dict[str, ParamValue]:
    """Return the checked ``[rules.params]`` (unknown keys and wrong types are problems)."""
    result: dict[str, ParamValue] = {}
    for key, value in table.items():
        check = PARAM_CHECKS.get(key)
        if check is None and key.endswith(("_zh", "_note")):
            check = _texts
        if check is None:
            problems.add(
                where,
                f"unknown key 'params.{key}'. Allowed: {', '.join(sorted(PARAM_CHECKS))}, or a "
                "text ending in _zh / _note.",
            )
            continue
        checked = check(value, where, f"params.{key}", problems)
        if checked is not None:
            result[key] = checked
    return result


def select_table(table: Mapping[str, Any], where: str, problems: Problems) -> dict[str, ParamValue]:
    """Return the checked ``[rules.select]`` (facility attributes a counted facility must have)."""
    result: dict[str, ParamValue] = {}
    for key, value in table.items():
        check = SELECT_CHECKS.get(key)
        if check is None:
            problems.add(where, f"unknown key 'select.{key}'. Allowed: {', '.join(SELECT_CHECKS)}.")
            continue
        checked = check(value, where, f"select.{key}", problems)
        if checked is not None:
            result[key] = checked
    return result


def facility_kinds(value: Any, where: str, problems: Problems) -> tuple[str, ...] | None:
    """Return the rule's facility kinds, or record the unknown ones."""
    kinds = text_list(value, where, "facility_kinds", problems)
    if kinds is None:
        return None
    bad = [k for k in kinds if k not in FACILITY_KINDS]
    if bad:
        problems.add(
            where,
            f"unknown facility kind(s) {', '.join(bad)}; use {', '.join(FACILITY_KINDS)}.",
        )
        return None
    return kinds
