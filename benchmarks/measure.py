"""Wall time and peak memory of benchmark stages, child processes included (Linux ``/proc``).

A stage's memory is the larger of

* this process's peak resident set during the stage (``VmHWM``, reset by ``/proc/self/clear_refs``
  when the stage starts), and
* the peak of the process tree's proportional set size (PSS: shared pages split between the
  processes sharing them, so forked workers are not counted twice), sampled every 20 ms.

The second catches the memory of worker processes; the first the short peaks sampling may miss.
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
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
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

    def __init__(self, root: int | None = None, interval_s: float = 0.02) -> None:
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


class Stage:
    """Time one stage and record its peak memory into ``out[name]``."""

    def __init__(self, out: dict[str, Any], name: str) -> None:
        self.out, self.name = out, name

    def __enter__(self) -> Stage:
        _reset_peak()
        self.sampler = TreeSampler().__enter__()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        seconds = time.perf_counter() - self.t0
        self.sampler.__exit__()
        peak = max(_status_mb("VmHWM"), self.sampler.peak_mb)
        self.out[self.name] = {"s": seconds, "peak_mb": peak}


def run_measured(argv: list[str], env: dict[str, str], timeout_s: float) -> dict[str, Any]:
    """Run a command; return its wall time and the peak PSS of its process tree."""
    import subprocess

    t0 = time.perf_counter()
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
        "peak_mb": sampler.peak_mb,
        "rc": proc.returncode,
        "stdout": out.decode(errors="replace")[-2000:],
        "stderr": err.decode(errors="replace")[-2000:],
    }
