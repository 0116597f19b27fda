"""Input data validation (输入数据检查): problems, the report and the shared checks.

* :class:`Problem`, :class:`ValidationReport` — what was found, formatted for planners (en/zh).
* :data:`CATALOGUE` — every problem code with its severity, messages and fix.
* :func:`check_geometries`, :func:`check_duplicate_ids`, :func:`study_area`,
  :func:`flag_outliers`, :func:`check_links`, :func:`drop_rows` — checks used by
  :mod:`planning.io`;
* :func:`check_plausible` — households, floor areas, land and beds beyond real ones.

Row numbers in problems: CSV/XLSX rows as in a spreadsheet (header = row 1, first data row = 2);
spatial files: 1-based feature number in file order.
"""

from planning.validation.checks import (
    StudyArea,
    check_duplicate_ids,
    check_geometries,
    check_links,
    drop_rows,
    flag_outliers,
    study_area,
)
from planning.validation.messages import CATALOGUE, Severity
from planning.validation.plausibility import check_plausible
from planning.validation.report import Problem, ValidationReport

__all__ = [
    "CATALOGUE",
    "Problem",
    "Severity",
    "StudyArea",
    "ValidationReport",
    "check_duplicate_ids",
    "check_geometries",
    "check_links",
    "check_plausible",
    "drop_rows",
    "flag_outliers",
    "study_area",
]
