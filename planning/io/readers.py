"""Reading planners' files (读取输入文件): GeoPackage, Shapefile, GeoJSON, CSV and XLSX.

:func:`read_table` opens any supported file and returns its rows as they are (no renaming, no
value parsing) plus the text encoding that was used. Tables (CSV/XLSX) are read with every cell as
text so that ids such as ``"001"`` survive; when they carry coordinate columns (lon/lat, lng,
longitude/latitude, 经度/纬度, x/y, X坐标/Y坐标) points are built from them.

Encodings: CSV is read as UTF-8 (with or without BOM) and falls back to GBK/GB18030, the usual
encoding of spreadsheets saved by Chinese Excel. Shapefiles honour their ``.cpg`` file; without
one, the ``.dbf`` bytes (field names and text fields) are decoded as UTF-8 and as GBK to find the
right one, so a GBK shapefile without ``.cpg`` does not come back as mojibake (乱码).

Points from coordinate columns come from :mod:`planning.io.points`, the one point reader.

Also here: :func:`atomic_path` / :func:`write_atomic`, used for every output file.
"""

from __future__ import annotations

import codecs
import contextlib
import io as _io
import logging
import os
import struct
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pyogrio.errors

from planning._errors import InputFileError, param
from planning.io.points import XY, table_points
from planning.io.sniff import guess_format, unreadable_message

__all__ = ["RawTable", "atomic_path", "read_raw", "read_table", "write_atomic"]

logger = logging.getLogger(__name__)

SPATIAL_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".kml", ".gml", ".fgb")
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
_IGNORED_GPKG_LAYERS = {"layer_styles"}


@dataclass
class RawTable:
    """A file's rows as read, with what the loaders need to know about them.

    Attributes
    ----------
    frame : DataFrame or GeoDataFrame
        The rows; a GeoDataFrame when the file has geometry or coordinate columns.
    encoding : str or None
        Text encoding used (``None`` for XLSX and binary formats without text encoding).
    encoding_detected : bool
        ``True`` when the encoding of a shapefile without ``.cpg`` was detected from its bytes.
    encoding_certain : bool
        ``False`` when that detection failed (text is neither valid UTF-8 nor GBK).
    spatial : bool
        ``True`` for spatial formats and frames in memory (rows are 1-based feature or row
        numbers), ``False`` for tables (rows are spreadsheet rows, first data row = 2).
    xy : XY or None
        The coordinate columns points were built from (see :func:`planning.io.points.table_points`).
    blank_rows : int
        Completely empty rows skipped while reading.
    """

    frame: pd.DataFrame
    encoding: str | None
    encoding_detected: bool = False
    encoding_certain: bool = True
    spatial: bool = True
    xy: XY | None = None
    blank_rows: int = 0

    @property
    def row_base(self) -> int:
        """Row number of the first data row (2 for tables, 1 for spatial files and frames)."""
        return 1 if self.spatial else 2


def read_table(
    path: str | os.PathLike[str], layer: str | None = None
) -> tuple[pd.DataFrame, str | None]:
    """Read a GeoPackage, Shapefile, GeoJSON, CSV or XLSX file.

    Parameters
    ----------
    path : path-like
        The file. Format from the suffix: ``.gpkg``, ``.shp``, ``.geojson``/``.json``, ``.csv``
        (also ``.txt``/``.tsv``), ``.xlsx``/``.xlsm``.
    layer : str, optional
        GeoPackage layer or XLSX sheet. Required for a GeoPackage with several layers; an XLSX
        file defaults to its first sheet.

    Returns
    -------
    frame : DataFrame or GeoDataFrame
        The rows as read. Table cells are text (``NaN`` when empty). Tables with coordinate
        columns come back as a GeoDataFrame of points: in EPSG:4326 when the values lie in
        longitude/latitude ranges, otherwise without a CRS.
    encoding : str or None
        The text encoding used (``"utf-8"``, ``"utf-8-sig"``, ``"gbk"``, ``"gb18030"``, a
        shapefile's ``.cpg`` value, …) or ``None`` for XLSX/GeoPackage.

    Raises
    ------
    InputFileError
        When the file is missing, of an unknown format, unreadable, or the layer is ambiguous or
        absent (the message lists the available layers/sheets).
    """
    raw = read_raw(path, layer)
    return raw.frame, raw.encoding


