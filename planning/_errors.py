"""Exceptions raised by the package, and how their messages name parameters.

Every exception a user can meet is a subclass of :class:`PlanningError` and carries a message
written for a planner: which file, which rows or ids, and what to do about it. Errors about wrong
input (files, data, options, rulesets) are also :class:`ValueError`. The command-line interface
prints the message and exits with status 2 instead of showing a traceback.

Messages name what the user can change with :func:`param` tokens. Printed from Python they read
as keyword arguments (``coords="bd09"``); the command line shows its own options instead
(``--coords bd09``), through :func:`render_params` with its table of flags.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

#: How a front end spells a parameter: f(mapping key or None, suggested value or None).
Flag = Callable[[str | None, str | None], str]

_TOKEN = re.compile(r"⟦([A-Za-z_][A-Za-z0-9_.]*)(?:=([^⟧]*))?⟧")


def param(name: str, value: object = None) -> str:
    """Return a token naming a parameter (and a value to give it) inside a message.

    Parameters
    ----------
    name : str
        The Python parameter, e.g. ``"coords"``; ``"fields.households"`` names one key of a
        mapping parameter and ``"layers.estates"`` the layer of one input.
    value : object, optional
        A value to suggest.

    Examples
    --------
    >>> render_params(f"pass {param('coords', 'bd09')}")
    'pass coords="bd09"'
    >>> render_params(f"map it with {param('fields.households', '总户数')}")
    'map it with fields={"households": "总户数"}'
    >>> render_params(f"run again with {param('download', True)}")
    'run again with download=True'
    """
    return f"⟦{name}⟧" if value is None else f"⟦{name}={value}⟧"


def _python_style(name: str, value: str | None) -> str:
    head, _, key = name.partition(".")
    if value is None:
        return f"{head}={{{key!r}: …}}".replace("'", '"') if key else f"{head}="
    shown = value if _is_number(value) or value in ("True", "False") else f'"{value}"'
    return f'{head}={{"{key}": {shown}}}' if key else f"{head}={shown}"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def render_params(text: str, flags: Mapping[str, Flag] | None = None) -> str:
    """Replace parameter tokens in ``text``: Python keyword style, or by ``flags``.

    Parameters
    ----------
    text : str
        A message with :func:`param` tokens.
    flags : mapping, optional
        Parameter name (``coords``, or ``fields`` for ``fields.households``) to a function of
        the mapping key (None for plain parameters) and the suggested value (None when none)
        that returns the command-line spelling. Parameters not in it keep the Python style.

    Returns
    -------
    str
    """

    def one(match: re.Match[str]) -> str:
        name, value = match.group(1), match.group(2)
        head, _, key = name.partition(".")
        if flags is not None and head in flags:
            return flags[head](key or None, value)
        return _python_style(name, value)

    return _TOKEN.sub(one, text)


class PlanningError(Exception):
    """Base class of every error this package raises on purpose."""

    def __str__(self) -> str:
        return render_params(super().__str__())

    @property
    def raw_message(self) -> str:
        """The message with its parameter tokens, for a front end to render its own way."""
        return super().__str__()


class InputDataError(PlanningError, ValueError):
    """Input data cannot be used (after all problems were collected).

    Parameters
    ----------
    message : str
        The whole human-readable report.
    report : object, optional
        The :class:`planning.validation.ValidationReport` behind the message, when there is one.
    """

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report


class InputFileError(PlanningError, ValueError):
    """A file cannot be opened or read at all (missing, unknown format, unreadable layer)."""


class OptionError(PlanningError, ValueError):
    """An option has a wrong value or type (named in the message and in :attr:`parameter`).

    Parameters
    ----------
    message : str
        What is wrong and what to give instead.
    parameter : str
        The parameter's name.
    """

    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class RulesetError(PlanningError, ValueError):
    """A ruleset is unknown, malformed or inconsistent."""


class NetworkError(PlanningError, ValueError):
    """A walking network cannot be built, loaded or used."""


class DownloadNotAllowedError(NetworkError):
    """Data would have to be downloaded but downloading was not requested (offline by default)."""


class SolverError(PlanningError, RuntimeError):
    """The optimisation solver failed or returned no usable solution."""


class ResultsError(PlanningError, ValueError):
    """A results folder is missing files or was written by an incompatible version."""


class MissingDependencyError(PlanningError, ImportError):
    """An optional part needs a package that is not installed (the message names the extra)."""
