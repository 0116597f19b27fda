"""Atomic file writing for the maps, on top of :func:`planning.io.atomic_path`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from planning.io import write_atomic


def atomic_write_text(target: str | Path, content: str) -> Path:
    """Write ``content`` (UTF-8) to ``target`` atomically and return ``target`` as a Path."""
    return write_atomic(target, lambda tmp: tmp.write_text(content, encoding="utf-8"))


def atomic_write_with(target: str | Path, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp_path)`` and move the result onto ``target`` atomically."""
    return write_atomic(target, writer)
