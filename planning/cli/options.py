"""Command-line options that name inputs, the network and the audit's choices.

The same choices come from a project file (``-c project.toml``, :mod:`planning.project`);
options given on the command line win.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from planning import settings
from planning._errors import InputFileError
from planning.project import ProjectSpec, layer_ref, load_project_file


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
        (
            "zones",
            "planning zones 规划分区 (polygons with a zone field: 主城区, 中心城区, 乡镇 …) "
            "for rules limited to a zone",
        ),
        ("villages", "villages/communities 村/社区 (polygons) for rules per village"),
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
        "--crs",
        action="append",
        metavar="CRS|LAYER=CRS",
        help="CRS of files that carry none (a Shapefile without .prj, x/y columns), e.g. "
        "EPSG:4547; one value for all layers or per layer, e.g. --crs streets=EPSG:4547",
    )
    g.add_argument(
        "--rules", help="ruleset: national/全国, daye/大冶, … or a .toml file (default national)"
    )
    g.add_argument(
        "--strict",
        action="store_true",
        help="treat implausible values (户数, 建筑面积, 床位), rows far from the rest and swapped "
        "lon/lat as errors instead of warnings",
    )
    g.add_argument(
        "--fix",
        action="append",
        choices=["swapped-coords"],
        help="repair the data while reading: swapped-coords swaps back lon/lat swapped per row",
    )


def add_service_area_argument(parser: argparse.ArgumentParser) -> None:
    """``--service-areas``: which service-area polygons the audit traces (audit and site)."""
    parser.add_argument(
        "--service-areas",
        choices=["merged", "per-facility", "none"],
        help="service-area polygons 服务圈范围 to trace: merged per tier (default; what the maps "
        "draw), also per facility (slower), or none",
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
    g.add_argument(
        "--profile",
        metavar="walk|step_free",
        help="walkability profile: walk 步行 (default; no motorways, expressways, foot=no), "
        "step_free 无障碍 (also no steps, high kerbs, steep inclines), or both: walk,step_free",
    )
    g.add_argument(
        "--road-classes",
        metavar="TOML",
        help="table of centre-line road classes (道路等级 → no/walk/step_free) over the defaults "
        "(高速公路/快速路/匝道 not walkable, 台阶 not step-free); name the column with "
        "--field road_class=道路等级",
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
        "--search-radius-m",
        type=float,
        metavar="M",
        help="search each estate's nearest facility this far beyond the circles "
        f"(不限距离, default {settings.search_radius_m:.0f} m)",
    )
    o.add_argument(
        "--basemap",
        choices=["none", "osm", "tianditu", "amap"],
        help="gap-map basemap (default none: offline)",
    )


COORD_SYSTEMS = ("wgs84", "gcj02", "bd09")
INPUT_LAYERS = ("estates", "facilities", "gates", "streets", "zones", "villages")
_AREA_LAYERS = ("zones", "villages")


def parse_coords(values: list[str] | str) -> str | dict[str, str]:
    """Parse ``--coords`` values: one system for every layer, or ``layer=system`` pairs.

    Examples
    --------
    >>> parse_coords(["bd09"])
    'bd09'
    >>> parse_coords(["estates=bd09", "facilities=gcj02"])
    {'estates': 'bd09', 'facilities': 'gcj02', 'gates': 'wgs84', 'streets': 'wgs84'}
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
        # zones and villages (boundaries, rarely lon/lat tables) only when named or all are set
        shown = [r for r in INPUT_LAYERS if r in per_layer or single or r not in _AREA_LAYERS]
        return {layer: per_layer.get(layer, single or "wgs84") for layer in shown}
    return single or "wgs84"


def parse_crs(values: list[str] | str) -> str | dict[str, str]:
    """Parse ``--crs`` values: one CRS for every layer, or ``layer=CRS`` pairs.

    Examples
    --------
    >>> parse_crs(["EPSG:4547"])
    'EPSG:4547'
    >>> parse_crs(["streets=EPSG:4547"])
    {'streets': 'EPSG:4547'}
    """
    items = [values] if isinstance(values, str) else list(values)
    per_layer: dict[str, str] = {}
    single: str | None = None
    for item in items:
        layer, sep, value = item.partition("=")
        if sep and layer.strip() in INPUT_LAYERS:
            per_layer[layer.strip()] = value.strip()
        elif sep:
            raise InputFileError(
                f"--crs {item!r}: unknown layer {layer!r}; use one of {', '.join(INPUT_LAYERS)}."
            )
        else:
            single = item.strip()
    if per_layer:
        return {**(dict.fromkeys(INPUT_LAYERS, single) if single else {}), **per_layer}
    return single or ""


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
    for role in INPUT_LAYERS:
        value = getattr(args, role, None)
        layer = getattr(args, f"{role}_layer", None)
        if value:
            setattr(spec, role, layer_ref(value, layer, cwd))
        elif layer and getattr(spec, role) is not None:
            setattr(spec, role, replace(getattr(spec, role), layer=layer))
    spec.fields.update(parse_field_options(getattr(args, "field", []) or []))
    if getattr(args, "coords", None):
        spec.coords = parse_coords(args.coords)
    if getattr(args, "crs", None):
        spec.crs = parse_crs(args.crs)
    for name in ("rules", "walk_speed", "measure", "basemap", "max_snap_m", "place",
                 "search_radius_m", "service_areas"):  # fmt: skip
        value = getattr(args, name, None)
        if value is not None:
            setattr(spec, name, value)
    if getattr(args, "profile", None):
        from planning.network.walkability import check_profiles

        spec.profile = check_profiles(args.profile)
    if getattr(args, "road_classes", None):
        spec.road_classes = Path(args.road_classes)
    if getattr(args, "network", None):
        spec.network = layer_ref(args.network, args.network_layer, cwd)
    if getattr(args, "bbox", None):
        spec.bbox = parse_bbox(args.bbox)
    if getattr(args, "barriers", None):
        spec.barriers = layer_ref(args.barriers, args.barriers_layer, cwd)
    if getattr(args, "out", None):
        spec.out = Path(args.out)
    spec.download = spec.download or bool(getattr(args, "download", False))
    spec.include_planned = spec.include_planned or bool(getattr(args, "include_planned", False))
    spec.strict = spec.strict or bool(getattr(args, "strict", False))
    spec.fix = tuple(dict.fromkeys([*spec.fix, *(getattr(args, "fix", None) or [])]))
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
