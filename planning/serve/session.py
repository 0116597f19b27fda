"""What ``eldercare serve`` keeps in memory: one audit folder, re-audited, with its live scenarios.

:func:`load_session` reads the project an audit folder recorded (``summary.json``), loads its
inputs and network through the API, re-runs the audit in memory and builds a
:class:`~planning.scenario.live.LiveAudit` on it (network, estate attachment points and the
estate × facility walking distances stay in memory). :meth:`Session.save` writes a scenario's
full results set into ``DIR/scenarios/<name>/`` by a full audit of the inputs as the scenario
has them, with its ``scenario.toml`` beside, so the folder can be re-made with
``eldercare audit --scenario``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planning._errors import InputFileError
from planning.project import (
    Prepared,
    ProjectSpec,
    audit_prepared,
    prepare_project,
    spec_from_results,
)
from planning.results import AuditResult
from planning.scenario import Scenario, apply_scenario, check_name
from planning.scenario.live import LiveAudit
from planning.scenario.model import ADDED_PREFIX

Progress = Callable[[str], None]

#: Folder of a results folder holding its saved scenarios (情景).
SCENARIOS = "scenarios"


@dataclass
class Session:
    """An audit folder loaded for live questions.

    Attributes
    ----------
    folder : Path
        The audit's results folder (``DIR``); scenarios are saved under ``DIR/scenarios/``.
    spec : ProjectSpec
        The project recorded in its ``summary.json``.
    prepared : Prepared
        Ruleset, inputs and network.
    result : AuditResult
        The audit re-run in memory.
    live : LiveAudit
        The incremental engine with the scenarios being edited.
    temp : Path
        A private temporary folder: uploads and review files stay in it.
    """

    folder: Path
    spec: ProjectSpec
    prepared: Prepared
    result: AuditResult
    live: LiveAudit
    temp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="eldercare-serve-")))

    def close(self) -> None:
        """Remove the temporary folder (uploads, reviews)."""
        shutil.rmtree(self.temp, ignore_errors=True)

    def scenario_folder(self, name: str) -> Path:
        """Return ``DIR/scenarios/<name>`` for a checked scenario name."""
        return self.folder / SCENARIOS / check_name(name)

    def save(self, name: str, progress: Progress | None = None) -> dict[str, Any]:
        """Write scenario ``name``'s full results set into ``DIR/scenarios/<name>/``.

        The set is made by a full audit of the inputs as the scenario has them (the same code
        as ``eldercare audit --scenario``), written as one transaction: it replaces only that
        scenario's own earlier set, never the base or another scenario.

        Returns
        -------
        dict
            ``folder``, ``files`` (names) and the saved scenario's ``totals``.
        """
        scenario = self.live.as_scenario(name)
        out = self.scenario_folder(name)
        result = audit_scenario(self.spec, self.prepared, scenario, progress)
        # The folder records its own scenario file, so it can be served or re-made later.
        project = result.parameters["project"]
        project.update(out=str(out.resolve()), scenario=str((out / "scenario.toml").resolve()),
                       scenario_name=name)  # fmt: skip
        files = sorted(result.write(out, lang="zh", basemap="none", progress=progress))
        write_scenario_file(scenario, out / "scenario.toml")
        return {"folder": str(out), "files": [*files, "scenario.toml"], "totals": result.totals}


def audit_scenario(
    spec: ProjectSpec, prepared: Prepared, scenario: Scenario, progress: Progress | None = None
) -> AuditResult:
    """Audit the project's inputs as ``scenario`` has them (recorded in ``parameters``)."""
    inputs = apply_scenario(prepared.inputs, scenario)
    changed = Prepared(prepared.ruleset, inputs, prepared.net)
    result = audit_prepared(spec, changed, progress)
    result.parameters["scenario"] = {
        "name": scenario.name,
        "title": scenario.title,
        "added": [a.facility_id for a in scenario.added],
        "moved": sorted(scenario.moved),
        "closed": list(scenario.closed),
        "estates": [e.estate_id for e in scenario.estates],
    }
    return result


def _toml_text(value: str) -> str:
    # JSON string escapes are valid in TOML basic strings.
    return json.dumps(value, ensure_ascii=False)


def write_scenario_file(scenario: Scenario, path: Path) -> None:
    """Write the scenario's changes as a ``scenario.toml`` that :func:`read_scenario` reads."""
    lines = [f"name = {_toml_text(scenario.name)}", f"title = {_toml_text(scenario.title)}"]
    if scenario.horizon_year is not None:
        lines.append(f"horizon_year = {scenario.horizon_year}")
    lines.append("close = [" + ", ".join(_toml_text(c) for c in scenario.closed) + "]")
    for added in scenario.added:
        ident = added.facility_id.removeprefix(ADDED_PREFIX)
        lines += ["", "[[add]]", f"id = {_toml_text(ident)}", f"name = {_toml_text(added.name)}",
                  f"kind = {_toml_text(added.kind)}", f"floor_m2 = {added.floor_m2!r}",
                  f"lon = {added.lon!r}", f"lat = {added.lat!r}"]  # fmt: skip
        if added.year is not None:
            lines.append(f"year = {added.year}")
    for ident, (lon, lat) in sorted(scenario.moved.items()):
        lines += ["", "[[move]]", f"id = {_toml_text(ident)}", f"lon = {lon!r}", f"lat = {lat!r}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_session(folder: str | Path, progress: Progress | None = None) -> Session:
    """Load an audit folder for ``eldercare serve``: its project, re-audited in memory.

    Parameters
    ----------
    folder : path-like
        A results folder written by ``eldercare audit`` (its ``summary.json`` records the
        project: input files, network, ruleset and options).
    progress : callable, optional
        Receives short progress messages.

    Returns
    -------
    Session

    Raises
    ------
    InputFileError
        A folder that is not an audit's results folder, or whose inputs cannot be read.
    """
    path = Path(folder)
    if not path.is_dir():
        raise InputFileError(f"{path} is not a folder; give the results folder of an audit.")
    spec = spec_from_results(path)
    say = progress or (lambda message: None)
    prepared = prepare_project(spec, say)
    result = audit_prepared(spec, prepared, say)
    say("Keeping the walking distances of every estate in memory (live scenarios)")
    return Session(path, spec, prepared, result, LiveAudit(result))
