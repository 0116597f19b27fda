"""Auditing and siting (合规评估与选址)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from planning import network as networks
from planning._errors import OptionError
from planning.api._sources import as_source, check_network, ruleset_of, split_source
from planning.api.loading import network_summary
from planning.audit import AuditOptions, run_audit
from planning.audit.horizon import ElderlyProjection, Horizon
from planning.audit.result import Measure, ServiceAreas
from planning.io import Inputs
from planning.results import AuditResult, SitingResult
from planning.rules import Ruleset
from planning.siting import SitingOptions, read_candidates, site_centres
from planning.siting.adapter import SitingKind, SitingMethod

Progress = Callable[[str], None]


def audit(
    inputs: Inputs,
    network: networks.WalkNetwork,
    rules: str | Path | Ruleset = "national",
    *,
    measure: Measure | None = None,
    walk_speed: float | None = None,
    include_planned: bool = False,
    max_snap_m: float | None = None,
    progress: Progress | None = None,
    search_radius_m: float | None = None,
    profile: str | Sequence[str] | None = None,
    horizon_year: int | None = None,
    projection: ElderlyProjection | None = None,
    facility_years: Mapping[str, int] | None = None,
    service_areas: ServiceAreas = "merged",
) -> AuditResult:
    """Audit floor area per 100 households and the service circles (合规评估).

    Parameters
    ----------
    inputs : Inputs
        From :func:`load_inputs`.
    network : WalkNetwork
        From :func:`load_network`, in the inputs' CRS.
    rules : str, Path or Ruleset
        Ruleset id or Chinese name (``"national"``, ``"大冶"``), a TOML file, or a Ruleset.
    measure : {"distance", "time"}, optional
        Circles by GB 50180 distance or by walking time; the ruleset's choice when None.
    walk_speed : float, optional
        Elderly walking speed (m/s) for ``measure="time"``.
    include_planned : bool
        Count planned facilities (规划) in the service circles.
    max_snap_m : float, optional
        Longest connector to the network (m); ``settings.max_snap_m`` when None.
    progress : callable, optional
        Receives a short message at each step.
    search_radius_m : float, optional
        How far each estate's nearest facility is searched beyond the circles (不限距离最近设施,
        columns ``nearest_any_id``, ``walk_any_m``; default ``settings.search_radius_m``,
        3,000 m). Coverage still counts the circles only.
    profile : {"walk", "step_free"} or a sequence of both, optional
        Walkability profile to audit: the network's own by default; ``"step_free"`` audits
        step-free coverage (无障碍, derived from a walk network); ``("walk", "step_free")``
        audits the first and reports both in ``summary["totals"]["by_profile"]``.
    horizon_year : int, optional
        A horizon year (规划期, e.g. 2035): estates with a later ``built_year`` are not yet lived
        in, planned facilities count from their year, and coverage of households and elderly
        residents in that year is reported beside today's (``summary["totals"]["horizon"]``).
    projection : ElderlyProjection, optional
        Elderly share of residents per street or county by year, for the horizon year.
    facility_years : mapping, optional
        Facility id → the year a planned facility opens (no year: open by the horizon year).
    service_areas : {"merged", "per-facility", "none"}
        Service-area polygons to trace (服务圈范围, drawn on the maps): one merged polygon per
        tier (default), also one per facility (slower), or none.

    Returns
    -------
    AuditResult
        ``.estates``, ``.facilities``, ``.streets``, ``.summary``, ``.rules``; ``.write(dir)``,
        ``.explore()``.
    """
    if not isinstance(inputs, Inputs):
        raise OptionError(
            f"inputs={type(inputs).__name__}: give what planning.load_inputs returned.", "inputs"
        )
    check_network(network)
    options = AuditOptions(
        walk_speed_m_per_s=walk_speed,
        measure=measure,
        include_planned=include_planned,
        max_snap_m=max_snap_m,
        search_radius_m=search_radius_m,
        service_areas=service_areas,
    )
    profiles = (network.profile,) if profile is None else networks.check_profiles(profile)
    nets = {name: networks.for_profile(network, name) for name in profiles}
    main = nets.pop(profiles[0])
    core = run_audit(
        inputs,
        ruleset_of(rules),
        main,
        options=options,
        barriers=network.barrier_polygons,
        progress=progress,
        other_profiles=nets,
        horizon=None
        if horizon_year is None
        else Horizon(horizon_year, projection, dict(facility_years or {})),
    )
    core.parameters["network"] = network_summary(main.report)
    return AuditResult.from_audit(core)


def site(
    result: AuditResult,
    *,
    new: int | None = None,
    target_coverage: float | None = None,
    candidates: str | Path | pd.DataFrame | None = None,
    candidates_layer: str | None = None,
    coords: str | None = None,
    kind: SitingKind = "community_station",
    floor_m2: float | None = None,
    spacing_m: float = 250.0,
    tier: str | None = None,
    time_limit_s: float = 60.0,
    method: SitingMethod = "auto",
    min_spacing_m: float | None = None,
    one_centre_per_street: bool | None = None,
) -> SitingResult:
    """Propose sites for new centres (选址) that raise service-circle coverage.

    Parameters
    ----------
    result : AuditResult
        The audit (existing coverage, network, tiers).
    new : int, optional
        Open this many centres covering the most households (MCLP).
    target_coverage : float, optional
        Fewest centres reaching this household share, e.g. 0.95 (set cover).
    candidates : path or (Geo)DataFrame, optional
        Candidate sites (vacant lots, idle public buildings 闲置用房) with optional
        ``candidate_id``, ``name``, ``required``/``excluded`` flags and their own floor area
        (``floor_m2`` / 建筑面积, capping the households each serves); a grid over uncovered
        estates when None.
    candidates_layer, coords : optional
        Layer of a multi-layer candidates file; lon/lat system of a candidates table.
    kind, floor_m2, spacing_m, tier, time_limit_s, method, min_spacing_m, one_centre_per_street
        See :class:`~planning.siting.SitingOptions`.

    Returns
    -------
    SitingResult
        ``.proposals`` (ranked), ``.summary`` (before/after; ``status``, ``bound`` and ``gap``
        say whether the answer is proven), ``.audit`` (the audit with the proposals, for
        ``write``/``explore``).
    """
    if not isinstance(result, AuditResult):
        raise OptionError(
            f"result={type(result).__name__}: give what planning.audit returned.", "result"
        )
    options = SitingOptions(
        n_new=new,
        target_coverage=target_coverage,
        kind=kind,
        floor_m2=floor_m2,
        spacing_m=spacing_m,
        tier=tier,
        time_limit_s=time_limit_s,
        method=method,
        min_spacing_m=min_spacing_m,
        one_centre_per_street=one_centre_per_street,
    )
    frame = None
    if candidates is not None:
        path, layer = split_source(as_source(candidates, "candidates", candidates_layer))
        frame = read_candidates(path, layer=layer, crs=result.estates.crs, coords=coords)
    outcome = site_centres(result, options, frame)
    sited = result.with_proposals(outcome.proposals, outcome.summary)
    return SitingResult(outcome.proposals, outcome.solution, outcome.summary, audit=sited)
