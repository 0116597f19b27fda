"""Independent output jobs run side by side in forked worker processes (并行输出).

The writers of a results set (GeoPackage, tables, workbook, maps) share nothing but what the
audit holds in memory. A forked worker sees that memory as it is (copy-on-write, nothing is
pickled on the way in), writes its files and sends back only their names, so the jobs run on
every core of the machine. Where processes cannot be forked (Windows, or one CPU) the jobs run
one after the other in this process, with the same results.

A job that fails raises its error here, after the other workers are stopped; an interrupt
(Ctrl-C, SIGTERM) stops every worker before it propagates, so the caller's clean-up (the
transaction removing its staging folder) never races a worker still writing.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, cast

logger = logging.getLogger(__name__)

#: Results at least this large (estates + network edges / 10) are written and drawn side by side
#: in worker processes; smaller ones finish before the workers would have started.
PARALLEL_MIN_ROWS = 10_000


def output_size(estates: int, network_edges: int) -> float:
    """Return how big a results set is to write or draw: estates, and network edges at a tenth."""
    return estates + network_edges / 10


def auto_workers(size: float) -> int | None:
    """Return the workers for a results set of ``size``: every CPU (None) for a city, else 1."""
    return None if size >= PARALLEL_MIN_ROWS else 1


@dataclass(frozen=True)
class Job:
    """One independent piece of output work.

    Attributes
    ----------
    name : str
        What the job writes, for messages (``"results.gpkg"``, ``"maps"``).
    run : callable
        Does the work and returns a mapping (``{file name: path}`` for a writer), merged into
        what :func:`run_jobs` returns; it crosses from the worker by pickle.
    cost : float
        Rough relative cost: the costliest jobs start first.
    """

    name: str
    run: Callable[[], Mapping[str, Any]]
    cost: float = 1.0


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether worker processes can be forked here."""
    return "fork" in multiprocessing.get_all_start_methods()


class JobFailed(RuntimeError):
    """A worker died without reporting (killed, or crashed in native code)."""


def _child(job: Job, conn: Connection) -> None:
    """Run ``job`` in the forked worker and send ``(ok, value)`` back, pickled."""
    try:
        message: tuple[bool, Any] = (True, job.run())
    except BaseException as exc:  # every failure goes back to the parent, which decides
        exc.add_note(f"(in the worker process writing {job.name})")
        message = (False, exc)
    try:
        payload = pickle.dumps(message)
        pickle.loads(payload)  # an error whose class cannot be rebuilt is sent as text
    except Exception:
        error = message[1]
        text = "".join(traceback.format_exception(error)) if not message[0] else repr(error)
        payload = pickle.dumps((False, JobFailed(f"{job.name} failed in a worker:\n{text}")))
    conn.send_bytes(payload)
    conn.close()


def run_jobs(jobs: Sequence[Job], workers: int | None = None) -> dict[str, Any]:
    """Run the jobs in forked processes, at most ``workers`` at a time; merge what they return.

    Parameters
    ----------
    jobs : sequence of Job
        Independent jobs (none reads what another writes).
    workers : int, optional
        Processes at a time; default: the CPUs of this process. 1 runs every job in this
        process, one after the other.

    Returns
    -------
    dict
        What the jobs returned, merged in the order of ``jobs``.

    Raises
    ------
    BaseException
        The first error a job raised (the other workers are stopped first).

    Examples
    --------
    >>> run_jobs([Job("a", lambda: {"a": 1}), Job("b", lambda: {"b": 2})], workers=2)
    {'a': 1, 'b': 2}
    """
    n = available_cpus() if workers is None else max(1, int(workers))
    n = min(n, len(jobs))
    if n <= 1 or not can_fork():
        merged: dict[str, Any] = {}
        for job in jobs:
            merged.update(job.run())
        return merged
    done: dict[int, Mapping[str, Any]] = {}
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i].cost)
    ctx = multiprocessing.get_context("fork")
    running: dict[Connection, tuple[int, Any]] = {}
    try:
        while order or running:
            while order and len(running) < n:
                i = order.pop(0)
                reader, writer = ctx.Pipe(duplex=False)
                # not a daemon: a job may start workers of its own
                proc = ctx.Process(target=_child, args=(jobs[i], writer), daemon=False)
                proc.start()
                writer.close()
                running[reader] = (i, proc)
            for ready in wait(list(running)):
                reader = cast(Connection, ready)  # wait() returns what it was given
                i, proc = running.pop(reader)
                try:
                    ok, value = pickle.loads(reader.recv_bytes())
                except EOFError:
                    proc.join()
                    raise JobFailed(
                        f"{jobs[i].name}: the worker process stopped without finishing "
                        f"(exit code {proc.exitcode}); run again, or with fewer workers."
                    ) from None
                finally:
                    reader.close()
                proc.join()
                if not ok:
                    raise value
                done[i] = value
    except BaseException:
        for _, proc in running.values():
            proc.kill()
        for reader, (_, proc) in running.items():
            proc.join()
            reader.close()
        raise
    merged = {}
    for i in range(len(jobs)):
        merged.update(done[i])
    return merged