def read_raw(
    path: str | os.PathLike[str], layer: str | None = None, *, parameter: str = "layer"
) -> RawTable:
    """Read a file like :func:`read_table`, returning a :class:`RawTable` with details.

    ``parameter`` names the option that picks the layer, for the message when a GeoPackage has
    several (``layers.estates`` when reading the estates input).
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"File not found (文件不存在): {p}. Check the path.")
    suffix = p.suffix.lower()
    if (p.is_dir() and suffix in TABLE_SUFFIXES) or (p.is_file() and p.stat().st_size == 0):
        raise InputFileError(unreadable_message(p))
    if suffix in (".xls",):
        raise InputFileError(
            f"{p}: old Excel .xls files are not supported. Fix: open it in Excel/WPS and save "
            "as .xlsx (另存为 .xlsx), or export CSV."
        )
    if suffix in TABLE_SUFFIXES:
        expected = "Excel workbook" if suffix in (".xlsx", ".xlsm") else "CSV table"
        if guess_format(p) not in (None, expected):
            raise InputFileError(unreadable_message(p))
        try:
            raw = _read_excel(p, layer) if expected == "Excel workbook" else _read_csv(p)
        except OSError as exc:  # Excel/WPS keep open files locked on Windows
            raise InputFileError(
                f"{p}: cannot be read ({exc.strerror or exc}). Close it if it is open in "
                "Excel/WPS, and check the file's permissions."
            ) from exc
        raw.frame, raw.xy = table_points(raw.frame)
        return raw
    if suffix in SPATIAL_SUFFIXES or p.is_dir():
        return _read_spatial(p, layer, parameter)
    raise InputFileError(
        f"{p}: unknown file format {suffix!r}. Supported: GeoPackage (.gpkg), Shapefile (.shp), "
        "GeoJSON (.geojson), CSV (.csv) and Excel (.xlsx)."
    )


# --------------------------------------------------------------------------- spatial formats


def _read_spatial(p: Path, layer: str | None, parameter: str) -> RawTable:
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(p)]
    except (pyogrio.errors.DataSourceError, OSError) as exc:
        raise InputFileError(unreadable_message(p, str(exc))) from exc
    candidates = [name for name in layers if name not in _IGNORED_GPKG_LAYERS]
    if layer is None:
        if len(candidates) > 1:
            raise InputFileError(
                f"{p} has several layers (图层): {', '.join(candidates)}. Choose one with "
                f"{param(parameter, candidates[0])}."
            )
        layer = candidates[0] if candidates else None
    elif layer not in layers:
        raise InputFileError(
            f"{p} has no layer {layer!r}. Available layers (可用图层): {', '.join(layers)}."
        )
    if p.suffix.lower() == ".shp":
        return _read_shapefile(p, layer)
    try:
        frame = pyogrio.read_dataframe(p, layer=layer, on_invalid="ignore", force_2d=True)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InputFileError(f"{p}: cannot read layer {layer!r} ({exc}).") from exc
    encoding = "utf-8" if p.suffix.lower() in (".geojson", ".json") else None
    return RawTable(frame, encoding, spatial=True)


def _read_shapefile(p: Path, layer: str | None) -> RawTable:
    """Read a shapefile's raw bytes (as Latin-1) and decode the text with the right codec.

    Decoding ourselves also repairs field names that GDAL cut at the dBASE limit of 10 bytes in
    the middle of a multi-byte character (common with UTF-8 Chinese names).
    """
    encoding, detected, certain = _shapefile_encoding(p)
    codec = _codec(encoding)
    try:
        frame = pyogrio.read_dataframe(
            p, layer=layer, encoding="latin1" if codec else None, on_invalid="ignore", force_2d=True
        )
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InputFileError(f"{p}: cannot read the shapefile ({exc}).") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{p}: text could not be decoded ({exc}). Fix: add a .cpg file naming the encoding."
        ) from exc
    if codec:
        frame = _recode(frame, codec)
    return RawTable(frame, encoding, detected, certain, spatial=True)


def _codec(encoding: str | None) -> str | None:
    """Return the Python codec of a .cpg value (``UTF-8``, ``936``, ``ANSI 936``, ``GBK``…)."""
    if not encoding:
        return None
    key = encoding.strip().upper().replace("ANSI", "").replace("-", "").replace(" ", "")
    aliases = {
        "UTF8": "utf-8",
        "65001": "utf-8",
        "936": "gbk",
        "CP936": "gbk",
        "GB2312": "gbk",
        "GBK": "gbk",
        "GB18030": "gb18030",
        "54936": "gb18030",
        "88591": "latin-1",
        "ISO88591": "latin-1",
        "1252": "cp1252",
        "950": "big5",
        "BIG5": "big5",
    }
    codec = aliases.get(key, encoding.strip())
    try:
        return codecs.lookup(codec).name
    except LookupError:
        logger.warning("Unknown shapefile encoding %r; letting GDAL decode the text", encoding)
        return None


def _recode(frame: pd.DataFrame, codec: str) -> pd.DataFrame:
    def fix(value: object) -> object:
        if isinstance(value, str):
            return value.encode("latin-1", errors="replace").decode(codec, errors="ignore")
        return value

    geometry = getattr(frame, "_geometry_column_name", None)
    names: list[str] = []
    for col in frame.columns:
        name = col if col == geometry else str(fix(col))
        base, n = name, 1
        while name in names:
            n += 1
            name = f"{base}_{n}"
        names.append(name)
    for col in frame.columns:
        if col != geometry and (
            frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col])
        ):
            frame[col] = frame[col].map(fix).astype(object)
    frame.columns = names
    return frame


def _cpg_path(shp: Path) -> Path | None:
    for suffix in (".cpg", ".CPG", ".Cpg"):
        candidate = shp.with_suffix(suffix)
        if candidate.exists():
            return candidate
    return None


def _dbf_path(shp: Path) -> Path | None:
    for suffix in (".dbf", ".DBF", ".Dbf"):
        candidate = shp.with_suffix(suffix)
        if candidate.exists():
            return candidate
    return None


def _shapefile_encoding(shp: Path) -> tuple[str | None, bool, bool]:
    """Return ``(encoding, detected, certain)`` for a shapefile.

    With a ``.cpg`` the encoding it names is returned (GDAL honours it); otherwise the ``.dbf``
    text is tried as UTF-8, then GBK/GB18030.
    """
    cpg = _cpg_path(shp)
    if cpg is not None:
        text = cpg.read_bytes().decode("ascii", errors="ignore").strip()
        return (text or None), False, True
    dbf = _dbf_path(shp)
    if dbf is None:
        return None, False, True
    values = _dbf_text_values(dbf)
    if not values:
        return "UTF-8", True, True
    for encoding in ("utf-8", "gbk", "gb18030"):
        if all(_decodes(v, encoding) for v in values):
            return encoding.upper(), True, True
    scores = {enc: sum(_decodes(v, enc) for v in values) for enc in ("utf-8", "gb18030")}
    best = max(scores, key=lambda k: scores[k])
    return best.upper(), True, False


def _decodes(value: bytes, encoding: str) -> bool:
    """Whether ``value`` decodes, allowing a multi-byte character cut off at the field's end."""
    try:
        value.decode(encoding)
    except UnicodeDecodeError as exc:
        return exc.start >= len(value) - 3 and "end" in exc.reason
    return True


