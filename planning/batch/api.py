"""Province and national audits on Dask (批量评估): :func:`run_batch` and :func:`run_manifest`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from planning._errors import OptionError
from planning._options import check_bool, check_choice
from planning.api import load_ruleset
from planning.audit import AuditOptions
from planning.batch.jobs import AuditChoices
from planning.batch.manifest import plan_manifest, read_manifest
from planning.batch.plan import plan_split
from planning.batch.run import BatchResult, Progress, _Options, execute
from planning.io import Inputs
from planning.network import WalkNetwork
from planning.results import Basemap, Lang
from planning.rules import Ruleset

if TYPE_CHECKING:
    from distributed import Client


def _options(
    out: str | Path,
    workers: int | None,
    scheduler: str | None,
    client: Client | None,
    retries: int,
    resume: bool,
    maps: bool,
    lang: Lang,
    basemap: Basemap,
    parameters: Mapping[str, Any] | None,
) -> _Options:
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise OptionError(f"retries={retries!r}: give a whole number ≥ 0.", "retries")
    check_bool("resume", resume)
    check_bool("maps", maps)
    check_choice("lang", lang, ("zh", "en"))
    check_choice("basemap", basemap, ("none", "osm", "tianditu", "amap"))
    if sum(x is not None for x in (workers, scheduler, client)) > 1:
        raise OptionError("Give workers, scheduler or client, not more than one.", "scheduler")
    return _Options(
        Path(out), workers, scheduler, client, retries, resume, maps, lang, basemap,
        dict(parameters or {}),
    )  # fmt: skip


def _choices(
    rules: str | Path | Ruleset,
    measure: str | None,
    walk_speed: float | None,
    include_planned: bool,
    max_snap_m: float | None,
    search_radius_m: float | None,
    profile: str | None,
) -> AuditChoices:
    ruleset = rules if isinstance(rules, Ruleset) else load_ruleset(rules)
    options = AuditOptions(
        walk_speed,
        measure,  # type: ignore[arg-type]
        include_planned,
        max_snap_m,
        search_radius_m,
    )
    if profile is not None and not isinstance(profile, str):
        raise OptionError(
            f"profile={profile!r}: a batch audits one walkability profile; run one batch per "
            "profile.",
            "profile",
        )
    return AuditChoices(ruleset, options, profile)


def run_batch(
    inputs: Inputs,
    network: WalkNetwork,
    *,
    split: str | gpd.GeoDataFrame,
    out: str | Path,
    split_field: str | None = None,
    rules: str | Path | Ruleset = "national",
    measure: str | None = None,
    walk_speed: float | None = None,
    include_planned: bool = False,
    max_snap_m: float | None = None,
    search_radius_m: float | None = None,
    profile: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Client | None = None,
    retries: int = 2,
    resume: bool = True,
    maps: bool = True,
    lang: Lang = "zh",
    basemap: Basemap = "none",
    progress: Progress | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> BatchResult:
    """Audit a province unit by unit on a Dask cluster (批量评估), with one run's answers.

    Each unit (a county, a street) is one task: the audit of its estates on the network clipped
    to the unit plus a halo (the longest walk measured plus the snapping limit), so estates
    near a border find facilities across it. Floor area is then shared once over all units, so
    the per-estate table equals that of :func:`planning.audit` over the whole area.

    Parameters
    ----------
    inputs : Inputs
        Province-wide layers from :func:`planning.load_inputs`.
    network : WalkNetwork
        The province network from :func:`planning.load_network`.
    split : str or GeoDataFrame
        ``"streets"`` (a unit per street), ``"streets:county"`` (streets grouped by county),
        a polygon file ``"县界.gpkg:code"``, or unit polygons in memory.
    out : str or Path
        Province folder: the audit's files, ``units.csv``/``.gpkg``, ``units_map.html``/
        ``.png``, ``units/<unit>/`` per unit and ``batch/`` (ledger and state).
    split_field : str, optional
        Field to group a GeoDataFrame ``split`` by.
    rules, measure, walk_speed, include_planned, max_snap_m, search_radius_m
        As for :func:`planning.audit`.
    profile : {"walk", "step_free"}, optional
        Walkability profile to audit (the network's own by default); one per batch.
    workers : int, optional
        Worker processes of a local Dask cluster (default: the machine's cores).
    scheduler : str, optional
        Address of an existing Dask scheduler instead (``"tcp://host:8786"``).
    client : distributed.Client, optional
        A Dask client to use (left open).
    retries : int
        Dask retries of a task that raised (a lost worker is rescheduled anyway).
    resume : bool
        Skip units finished before from the same inputs (``batch/ledger.json``).
    maps : bool
        Draw gap maps and reports for the province and every unit.
    lang, basemap
        As for :meth:`planning.AuditResult.write`.
    progress : callable, optional
        Receives a :class:`~planning.batch.BatchEvent` per unit step.
    parameters : mapping, optional
        Extra entries for ``summary.json`` ``parameters``.

    Returns
    -------
    BatchResult
        ``.result`` (the province :class:`~planning.AuditResult`), ``.units``, ``.failed``,
        ``.ok``.
    """
    if not isinstance(inputs, Inputs):
        raise OptionError(
            f"inputs={type(inputs).__name__}: give what planning.load_inputs returned.", "inputs"
        )
    if not isinstance(network, WalkNetwork):
        raise OptionError(
            f"network={type(network).__name__}: give what planning.load_network returned.",
            "network",
        )
    opts = _options(out, workers, scheduler, client, retries, resume, maps, lang, basemap,
                    parameters)  # fmt: skip
    choices = _choices(
        rules, measure, walk_speed, include_planned, max_snap_m, search_radius_m, profile
    )
    say = _say(progress)
    plan = plan_split(inputs, network, split, choices, split_field=split_field, say=say)
    return execute(plan, opts, progress)


def run_manifest(
    manifest: str | Path,
    *,
    out: str | Path,
    fields: Mapping[str, str] | None = None,
    coords: Any = None,
    crs: Any = None,
    rules: str | Path | Ruleset = "national",
    measure: str | None = None,
    walk_speed: float | None = None,
    include_planned: bool = False,
    max_snap_m: float | None = None,
    search_radius_m: float | None = None,
    profile: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Client | None = None,
    retries: int = 2,
    resume: bool = True,
    maps: bool = True,
    lang: Lang = "zh",
    basemap: Basemap = "none",
    progress: Progress | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> BatchResult:
    """Audit the units of a manifest of per-county files on a Dask cluster (分县批量评估).

    Parameters
    ----------
    manifest : str or Path
        The manifest (TOML; see :mod:`planning.batch.manifest`).
    out : str or Path
        Province folder, as for :func:`run_batch`.
    fields, coords, crs : optional
        As for :func:`planning.load_inputs`, for every unit (they win over the manifest's).
    rules, measure, walk_speed, include_planned, max_snap_m, search_radius_m, profile, \
workers, scheduler, client, retries, resume, maps, lang, basemap, progress, parameters
        As for :func:`run_batch`.

    Returns
    -------
    BatchResult
        Units whose files could not be used are in ``.failed``; the others are audited.
    """
    opts = _options(out, workers, scheduler, client, retries, resume, maps, lang, basemap,
                    parameters)  # fmt: skip
    choices = _choices(
        rules, measure, walk_speed, include_planned, max_snap_m, search_radius_m, profile
    )
    plan = plan_manifest(
        read_manifest(manifest), choices, fields=fields, coords=coords, crs=crs,
        say=_say(progress),
    )  # fmt: skip
    return execute(plan, opts, progress)


def _say(progress: Progress | None) -> Any:
    """Turn plain planning messages into ``plan`` events."""
    from planning.batch.run import BatchEvent

    def say(message: str) -> None:
        if progress is not None:
            progress(BatchEvent("plan", message=message))

    return say
