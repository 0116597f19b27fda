"""Wall time and peak memory of benchmark stages, child processes included (Linux ``/proc``).

A stage's memory is the larger of

* this process's peak resident set during the stage (``VmHWM``, reset by ``/proc/self/clear_refs``
  when the stage starts), and
* the peak of the process tree's proportional set size (PSS: shared pages split between the
  processes sharing them, so forked workers are not counted twice), sampled every 250 ms
  (reading PSS walks the page tables: sampling more often would load the machine).

The second catches the memory of worker processes; the first the short peaks sampling may miss.
CPU time (``cpu_s``) is this process's and its waited-for children's (workers included): on a
shared machine the wall time grows with the other load, the CPU time much less.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Any


def _status_mb(field: str, pid: int | str = "self") -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (``/proc/PID/task/TID/children``)."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        with contextlib.suppress(OSError):
            for task in os.scandir(f"/proc/{pid}/task"):
                text = Path(f"/proc/{pid}/task/{task.name}/children").read_text()
                todo.extend(int(c) for c in text.split())
    return out


def tree_pss_mb(root: int) -> float:
    """Sum of the proportional set sizes of ``root`` and its descendants (MB)."""
    total = 0.0
    for pid in descendants(root):
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) / 1024.0
                    break
    return total


class TreeSampler:
    """Sample the PSS of a process tree in a thread; ``peak_mb`` after leaving the block."""

    def __init__(self, root: int | None = None, interval_s: float = 0.25) -> None:
        self.root = os.getpid() if root is None else root
        self.interval_s = interval_s
        self.peak_mb = 0.0
        self._stop = threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_pss_mb(self.root))
            self._stop.wait(self.interval_s)

    def __enter__(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> float:
    """User + system time of this process and of its children that have been waited for."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Stage:
    """Time one stage and record its peak memory into ``out[name]``."""

    def __init__(self, out: dict[str, Any], name: str) -> None:
        self.out, self.name = out, name

    def __enter__(self) -> Stage:
        _reset_peak()
        self.sampler = TreeSampler().__enter__()
        self.cpu0 = cpu_seconds()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        seconds = time.perf_counter() - self.t0
        cpu = cpu_seconds() - self.cpu0
        self.sampler.__exit__()
        peak = max(_status_mb("VmHWM"), self.sampler.peak_mb)
        self.out[self.name] = {"s": seconds, "cpu_s": cpu, "peak_mb": peak}


def run_measured(argv: list[str], env: dict[str, str], timeout_s: float) -> dict[str, Any]:
    """Run a command; return its wall time and the peak PSS of its process tree."""
    import subprocess

    t0, cpu0 = time.perf_counter(), cpu_seconds()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = TreeSampler(proc.pid)
    with sampler:
        try:
            out, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return {"s": float("inf"), "peak_mb": sampler.peak_mb, "rc": None}
    return {
        "s": time.perf_counter() - t0,
        "cpu_s": cpu_seconds() - cpu0,
        "peak_mb": sampler.peak_mb,
        "rc": proc.returncode,
        "stdout": out.decode(errors="replace")[-2000:],
        "stderr": err.decode(errors="replace")[-2000:],
    }
