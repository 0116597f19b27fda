"""Analysis array cores: floor area, service circles, admin-unit and facility rules."""

from planning.analysis.admin_rules import RuleCheck, judge
from planning.analysis.coverage import best_per_group, coverage_share, speed_sensitivity
from planning.analysis.floor_area import Allocation, allocate_area, required_floor_area

__all__ = [
    "Allocation",
    "RuleCheck",
    "allocate_area",
    "best_per_group",
    "coverage_share",
    "judge",
    "required_floor_area",
    "speed_sensitivity",
]
