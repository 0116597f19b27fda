"""Running a batch (批量评估) on a Dask cluster: measure, allocate, write.

1. *Measure* — one Dask task per unit (:func:`~planning.batch.task.measure_unit`), submitted
   with ``retries``; a worker that dies mid-task is replaced and its task rescheduled by Dask;
   a unit whose inputs are bad is reported and the others go on. Finished units are recorded in
   the ledger with their input hash and skipped on a re-run.
2. *Allocate* — on the client, the units' estates are gathered and floor area is shared once
   over all estate × facility pairs (:mod:`~planning.batch.combine`), giving the per-estate
   table a single audit of the whole area gives.
3. *Write* — the province folder (the same files as ``eldercare audit``, plus ``units.csv``,
   ``units.gpkg``, ``units_map.html``/``.png``) on the client, and one folder per unit as Dask
   tasks (:func:`~planning.batch.write.write_unit`).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from planning._errors import OptionError, param
from planning.batch.cluster import connect, dashboard_link
from planning.batch.jobs import UnitJob, stage
from planning.batch.ledger import Ledger
from planning.batch.plan import Plan
from planning.batch.province import Province, gather_province
from planning.batch.task import (
    TOPIC,
    UnitFailure,
    UnitMeasure,
    audit_path,
    load_pickle,
    measure_unit,
    save_pickle,
)
from planning.batch.write import write_unit
from planning.io.frames import frame_hash
from planning.results import AuditResult, Basemap, Lang

if TYPE_CHECKING:
    from distributed import Client, Future

#: Progress points of one unit: started, the audit's five steps, finished.
UNIT_STEPS = 6
#: Sub-folders of a batch folder: the province's results, one folder per unit, the ledger.
PROVINCE_DIR, UNITS_DIR, STATE_DIR = "province", "units", "batch"


@dataclass(frozen=True)
class BatchEvent:
    """A progress event of a batch (for a console or a notebook).

    Attributes
    ----------
    kind : str
        ``plan``, ``cluster``, ``started``, ``step``, ``done``, ``resumed``, ``failed``,
        ``writing``, ``written``, ``province``.
    unit_id, name : str
        The unit (empty for batch-wide events).
    message : str
        What happens (parameter tokens as in :class:`~planning.PlanningError` messages).
    step : int
        The unit's progress, 0…:data:`UNIT_STEPS`.
    attempt : int
        How many times the unit's task has started (2 after a lost worker).
    done, failed, total : int
        Units finished (measured or resumed), failed, and all units.
    pid : int or None
        Worker process of a worker-side event.
    """

    kind: str
    unit_id: str = ""
    name: str = ""
    message: str = ""
    step: int = 0
    attempt: int = 0
    done: int = 0
    failed: int = 0
    total: int = 0
    pid: int | None = None


Progress = Callable[[BatchEvent], None]


@dataclass
class BatchResult:
    """What a batch gives back.

    Attributes
    ----------
    out : Path
        The province folder.
    result : AuditResult or None
        The province audit (None when no unit finished).
    units : DataFrame
        The per-unit table (``units.csv``).
    failed : dict
        Unit id → message of every unit that failed.
    resumed : list of str
        Units taken from an earlier run (inputs unchanged).
    dashboard : str or None
        The Dask dashboard address while it ran.
    """

    out: Path
    result: AuditResult | None
    units: pd.DataFrame
    failed: dict[str, str] = field(default_factory=dict)
    resumed: list[str] = field(default_factory=list)
    dashboard: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every unit finished."""
        return not self.failed


