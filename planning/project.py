"""A planning project: which files, which ruleset, which network, where outputs go.

The same choices come from command-line options or from a project file (``eldercare audit -c
project.toml``) so that a re-run is one short command::

    [inputs]
    estates = "data/小区.shp"
    facilities = "data/养老设施.xlsx"
    gates = "data/出入口.gpkg"
    streets = "data/街道.gpkg"
    zones = "data/主城区.gpkg"     # 规划分区 for rules limited to a zone (双鸭山: 主城区)
    villages = "data/村界.gpkg"    # 村/社区 for rules per village (村有“点”)
    coords = "bd09"              # coordinates of CSV/XLSX files: wgs84 | gcj02 | bd09

    [fields]                     # canonical = source column
    households = "总户数"

    [network]
    file = "data/道路中心线.gpkg"  # or place = "…" / bbox = [W, S, E, N] with download = true
    layer = "roads"
    barriers = "data/河流.gpkg"
    profile = "walk"             # walk (步行) | step_free (无障碍) | "walk,step_free" (both)

    [audit]
    rules = "daye"
    out = "results"
    walk_speed = 0.8
    search_radius_m = 3000       # nearest facility searched this far beyond the circles

Paths in a project file are relative to the file. The file is checked before anything runs
(:func:`planning.io.project_file.project_keys`, where a new key needs its entry): unknown
sections and keys (with the nearest right one), types (booleans only as ``true``/``false``,
never ``"false"``), finite numbers in range and allowed values, every problem at once with the
fix. UTF-8 with or without BOM; a GBK file gets a message saying so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planning._errors import InputFileError, NetworkError, param
from planning.io.project_file import lower, project_keys, read_project_data
from planning.io.sources import LayerRef

if TYPE_CHECKING:  # the GIS stack loads when a project runs (fast --help)
    from planning.io import Inputs
    from planning.network import WalkNetwork
    from planning.results import AuditResult
    from planning.rules import Ruleset

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

#: The bundled sample district and the demo's output folder (a source checkout's layout).
REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_GPKG = REPO_ROOT / "gis_data" / "sample_district.gpkg"
DEMO_DIR = REPO_ROOT / "maps" / "demo"


@dataclass
class ProjectSpec:
    """Everything an audit needs to know about its inputs and options."""

    estates: LayerRef | None = None
    facilities: LayerRef | None = None
    gates: LayerRef | None = None
    streets: LayerRef | None = None
    zones: LayerRef | None = None  # 规划分区 (主城区 …) for rules limited to a zone
    villages: LayerRef | None = None  # 村/社区 for rules counted per village
    network: LayerRef | None = None
    place: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    barriers: LayerRef | None = None
    download: bool = False
    rules: str = "national"
    out: Path = Path("results")
    fields: dict[str, str] = field(default_factory=dict)
    coords: str | dict[str, str] | None = None
    crs: str | dict[str, str] | None = None
    walk_speed: float | None = None
    measure: str | None = None
    include_planned: bool = False
    basemap: str = "none"
    max_snap_m: float | None = None
    profile: tuple[str, ...] = ("walk",)  # walkability profiles 步行/无障碍: walk, step_free
    search_radius_m: float | None = None  # nearest facility at any distance up to this (m)
    service_areas: str = "merged"  # 服务圈范围 polygons: merged, per-facility or none
    road_classes: Path | None = None  # TOML table of centre-line road classes (道路等级)
    strict: bool = False
    fix: tuple[str, ...] = ()
    horizon_year: int | None = None  # 规划期: also report coverage in this year
    scenario: str | None = None  # a scenario file (情景) applied to the inputs
    scenario_name: str | None = None  # its name: results go to OUT/scenarios/<name>/
    scenarios: dict[str, str] = field(default_factory=dict)  # [scenarios] name → file


def layer_ref(value: Any, layer: Any, base: Path) -> LayerRef | None:
    """Return a file (relative to ``base``) and layer as a :class:`LayerRef`; None if empty."""
    if value in (None, ""):
        return None
    path = Path(str(value))
    if not path.is_absolute():
        path = base / path
    return LayerRef(path, None if layer in (None, "") else str(layer))


def _input_roles() -> list[str]:
    """Return the input layers a project names in ``[inputs]`` (``estates``, ``estates_layer``)."""
    return [
        f.name
        for f in fields(ProjectSpec)
        if str(f.type).startswith("LayerRef") and f.name not in ("network", "barriers")
    ]


def _profile_problem(value: str) -> str | None:
    """Say what is wrong with a ``[network] profile`` value (None when nothing)."""
    from planning.network.walkability import PROFILES

    wrong = [p for p in value.split(",") if p.strip().lower() not in PROFILES]
    return f'use {" or ".join(PROFILES)}, or both: "walk,step_free"' if wrong else None


def load_project_file(path: Path) -> ProjectSpec:
    """Read and check a project file (TOML).

    Parameters
    ----------
    path : Path
        The project file.

    Returns
    -------
    ProjectSpec

    Raises
    ------
    InputFileError
        Every problem of the file at once (unknown keys, wrong types or ranges), or a missing
        file, a GBK/UTF-16 file, invalid TOML.
    """
    data = read_project_data(path, project_keys(_input_roles(), _profile_problem))
    base = path.parent
    inputs, net, audit = data.get("inputs", {}), data.get("network", {}), data.get("audit", {})
    bbox = net.get("bbox")
    spec = ProjectSpec(
        coords=lower(inputs.get("coords")),
        crs=inputs.get("crs"),
        strict=bool(inputs.get("strict", False)),
        fix=tuple(str(v).lower() for v in inputs.get("fix", ())),
        fields={str(k): str(v) for k, v in data.get("fields", {}).items()},
        network=layer_ref(net.get("file"), net.get("layer"), base),
        place=net.get("place"),
        bbox=tuple(float(v) for v in bbox) if bbox else None,  # type: ignore[arg-type]
        barriers=layer_ref(net.get("barriers"), net.get("barriers_layer"), base),
        download=bool(net.get("download", False)),
        max_snap_m=None if net.get("max_snap_m") is None else float(net["max_snap_m"]),
        profile=tuple(p.strip().lower() for p in str(net.get("profile", "walk")).split(",")),
        road_classes=(
            None
            if net.get("road_classes") is None
            else layer_ref(net["road_classes"], None, base).path  # type: ignore[union-attr]
        ),
        search_radius_m=audit.get("search_radius_m") and float(audit["search_radius_m"]),
        service_areas=str(audit.get("service_areas", "merged")).lower(),
        rules=str(audit.get("rules", "national")),
        out=layer_ref(audit.get("out", "results"), None, base).path,  # type: ignore[union-attr]
        walk_speed=audit.get("walk_speed"),
        measure=lower(audit.get("measure")),
        include_planned=bool(audit.get("include_planned", False)),
        basemap=str(audit.get("basemap", "none")).lower(),
        horizon_year=None if audit.get("horizon_year") is None else int(audit["horizon_year"]),
        scenarios={str(k): str(base / v) for k, v in data.get("scenarios", {}).items()},
    )
    if audit.get("scenario"):  # a file or a name in [scenarios]: OUT/scenarios/<name>/
        from planning.scenario import find_scenario

        spec.scenario, spec.scenario_name = find_scenario(audit["scenario"], spec.scenarios, base)
    for role in _input_roles():
        setattr(spec, role, layer_ref(inputs.get(role), inputs.get(f"{role}_layer"), base))
    rules = Path(spec.rules)
    if rules.suffix.lower() == ".toml" and not rules.is_absolute():
        spec.rules = str(base / rules)
    return spec


def spec_inputs(spec: ProjectSpec) -> list[Path]:
    """Every file a project reads (input layers, network, barriers, a ruleset file)."""
    paths = [value.path for value in vars(spec).values() if isinstance(value, LayerRef)]
    if Path(spec.rules).suffix.lower() == ".toml":
        paths.append(Path(spec.rules))
    if spec.road_classes is not None:
        paths.append(Path(spec.road_classes))
    if spec.scenario is not None:
        paths.append(Path(spec.scenario))
    return paths


def demo_spec(out: Path = DEMO_DIR, rules: str = "national") -> ProjectSpec:
    """Describe the audit of the bundled sample district (示例区, synthetic data).

    Parameters
    ----------
    out : Path
        Results folder (default ``maps/demo``).
    rules : str
        Ruleset id.

    Returns
    -------
    ProjectSpec
    """
    if not SAMPLE_GPKG.exists():
        raise InputFileError(
            f"{SAMPLE_GPKG} not found: the demo needs a source checkout with gis_data/ "
            "(regenerate it with `python -m planning.sample gis_data/`)."
        )
    return ProjectSpec(
        estates=LayerRef(SAMPLE_GPKG, "estates"),
        facilities=LayerRef(SAMPLE_GPKG, "facilities"),
        gates=LayerRef(SAMPLE_GPKG, "gates"),
        streets=LayerRef(SAMPLE_GPKG, "streets"),
        network=LayerRef(SAMPLE_GPKG, "roads"),
        barriers=LayerRef(SAMPLE_GPKG, "river"),
        rules=rules,
        out=out,
    )


def spec_to_dict(spec: ProjectSpec) -> dict[str, Any]:
    """Return the project as plain data (absolute paths), stored in ``summary.json``."""
    out: dict[str, Any] = {}
    for name, value in vars(spec).items():
        if isinstance(value, LayerRef):
            out[name] = {"path": str(value.path.resolve()), "layer": value.layer}
        elif isinstance(value, Path):
            out[name] = str(value.resolve())
        elif isinstance(value, tuple):
            out[name] = list(value)
        else:
            out[name] = value
    return out


def spec_from_dict(data: dict[str, Any]) -> ProjectSpec:
    """Rebuild a project from :func:`spec_to_dict` output (``--audit DIR``)."""
    spec = ProjectSpec()
    for name, value in data.items():
        if not hasattr(spec, name):
            continue
        if isinstance(value, dict) and "path" in value:
            value = LayerRef(Path(value["path"]), value.get("layer"))
        elif name == "out" and value is not None:
            value = Path(value)
        elif name == "bbox" and value is not None:
            value = tuple(value)
        setattr(spec, name, value)
    return spec


def spec_from_results(results_dir: Path) -> ProjectSpec:
    """Read the project an audit was run with from its ``summary.json``."""
    import json

    path = Path(results_dir) / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        project = summary["parameters"]["project"]
    except FileNotFoundError as error:
        raise InputFileError(
            f"{path} not found: give the results folder an audit wrote ({param('audit')})."
        ) from error
    except (KeyError, ValueError) as error:
        raise InputFileError(
            f"{path} does not record its project; re-run the audit with this version."
        ) from error
    spec = spec_from_dict(project)
    spec.out = Path(results_dir)
    return spec


@dataclass
class Prepared:
    """A project's loaded ruleset, inputs and network."""

    ruleset: Ruleset
    inputs: Inputs
    net: WalkNetwork


