"""A planning project: which files, which ruleset, which network, where outputs go.

The same choices come from command-line options or from a project file (``eldercare audit -c
project.toml``) so that a re-run is one short command::

    [inputs]
    estates = "data/小区.shp"
    facilities = "data/养老设施.xlsx"
    gates = "data/出入口.gpkg"
    streets = "data/街道.gpkg"
    coords = "bd09"              # coordinates of CSV/XLSX files: wgs84 | gcj02 | bd09

    [fields]                     # canonical = source column
    households = "总户数"

    [network]
    file = "data/道路中心线.gpkg"  # or place = "…" / bbox = [W, S, E, N] with download = true
    layer = "roads"
    barriers = "data/河流.gpkg"

    [audit]
    rules = "daye"
    out = "results"
    walk_speed = 0.8

Paths in a project file are relative to the file.
"""

from __future__ import annotations

import argparse
import logging
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planning import settings
from planning._errors import InputFileError

if TYPE_CHECKING:  # heavy GIS imports wait until a command needs them (fast --help)
    import geopandas as gpd

logger = logging.getLogger(__name__)

#: The bundled sample district and the demo's output folder (a source checkout's layout).
REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_GPKG = REPO_ROOT / "gis_data" / "sample_district.gpkg"
DEMO_DIR = REPO_ROOT / "maps" / "demo"

#: Layer names tried, in order, when a GeoPackage holds several layers and none was named.
DEFAULT_LAYERS: dict[str, tuple[str, ...]] = {
    "estates": ("estates", "小区", "居住小区"),
    "facilities": ("facilities", "设施", "养老设施"),
    "gates": ("gates", "出入口", "小区出入口"),
    "streets": ("streets", "街道", "admin"),
    "network": ("roads", "network", "edges", "道路", "道路中心线"),
    "barriers": ("river", "rivers", "barriers", "河流", "水系"),
}


@dataclass
class LayerRef:
    """A file and, for multi-layer files, the layer in it."""

    path: Path
    layer: str | None = None


@dataclass
class ProjectSpec:
    """Everything an audit needs to know about its inputs and options."""

    estates: LayerRef | None = None
    facilities: LayerRef | None = None
    gates: LayerRef | None = None
    streets: LayerRef | None = None
    network: LayerRef | None = None
    place: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    barriers: LayerRef | None = None
    download: bool = False
    rules: str = "national"
    out: Path = Path("results")
    fields: dict[str, str] = field(default_factory=dict)
    coords: str | dict[str, str] | None = None
    walk_speed: float | None = None
    measure: str | None = None
    include_planned: bool = False
    basemap: str = "none"
    max_snap_m: float | None = None


def resolve_layer(ref: LayerRef, role: str) -> LayerRef:
    """Pick the layer of a multi-layer file by its role name when none was given.

    Parameters
    ----------
    ref : LayerRef
        The file (and maybe layer) the user named.
    role : str
        ``estates``, ``facilities``, ``gates``, ``streets``, ``network`` or ``barriers``.

    Returns
    -------
    LayerRef
        With ``layer`` set when the file has several layers and one matches the role.
    """
    if ref.layer is not None or ref.path.suffix.lower() not in (".gpkg", ".sqlite"):
        return ref
    if not ref.path.exists():
        raise InputFileError(f"{ref.path}: file not found (given as the {role} layer).")
    try:
        import pyogrio

        names = [str(n) for n in pyogrio.list_layers(ref.path)[:, 0]]
    except Exception as error:  # pyogrio raises DataSourceError and friends
        raise InputFileError(f"{ref.path}: cannot be opened as a GeoPackage ({error}).") from error
    if len(names) == 1:
        return replace(ref, layer=names[0])
    for candidate in DEFAULT_LAYERS[role]:
        if candidate in names:
            return replace(ref, layer=candidate)
    raise InputFileError(
        f"{ref.path} holds {len(names)} layers ({', '.join(names)}); say which one is the {role} "
        f"layer, e.g. --{role}-layer {names[0]}."
    )


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """Options naming the input layers (validate, audit, site)."""
    g = parser.add_argument_group("inputs")
    g.add_argument(
        "-c", "--config", help="project file (TOML) with the same choices; options override it"
    )
    for role, text in (
        ("estates", "residential estates 居住小区 (polygons or points)"),
        ("facilities", "elderly-care facilities 养老服务设施"),
        ("gates", "estate gates 小区出入口 (points with estate_id)"),
        ("streets", "streets/townships 街道/乡镇 (polygons)"),
    ):
        g.add_argument(f"--{role}", help=f"{text}: GeoPackage, Shapefile, GeoJSON, CSV or XLSX")
        g.add_argument(f"--{role}-layer", help=f"layer name inside a multi-layer {role} file")
    g.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="CANONICAL=源列名",
        help="map a source column to a canonical field, e.g. --field households=总户数 (repeatable)",
    )
    g.add_argument(
        "--coords",
        action="append",
        metavar="SYSTEM|LAYER=SYSTEM",
        help="coordinate system of lon/lat columns (wgs84, gcj02 Amap/Gaode, bd09 Baidu), "
        "converted to WGS-84; one value for all layers or per layer, e.g. "
        "--coords estates=bd09 --coords facilities=gcj02",
    )
    g.add_argument(
        "--rules", help="ruleset: national/全国, daye/大冶, … or a .toml file (default national)"
    )