class _Reporter:
    """Counts units and passes events on; worker events arrive on another thread."""

    def __init__(self, callback: Progress | None, plan: Plan) -> None:
        self.callback = callback
        self.names = {u.unit_id: u.name for u in plan.units}
        self.total = len(plan.units)
        self.done = 0
        self.failed_units: set[str] = set()
        self.steps: dict[str, int] = {}
        self.attempts: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, kind: str, unit_id: str = "", message: str = "", **extra: Any) -> None:
        with self.lock:
            if kind == "started":
                self.attempts[unit_id] = self.attempts.get(unit_id, 0) + 1
                self.steps[unit_id] = 0
            elif kind == "step":
                self.steps[unit_id] = min(self.steps.get(unit_id, 0) + 1, UNIT_STEPS - 1)
            elif kind in ("done", "resumed"):
                self.done += 1
                self.steps[unit_id] = UNIT_STEPS
            elif kind == "failed":
                self.failed_units.add(unit_id)
            event = BatchEvent(
                kind, unit_id, self.names.get(unit_id, ""), message,
                self.steps.get(unit_id, 0), self.attempts.get(unit_id, 0),
                self.done, len(self.failed_units), self.total, extra.get("pid"),
            )  # fmt: skip
            if self.callback is not None:
                self.callback(event)

    def from_worker(self, event: tuple[float, dict[str, Any]]) -> None:
        """Handle an event a worker logged (Dask calls this on the client's event loop)."""
        _, data = event
        kind = str(data.get("kind", ""))
        if kind == "failed":  # the client reports it once the task returns
            return
        self(kind, str(data.get("unit", "")), str(data.get("message", "")), pid=data.get("pid"))


@dataclass
class _Options:
    out: Path
    workers: int | None
    scheduler: str | None
    client: Client | None
    retries: int
    resume: bool
    maps: bool
    lang: Lang
    basemap: Basemap
    parameters: dict[str, Any]


def _submit_measures(
    client: Client, jobs: list[UnitJob], state: Path, retries: int
) -> dict[Future, UnitJob]:
    token = uuid.uuid4().hex[:8]
    return {
        client.submit(
            measure_unit, job, str(state), key=f"unit-{job.key}-{token}", retries=retries,
            pure=False,
        ): job
        for job in jobs
    }  # fmt: skip


def _outcome(future: Future, unit_id: str) -> UnitMeasure | UnitFailure:
    try:
        return future.result()
    # Any error left after Dask's retries (a worker lost too often, a bug) fails this unit only.
    except Exception as error:
        return UnitFailure(unit_id, f"{type(error).__name__}: {error}", type(error).__name__)


def _measure(plan: Plan, opts: _Options, client: Client, ledger: Ledger, say: _Reporter,
             measures: dict[str, UnitMeasure], failed: dict[str, str]) -> list[str]:  # fmt: skip
    """Measure the units not finished before; return those taken from an earlier run."""
    from distributed import as_completed

    state = opts.out / STATE_DIR / "state"
    todo, resumed = [], []
    for job in plan.jobs:
        uid, digest = job.unit.unit_id, job.input_hash()
        job_path = state / f"{job.key}.measure.pkl"
        if (
            opts.resume
            and ledger.finished(uid, digest)
            and job_path.exists()
            and audit_path(state, job.key).exists()
        ):
            measures[uid] = load_pickle(job_path)
            resumed.append(uid)
            say("resumed", uid, "inputs unchanged since the last run: skipped")
        else:
            ledger.units.setdefault(uid, {})["pending_hash"] = digest
            todo.append(stage(job, state))
    if not todo:
        return resumed
    futures = _submit_measures(client, todo, state, opts.retries)
    for future in as_completed(list(futures)):
        job = futures[future]
        uid = job.unit.unit_id
        outcome = _outcome(future, uid)
        digest = ledger.units[uid].pop("pending_hash")
        if isinstance(outcome, UnitMeasure):
            save_pickle(state / f"{job.key}.measure.pkl", outcome)
            measures[uid] = outcome
            ledger.record(
                uid, status="done", input_hash=digest, error=None,
                seconds=round(outcome.seconds, 2), network_nodes=outcome.network["nodes"],
                network_edges=outcome.network["edges"],
            )  # fmt: skip
            say("done", uid, f"{len(outcome.estates)} estates in {outcome.seconds:.1f} s")
        else:
            failed[uid] = outcome.message
            ledger.record(uid, status="failed", input_hash=digest, error=outcome.message)
            say("failed", uid, outcome.message)
        future.release()
    return resumed


def _written_hash(digest: str, final: pd.DataFrame, opts: _Options) -> str:
    text = f"{digest}|{frame_hash(final)}|{opts.maps}|{opts.lang}|{opts.basemap}"
    return hashlib.sha256(text.encode()).hexdigest()


