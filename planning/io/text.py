r"""Text cells without control characters (文本清理).

Names copied out of other systems carry invisible characters: terminal escape codes
(``\x1b[31m``), other control characters, zero-width spaces and bidirectional overrides. They
break spreadsheet writers, confuse matching (``"红星小区\u200b"`` is not ``"红星小区"``) and can
recolour or rewrite a terminal. :func:`strip_controls` removes them from a table's headers and
text cells (line breaks and tabs inside a cell become a space) and says which rows changed, for a
note in the validation report.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["clean_text", "strip_controls"]

_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI sequences (colours, cursor moves)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC sequences (window titles, links)
    r"|\x1b[@-_]?"  # other escapes
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
_SPACE = re.compile(r"[\t\n\r]+")


def clean_text(text: str) -> str:
    r"""Return ``text`` without control characters (tabs and line breaks become one space).

    Examples
    --------
    >>> clean_text("\x1b[31m红星\u200b小区\x1b[0m\n一期")
    '红星小区 一期'
    """
    return _SPACE.sub(" ", _CONTROL.sub("", text)).strip()


def _changed(value: Any) -> bool:
    return isinstance(value, str) and clean_text(value) != value.strip()


def strip_controls(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, str]:
    """Remove control characters from a table's headers and text cells.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        Not modified.

    Returns
    -------
    frame : DataFrame or GeoDataFrame
        ``frame`` itself when nothing changed, else a cleaned copy.
    rows : ndarray of bool
        The rows that had a cell cleaned.
    column : str
        The first column that had one ("" when none; the header when a header was cleaned).
    """
    geometry = getattr(frame, "_geometry_column_name", None)
    rows = np.zeros(len(frame), dtype=bool)
    first = ""
    columns = [c for c in frame.columns if c != geometry]
    text_columns = [
        c for c in columns if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)
    ]
    dirty: dict[Any, np.ndarray] = {}
    for column in text_columns:
        mask = np.fromiter((_changed(v) for v in frame[column]), dtype=bool, count=len(frame))
        if mask.any():
            dirty[column] = mask
            rows |= mask
            first = first or str(column)
    renamed = {c: clean_text(c) for c in columns if isinstance(c, str) and _changed(c)}
    if not dirty and not renamed:
        return frame, rows, first
    out = frame.copy()
    for column in dirty:
        out[column] = [clean_text(v) if isinstance(v, str) else v for v in out[column]]
    if renamed:
        out = out.rename(columns=renamed)
        first = first or next(iter(renamed.values()))
    return out, rows, first
