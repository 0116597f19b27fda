"""Checks for option values: a wrong value is an :class:`OptionError` naming the parameter."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from planning._errors import OptionError, param


def check_choice(parameter: str, value: Any, choices: tuple[Any, ...]) -> None:
    """Raise :class:`OptionError` naming ``parameter`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices if c is not None)
        raise OptionError(f"{param(parameter, value)}: choose one of {shown}.", parameter)


def check_number(
    parameter: str, value: Any, *, low: float = 0.0, high: float = math.inf, unit: str = ""
) -> float:
    """Return ``value`` as a float in ``(low, high]`` or raise :class:`OptionError`."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise OptionError(f"{param(parameter, value)}: give a number{unit}.", parameter)
    number = float(value)
    if not (math.isfinite(number) and low < number <= high):
        bound = f" and at most {high:g}" if math.isfinite(high) else ""
        raise OptionError(
            f"{param(parameter, value)}: give a number above {low:g}{bound}{unit}.", parameter
        )
    return number


def check_bool(parameter: str, value: Any) -> bool:
    """Return ``value`` if it is a real bool (not ``"no"``, not 0) or raise :class:`OptionError`."""
    if not isinstance(value, bool | np.bool_):
        raise OptionError(f"{param(parameter, value)}: give True or False.", parameter)
    return bool(value)