def _dbf_text_values(dbf: Path, max_records: int = 20000) -> list[bytes]:
    """Return the non-ASCII field names and text values of a ``.dbf`` file (raw bytes)."""
    data = dbf.read_bytes()
    if len(data) < 32:
        return []
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields: list[tuple[int, int]] = []
    values: list[bytes] = []
    offset, position = 32, 1  # byte 0 of a record is the deletion flag
    while offset + 32 <= min(header_len, len(data)) and data[offset] != 0x0D:
        descriptor = data[offset : offset + 32]
        name = descriptor[:11].split(b"\x00", 1)[0]
        if not name.isascii():
            values.append(name)
        length = descriptor[16]
        if descriptor[11:12] in (b"C", b"M"):
            fields.append((position, length))
        position += length
        offset += 32
    for record in range(min(n_records, max_records)):
        start = header_len + record * record_len
        row = data[start : start + record_len]
        for pos, length in fields:
            value = row[pos : pos + length].rstrip(b" \x00")
            if value and not value.isascii():
                values.append(value)
    return values


# --------------------------------------------------------------------------- tables


def _decode_text(p: Path) -> tuple[str, str]:
    data = p.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8", "gbk", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputFileError(
        f"{p}: the text is neither UTF-8 nor GBK. Fix: save the CSV as UTF-8 (CSV UTF-8 in Excel)."
    )


