"""Errors of the map and report outputs (制图输出错误)."""

from __future__ import annotations

from planning._errors import PlanningError


class MapOptionsError(PlanningError, ValueError):
    """A map option cannot be used: unknown basemap or language, missing map key, conflicts."""