def _submit_writes(plan: Plan, province: Province, opts: _Options, client: Client,
                   ledger: Ledger) -> dict[Future, tuple[str, str]]:  # fmt: skip
    """Submit the writing of every unit folder whose figures changed since it was written."""
    state = opts.out / STATE_DIR / "state"
    futures = {}
    for job in plan.jobs:
        uid = job.unit.unit_id
        if uid not in province.positions:
            continue
        final = province.result.estates.iloc[province.positions[uid]].reset_index(drop=True)
        digest = _written_hash(str(ledger.get(uid, "input_hash")), final, opts)
        folder = opts.out / UNITS_DIR / job.key
        if ledger.get(uid, "written_hash") == digest and (folder / "summary.json").exists():
            continue
        extra = {"halo_m": round(plan.halo_m, 1), "province": str(opts.out.resolve())}
        future = client.submit(
            write_unit, str(state), job.key, final, str(folder), extra, opts.maps, opts.lang,
            opts.basemap, key=f"write-{job.key}-{uuid.uuid4().hex[:8]}", retries=opts.retries,
            pure=False,
        )  # fmt: skip
        futures[future] = (uid, digest)
    return futures


def _collect_writes(futures: dict[Future, tuple[str, str]], plan: Plan, ledger: Ledger,
                    say: _Reporter, failed: dict[str, str]) -> None:  # fmt: skip
    from distributed import as_completed

    for future in as_completed(list(futures)):
        uid, digest = futures[future]
        try:
            future.result()
        except Exception as error:
            failed[uid] = f"writing its folder: {type(error).__name__}: {error}"
            ledger.record(uid, written_hash=None, error=failed[uid])
            say("failed", uid, failed[uid])
            continue
        ledger.record(uid, written_hash=digest)
        say("written", uid, f"wrote units/{plan_key(plan, uid)}/")


def plan_key(plan: Plan, unit_id: str) -> str:
    """Return the folder name of a unit of the plan."""
    return next(j.key for j in plan.jobs if j.unit.unit_id == unit_id)


def check_batch_folder(out: Path) -> None:
    """Refuse a non-empty folder that is not a batch folder (its files would be mixed in)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise OptionError(
            f"{out} is a file: choose a folder for the batch ({param('out')}).", "out"
        )
    entries = [p.name for p in out.iterdir() if not p.name.startswith(".")]
    if entries and not (out / STATE_DIR / "ledger.json").exists():
        shown = ", ".join(sorted(entries)[:5])
        raise OptionError(
            f"{out} already holds other files ({shown}) and no batch of this tool: choose a new "
            f"or empty folder ({param('out')}).",
            "out",
        )


def execute(plan: Plan, opts: _Options, progress: Progress | None) -> BatchResult:
    """Run a planned batch: measure on Dask, allocate, write (see the module docstring)."""
    check_batch_folder(opts.out)
    say = _Reporter(progress, plan)
    measures: dict[str, UnitMeasure] = {}
    resumed: list[str] = []
    # the cluster first: a scheduler that cannot be reached leaves no folder behind
    with connect(opts.workers, opts.scheduler, opts.client) as client:
        ledger = Ledger.load(opts.out / STATE_DIR / "ledger.json", fresh=not opts.resume)
        ledger.save()  # marks the folder as a batch folder from the start
        failed = dict(plan.failed)
        for uid, message in plan.failed.items():
            ledger.record(uid, status="failed", input_hash=None, error=message)
            say("failed", uid, message)
        link = dashboard_link(client)
        workers = len(client.scheduler_info().get("workers", {}))
        say("cluster", message=f"Dask: {workers} workers" + (f", dashboard {link}" if link else ""))
        client.subscribe_topic(TOPIC, say.from_worker)
        try:
            resumed = _measure(plan, opts, client, ledger, say, measures, failed)
            if not measures:
                return BatchResult(opts.out, None, pd.DataFrame(), failed, [], link)
            say("province", message="Sharing floor area across units and gathering the province")
            province = gather_province(plan, measures, failed, opts.parameters)
            writes = _submit_writes(plan, province, opts, client, ledger)
            folder = opts.out / PROVINCE_DIR
            say("province", message=f"Writing the province results to {folder}")
            province.result.write(
                folder,
                maps=opts.maps,
                lang=opts.lang,
                basemap=opts.basemap,
            )
            _collect_writes(writes, plan, ledger, say, failed)
        finally:
            client.unsubscribe_topic(TOPIC)
    table = province.unit_table(ledger, failed)
    province.write_units_outputs(opts.out, table)
    return BatchResult(opts.out, province.result, table, failed, sorted(resumed), link)
