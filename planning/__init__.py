"""Elderly-care facility planning for Chinese cities (养老服务设施规划).

Checks community elderly-care floor area per 100 households (每百户配建面积), 15-minute
service circles (一刻钟养老服务圈) on the real walking network, and street/county rules,
then proposes sites and writes gap maps and reports.

The functional API (see ``docs/python-api.md``)::

    import planning
    inputs = planning.load_inputs(estates=estates_gdf, facilities=facilities_gdf)
    net = planning.load_network("roads.gpkg", crs=inputs)
    result = planning.audit(inputs, net, rules="national")
    result.explore()

The names below load on first use, so ``import planning`` (and the command line) starts fast.
``planning.audit`` is the audit function; the subpackage of the same name is reached with
``from planning.audit import …``.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("eldercare-planning")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

#: Public name → the module that defines it.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ("audit", "check_estate", "load_inputs", "load_network", "load_ruleset", "site"),
        "planning.api",
    ),
    **dict.fromkeys(("AuditResult", "HtmlView", "Review", "SitingResult"), "planning.results"),
    **dict.fromkeys(
        (
            "DownloadNotAllowedError",
            "InputDataError",
            "InputFileError",
            "MissingDependencyError",
            "NetworkError",
            "OptionError",
            "PlanningError",
            "ResultsError",
            "RulesetError",
            "SolverError",
        ),
        "planning._errors",
    ),
    "Inputs": "planning.io",
    "WalkNetwork": "planning.network",
    "Ruleset": "planning.rules",
}

#: API functions named like a subpackage: importing the subpackage must not replace them.
_FUNCTIONS_NAMED_LIKE_SUBPACKAGES = frozenset({"audit"})

__all__ = [
    "AuditResult",
    "DownloadNotAllowedError",
    "HtmlView",
    "InputDataError",
    "InputFileError",
    "Inputs",
    "MissingDependencyError",
    "NetworkError",
    "OptionError",
    "PlanningError",
    "ResultsError",
    "Review",
    "Ruleset",
    "RulesetError",
    "SitingResult",
    "SolverError",
    "WalkNetwork",
    "__version__",
    "audit",
    "check_estate",
    "load_inputs",
    "load_network",
    "load_ruleset",
    "settings",
    "site",
]

if TYPE_CHECKING:
    from planning import settings
    from planning._errors import (
        DownloadNotAllowedError,
        InputDataError,
        InputFileError,
        MissingDependencyError,
        NetworkError,
        OptionError,
        PlanningError,
        ResultsError,
        RulesetError,
        SolverError,
    )
    from planning.api import audit, check_estate, load_inputs, load_network, load_ruleset, site
    from planning.io import Inputs
    from planning.network import WalkNetwork
    from planning.results import AuditResult, HtmlView, Review, SitingResult
    from planning.rules import Ruleset


def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562)."""
    if name == "settings":
        return import_module("planning.settings")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'planning' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names with the module's own (for tab completion)."""
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The package module; keeps ``planning.audit`` the function when the subpackage loads."""

    def __setattr__(self, name: str, value: Any) -> None:
        # importlib binds every subpackage it loads as an attribute of its parent.
        if name in _FUNCTIONS_NAMED_LIKE_SUBPACKAGES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