def load_project_inputs(spec: ProjectSpec, *, raise_on_error: bool = True) -> Inputs:
    """Load and validate the input layers of a project (``report`` attached to the result).

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    raise_on_error : bool
        Raise :class:`~planning.InputDataError` when the data is unusable.

    Returns
    -------
    Inputs
    """
    from planning.api import load_inputs
    from planning.api.loading import network_field

    if spec.estates is None:
        raise InputFileError("No estates given (居住小区).")
    refs = {"estates": spec.estates, "facilities": spec.facilities, "gates": spec.gates,
            "streets": spec.streets, "zones": spec.zones, "villages": spec.villages}  # fmt: skip
    paths = {role: (None if ref is None else ref.path) for role, ref in refs.items()}
    return load_inputs(
        spec.estates.path,
        paths["facilities"],
        paths["gates"],
        paths["streets"],
        zones=paths["zones"],
        villages=paths["villages"],
        layers={role: ref.layer for role, ref in refs.items() if ref is not None and ref.layer},
        fields={k: v for k, v in spec.fields.items() if not network_field(k)},
        coords=spec.coords,
        crs=spec.crs,
        rules=spec.rules,
        raise_on_error=raise_on_error,
        strict=spec.strict,
        fix=spec.fix,
    )


def load_project_network(spec: ProjectSpec, crs: Any) -> WalkNetwork:
    """Build (or take from the cache) the walking network of a project in ``crs``.

    A walk network when the project audits the walk profile (the step-free one derives from it),
    else the step-free network.
    """
    from planning.api import load_network
    from planning.api.loading import network_field

    return load_network(
        None if spec.network is None else spec.network.path,
        crs=crs,
        layer=None if spec.network is None else spec.network.layer,
        barriers=None if spec.barriers is None else spec.barriers.path,
        barriers_layer=None if spec.barriers is None else spec.barriers.layer,
        place=spec.place,
        bbox=spec.bbox,
        download=spec.download,
        profile="walk" if "walk" in spec.profile else "step_free",
        fields={k: v for k, v in spec.fields.items() if network_field(k)},
        road_classes=spec.road_classes,
    )