def add_network_arguments(parser: argparse.ArgumentParser) -> None:
    """Options choosing the walking network and the audit's outputs."""
    g = parser.add_argument_group("walking network 步行路网")
    g.add_argument(
        "--network", help=".osm, .osm.pbf, .graphml, or road centre-lines (GeoPackage/Shapefile)"
    )
    g.add_argument("--network-layer", help="layer of the centre-line file")
    g.add_argument(
        "--place", help="OpenStreetMap place name (needs --download the first time; cached)"
    )
    g.add_argument(
        "--bbox", help="W,S,E,N in WGS-84 degrees (needs --download the first time; cached)"
    )
    g.add_argument("--download", action="store_true", help="allow downloading OpenStreetMap data")
    g.add_argument("--barriers", help="polygons that block walking: rivers, rail, expressways")
    g.add_argument("--barriers-layer", help="layer of the barriers file")
    g.add_argument(
        "--max-snap-m",
        type=float,
        help=f"longest connector to the network (default {settings.max_snap_m:.0f} m)",
    )
    o = parser.add_argument_group("audit")
    o.add_argument("--out", help="results folder")
    o.add_argument(
        "--walk-speed",
        type=float,
        metavar="M_S",
        help="elderly walking speed in m/s (ruleset default)",
    )
    o.add_argument(
        "--measure",
        choices=["distance", "time"],
        help="circles by GB 50180 distance or by walking time",
    )
    o.add_argument(
        "--include-planned", action="store_true", help="count planned facilities in the circles"
    )
    o.add_argument(
        "--basemap",
        choices=["none", "osm", "tianditu", "amap"],
        help="gap-map basemap (default none: offline)",
    )


def _ref(value: Any, layer: Any, base: Path) -> LayerRef | None:
    if value in (None, ""):
        return None
    path = Path(str(value))
    if not path.is_absolute():
        path = base / path
    return LayerRef(path, None if layer in (None, "") else str(layer))


def load_project_file(path: Path) -> ProjectSpec:
    """Read a project file (TOML).

    Parameters
    ----------
    path : Path
        The project file.

    Returns
    -------
    ProjectSpec
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InputFileError(f"{path}: project file not found.") from error
    except tomllib.TOMLDecodeError as error:
        raise InputFileError(f"{path}: not valid TOML ({error}).") from error
    known = {"inputs", "fields", "network", "audit"}
    unknown = set(data) - known
    if unknown:
        raise InputFileError(f"{path}: unknown section(s) {sorted(unknown)}; use {sorted(known)}.")
    base = path.parent
    inputs, net, audit = data.get("inputs", {}), data.get("network", {}), data.get("audit", {})
    bbox = net.get("bbox")
    return ProjectSpec(
        estates=_ref(inputs.get("estates"), inputs.get("estates_layer"), base),
        facilities=_ref(inputs.get("facilities"), inputs.get("facilities_layer"), base),
        gates=_ref(inputs.get("gates"), inputs.get("gates_layer"), base),
        streets=_ref(inputs.get("streets"), inputs.get("streets_layer"), base),
        coords=inputs.get("coords"),
        fields={str(k): str(v) for k, v in data.get("fields", {}).items()},
        network=_ref(net.get("file"), net.get("layer"), base),
        place=net.get("place"),
        bbox=tuple(float(v) for v in bbox) if bbox else None,  # type: ignore[arg-type]
        barriers=_ref(net.get("barriers"), net.get("barriers_layer"), base),
        download=bool(net.get("download", False)),
        rules=str(audit.get("rules", "national")),
        out=_ref(audit.get("out", "results"), None, base).path,  # type: ignore[union-attr]
        walk_speed=audit.get("walk_speed"),
        measure=audit.get("measure"),
        include_planned=bool(audit.get("include_planned", False)),
        basemap=str(audit.get("basemap", "none")),
    )


COORD_SYSTEMS = ("wgs84", "gcj02", "bd09")
INPUT_LAYERS = ("estates", "facilities", "gates", "streets")


def parse_coords(values: list[str] | str) -> str | dict[str, str]:
    """Parse ``--coords`` values: one system for every layer, or ``layer=system`` pairs.

    Examples
    --------
    >>> parse_coords(["bd09"])
    'bd09'
    >>> parse_coords(["estates=bd09", "facilities=gcj02"])
    {'estates': 'bd09', 'facilities': 'gcj02'}
    """
    items = [values] if isinstance(values, str) else list(values)
    per_layer: dict[str, str] = {}
    single: str | None = None
    for item in items:
        layer, _, system = item.rpartition("=")
        system = system.strip().lower()
        if system not in COORD_SYSTEMS:
            raise InputFileError(
                f"--coords {item!r}: unknown coordinate system; use one of {', '.join(COORD_SYSTEMS)}."
            )
        if not layer:
            single = system
        elif layer.strip() in INPUT_LAYERS:
            per_layer[layer.strip()] = system
        else:
            raise InputFileError(
                f"--coords {item!r}: unknown layer {layer!r}; use one of {', '.join(INPUT_LAYERS)}."
            )
    if per_layer:
        return {layer: per_layer.get(layer, single or "wgs84") for layer in INPUT_LAYERS}
    return single or "wgs84"


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Parse ``"W,S,E,N"`` (WGS-84 degrees) into a tuple, with a clear error for bad input."""
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError as error:
        raise InputFileError(
            f"--bbox {text!r}: give four numbers W,S,E,N in degrees, e.g. 114.30,30.52,114.36,30.57."
        ) from error
    if not (west < east and south < north):
        raise InputFileError(f"--bbox {text!r}: west must be < east and south < north.")
    return west, south, east, north


