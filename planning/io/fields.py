"""Distributing ``fields={canonical: 源列名}`` mappings over the input layers (字段映射).

Keys are canonical field names, optionally qualified with a layer (``facilities.name``).
"""

from __future__ import annotations

from collections.abc import Mapping

from planning._errors import InputDataError, param
from planning.schema import LAYERS, SCHEMAS

__all__ = ["layer_fields", "own_fields", "shared_fields"]


def layer_fields(fields: Mapping[str, str] | None, layer: str) -> dict[str, str]:
    """Select the ``fields`` mappings qualified with ``layer`` (``"estates.households"``)."""
    result: dict[str, str] = {}
    for key, value in (fields or {}).items():
        target, _, canonical = key.rpartition(".")
        if target and target not in LAYERS:
            raise InputDataError(
                f"{param('fields.' + key, value)}: unknown layer {target!r}; use one of "
                f"{', '.join(LAYERS)}."
            )
        if target == layer:
            result[canonical] = value
    return result


def own_fields(fields: Mapping[str, str] | None, layer: str) -> dict[str, str]:
    """Unqualified ``fields`` mappings for a single-layer loader.

    Keys that are fields of ``layer`` apply (and must name an existing column); keys that are
    fields of other layers only are ignored, so one ``fields`` mapping can be shared by
    several single-layer loaders; keys that are fields of no layer are errors.
    """
    own = {s.name for s in SCHEMAS[layer]}
    every = {s.name for specs in SCHEMAS.values() for s in specs}
    result: dict[str, str] = {}
    for key, value in (fields or {}).items():
        if "." in key:
            continue
        if key in own:
            result[key] = value
        elif key not in every:
            raise InputDataError(
                f"{param('fields.' + key, value)}: {key!r} is not a canonical field of any layer. "
                f"Valid fields of the {layer} layer: {', '.join(sorted(own))}."
            )
    return result


def shared_fields(
    fields: Mapping[str, str] | None, columns: Mapping[str, list[str]]
) -> dict[str, dict[str, str]]:
    """Distribute unqualified ``fields`` mappings over the layers that have both ends."""
    per_layer: dict[str, dict[str, str]] = {layer: {} for layer in columns}
    for key, value in (fields or {}).items():
        if "." in key:
            continue
        names = {layer for layer in columns if any(s.name == key for s in SCHEMAS[layer])}
        if not names:
            valid = sorted({s.name for layer in columns for s in SCHEMAS[layer]})
            raise InputDataError(
                f"{param('fields.' + key, value)}: {key!r} is not a canonical field of the given "
                "layers. "
                f"Valid fields: {', '.join(valid)}."
            )
        hits = [layer for layer in names if value in columns[layer]]
        if not hits:
            available = "; ".join(f"{layer}: {', '.join(columns[layer])}" for layer in names)
            raise InputDataError(
                f"{param('fields.' + key, value)}: no input layer has a column {value!r}. Available "
                f"columns (可用列): {available}."
            )
        for layer in hits:
            per_layer[layer][key] = value
    return per_layer
