"""The batch ledger (进度账本): which units are finished, from which inputs.

``OUT/batch/ledger.json`` records, per unit, the hash of everything its figures depend on
(:meth:`~planning.batch.jobs.UnitJob.input_hash`), its status (``done`` or ``failed`` with the
message) and the hash of the figures last written into its folder. A re-run skips a unit whose
hash is unchanged and whose state files are there; a changed input, ruleset or option re-runs
just that unit. The file is rewritten atomically after every unit, so a batch stopped at any
moment resumes from where it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planning import __version__
from planning.io import write_atomic

#: Bump when the ledger's meaning changes; older ledgers are then ignored (units re-run).
LEDGER_VERSION = 1


@dataclass
class Ledger:
    """Per-unit records, saved to ``path``.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "ledger.json"
    >>> ledger = Ledger.load(path)
    >>> ledger.record("道里区", status="done", input_hash="abc")
    >>> Ledger.load(path).finished("道里区", "abc"), Ledger.load(path).finished("道里区", "abd")
    (True, False)
    """

    path: Path
    units: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, *, fresh: bool = False) -> Ledger:
        """Read the ledger (an empty one when missing, unreadable, or ``fresh``)."""
        path = Path(path)
        if fresh or not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path)
        if data.get("ledger_version") != LEDGER_VERSION or data.get("tool_version") != __version__:
            return cls(path)
        return cls(path, {str(k): dict(v) for k, v in data.get("units", {}).items()})

    def finished(self, unit_id: str, input_hash: str) -> bool:
        """Whether the unit was measured from exactly these inputs."""
        entry = self.units.get(unit_id, {})
        return entry.get("status") == "done" and entry.get("input_hash") == input_hash

    def get(self, unit_id: str, name: str) -> Any:
        """One recorded value of a unit (None when absent)."""
        return self.units.get(unit_id, {}).get(name)

    def record(self, unit_id: str, **values: Any) -> None:
        """Update a unit's record and save the ledger."""
        self.units.setdefault(unit_id, {}).update(values)
        self.save()

    def save(self) -> None:
        """Write the ledger atomically."""
        data = {
            "ledger_version": LEDGER_VERSION,
            "tool_version": __version__,
            "units": dict(sorted(self.units.items())),
        }
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