def spec_from_args(args: argparse.Namespace, *, needs_network: bool) -> ProjectSpec:
    """Merge a project file (``-c``) and command-line options; options win.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.
    needs_network : bool
        Whether a network source is required (audit) or not (validate).

    Returns
    -------
    ProjectSpec
    """
    from planning.schema import parse_field_options

    spec = load_project_file(Path(args.config)) if getattr(args, "config", None) else ProjectSpec()
    cwd = Path.cwd()
    for role in ("estates", "facilities", "gates", "streets"):
        value = getattr(args, role, None)
        layer = getattr(args, f"{role}_layer", None)
        if value:
            setattr(spec, role, _ref(value, layer, cwd))
        elif layer and getattr(spec, role) is not None:
            setattr(spec, role, replace(getattr(spec, role), layer=layer))
    spec.fields.update(parse_field_options(getattr(args, "field", []) or []))
    if getattr(args, "coords", None):
        spec.coords = parse_coords(args.coords)
    for name in ("rules", "walk_speed", "measure", "basemap", "max_snap_m", "place"):
        value = getattr(args, name, None)
        if value is not None:
            setattr(spec, name, value)
    if getattr(args, "network", None):
        spec.network = _ref(args.network, args.network_layer, cwd)
    if getattr(args, "bbox", None):
        spec.bbox = parse_bbox(args.bbox)
    if getattr(args, "barriers", None):
        spec.barriers = _ref(args.barriers, args.barriers_layer, cwd)
    if getattr(args, "out", None):
        spec.out = Path(args.out)
    spec.download = spec.download or bool(getattr(args, "download", False))
    spec.include_planned = spec.include_planned or bool(getattr(args, "include_planned", False))
    if spec.estates is None:
        raise InputFileError(
            "No estates given: use --estates FILE (居住小区) or a project file with [inputs] estates."
        )
    if needs_network and not (spec.network or spec.place or spec.bbox):
        raise InputFileError(
            "No walking network given: use --network FILE (.osm, .graphml or road centre-lines), "
            "or --place NAME / --bbox W,S,E,N with --download the first time."
        )
    return spec


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
            "(regenerate it with `python -m planning.sample_district gis_data/`)."
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


def load_validated_inputs(
    spec: ProjectSpec, *, raise_on_error: bool = True, cutoff_year: int | None = None
) -> tuple[Any, Any]:
    """Load and validate the input layers of a project.

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    raise_on_error : bool
        Raise :class:`~planning._errors.InputDataError` when the data is unusable.
    cutoff_year : int, optional
        Estates built in or after this year are new when they carry no status.

    Returns
    -------
    inputs, report
        ``planning.io.Inputs`` (None when unusable and not raising) and the validation report.
    """
    from planning.io import load_inputs

    refs = {
        role: resolve_layer(ref, role) if ref is not None else None
        for role, ref in (
            ("estates", spec.estates),
            ("facilities", spec.facilities),
            ("gates", spec.gates),
            ("streets", spec.streets),
        )
    }
    if cutoff_year is None:
        from planning.rules import load_ruleset

        cutoff_year = load_ruleset(spec.rules).parameters.new_estate_cutoff_year
    paths = {role: (None if ref is None else ref.path) for role, ref in refs.items()}
    if paths["estates"] is None:
        raise InputFileError("No estates given: use --estates FILE (居住小区).")
    inputs, report = load_inputs(
        paths["estates"],
        paths["facilities"],
        paths["gates"],
        paths["streets"],
        layers={role: ref.layer for role, ref in refs.items() if ref is not None and ref.layer},
        fields=spec.fields,
        coords=spec.coords,
        new_estate_cutoff_year=cutoff_year,
    )
    if raise_on_error:
        report.raise_if_unusable()
    return (inputs if report.usable else None), report


