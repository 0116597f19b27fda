"""What a file really is, for messages about files that cannot be opened (文件格式识别).

When GDAL or pandas cannot open a file, their own text ("not recognized as being in a supported
file format") does not tell a planner what to do. :func:`unreadable_message` looks at the first
bytes instead: an empty file, a folder, a file whose contents belong to another format than its
name says (an Excel workbook saved as ``.csv``, a CSV named ``.shp``), or a file that is damaged,
each with the fix.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["guess_format", "unreadable_message"]

#: Format name and the file name ending that format should have.
_SUFFIX_FORMAT = {
    ".gpkg": "GeoPackage",
    ".shp": "Shapefile",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".csv": "CSV table",
    ".txt": "CSV table",
    ".tsv": "CSV table",
    ".xlsx": "Excel workbook",
    ".xlsm": "Excel workbook",
    ".kml": "KML",
    ".gml": "GML",
    ".fgb": "FlatGeobuf",
}
_FORMAT_SUFFIX = {
    "GeoPackage": ".gpkg",
    "Shapefile": ".shp",
    "GeoJSON": ".geojson",
    "CSV table": ".csv",
    "Excel workbook": ".xlsx",
    "old Excel workbook (.xls)": ".xls",
    "zip archive": ".zip",
    "KML": ".kml",
    "OpenStreetMap XML": ".osm",
    "OpenStreetMap PBF": ".osm.pbf",
    "FlatGeobuf": ".fgb",
    "PDF document": ".pdf",
}


def guess_format(path: str | os.PathLike[str]) -> str | None:
    r"""Return the format a file's first bytes show (``"GeoPackage"``, ``"CSV table"`` …), or None.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".shp", delete=False) as f:
    ...     _ = f.write("名称,经度,纬度\\n一号,114.3,30.5\\n".encode())
    >>> guess_format(f.name)
    'CSV table'
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if head.startswith(b"SQLite format 3\x00"):
        return "GeoPackage"
    if head.startswith(b"PK\x03\x04"):
        return "Excel workbook" if b"xl/" in head or b"[Content_Types]" in head else "zip archive"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "old Excel workbook (.xls)"
    if head[:4] == b"\x00\x00\x27\x0a":  # shapefile main-file code 9994
        return "Shapefile"
    if head.startswith(b"fgb"):
        return "FlatGeobuf"
    if head.startswith(b"%PDF"):
        return "PDF document"
    if b"OSMHeader" in head[:64]:
        return "OpenStreetMap PBF"
    text = _text(head)
    if text is None:
        return None
    stripped = text.lstrip()
    if stripped.startswith("{") and '"type"' in stripped:
        return "GeoJSON"
    if stripped.startswith("<"):
        if "<osm" in stripped:
            return "OpenStreetMap XML"
        if "<kml" in stripped:
            return "KML"
        return None
    first = stripped.split("\n", 1)[0]
    if any(sep in first for sep in (",", "\t", ";", "，")):
        return "CSV table"
    return None


def _text(head: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start > len(head) - 4:  # a character cut at the end of the sample
                return head[: error.start].decode(encoding)
    return None


def _a(name: str) -> str:
    return ("an " if name[:1].lower() in "aeio" else "a ") + name


def unreadable_message(path: str | os.PathLike[str], detail: str = "") -> str:
    """Say why ``path`` cannot be opened and what to do; ``detail`` is the reader's own text."""
    p = Path(path)
    expected = _SUFFIX_FORMAT.get(p.suffix.lower(), f"{p.suffix or 'this'} file")
    if p.is_dir():
        return f"{p} is a folder, not {_a(expected)}. Give the file itself."
    try:
        size = p.stat().st_size
    except OSError as error:
        return f"{p}: cannot be read ({error.strerror}). Check the file's permissions."
    if size == 0:
        return (
            f"{p} is empty (0 bytes): the export or copy did not finish. Export the "
            f"{expected} again."
        )
    found = guess_format(p)
    if found is not None and found != expected:
        suffix = _FORMAT_SUFFIX.get(found, "")
        rename = f" rename it to {p.stem}{suffix}" if suffix else " export it again"
        if found == "old Excel workbook (.xls)":
            rename = " save it as .xlsx in Excel/WPS (另存为 .xlsx)"
        return (
            f"{p} is named like {_a(expected)} but holds {_a(found)} (文件扩展名与内容不符): "
            f"{rename.strip()}."
        )
    generic = "not recognized as being in a supported file format" in detail
    shown = f" ({detail.split(';')[0].strip()})" if detail and not generic else ""
    return (
        f"{p}: cannot be read as {_a(expected)}{shown}; the file may be damaged or incomplete. "
        "Export it again from the GIS or spreadsheet program."
    )
