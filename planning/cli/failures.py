"""Every failure a message, never a traceback (错误提示).

:func:`run_command` runs a command and turns what can go wrong into words for a planner:

* a :class:`~planning.PlanningError` (bad input, option, ruleset, network, results folder): its
  message, options spelled as this command line spells them; exit status 2;
* a file the operating system would not read or write (permission denied, a file open in Excel,
  a full or read-only disk): which file and what to do; exit status 2;
* Ctrl-C or SIGTERM/SIGHUP: one line (staging and temporary files are already removed, the
  results folder is unchanged); exit status 130 or 128 + the signal;
* anything else is a bug: one line naming the error, the path of a log file holding the
  traceback and the versions, and a request to report it; exit status 1 (``-vv`` also prints
  the traceback).
"""

from __future__ import annotations

import argparse
import errno
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from planning import __version__, settings
from planning._errors import InputDataError, PlanningError
from planning.cli.console import echo
from planning.cli.flags import render
from planning.io.outfolder import Terminated

__all__ = ["run_command"]


def run_command(
    func: Callable[[argparse.Namespace], int], args: argparse.Namespace, command: list[str]
) -> int:
    """Run ``func(args)``; turn every failure into a message on stderr and an exit status.

    Parameters
    ----------
    func : callable
        The command.
    args : argparse.Namespace
        Its parsed options (``verbose`` decides whether a traceback is shown too).
    command : list of str
        The command line, recorded in the log file of an unexpected error.

    Returns
    -------
    int
        0 (or the command's own status), 2 for input and file problems, 1 for unexpected
        errors and lack of memory, 130 after Ctrl-C, 128 + the signal after SIGTERM/SIGHUP.
    """
    try:
        return int(func(args))
    except PlanningError as error:
        text = render(error.raw_message)
        # A validation report is a page of its own; other errors get the usual prefix.
        echo(text if isinstance(error, InputDataError) else f"error: {text}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        echo("interrupted; no results folder was changed by this run", file=sys.stderr)
        return 130
    except Terminated as stop:
        echo(f"terminated (signal {stop.signum}); no results folder was changed", file=sys.stderr)
        return int(stop.code or 143)
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep Python's exit flush quiet
        return 0
    except MemoryError:
        echo(
            "error: out of memory (内存不足). Close other programs, or split the study area "
            "into smaller parts (fewer estates, a smaller network).",
            file=sys.stderr,
        )
        return 1
    except OSError as error:
        if error.filename is None:
            return _internal_error(error, command, getattr(args, "verbose", 0))
        echo(f"error: {_os_message(error)}", file=sys.stderr)
        return 2
    except Exception as error:
        return _internal_error(error, command, getattr(args, "verbose", 0))


def _os_message(error: OSError) -> str:
    """Say in a planner's words which file the operating system would not read or write."""
    name = error.filename
    if error.errno == errno.ENOSPC:
        return f"no space left on the disk while writing {name}; free some space and run again."
    if error.errno == errno.EROFS:
        return f"{name} is on a read-only disk; choose a folder you can write to."
    if isinstance(error, PermissionError):
        return (
            f"permission denied for {name}: check its permissions, or close it if it is open in "
            "another program (Excel/WPS lock open files on Windows)."
        )
    if isinstance(error, FileNotFoundError):
        return f"file not found: {name}. Check the path."
    if isinstance(error, IsADirectoryError):
        return f"{name} is a folder; give a file."
    return f"{name}: {error.strerror or error}."


def _internal_error(error: BaseException, command: list[str], verbose: int) -> int:
    """One line for an unexpected error, the traceback in a log file, and a request to report."""
    log = _crash_log(error, command)
    where = f"the traceback is in {log}" if log else "no log file could be written"
    echo(
        f"error: unexpected {type(error).__name__}: {error} — this is a bug in eldercare-planning; "
        f"{where}. Please report it to the maintainers with that file (and the command you ran).",
        file=sys.stderr,
    )
    if verbose > 1:
        traceback.print_exception(error, file=sys.stderr)
    return 1


def _crash_log(error: BaseException, command: list[str]) -> Path | None:
    """Write the traceback and the versions to a log file; return its path (None if none)."""
    text = (
        f"eldercare-planning {__version__}, Python {platform.python_version()}, "
        f"{platform.platform()}\ncommand: {' '.join(command)}\n\n"
        + "".join(traceback.format_exception(error))
    )
    name = f"eldercare-error-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    for folder in (Path(settings.cache_folder) / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
        except OSError:
            continue
        return folder / name
    return None
