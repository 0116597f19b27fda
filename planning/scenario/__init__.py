"""Scenarios (情景): named what-ifs on an audit, and the live editor behind ``eldercare serve``.

* :mod:`~planning.scenario.model` — :func:`read_scenario` reads ``scenario.toml`` (facilities
  added, moved, closed; planned estates; an elderly-share projection; a horizon year);
* :mod:`~planning.scenario.apply` — :func:`apply_scenario` gives the inputs as a scenario has them;
* :mod:`~planning.scenario.live` — :class:`LiveAudit`, incremental recompute of one audit;
* :mod:`~planning.scenario.figures` — the per-estate figures it recomputes;
* :mod:`~planning.scenario.compare` — before/after of two results folders (``eldercare compare``).
"""

from planning.scenario.apply import apply_scenario, scenario_audit
from planning.scenario.model import (
    ADDED_PREFIX,
    PLANNED_PREFIX,
    AddedFacility,
    PlannedEstate,
    Scenario,
    check_name,
    find_scenario,
    read_scenario,
)

__all__ = [
    "ADDED_PREFIX",
    "PLANNED_PREFIX",
    "AddedFacility",
    "PlannedEstate",
    "Scenario",
    "apply_scenario",
    "check_name",
    "find_scenario",
    "read_scenario",
    "scenario_audit",
]
