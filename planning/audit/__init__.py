"""The compliance audit (合规评估): floor area, service circles, street and county rules.

* :mod:`~planning.audit.run` — :func:`run_audit` computes an :class:`Audit` in memory;
* :mod:`~planning.audit.tiers` — the service-circle tiers as measured (:class:`MeasuredTier`);
* :mod:`~planning.audit.provision` — floor area and land per estate, own and shared;
* :mod:`~planning.audit.rules` — street tables, one verdict per rule, headline totals;
* :mod:`~planning.audit.output` — :func:`write_results` writes the results folder (one
  transaction), :func:`write_tables` the tables into a given folder;
* :mod:`~planning.audit.columns` — the output columns and their Chinese headers.
"""

from planning.audit.output import input_files, summary_dict, write_results, write_tables
from planning.audit.result import Audit, AuditOptions
from planning.audit.run import run_audit
from planning.audit.tiers import MeasuredTier, measured_tiers

__all__ = [
    "Audit",
    "AuditOptions",
    "MeasuredTier",
    "input_files",
    "measured_tiers",
    "run_audit",
    "summary_dict",
    "write_results",
    "write_tables",
]
