"""Where a layer comes from: a file and, for multi-layer files, the layer in it (数据来源).

A GeoPackage often holds every layer of a project. :func:`resolve_layer` picks the layer of a role
(estates, facilities, gates, streets, network, barriers) by its usual names when none was named,
and refuses to guess otherwise, so a barriers file never silently yields the estates layer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from planning._errors import InputFileError, param
from planning.io.sniff import unreadable_message

#: Layer names tried, in order, when a GeoPackage holds several layers and none was named.
DEFAULT_LAYERS: dict[str, tuple[str, ...]] = {
    "estates": ("estates", "小区", "居住小区"),
    "facilities": ("facilities", "设施", "养老设施"),
    "gates": ("gates", "出入口", "小区出入口"),
    "streets": ("streets", "街道", "admin"),
    "zones": ("zones", "分区", "规划分区", "主城区"),
    "villages": ("villages", "村", "村社区", "村界"),
    "network": ("roads", "network", "edges", "道路", "道路中心线"),
    "barriers": ("river", "rivers", "barriers", "河流", "水系"),
    "candidates": ("candidates", "候选点"),
}

#: The parameter that names the layer of each role (rendered as a flag by the command line).
LAYER_PARAMETERS: dict[str, str] = {
    "estates": "layers.estates",
    "facilities": "layers.facilities",
    "gates": "layers.gates",
    "streets": "layers.streets",
    "zones": "layers.zones",
    "villages": "layers.villages",
    "network": "layer",
    "barriers": "barriers_layer",
    "candidates": "candidates_layer",
}

_MULTI_LAYER = (".gpkg", ".sqlite")


@dataclass(frozen=True)
class LayerRef:
    """A file and, for multi-layer files, the layer in it.

    Examples
    --------
    >>> LayerRef(Path("data.gpkg"), "estates").layer
    'estates'
    """

    path: Path
    layer: str | None = None


def list_layers(path: Path) -> list[str]:
    """Return the layer names of a spatial file, or raise :class:`InputFileError`."""
    import pyogrio

    try:
        return [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception as error:  # pyogrio raises DataSourceError and friends
        raise InputFileError(unreadable_message(path, str(error))) from error


def resolve_layer(ref: LayerRef, role: str, parameter: str | None = None) -> LayerRef:
    """Pick the layer of a multi-layer file by its role name when none was given.

    Parameters
    ----------
    ref : LayerRef
        The file (and maybe layer) the user named.
    role : str
        ``estates``, ``facilities``, ``gates``, ``streets``, ``network``, ``barriers`` or
        ``candidates``.
    parameter : str, optional
        The parameter that names this layer, for the message when it must be named
        (``layers.<role>`` for inputs by default).

    Returns
    -------
    LayerRef
        With ``layer`` set when the file has several layers and one matches the role.

    Raises
    ------
    InputFileError
        The file is missing, unreadable, or has several layers and none is the role's.
    """
    if ref.path.suffix.lower() not in _MULTI_LAYER:
        return ref
    if not ref.path.exists():
        raise InputFileError(f"{ref.path}: file not found (given as the {role} layer).")
    names = list_layers(ref.path)
    if ref.layer is not None:
        if ref.layer not in names:
            raise InputFileError(
                f"{ref.path} has no layer {ref.layer!r} (given as the {role} layer); its layers: "
                f"{', '.join(names)}."
            )
        return ref
    if len(names) == 1:
        return replace(ref, layer=names[0])
    for candidate in DEFAULT_LAYERS.get(role, ()):
        if candidate in names:
            return replace(ref, layer=candidate)
    parameter = parameter or LAYER_PARAMETERS.get(role, "layer")
    raise InputFileError(
        f"{ref.path} holds {len(names)} layers ({', '.join(names)}); say which one is the {role} "
        f"layer, e.g. {param(parameter, names[0])}."
    )
