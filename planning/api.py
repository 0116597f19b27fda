"""The Python API (函数接口): load, audit, site and review in a few calls.

In the style of osmnx's functional API; every function is also available at the package root::

    import planning
    inputs = planning.load_inputs(estates=estates_gdf, facilities="养老设施.xlsx", coords="bd09")
    net = planning.load_network("道路中心线.gpkg", crs=inputs, barriers="河流.gpkg")
    result = planning.audit(inputs, net, rules="daye")
    result.summary["totals"]["coverage"]      # figures
    result.explore()                          # the gap map, inline in Jupyter
    result.write("results/")                  # the same files as ``eldercare audit``
    proposals = planning.site(result, new=5)

Inputs may be file paths or GeoDataFrames/DataFrames in memory (any CRS; ``coords=`` for
Baidu/Amap longitude-latitude). Wrong option values raise :class:`~planning.OptionError` naming
the parameter; settings overridden for a call are restored when it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS

from planning import io, settings
from planning import network as networks
from planning._errors import InputFileError, OptionError, param
from planning._options import check_bool
from planning.audit import AuditOptions, run_audit
from planning.audit.result import Measure
from planning.io import Inputs
from planning.io.sources import LayerRef, resolve_layer
from planning.results import AuditResult, Review, SitingResult
from planning.review.core import ReviewOptions, review_estates
from planning.review.inputs import ProposalOptions, read_gates, read_proposals
from planning.rules import Ruleset, load_ruleset
from planning.siting import SitingOptions, read_candidates, site_centres
from planning.siting.adapter import SitingKind, SitingMethod

__all__ = [
    "audit",
    "check_estate",
    "load_inputs",
    "load_network",
    "load_ruleset",
    "network_summary",
    "site",
]

Source = str | Path | pd.DataFrame
Progress = Callable[[str], None]


def _ruleset(rules: str | Path | Ruleset) -> Ruleset:
    return rules if isinstance(rules, Ruleset) else load_ruleset(rules)


def _as_source(value: Any, role: str, layer: str | None, parameter: str | None = None) -> Any:
    """Return a path (with its layer resolved) or a frame, as ``planning.io`` reads it."""
    if value is None or isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, str | Path):
        return resolve_layer(LayerRef(Path(value), layer), role, parameter)
    raise OptionError(f"{role}={type(value).__name__}: give a file path or a (Geo)DataFrame.", role)


def load_inputs(
    estates: Source,
    facilities: Source | None = None,
    gates: Source | None = None,
    streets: Source | None = None,
    *,
    coords: str | Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
    layers: Mapping[str, str] | None = None,
    crs: Any = None,
    rules: str | Path | Ruleset = "national",
    raise_on_error: bool = True,
) -> Inputs:
    """Read, check and project the input layers (小区, 养老设施, 出入口, 街道).

    Parameters
    ----------
    estates : path, GeoDataFrame or DataFrame
        Residential estates 居住小区 (polygons or points; a table with lon/lat columns).
    facilities, gates, streets : path, GeoDataFrame or DataFrame, optional
        Elderly-care facilities 养老服务设施, estate gates 小区出入口, streets 街道/乡镇.
    coords : {"wgs84", "gcj02", "bd09"} or mapping, optional
        System of longitude/latitude data (Amap/Gaode ``gcj02``, Baidu ``bd09``), one for all
        layers or per layer (``{"estates": "bd09"}``); converted to WGS-84.
    fields : mapping, optional
        Canonical field to source column, e.g. ``{"households": "总户数"}``.
    layers : mapping, optional
        Layer (GeoPackage) or sheet (XLSX) per input, e.g. ``{"estates": "小区"}``; a multi-layer
        GeoPackage without one is read by the usual layer names.
    crs : CRS-like or mapping, optional
        CRS of files that carry none.
    rules : str, Path or Ruleset
        Gives the year from which an estate without a status counts as new.
    raise_on_error : bool
        Raise :class:`~planning.InputDataError` listing every problem when the data is unusable;
        otherwise return the inputs with their ``report`` to inspect.

    Returns
    -------
    Inputs
        The layers in one local metric CRS, with ``report`` (the validation report).
    """
    check_bool("raise_on_error", raise_on_error)
    ruleset = _ruleset(rules)
    names = dict(layers or {})
    sources = {
        role: _as_source(value, role, names.get(role))
        for role, value in (
            ("estates", estates),
            ("facilities", facilities),
            ("gates", gates),
            ("streets", streets),
        )
    }
    paths = {r: (s.path if isinstance(s, LayerRef) else s) for r, s in sources.items()}
    resolved = {r: s.layer for r, s in sources.items() if isinstance(s, LayerRef) and s.layer}
    inputs, report = io.load_inputs(
        paths["estates"],
        paths["facilities"],
        paths["gates"],
        paths["streets"],
        layers={**names, **resolved},
        fields=fields,
        coords=coords,
        crs=crs,
        new_estate_cutoff_year=ruleset.parameters.new_estate_cutoff_year,
    )
    if raise_on_error:
        report.raise_if_unusable()
    return inputs


def _read_barriers(barriers: Any, layer: str | None, crs: CRS) -> gpd.GeoDataFrame | None:
    """Return the barrier polygons as a GeoDataFrame in ``crs`` (kept to draw on maps)."""
    if barriers is None:
        return None
    if isinstance(barriers, str | Path):
        barriers = networks.read_barriers(barriers, layer)
    if isinstance(barriers, gpd.GeoSeries):
        barriers = gpd.GeoDataFrame(geometry=barriers)
    if not isinstance(barriers, gpd.GeoDataFrame):
        raise OptionError(
            f"barriers={type(barriers).__name__}: give a file path or a GeoDataFrame of polygons.",
            "barriers",
        )
    if barriers.crs is None:
        raise InputFileError(
            "The barrier polygons have no CRS; set one (GeoDataFrame.set_crs) or add a .prj."
        )
    return barriers[[barriers.geometry.name]].to_crs(crs)


def load_network(
    source: str | Path | gpd.GeoDataFrame | None = None,
    *,
    crs: Any = None,
    layer: str | None = None,
    barriers: str | Path | gpd.GeoDataFrame | None = None,
    barriers_layer: str | None = None,
    place: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    download: bool = False,
    use_cache: bool = True,
) -> networks.WalkNetwork:
    """Build the walking network (步行路网) from a file, centre-lines or OpenStreetMap.

    Parameters
    ----------
    source : path or GeoDataFrame, optional
        ``.osm``/``.osm.pbf``, ``.graphml``, or road centre-lines (GeoPackage, Shapefile,
        GeoJSON, or a GeoDataFrame of lines).
    crs : CRS-like or Inputs
        The projected CRS to work in; pass the :class:`~planning.io.Inputs` to use theirs.
    layer : str, optional
        Layer of a multi-layer centre-line file (by the usual names when None).
    barriers : path or GeoDataFrame, optional
        Polygons that block walking (rivers, rail); crossing edges are removed except bridges.
    barriers_layer : str, optional
        Layer of a multi-layer barriers file.
    place, bbox : optional
        OpenStreetMap place name, or (west, south, east, north) in degrees, instead of
        ``source``; downloaded once with ``download=True``, then cached.
    download : bool
        Allow downloading for this call only (offline by default).
    use_cache : bool
        Re-use a network built before from the same inputs.

    Returns
    -------
    WalkNetwork
        With ``report`` (components, dead ends, barrier edges) and ``barrier_polygons``.
    """
    check_bool("download", download)
    check_bool("use_cache", use_cache)
    if isinstance(crs, Inputs):
        crs = crs.crs
    if crs is None:
        raise OptionError(
            f"Give the CRS to build the network in: {param('crs')} with a projected CRS, or "
            "crs=inputs to use the inputs' one.",
            "crs",
        )
    target = CRS.from_user_input(crs)
    if sum(x is not None for x in (source, place, bbox)) != 1:
        raise OptionError(
            f"Give one network source: a file or GeoDataFrame, {param('place')} or {param('bbox')}.",
            "source",
        )
    polygons = _read_barriers(barriers, barriers_layer, target)
    with settings.override(allow_download=settings.allow_download or download):
        if place is not None:
            net = networks.from_place(place, target, barriers=polygons, use_cache=use_cache)
        elif bbox is not None:
            net = networks.from_bbox(bbox, target, barriers=polygons, use_cache=use_cache)
        elif isinstance(source, gpd.GeoDataFrame):
            net = networks.from_centrelines(source, target, barriers=polygons, use_cache=use_cache)
        else:
            ref = resolve_layer(LayerRef(Path(str(source)), layer), "network")
            if not ref.path.exists():
                raise InputFileError(f"{ref.path}: network file not found.")
            extra = {"layer": ref.layer} if ref.layer else {}
            net = networks.load_network(
                ref.path, target, barriers=polygons, use_cache=use_cache, **extra
            )
    net.barrier_polygons = polygons
    return net


def network_summary(report: networks.BuildReport) -> dict[str, Any]:
    """Return a network's build report as ``summary.json`` records it (stable across re-runs)."""
    data = dict(report.to_dict())
    data.pop("cache_hit", None)
    data.pop("cache_key", None)
    ends = data.pop("dangling_ends", [])
    data["dangling_ends"] = len(ends)
    data["dangling_ends_first"] = [[round(x, 1), round(y, 1)] for x, y in ends[:20]]
    return data


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
    _check_network(network)
    options = AuditOptions(walk_speed, measure, include_planned, max_snap_m)
    core = run_audit(
        inputs,
        _ruleset(rules),
        network,
        options=options,
        barriers=network.barrier_polygons,
        progress=progress,
    )
    core.parameters["network"] = network_summary(network.report)
    return AuditResult.from_audit(core)


