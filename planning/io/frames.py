"""Input layers given as files or as frames in memory (文件或内存数据).

:func:`open_source` turns what a caller passed for one input layer — a path, a GeoDataFrame (any
CRS) or a plain DataFrame with longitude/latitude (经度/纬度, x/y) columns — into the
:class:`~planning.io.readers.RawTable` the loaders work on, the name messages use for it (the
file, or e.g. ``"estates (GeoDataFrame)"``) and the hashes recorded for reproducibility (the
file's bytes, or the frame's content). A caller's frame is never modified.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning._errors import InputDataError, OptionError, param
from planning.io.points import table_points
from planning.io.readers import RawTable, read_raw

__all__ = ["Source", "frame_hash", "open_source"]

PathLike = str | os.PathLike[str]
_SIDECARS = (".dbf", ".shx", ".prj", ".cpg")


@dataclass
class Source:
    """One input layer as read.

    Attributes
    ----------
    raw : RawTable
        The rows (with points built from coordinate columns).
    name : str
        How messages name it: the file, or ``"<layer> (GeoDataFrame)"``.
    hashes : dict
        ``name → sha256`` of the file (and a shapefile's sidecars) or of the frame's content.
    """

    raw: RawTable
    name: str
    hashes: dict[str, str] = field(default_factory=dict)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_hashes(path: PathLike) -> dict[str, str]:
    """Return ``path → sha256`` of a file and, for a shapefile, of its sidecar files."""
    p = Path(path)
    files = [p]
    if p.suffix.lower() == ".shp":
        files += [p.with_suffix(s) for s in _SIDECARS if p.with_suffix(s).exists()]
    return {str(f): _sha256(f) for f in files if f.is_file()}


def frame_hash(frame: pd.DataFrame) -> str:
    """Return the sha256 of a frame's content: columns, values, geometry and CRS.

    Equal content gives the same hash whatever the index; a changed value, column name, dtype,
    shape or CRS changes it.

    Examples
    --------
    >>> a = pd.DataFrame({"户数": [10, 20]})
    >>> frame_hash(a) == frame_hash(a.copy()) != frame_hash(a.assign(户数=[10, 21]))
    True
    """
    digest = hashlib.sha256()
    geometry = frame._geometry_column_name if isinstance(frame, gpd.GeoDataFrame) else None
    digest.update(repr(frame.shape).encode())
    for column in frame.columns:
        values = frame[column]
        digest.update(f"\x00{column!s}\x00{values.dtype}\x00".encode())
        if column == geometry:
            wkb = shapely.to_wkb(np.asarray(values.values), hex=True, include_srid=False)
            digest.update("|".join("" if w is None else w for w in wkb).encode())
            crs = getattr(values, "crs", None)
            digest.update(b"" if crs is None else crs.to_wkt().encode())
            continue
        try:
            hashed = pd.util.hash_pandas_object(values, index=False).to_numpy()
            digest.update(hashed.tobytes())
        except TypeError:  # unhashable cells (lists, dicts, geometries in a plain column)
            digest.update("\x1f".join(repr(v) for v in values).encode())
    return digest.hexdigest()


def _copy(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with text column names and 0-based row positions as the index."""
    copy = frame.copy()
    names = [str(c) for c in copy.columns]
    if len(set(names)) < len(names):
        repeated = sorted({n for n in names if names.count(n) > 1})
        raise InputDataError(f"Column names repeat: {', '.join(repeated)}; give each its own name.")
    if isinstance(copy, gpd.GeoDataFrame):
        geometry = copy._geometry_column_name
        copy = copy.rename(columns={c: str(c) for c in copy.columns if c != geometry})
    else:
        copy.columns = names
    return copy.reset_index(drop=True)


def _blank(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty (None, NaN or blank text)."""
    if frame.shape[1] == 0:
        return np.zeros(len(frame), dtype=bool)
    text = frame.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
    return np.asarray(text.replace("", np.nan).isna().all(axis=1), dtype=bool)


def _read_frame(frame: pd.DataFrame, layer: str, name: str) -> RawTable:
    copy = _copy(frame)
    has_geometry = isinstance(copy, gpd.GeoDataFrame) and copy._geometry_column_name in copy
    if has_geometry:
        if copy.crs is None:
            raise InputDataError(
                f"{name} has no CRS (坐标系); set it with GeoDataFrame.set_crs, e.g. "
                f"{layer}.set_crs('EPSG:4326') for longitude/latitude, or give it with "
                f"{param('crs', 'EPSG:4547')}."
            )
        return RawTable(copy, None, spatial=True)
    data = pd.DataFrame(copy)
    blank = _blank(data)
    data = data.loc[~blank]
    points, xy = table_points(data)
    return RawTable(points, None, spatial=True, xy=xy, blank_rows=int(blank.sum()))


def open_source(
    value: Any, layer: str, layer_name: str | None = None, *, crs: Any = None
) -> Source:
    """Read one input layer given as a path, a GeoDataFrame or a DataFrame.

    Parameters
    ----------
    value : path-like, GeoDataFrame or DataFrame
        The input. Frames are copied, never modified; their rows are numbered from 1 in
        messages.
    layer : str
        ``estates``, ``facilities``, ``gates`` or ``streets`` (the parameter's name).
    layer_name : str, optional
        GeoPackage layer or XLSX sheet of a file.
    crs : CRS-like, optional
        The CRS given for this layer; a GeoDataFrame without a CRS is accepted only with one.

    Returns
    -------
    Source

    Raises
    ------
    OptionError
        When ``value`` is neither a path nor a frame.
    InputFileError
        When a file cannot be read.
    InputDataError
        When a GeoDataFrame has no CRS and none was given.
    """
    if isinstance(value, pd.DataFrame):
        kind = "GeoDataFrame" if isinstance(value, gpd.GeoDataFrame) else "DataFrame"
        name = f"{layer} ({kind})"
        frame = value
        if crs is not None and isinstance(value, gpd.GeoDataFrame) and value.crs is None:
            frame = value.set_crs(crs)  # set_crs returns a new frame
        return Source(_read_frame(frame, layer, name), name, {name: frame_hash(value)})
    if isinstance(value, str | os.PathLike):
        raw = read_raw(value, layer_name, parameter=f"layers.{layer}")
        return Source(raw, str(value), file_hashes(value))
    raise OptionError(
        f"{param(layer)} got a {type(value).__name__}; give a file path, a GeoDataFrame, or a "
        "DataFrame with longitude/latitude columns (经度/纬度).",
        layer,
    )
