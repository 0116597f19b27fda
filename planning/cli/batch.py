"""``eldercare batch``: its options and its progress lines (省级/全国批量评估).

The command itself is ``_cmd_batch`` in :mod:`planning.cli.main`; this module adds the batch's
options to the parser and turns :class:`~planning.batch.BatchEvent` s into progress lines on
stderr: a bar for the whole batch and one for the unit the line is about.
"""

from __future__ import annotations

import argparse
import threading
from typing import TYPE_CHECKING

from planning.cli.console import Console

if TYPE_CHECKING:
    from planning.batch import BatchEvent

#: Exit status when some units failed and the others finished.
EXIT_PARTIAL = 3

EPILOG = (
    "Exit status: 0 every unit finished; 2 bad options or inputs (nothing run); "
    f"{EXIT_PARTIAL} some units failed (listed; the others finished and are in the results — "
    "fix their inputs and run the same command again: finished units are skipped)."
)


def add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    """Options choosing the units and the Dask cluster."""
    g = parser.add_argument_group("batch 批量")
    units = g.add_mutually_exclusive_group(required=True)
    units.add_argument(
        "--split",
        metavar="LAYER[:FIELD]",
        help="units from a polygon layer: 'streets' (one per street), 'streets:county' (streets "
        "grouped by county 区县), or a polygon file, e.g. 县界.gpkg:code",
    )
    units.add_argument(
        "--manifest",
        metavar="FILE",
        help="a TOML list of per-county files ([[units]] id, name, estates, facilities, gates, "
        "streets, network); one unit per entry",
    )
    where = g.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes of a local Dask cluster (default: the machine's cores)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (workers need this "
        "package and the --out folder on shared storage)",
    )
    g.add_argument(
        "--retries",
        type=int,
        default=2,
        metavar="N",
        help="Dask retries of a unit's task after an error (default 2; a lost worker's task is "
        "rescheduled anyway)",
    )
    g.add_argument(
        "--restart",
        action="store_true",
        help="measure every unit again (default: skip units finished from the same inputs)",
    )
    g.add_argument(
        "--no-maps",
        action="store_true",
        help="tables only: no gap maps or reports for the province and the units",
    )


def _bar(share: float, width: int) -> str:
    """Return a text progress bar.

    Examples
    --------
    >>> _bar(0.5, 10)
    '[#####-----]'
    """
    filled = max(0, min(width, round(share * width)))
    return "[" + "#" * filled + "-" * (width - filled) + "]"


class BatchProgress:
    """Progress lines of a batch on the console (events may come from Dask's thread)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.lock = threading.Lock()

    def __call__(self, event: BatchEvent) -> None:
        """Print one line for an event."""
        from planning.batch import UNIT_STEPS

        if event.kind in ("plan", "cluster", "province"):
            line = event.message
        else:
            overall = event.done / event.total if event.total else 0.0
            head = f"{_bar(overall, 20)} {event.done}/{event.total} units"
            if event.failed:
                head += f", {event.failed} failed"
            unit = f"{event.name or event.unit_id} ({event.unit_id})"
            step = _bar(event.step / UNIT_STEPS, UNIT_STEPS)
            text = {
                "started": "started" + (f" again (attempt {event.attempt})" if event.attempt > 1
                                        else ""),
                "step": event.message,
                "done": f"done: {event.message}",
                "resumed": f"skipped, {event.message}",
                "failed": f"FAILED: {event.message}",
                "writing": "writing its folder",
                "written": event.message,
            }.get(event.kind, event.message)  # fmt: skip
            line = f"{head} | {unit} {step} {text}"
        with self.lock:
            self.console(line)
