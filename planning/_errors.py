"""Exceptions raised by the package.

Every exception a user can meet is a subclass of :class:`PlanningError` and carries a message
written for a planner: which file, which rows or ids, and what to do about it. The command-line
interface prints that message and exits with status 2 instead of showing a traceback.
"""

from __future__ import annotations


class PlanningError(Exception):
    """Base class of every error this package raises on purpose."""


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
