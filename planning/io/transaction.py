"""Results folders written as one transaction (输出事务): all new files, or all old ones.

A results folder (``results.gpkg``, the tables, ``summary.json``, the maps and the report) is one
set: a reader must never find new tables beside an old ``summary.json``. :func:`output_transaction`
builds the whole set in a staging folder beside the target (same file system) and switches it in
with renames at the end:

* on Linux the two folders are exchanged in one atomic step (``renameat2`` with
  ``RENAME_EXCHANGE``); elsewhere the old folder is renamed aside and the new one into place (for
  an instant the folder is missing, never mixed), and a run killed between those two renames is
  repaired by the next run;
* when anything fails, or the run is interrupted (Ctrl-C, SIGTERM from a scheduler) before the
  switch, the staging folder is removed and the previous set stays byte-identical; the switch
  itself holds those signals back until it is done;
* a lock file beside the folder refuses a second run into the same folder while one is writing,
  and :func:`check_output_folder` refuses, before any work, a folder that is a file, cannot be
  written, holds an input file, or is an unrelated non-empty folder (both in
  :mod:`planning.io.outfolder`, re-exported here);
* files of the previous folder that this output does not own (a planner's notes) are carried over
  (hard links, else copies).

A folder that cannot be renamed (a mount point, or a parent folder without write permission) is
updated file by file instead, ``summary.json``/``review.json`` last. What a run killed with
SIGKILL leaves (``.<name>.staging-…``, ``.<name>.old-…``) is removed by the next run into the
same folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import re
import shutil
import sys
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planning.io.outfolder import (
    AUDIT_FILES,
    MAP_FILES,
    MARKERS,
    REVIEW_FILES,
    TABLE_FILES,
    TEMP_FILE,
    OutputFolderError,
    Terminated,
    check_output_folder,
    in_place,
    output_lock,
    signals_held,
    terminate_as_exception,
    why,
)

__all__ = [
    "AUDIT_FILES",
    "MAP_FILES",
    "REVIEW_FILES",
    "TABLE_FILES",
    "OutputFolderError",
    "Terminated",
    "check_output_folder",
    "output_lock",
    "output_transaction",
    "terminate_as_exception",
]

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- transaction


_LEFTOVER = r"\.{name}\.(?:staging|old)-\d+-[0-9a-f]+"


def _leftovers(target: Path) -> list[Path]:
    pattern = re.compile(_LEFTOVER.format(name=re.escape(target.name)))
    if not target.parent.is_dir():
        return []
    return sorted(p for p in target.parent.iterdir() if pattern.fullmatch(p.name))


def _remove_leftovers(target: Path) -> None:
    """Repair and clean what a killed run left (the caller holds the folder's lock)."""
    leftovers = _leftovers(target)
    olds = [p for p in leftovers if ".old-" in p.name]
    if not target.exists() and olds:
        # Killed between the two renames of a non-atomic switch: the old set comes back.
        newest = max(olds, key=lambda p: p.stat().st_mtime)
        os.rename(newest, target)
        logger.warning("restored %s from %s, left by an interrupted run", target, newest.name)
        leftovers.remove(newest)
    if target.is_dir():
        leftovers += [p for p in target.iterdir() if p.name.startswith(".staging-")]
    for path in leftovers:
        logger.info("removing %s, left by an interrupted run", path)
        _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _link_or_copy(source: str | os.PathLike[str], dest: str | os.PathLike[str]) -> None:
    if os.path.islink(source):
        os.symlink(os.readlink(source), dest)
        return
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


def _carry_over(target: Path, staging: Path, owns: frozenset[str]) -> None:
    """Bring the previous folder's files that this output does not own into the staging folder.

    Hard links cost nothing and keep the bytes; the writers never open these files for writing.
    """
    if not target.is_dir():
        return
    for entry in target.iterdir():
        if entry.name in owns or TEMP_FILE.match(entry.name) or entry.name.startswith(".staging-"):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, staging / entry.name, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, staging / entry.name)