def load_project_network(spec: ProjectSpec, crs: Any) -> tuple[Any, gpd.GeoDataFrame | None]:
    """Build (or take from the cache) the walking network of a project in ``crs``.

    Returns
    -------
    network, barriers
        The :class:`planning.network.WalkNetwork` and the barrier polygons (or None).
    """
    from planning import network

    barriers = None
    if spec.barriers is not None:
        ref = resolve_layer(spec.barriers, "barriers")
        import geopandas as gpd

        barriers = gpd.read_file(ref.path, layer=ref.layer).to_crs(crs)
    if spec.network is not None:
        ref = resolve_layer(spec.network, "network")
        extra = {"layer": ref.layer} if ref.layer else {}  # only centre-line files have layers
        net = network.load_network(ref.path, crs=crs, barriers=barriers, **extra)
    else:
        previous = settings.allow_download
        settings.allow_download = previous or spec.download
        try:
            if spec.place:
                net = network.from_place(spec.place, crs=crs, barriers=barriers)
            elif spec.bbox is not None:
                net = network.from_bbox(spec.bbox, crs=crs, barriers=barriers)
            else:
                raise InputFileError("No walking network given: use --network, --place or --bbox.")
        finally:
            settings.allow_download = previous
    return net, barriers


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
            f"{path} not found: give the folder an audit wrote (--audit DIR)."
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

    ruleset: Any
    inputs: Any
    net: Any
    barriers: gpd.GeoDataFrame | None


def prepare_project(spec: ProjectSpec, progress: Callable[[str], None] | None = None) -> Prepared:
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
    if spec.max_snap_m is not None:
        settings.max_snap_m = float(spec.max_snap_m)
    ruleset = load_ruleset(spec.rules)
    say(f"Ruleset 规则集: {ruleset.name_zh} ({ruleset.id})")
    say("Reading and validating inputs")
    inputs, report = load_validated_inputs(
        spec, cutoff_year=ruleset.parameters.new_estate_cutoff_year
    )
    for line in report.format(lang="en").splitlines():
        if line.strip():
            logger.info(line)
    if report.warnings:
        say(f"{len(report.warnings)} warning(s) in the inputs; `eldercare validate` lists them")
    say(
        f"Building the walking network (CRS {inputs.crs.name if hasattr(inputs.crs, 'name') else inputs.crs})"
    )
    net, barriers = load_project_network(spec, inputs.crs)
    say(describe_network(net.report))
    return Prepared(ruleset, inputs, net, barriers)


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
    parts.append("from cache" if report.cache_hit else "built")
    return "; ".join(parts)


def network_summary(report: Any) -> dict[str, Any]:
    """Return the build report as recorded in ``summary.json`` (stable across cached re-runs)."""
    data = dict(report.to_dict())
    data.pop("cache_hit", None)
    data.pop("cache_key", None)
    ends = data.pop("dangling_ends", [])
    data["dangling_ends"] = len(ends)
    data["dangling_ends_first"] = [[round(x, 1), round(y, 1)] for x, y in ends[:20]]
    return data


def audit_prepared(
    spec: ProjectSpec, prepared: Prepared, progress: Callable[[str], None] | None = None
) -> Any:
    """Run the audit of a prepared project (in memory)."""
    from planning.audit import AuditOptions, run_audit

    result = run_audit(
        prepared.inputs,
        prepared.ruleset,
        prepared.net,
        options=AuditOptions(spec.walk_speed, spec.measure, spec.include_planned),
        barriers=prepared.barriers,
        progress=progress,
    )
    result.parameters["project"] = spec_to_dict(spec)
    result.parameters["network"] = network_summary(prepared.net.report)
    return result


def run_project_audit(spec: ProjectSpec, progress: Callable[[str], None] | None = None) -> Path:
    """Load, audit and write results for a project; return the results folder.

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
    from planning.audit_output import write_results

    say = progress or (lambda message: None)
    prepared = prepare_project(spec, say)
    result = audit_prepared(spec, prepared, say)
    say(f"Writing results to {spec.out}")
    write_results(result, spec.out)
    return spec.out
