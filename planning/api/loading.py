"""Loading inputs and the walking network (数据读取与路网构建)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
from pyproj import CRS

from planning import io, settings
from planning import network as networks
from planning._errors import InputFileError, OptionError, param
from planning._options import check_bool
from planning.api._sources import Source, as_source, ruleset_of, split_source
from planning.io import Inputs
from planning.io.sources import LayerRef, resolve_layer
from planning.network.walkability import check_profile
from planning.rules import Ruleset


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
    zones: Source | None = None,
    villages: Source | None = None,
    strict: bool = False,
    fix: Sequence[str] | None = None,
) -> Inputs:
    """Read, check and project the input layers (小区, 养老设施, 出入口, 街道, 分区, 村/社区).

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
    zones : path, GeoDataFrame or DataFrame, optional
        Planning zones 规划分区: polygons with a ``zone`` field (分区: 主城区/main_urban_area,
        中心城区, 乡镇 …; a file holding only the 主城区 may be named so). A rule limited to a
        zone (双鸭山: 城市主城区全覆盖) is judged over the estates inside it, and reports "no
        data" without this layer.
    villages : path, GeoDataFrame or DataFrame, optional
        Village and community polygons 村/社区 (``unit_type`` 村/社区, else the name's ending),
        for rules counted per village (村有“点”, rural meal service).
    strict : bool
        Implausible values (households, floor areas, beds), rows far from the rest and swapped
        longitude/latitude are errors instead of warnings.
    fix : sequence of str, optional
        Repairs to make while reading: ``"swapped-coords"`` swaps back rows whose longitude and
        latitude are swapped (otherwise they are dropped with a warning naming them).

    Returns
    -------
    Inputs
        The layers in one local metric CRS, with ``report`` (the validation report).
    """
    check_bool("raise_on_error", raise_on_error)
    check_bool("strict", strict)
    ruleset = ruleset_of(rules)
    names = dict(layers or {})
    sources = {
        role: as_source(value, role, names.get(role))
        for role, value in (
            ("estates", estates),
            ("facilities", facilities),
            ("gates", gates),
            ("streets", streets),
            ("zones", zones),
            ("villages", villages),
        )
    }
    split = {role: split_source(source) for role, source in sources.items()}
    paths = {role: path for role, (path, _) in split.items()}
    resolved = {role: layer for role, (_, layer) in split.items() if layer}
    inputs, report = io.load_inputs(
        paths["estates"],
        paths["facilities"],
        paths["gates"],
        paths["streets"],
        zones=paths["zones"],
        villages=paths["villages"],
        strict=strict,
        fix=fix,
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
    profile: str = "walk",
    fields: Mapping[str, str] | None = None,
    road_classes: str | Path | Mapping[str, str] | None = None,
) -> networks.WalkNetwork:
    """Build the walking network (步行路网) from a file, centre-lines or OpenStreetMap.

    Only ways people may walk on are kept (no motorways, ``foot=no`` roads, expressways 快速路
    or ramps 匝道), and stray fragments (路网碎片) are removed; ``report`` says what each filter
    removed.

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
    profile : {"walk", "step_free"}
        Walkability profile: ``walk`` (步行, osmnx walk semantics) or ``step_free`` (无障碍: no
        steps, ``wheelchair=no``, kerbs over 3 cm, inclines over 6 %, 台阶). A walk network's
        edges know whether they are step-free, so :func:`audit` can derive the step-free one.
    fields : mapping, optional
        Centre-line columns: ``{"road_class": "道路等级"}`` (by default a column called
        ``road_class`` or ``道路等级``), ``{"bridge": "是否桥梁"}``. Keys of input layers
        (``households`` …) are ignored, so the mapping given to :func:`load_inputs` works here.
    road_classes : path or mapping, optional
        Road classes overriding the default table (高速公路/快速路/匝道 not walkable, 台阶 not
        step-free): a TOML file with a ``[road_classes]`` table or a mapping, values ``no``,
        ``walk`` or ``step_free``.

    Returns
    -------
    WalkNetwork
        With ``report`` (components, dead ends, barrier edges, what each walkability filter
        removed, stray fragments) and ``barrier_polygons``.
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
    common: dict[str, Any] = {
        "barriers": polygons,
        "use_cache": use_cache,
        "profile": check_profile(profile),
    }
    lines = isinstance(source, gpd.GeoDataFrame) or (
        source is not None and networks.is_centreline_source(source)
    )
    extra = centreline_options(fields, road_classes, lines)
    with settings.override(allow_download=settings.allow_download or download):
        if place is not None:
            net = networks.from_place(place, target, **common)
        elif bbox is not None:
            net = networks.from_bbox(bbox, target, **common)
        elif isinstance(source, gpd.GeoDataFrame):
            net = networks.from_centrelines(source, target, **common, **extra)
        else:
            ref = resolve_layer(LayerRef(Path(str(source)), layer), "network")
            if not ref.path.exists():
                raise InputFileError(f"{ref.path}: network file not found.")
            if ref.layer and not lines:
                raise OptionError(
                    f"{ref.path} is an OpenStreetMap/GraphML file, which has no layers: leave out "
                    f"{param('layer')} (it names the layer of a road centre-line file).",
                    "layer",
                )
            if ref.layer:
                extra["layer"] = ref.layer
            net = networks.load_network(ref.path, target, **common, **extra)
            # A cached build records the path it was built from (maybe another checkout's).
            net.report.source = str(ref.path)
    net.barrier_polygons = polygons
    return net


#: ``fields`` keys that name centre-line columns, and the builder option each sets.
NETWORK_FIELDS = {"road_class": "road_class_column", "bridge": "bridge_column"}


def network_field(key: str) -> bool:
    """Whether a ``fields`` key names a centre-line column, not an input layer's field.

    Examples
    --------
    >>> network_field("road_class"), network_field("network.bridge"), network_field("households")
    (True, True, False)
    """
    return key in NETWORK_FIELDS or key.startswith("network.")


def centreline_options(
    fields: Mapping[str, str] | None,
    road_classes: str | Path | Mapping[str, str] | None,
    centrelines: bool,
) -> dict[str, Any]:
    """Return the centre-line builder options of ``fields`` and ``road_classes``.

    Keys ``road_class`` and ``bridge`` (or ``network.road_class``) name centre-line columns;
    other keys belong to the input layers and are ignored here. OSM sources carry tags instead,
    so these options are refused for them.
    """
    out: dict[str, Any] = {}
    for key, column in (fields or {}).items():
        name = key.removeprefix("network.")
        if name in NETWORK_FIELDS and (key == name or key.startswith("network.")):
            out[NETWORK_FIELDS[name]] = str(column)
    if road_classes is not None:
        out["road_classes"] = (
            dict(road_classes) if isinstance(road_classes, Mapping) else road_classes
        )
    if out and not centrelines:
        given = param("fields.road_class") if "road_class_column" in out else param("road_classes")
        raise OptionError(
            f"{given} applies to road centre-lines (道路中心线); OpenStreetMap data is classified "
            "by its own tags (highway, foot, motorroad …).",
            "road_classes" if "road_classes" in out else "fields",
        )
    return out


def network_summary(report: networks.BuildReport) -> dict[str, Any]:
    """Return a network's build report as ``summary.json`` records it (stable across re-runs)."""
    data = dict(report.to_dict())
    data.pop("cache_hit", None)
    data.pop("cache_key", None)
    ends = data.pop("dangling_ends", [])
    data["dangling_ends"] = len(ends)
    data["dangling_ends_first"] = [[round(x, 1), round(y, 1)] for x, y in ends[:20]]
    return data