def _check_network(value: Any) -> None:
    if not isinstance(value, networks.WalkNetwork):
        raise OptionError(
            f"network={type(value).__name__}: give what planning.load_network returned.",
            "network",
        )


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
        ``candidate_id``, ``required``/``excluded`` flags; a grid over uncovered estates when None.
    candidates_layer, coords : optional
        Layer of a multi-layer candidates file; lon/lat system of a candidates table.
    kind, floor_m2, spacing_m, tier, time_limit_s, method
        See :class:`~planning.siting.SitingOptions`.

    Returns
    -------
    SitingResult
        ``.proposals`` (ranked), ``.summary`` (before/after), ``.audit`` (the audit with the
        proposals, for ``write``/``explore``).
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
    )
    frame = None
    if candidates is not None:
        source = _as_source(candidates, "candidates", candidates_layer)
        path = source.path if isinstance(source, LayerRef) else source
        layer = source.layer if isinstance(source, LayerRef) else None
        frame = read_candidates(path, layer=layer, crs=result.estates.crs, coords=coords)
    outcome = site_centres(result, options, frame)
    sited = result.with_proposals(outcome.proposals, outcome.summary)
    return SitingResult(outcome.proposals, outcome.solution, outcome.summary, audit=sited)


def _proposal_frame(estate: Any, crs: Any, layer: str | None) -> Any:
    """Return a shapely geometry as a one-row GeoDataFrame in ``crs``; others as sources."""
    if isinstance(estate, shapely.Geometry):
        if crs is None:
            raise OptionError(
                f"A shapely estate geometry needs its CRS: {param('estate_crs')}.", "estate_crs"
            )
        return gpd.GeoDataFrame({"estate_id": ["P1"]}, geometry=[estate], crs=crs)
    return _as_source(estate, "estates", layer, "layers.estate")