def prepare_project(spec: ProjectSpec, progress: Progress | None = None) -> Prepared:
    """Load the ruleset, validate the inputs and build the network of a project.

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    progress : callable, optional
        Receives short progress messages.

    Returns
    -------
    Prepared
    """
    from planning.rules import load_ruleset

    say = progress or (lambda message: None)
    ruleset = load_ruleset(spec.rules)
    say(f"Ruleset 规则集: {ruleset.name_zh} ({ruleset.id})")
    say("Reading and validating inputs")
    inputs = load_project_inputs(spec)
    report = inputs.report
    assert report is not None  # load_inputs attaches it
    for line in report.format(lang="en").splitlines():
        if line.strip():
            logger.info(line)
    if report.warnings:
        say(f"{len(report.warnings)} warning(s) in the inputs; `eldercare validate` lists them")
    say(f"Building the walking network (CRS {getattr(inputs.crs, 'name', inputs.crs)})")
    net = load_project_network(spec, inputs.crs)
    say(describe_network(net.report))
    return Prepared(ruleset, inputs, net)


def describe_network(report: Any) -> str:
    """One line about a built network for people: size, components, dead ends, barriers, cache."""
    parts = [f"Network 路网: {report.n_nodes} nodes, {report.n_edges} edges"]
    if report.n_components > 1:
        sizes = report.component_sizes
        parts.append(
            f"{report.n_components} connected components (largest {sizes[0]} nodes; isolated parts "
            "reach nothing beyond themselves)"
        )
    if report.dangling_ends:
        parts.append(f"{len(report.dangling_ends)} dead ends (断头路)")
    if report.n_joined_endpoints:
        parts.append(f"{report.n_joined_endpoints} line ends joined")
    if report.barrier_edges_removed or report.barrier_bridges_kept:
        parts.append(
            f"{report.barrier_edges_removed} edges crossing barriers removed, "
            f"{report.barrier_bridges_kept} bridges kept"
        )
    removed, km = report.removed_total()
    if removed:
        parts.append(
            f"{removed} {report.filter_unit} not for walking removed ({km:.1f} km: motorways, "
            "expressways 快速路, ramps 匝道, foot=no …)"
        )
    if report.fragments_dropped:
        parts.append(
            f"{report.fragments_dropped} stray fragments 碎片 dropped ({report.fragment_km:.1f} km)"
        )
    if report.drive_only:
        parts.append("no footways in the data (a drive export?)")
    if report.profile == "step_free":
        parts.append("step-free 无障碍")
    parts.append("from cache" if report.cache_hit else "built")
    return "; ".join(parts)


