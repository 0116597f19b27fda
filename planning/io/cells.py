"""Spreadsheet cells that stay text (表格单元格安全): no formula injection, no illegal characters.

A name such as ``=HYPERLINK("http://…")`` or ``@SUM(…)`` in a planner's data must not become a
live formula when a colleague opens ``estates.csv`` or ``audit.xlsx`` (OWASP "CSV injection").
Every CSV and XLSX file the tool writes goes through here:

* CSV (:func:`csv_safe`): text cells starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return get a leading apostrophe, as OWASP advises; numbers stay numbers (a negative
  number, or text that is just a number such as ``-12.5``, is no formula);
* XLSX (:func:`xlsx_safe` before writing, :func:`protect_workbook` after): such cells are stored
  as text with Excel's quote prefix (shown without the apostrophe, kept as text when edited), and
  characters XML cannot hold (control characters) are removed instead of crashing the writer.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["csv_cell", "csv_safe", "is_formula_like", "protect_workbook", "xlsx_safe", "xlsx_text"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: Characters an XLSX (XML 1.0) cell cannot hold; openpyxl refuses them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f]")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula.

    Examples
    --------
    >>> is_formula_like("=1+2"), is_formula_like("-12.5"), is_formula_like("-1+cmd|' /C calc'!A0")
    (True, False, True)
    """
    return text.startswith(_TRIGGERS) and not _NUMBER.fullmatch(text)


def csv_cell(value: Any) -> Any:
    """Return a CSV cell value that cannot start a formula (text gets a leading apostrophe).

    Examples
    --------
    >>> csv_cell("=HYPERLINK(1)"), csv_cell(-3.5), csv_cell("南一小区")
    ("'=HYPERLINK(1)", -3.5, '南一小区')
    """
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def _text_columns(frame: pd.DataFrame) -> list[Any]:
    return [
        c
        for c in frame.columns
        if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)
    ]


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every formula-like text cell escaped (see :func:`csv_cell`)."""
    columns = _text_columns(frame)
    if not columns:
        return frame
    out = frame.copy()
    for column in columns:
        out[column] = out[column].map(csv_cell).astype(out[column].dtype)
    return out


def xlsx_text(value: Any) -> Any:
    """Return ``value`` without the control characters an XLSX cell cannot hold."""
    if isinstance(value, str):
        return _ILLEGAL.sub("", value)
    return value


def xlsx_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with the control characters removed from its text cells."""
    columns = _text_columns(frame)
    if not columns:
        return frame
    out = frame.copy()
    for column in columns:
        out[column] = out[column].map(xlsx_text).astype(out[column].dtype)
    return out


def protect_workbook(book: Any) -> int:
    """Store every formula-like cell of an openpyxl workbook as quoted text; return how many.

    Call it after the data is written and before saving. The tool writes no formulas of its
    own, so every formula openpyxl made from a string came from the data.
    """
    changed = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if cell.data_type == "f" or (isinstance(value, str) and is_formula_like(value)):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                    changed += 1
    return changed
