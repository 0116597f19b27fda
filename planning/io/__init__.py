"""Reading and writing files (输入输出).

* :func:`read_table` — open a GeoPackage, Shapefile, GeoJSON, CSV or XLSX file as it is.
* :func:`load_inputs`, :func:`load_estates`, :func:`load_facilities`, :func:`load_gates`,
  :func:`load_streets` — canonical, checked layers in one metric CRS, plus a
  :class:`~planning.validation.ValidationReport`.
* :func:`atomic_path` / :func:`write_atomic` — write outputs via a temporary file that is renamed
  into place only on success.
"""

from planning.io.layers import (
    Inputs,
    load_estates,
    load_facilities,
    load_gates,
    load_inputs,
    load_streets,
)
from planning.io.readers import RawTable, atomic_path, read_raw, read_table, write_atomic

__all__ = [
    "Inputs",
    "RawTable",
    "atomic_path",
    "load_estates",
    "load_facilities",
    "load_gates",
    "load_inputs",
    "load_streets",
    "read_raw",
    "read_table",
    "write_atomic",
]