def _sync(path: Path) -> None:
    """Flush a file or folder to disk (best effort: not every system can sync folders)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux ``renameat2``); False when the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _busy(target: Path, error: OSError) -> OutputFolderError:
    return OutputFolderError(
        f"{target} could not be replaced ({why(error)}): a file in it may be open in another "
        "program (close audit.xlsx or the report in Excel/WPS or the browser) — the previous "
        "results are unchanged; run again."
    )


@dataclass
class _Plan:
    target: Path
    staging: Path
    in_place: bool

    @classmethod
    def of(cls, target: Path) -> _Plan:
        tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        if in_place(target):
            logger.warning(
                "%s cannot be renamed as a whole (a mount point, or its parent folder is not "
                "writable): its files are replaced one by one",
                target,
            )
            return cls(target, target / f".staging-{tag}", True)
        return cls(target, target.parent / f".{target.name}.staging-{tag}", False)

    def switch(self, owns: frozenset[str]) -> None:
        files = sorted(self.staging.rglob("*"))
        for path in files:
            if path.is_file():
                _sync(path)
        _sync(self.staging)
        if self.in_place:
            self._replace_files(owns)
            return
        old: Path | None = None
        with signals_held():
            try:
                if not self.target.exists():
                    os.rename(self.staging, self.target)
                elif _exchange(self.staging, self.target):
                    old = self.staging  # now holds the previous set
                else:
                    old = self.target.with_name(self.staging.name.replace(".staging-", ".old-"))
                    os.rename(self.target, old)
                    try:
                        os.rename(self.staging, self.target)
                    except OSError:
                        os.rename(old, self.target)
                        raise
            except OSError as error:
                raise _busy(self.target, error) from error
        _sync(self.target.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def _replace_files(self, owns: frozenset[str]) -> None:
        new = {p.name for p in self.staging.iterdir()}
        last = [n for n in MARKERS if n in new]
        with signals_held():
            try:
                for name in sorted(new - set(last)) + last:
                    os.replace(self.staging / name, self.target / name)
                for name in sorted(owns - new):
                    with contextlib.suppress(FileNotFoundError):
                        (self.target / name).unlink()
            except OSError as error:
                raise _busy(self.target, error) from error
        shutil.rmtree(self.staging, ignore_errors=True)


@contextlib.contextmanager
def output_transaction(
    out: str | os.PathLike[str],
    *,
    owns: Iterable[str],
    inputs: Iterable[Any] = (),
) -> Iterator[Path]:
    """Yield a staging folder to write a results set into; switch it in when the block ends.

    Parameters
    ----------
    out : path-like
        The results folder (created when missing).
    owns : iterable of str
        File names this output owns: they are replaced, or removed when the block does not write
        them (a stale ``proposals.csv``). Other files of the previous folder are carried over.
    inputs : iterable of path-like
        Files the run read; ``out`` may not hold any (see :func:`check_output_folder`).

    Yields
    ------
    Path
        The staging folder: write every file of the set there.

    Raises
    ------
    OutputFolderError
        From :func:`check_output_folder` and :func:`output_lock`, or when the folder cannot be
        replaced (a file in it is open in another program).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with output_transaction(Path(tmp) / "results", owns={"a.txt"}) as staging:
    ...         _ = (staging / "a.txt").write_text("new")
    ...     sorted(p.name for p in Path(tmp).iterdir())
    ['results']
    """
    owned = frozenset(owns)
    target = check_output_folder(out, inputs=inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(target), terminate_as_exception():
        _remove_leftovers(target)
        plan = _Plan.of(target)
        plan.staging.mkdir()
        try:
            if not plan.in_place:
                _carry_over(target, plan.staging, owned)
            yield plan.staging
            plan.switch(owned)
        except BaseException:
            _remove(plan.staging)
            raise
