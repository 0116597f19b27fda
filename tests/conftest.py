"""Shared pytest fixtures (keep this file small)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Real messy test data shared beside the repository (never copied into it).
SHARED_REAL = REPO_ROOT.parent / "shared" / "real"


@pytest.fixture
def shared_real() -> Path:
    """Folder of the real test data (skips the test when it is not there)."""
    if not SHARED_REAL.is_dir():
        pytest.skip(f"real test data not found at {SHARED_REAL}")
    return SHARED_REAL


@pytest.fixture
def write_csv(tmp_path: Path):
    """Write ``text`` to ``tmp_path/name`` with ``encoding`` and return the path."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write
