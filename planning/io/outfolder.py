"""The results folder itself (输出目录): checks before any work, the lock, stop signals.

* :func:`check_output_folder` refuses, before any work, a folder that is a file, cannot be
  written, holds an input file (so no input is ever replaced by an output), or is a non-empty
  folder this tool did not write;
* :func:`output_lock` holds a lock file beside the folder (the operating system's file lock, so a
  run that dies releases it) and refuses a second run into the same folder with a clear message;
* :func:`terminate_as_exception` turns SIGTERM/SIGHUP into :class:`Terminated`, so clean-up code
  runs when a scheduler stops the tool, as it does for Ctrl-C.

:mod:`planning.io.transaction` builds on these to switch a whole results set in at once.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from planning._errors import PlanningError, param

__all__ = [
    "AUDIT_FILES",
    "MAP_FILES",
    "REVIEW_FILES",
    "TABLE_FILES",
    "OutputFolderError",
    "Terminated",
    "check_output_folder",
    "output_lock",
    "terminate_as_exception",
]

#: Files of an audit's tables (``planning.audit.write_results``).
TABLE_FILES = frozenset(
    {"results.gpkg", "estates.csv", "streets.csv", "audit.xlsx", "summary.json", "proposals.csv"}
)
#: Files drawn from a results folder (``planning.maps.write_all``).
MAP_FILES = frozenset({"gap_map.html", "gap_map.png", "report.html", "report.pdf"})
#: The whole set of an audit: a new audit replaces all of it (stale proposals and maps go).
AUDIT_FILES = TABLE_FILES | MAP_FILES
#: Files of an estate review (``eldercare check-estate``).
REVIEW_FILES = frozenset({"review.json", "review.html", "review.xlsx"})
#: A folder holding one of these was written by this tool.
MARKERS = ("summary.json", "review.json")
#: Files an operating system or file manager drops into folders (never a reason to refuse).
_SYSTEM_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", ".directory"})
#: Temporary files of :func:`planning.io.readers.atomic_path` (never carried over).
TEMP_FILE = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp")


class OutputFolderError(PlanningError, ValueError):
    """An output folder cannot be used: a file, not writable, holding inputs, or busy."""


class Terminated(SystemExit):
    """The process was asked to stop (SIGTERM, SIGHUP); raised so that clean-up code runs.

    Its exit status is ``128 + signal number`` (143 for SIGTERM), as a shell reports it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(signum)


def _stop_signals() -> list[int]:
    return [int(getattr(signal, n)) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]