def _sniff_separator(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", "\t", ";", "|", "，")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else ","


def _clean_table(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    names: list[str] = []
    for column in frame.columns:
        name = base = str(column).strip()
        n = 1
        while name in names:  # "名称" and "名称 " (or 3 and "3") would become one column
            n += 1
            name = f"{base}_{n}"
        names.append(name)
    frame.columns = names
    text = frame.apply(lambda col: col.astype("string").str.strip().astype(object))
    text = text.replace("", np.nan).where(text.notna(), np.nan)
    blank = text.isna().all(axis=1).to_numpy()
    # Keep the spreadsheet row numbers of the remaining rows in the index (0-based data order).
    return text.loc[~blank], int(blank.sum())


def _read_csv(p: Path) -> RawTable:
    text, encoding = _decode_text(p)
    try:
        frame = pd.read_csv(
            _io.StringIO(text),
            sep=_sniff_separator(text),
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise InputFileError(f"{p}: not a readable CSV table ({exc}).") from exc
    frame, blank = _clean_table(frame)
    return RawTable(frame, encoding, spatial=False, blank_rows=blank)


def _read_excel(p: Path, sheet: str | None) -> RawTable:
    try:
        workbook = openpyxl.load_workbook(p, read_only=True)
        sheets = list(workbook.sheetnames)
        workbook.close()
    except OSError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise InputFileError(unreadable_message(p, str(exc))) from exc
    if sheet is not None and sheet not in sheets:
        raise InputFileError(f"{p} has no sheet {sheet!r}. Sheets (工作表): {', '.join(sheets)}.")
    name = sheet if sheet is not None else sheets[0]
    if sheet is None and len(sheets) > 1:
        logger.info("%s: reading the first sheet %r of %s", p, name, sheets)
    frame = pd.read_excel(
        p, sheet_name=name, dtype=str, engine="openpyxl", keep_default_na=False, na_values=[""]
    )
    frame, blank = _clean_table(frame)
    return RawTable(frame, None, spatial=False, blank_rows=blank)


# --------------------------------------------------------------------------- atomic output


@contextlib.contextmanager
def atomic_path(final_path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``final_path``; rename it into place on success.

    The temporary file has the same suffix (so GDAL drivers pick the right format) and does not
    exist yet. When the ``with`` block raises, the temporary files are deleted and
    ``final_path`` is left untouched. Sidecar files written next to it with the same stem (e.g.
    a shapefile's ``.dbf``/``.shx``/``.prj``/``.cpg``) are renamed too.

    Examples
    --------
    >>> with atomic_path("out/results.gpkg") as tmp:  # doctest: +SKIP
    ...     frame.to_file(tmp, layer="estates")
    """
    final = Path(final_path)
    final.parent.mkdir(parents=True, exist_ok=True)
    stem = f".{final.stem}.{uuid.uuid4().hex[:12]}.tmp"
    tmp = final.with_name(stem + final.suffix)
    try:
        yield tmp
    except BaseException:
        for leftover in final.parent.glob(stem + "*"):
            with contextlib.suppress(OSError):
                leftover.unlink()
        raise
    if not tmp.exists():
        raise FileNotFoundError(f"Nothing was written to the temporary file for {final}.")
    for written in sorted(final.parent.glob(stem + "*")):
        target = final.with_name(final.stem + written.name[len(stem) :])
        os.replace(written, target)


def write_atomic(path: str | os.PathLike[str], writer: Callable[[Path], object]) -> Path:
    """Call ``writer(temporary_path)`` and move the result to ``path`` atomically.

    Parameters
    ----------
    path : path-like
        Final file.
    writer : callable
        Writes the file at the path it receives.

    Returns
    -------
    Path
        ``path``.
    """
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)