def check_estate(
    estate: str | Path | gpd.GeoDataFrame | shapely.Geometry,
    *,
    facilities: str | Path | pd.DataFrame,
    network: networks.WalkNetwork,
    rules: str | Path | Ruleset = "national",
    households: int | None = None,
    status: str | None = None,
    planned_floor_m2: float | None = None,
    planned_land_m2: float | None = None,
    gates: str | Path | pd.DataFrame | None = None,
    existing_estates: str | Path | pd.DataFrame | None = None,
    estate_crs: Any = None,
    coords: str | None = None,
    fields: Mapping[str, str] | None = None,
    layers: Mapping[str, str] | None = None,
    measure: Measure | None = None,
    walk_speed: float | None = None,
    include_planned: bool = False,
    max_snap_m: float | None = None,
) -> Review:
    """Review proposed estates for civil-affairs approval (新建小区养老服务设施配建审查).

    Parameters
    ----------
    estate : path, GeoDataFrame or shapely geometry
        The proposed estate(s); every feature gets its own review.
    facilities : path or (Geo)DataFrame
        Elderly-care facilities 养老服务设施.
    network : WalkNetwork
        From :func:`load_network`, in a metric CRS; everything is measured in it.
    rules : str, Path or Ruleset
        The ruleset.
    households, status, planned_floor_m2, planned_land_m2 : optional
        Values of a single proposal (override the file's columns; ``status`` applies to all).
    gates, existing_estates : path or (Geo)DataFrame, optional
        Gates 出入口 of the proposal; existing estates 现有小区 for the shared-facility check.
    estate_crs : CRS-like, optional
        CRS of a shapely ``estate``.
    coords, fields : optional
        As for :func:`load_inputs`.
    layers : mapping, optional
        Layer per input of multi-layer files: ``estate``, ``facilities``, ``gates``,
        ``existing_estates``.
    measure, walk_speed, include_planned, max_snap_m : optional
        As for :func:`audit`.

    Returns
    -------
    Review
        One :class:`~planning.review.core.EstateReview` per proposal; ``.write(dir)`` writes
        review.json, review.html (one A4 sheet each) and review.xlsx.
    """
    _check_network(network)
    ruleset = _ruleset(rules)
    options = ReviewOptions(walk_speed, measure, include_planned, None, max_snap_m)
    names = dict(layers or {})
    crs = network.crs
    field_map = dict(fields or {})
    facility_source = _as_source(
        facilities, "facilities", names.get("facilities"), "layers.facilities"
    )
    fac_frame, report = io.load_facilities(
        facility_source.path if isinstance(facility_source, LayerRef) else facility_source,
        fields=field_map,
        coords=coords,
        layer=facility_source.layer if isinstance(facility_source, LayerRef) else None,
        target_crs=crs,
    )
    existing = None
    if existing_estates is not None:
        ex_source = _as_source(
            existing_estates, "estates", names.get("existing_estates"), "layers.existing_estates"
        )
        existing, report = io.load_estates(
            ex_source.path if isinstance(ex_source, LayerRef) else ex_source,
            fields=field_map,
            coords=coords,
            layer=ex_source.layer if isinstance(ex_source, LayerRef) else None,
            new_estate_cutoff_year=ruleset.parameters.new_estate_cutoff_year,
            target_crs=crs,
            report=report,
        )
    report.raise_if_unusable()
    proposal_source = _proposal_frame(estate, estate_crs, names.get("estate"))
    proposals = read_proposals(
        proposal_source.path if isinstance(proposal_source, LayerRef) else proposal_source,
        proposal_source.layer if isinstance(proposal_source, LayerRef) else None,
        options=ProposalOptions(households, status, planned_floor_m2, planned_land_m2),
        fields=field_map,
        coords=coords,
    ).to_crs(crs)
    gate_frame = None
    if gates is not None:
        gate_source = _as_source(gates, "gates", names.get("gates"), "layers.gates")
        gate_frame = read_gates(
            gate_source.path if isinstance(gate_source, LayerRef) else gate_source,
            gate_source.layer if isinstance(gate_source, LayerRef) else None,
            proposals,
            coords=coords,
            fields=field_map,
        )
    core = review_estates(
        proposals, fac_frame, ruleset, network, gates=gate_frame, existing=existing, options=options
    )
    return Review.from_review(core, network=network, barriers=network.barrier_polygons)