def in_main_thread() -> bool:
    """Whether this is the main thread (the only one where Python runs signal handlers)."""
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def terminate_as_exception() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` while the block runs.

    Only signals still at their default action are changed (a handler someone installed is
    left alone), and only in the main thread, where Python runs signal handlers. Python already
    turns Ctrl-C (SIGINT) into :class:`KeyboardInterrupt`.
    """
    installed: dict[int, Any] = {}
    if in_main_thread():
        for sig in _stop_signals():
            if signal.getsignal(sig) is signal.SIG_DFL:
                installed[sig] = signal.signal(sig, _raise_terminated)
    try:
        yield
    finally:
        for sig, previous in installed.items():
            signal.signal(sig, previous)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP back during the block; deliver them after it."""
    if not in_main_thread():
        yield
        return
    pending: list[int] = []
    previous: dict[int, Any] = {}
    for sig in [int(signal.SIGINT), *_stop_signals()]:
        handler = signal.getsignal(sig)
        if handler is not None:  # None: installed outside Python, cannot be restored
            previous[sig] = signal.signal(sig, lambda signum, frame: pending.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in pending:
            signal.raise_signal(sig)


# --------------------------------------------------------------------------- checks


def absolute(path: Path) -> Path:
    """Return the absolute path with symbolic links resolved."""
    return Path(os.path.abspath(path)).resolve()


def probe(folder: Path) -> OSError | None:
    """Return why no file can be created in ``folder`` (None when one can)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".eldercare-probe-", dir=folder)
        os.close(fd)
        os.unlink(name)
    except OSError as error:
        return error
    return None


def why(error: OSError) -> str:
    """Say why the operating system refused (read-only file system, permission …)."""
    if error.errno == errno.EROFS:
        return "the file system is read-only"
    if isinstance(error, PermissionError):
        return "permission denied"
    return error.strerror or str(error)


def _own_entry(name: str) -> bool:
    return (
        name in AUDIT_FILES
        or name in REVIEW_FILES
        or name in _SYSTEM_FILES
        or name.startswith((".eldercare", ".staging-"))
        or bool(TEMP_FILE.match(name))
    )


def check_output_folder(out: str | os.PathLike[str], *, inputs: Iterable[Any] = ()) -> Path:
    """Check, before any work, that results can be written into ``out``; return its full path.

    Parameters
    ----------
    out : path-like
        The results folder (created when missing).
    inputs : iterable of path-like
        Every file the run reads: the folder may not hold any of them, so that no input is ever
        replaced by an output. Values that are not existing paths are ignored.

    Returns
    -------
    Path
        The absolute folder, symbolic links resolved.

    Raises
    ------
    OutputFolderError
        When ``out`` is a file, holds an input, cannot be written, or is a non-empty folder not
        written by this tool (the switch replaces the whole folder).
    """
    given = Path(out)
    target = absolute(given)
    choose = f"choose another results folder ({param('out')})"
    if target.exists() and not target.is_dir():
        raise OutputFolderError(f"{given} is a file, not a folder: {choose}.")
    for item in inputs:
        if not isinstance(item, str | os.PathLike) or not str(item):
            continue
        source = Path(item)
        if not source.exists():
            continue
        source = absolute(source)
        if source == target or target in source.parents:
            raise OutputFolderError(
                f"{given} holds the input {source.name} ({source}); writing results there could "
                f"replace the planner's data: {choose} (e.g. a new folder beside the inputs)."
            )
    existing = target
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise OutputFolderError(f"{given}: {existing} is a file, not a folder: {choose}.")
    if target.is_dir():
        problem = probe(target)
        if problem is not None:
            raise OutputFolderError(f"{given} cannot be written ({why(problem)}): {choose}.")
        foreign = sorted(p.name for p in target.iterdir() if not _own_entry(p.name))
        if foreign and not any((target / m).exists() for m in MARKERS):
            shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
            raise OutputFolderError(
                f"{given} already holds other files ({shown}) and no results of this tool; "
                f"results replace the whole folder, so {choose} (a new or empty one)."
            )
    else:
        problem = probe(existing)
        if problem is not None:
            raise OutputFolderError(
                f"{given} cannot be created in {existing} ({why(problem)}): {choose}."
            )
    return target


# --------------------------------------------------------------------------- lock

_HELD: dict[Path, int] = {}
_HELD_GUARD = threading.Lock()


def _lock_path(target: Path) -> Path:
    if in_place(target):
        return target / ".eldercare.lock"
    return target.parent / f".{target.name}.lock"


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return f"pid {info['pid']} on {info['host']}, started {info['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextlib.contextmanager
def output_lock(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the lock of a results folder; refuse when another run holds it.

    The lock is a file beside the folder (``.<name>.lock``) locked with the operating system's
    file lock, so a run that dies releases it. A process may take the lock of a folder it already
    holds (the command line holds it from the start, the writer takes it again).

    Raises
    ------
    OutputFolderError
        When another run is writing to the same folder.
    """
    target = absolute(Path(out))
    with _HELD_GUARD:
        if target in _HELD:
            _HELD[target] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield target
        finally:
            with _HELD_GUARD:
                _HELD[target] -= 1
        return
    path = _lock_path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            os.close(fd)
            raise OutputFolderError(
                f"{target} is being written by another eldercare run ({_holder(path)}): wait "
                f"for it to finish, or choose another results folder ({param('out')})."
            )
        # The previous holder may have removed the file between our open and our lock.
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        os.close(fd)
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "command": " ".join(sys.argv[:2]),
    }
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps(info).encode())
    with _HELD_GUARD:
        _HELD[target] = 1
    try:
        yield target
    finally:
        with _HELD_GUARD:
            del _HELD[target]
        with contextlib.suppress(OSError):
            os.unlink(path)  # still locked: nobody else can hold it meanwhile
        os.close(fd)


def in_place(target: Path) -> bool:
    """Whether the folder must be updated in place (cannot be renamed as a whole)."""
    if not target.is_dir():
        return False
    return os.path.ismount(target) or probe(target.parent) is not None
