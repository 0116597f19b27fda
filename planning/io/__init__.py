"""Reading and writing files (输入输出).

* :func:`read_table` — open a GeoPackage, Shapefile, GeoJSON, CSV or XLSX file as it is.
* :func:`load_inputs`, :func:`load_estates`, :func:`load_facilities`, :func:`load_gates`,
  :func:`load_streets` — canonical, checked layers in one metric CRS, plus a
  :class:`~planning.validation.ValidationReport`; each layer a file, a GeoDataFrame (any CRS) or
  a DataFrame with lon/lat columns (:mod:`planning.io.frames`).
* :mod:`planning.io.points` — the one reader of locations: coordinate columns, and GCJ-02/BD-09
  longitude/latitude converted to WGS-84 (used by the loaders, the estate review and siting).
* :class:`LayerRef`, :func:`resolve_layer` — a file and the layer of a role in it.
* :func:`atomic_path` / :func:`write_atomic` — write outputs via a temporary file that is renamed
  into place only on success.

Names load on first use, so the light parts (:mod:`planning.io.sources`) import without the GIS
stack.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ("Inputs", "load_estates", "load_facilities", "load_gates", "load_inputs", "load_streets"),
        "planning.io.layers",
    ),
    **dict.fromkeys(
        ("RawTable", "atomic_path", "read_raw", "read_table", "write_atomic"), "planning.io.readers"
    ),
    **dict.fromkeys(("LayerRef", "resolve_layer"), "planning.io.sources"),
}

__all__ = [
    "Inputs",
    "LayerRef",
    "RawTable",
    "atomic_path",
    "load_estates",
    "load_facilities",
    "load_gates",
    "load_inputs",
    "load_streets",
    "read_raw",
    "read_table",
    "resolve_layer",
    "write_atomic",
]

if TYPE_CHECKING:
    from planning.io.layers import (
        Inputs,
        load_estates,
        load_facilities,
        load_gates,
        load_inputs,
        load_streets,
    )
    from planning.io.readers import RawTable, atomic_path, read_raw, read_table, write_atomic
    from planning.io.sources import LayerRef, resolve_layer


def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'planning.io' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