def audit_prepared(
    spec: ProjectSpec, prepared: Prepared, progress: Progress | None = None
) -> AuditResult:
    """Run the audit of a prepared project (in memory), recording the project."""
    from planning.api import audit
    from planning.scenario import scenario_audit

    # a what-if (情景): the inputs as the scenario file has them, and its horizon year
    inputs, extra = scenario_audit(prepared.inputs, spec.scenario, spec.horizon_year)
    result = audit(
        inputs,
        prepared.net,
        prepared.ruleset,
        measure=spec.measure,  # type: ignore[arg-type]
        walk_speed=spec.walk_speed,
        include_planned=spec.include_planned,
        max_snap_m=spec.max_snap_m,
        progress=progress,
        search_radius_m=spec.search_radius_m,
        profile=spec.profile,
        service_areas=spec.service_areas,  # type: ignore[arg-type]
        **extra,
    )
    result.parameters["project"] = spec_to_dict(spec)
    require_reachable(result)
    return result


def require_reachable(result: AuditResult) -> None:
    """Refuse an audit in which no estate reaches the walking network (nothing was measured).

    Raises
    ------
    NetworkError
        Naming the snap distance and the usual causes (network extent, coordinates).
    """
    reachable = result.estates["reachable"].astype(bool)
    if len(reachable) and not reachable.any():
        from planning import settings

        limit = float(result.parameters.get("max_snap_m") or settings.max_snap_m)
        raise NetworkError(
            f"No estate reaches the walking network: all {len(reachable)} estates lie farther "
            f"than {limit:g} m from any road, so no walking distance could be measured "
            "(无小区可接入步行路网). Check that the network covers the estates' area and that "
            f"both are in the right coordinates ({param('coords')}, {param('crs')}), or allow "
            f"longer connectors with {param('max_snap_m', f'{2 * limit:g}')}."
        )


def run_project_audit(spec: ProjectSpec, progress: Progress | None = None) -> Path:
    """Load, audit and write the tables of a project (no maps); return the results folder.

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    progress : callable, optional
        Receives short progress messages.

    Returns
    -------
    Path
        The results folder.
    """
    say = progress or (lambda message: None)
    result = audit_prepared(spec, prepare_project(spec, say), say)
    say(f"Writing results to {spec.out}")
    result.write(spec.out, maps=False)
    return spec.out
