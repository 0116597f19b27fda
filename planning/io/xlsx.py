"""Office workbooks (工作簿) with XlsxWriter: formatted, filterable, safe and reproducible.

One writer for ``audit.xlsx`` and ``review.xlsx``: a sheet is a list of :class:`Column` (header,
values, number format) written row by row in XlsxWriter's constant-memory mode, so a city's
25,000 estates take a second or two. Every table sheet gets its header frozen, an auto-filter,
fitted column widths, numbers as numbers in their format (thousands separators, ㎡ to 0.1, shares
as percentages) and optional fills per cell. Text cells go through :mod:`planning.io.cells`: a
name a spreadsheet would read as a formula is stored as text with Excel's quote prefix, and
control characters are removed. Document times are fixed, so re-runs give identical bytes.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from planning.io.cells import is_formula_like, xlsx_text

__all__ = ["Column", "CoverRow", "Workbook", "display_width"]

#: Number formats by column kind (Excel format codes).
NUMBER_FORMATS: dict[str, str] = {
    "int": "#,##0",
    "m2": "#,##0.0",
    "dec1": "#,##0.0",
    "dec2": "#,##0.00",
    "pct": "0.0%",
    "coord": "0.000000",
    "text": "@",
}
#: Fixed document time (docProps): re-runs give byte-identical files.
FIXED_CREATED = datetime(2000, 1, 1)
MAX_WIDTH = 48
MIN_WIDTH = 6
HEADER_FILL = "#DCE6F1"
TITLE_COLOUR = "#1C3F6E"


def display_width(text: str) -> int:
    """Return the width of ``text`` in Excel character units (CJK characters count two).

    Examples
    --------
    >>> display_width("小区编号"), display_width("E00012")
    (8, 6)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _dark(colour: str) -> bool:
    """Whether white text reads better than black on ``colour`` (``#RRGGBB``)."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _shown(value: Any, kind: str) -> str:
    """Roughly how a value shows, to fit the column width."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if _finite(value) and kind in NUMBER_FORMATS and kind != "text":
        if kind == "pct":
            return f"{float(value) * 100:.1f}%"
        digits = {"int": 0, "m2": 1, "dec1": 1, "dec2": 2, "coord": 6}[kind]
        return f"{float(value):,.{digits}f}"
    return str(value)


@dataclass
class Column:
    """One column of a table sheet.

    Attributes
    ----------
    header : str
        Header text (row 1).
    values : sequence
        One value per row: text, a number (None or NaN for an empty cell).
    kind : {"text", "int", "m2", "dec1", "dec2", "pct"}
        Number format; ``pct`` values are shares 0–1 shown as percentages.
    fills : sequence of str or None, optional
        Background colour per row (``"#RRGGBB"``) or None; text on a dark fill is white.
    kinds : sequence of str, optional
        A number format per row, overriding ``kind`` (a column of mixed figures).
    max_width : int
        Widest the column may be fitted (long quotes wrap beyond it).
    """

    header: str
    values: Sequence[Any]
    kind: str = "text"
    fills: Sequence[str | None] | None = None
    max_width: int = MAX_WIDTH
    kinds: Sequence[str] | None = None

    def width(self) -> float:
        """Fitted width: the header's or the widest value's, within the limits."""
        widest = display_width(self.header)
        if self.kinds is None and self.kind != "text":
            # numbers: the widest shown is the largest or the most negative
            nums = [float(v) for v in self.values if _finite(v)]
            if nums:
                for extreme in (max(nums), min(nums)):
                    widest = max(widest, display_width(_shown(extreme, self.kind)))
            texts: set[str] = {str(v) for v in self.values if isinstance(v, str)}
        else:
            texts = {_shown(v, self.kind_of(i)) for i, v in enumerate(self.values)}
        for text in texts:  # each distinct text once (status words, 是/否 … repeat)
            if len(text) * 2 > widest:
                widest = max(widest, display_width(text))
        return float(min(self.max_width, max(MIN_WIDTH, widest + 2)))

    def kind_of(self, row: int) -> str:
        """Return the number format of a row."""
        return self.kind if self.kinds is None else self.kinds[row]


@dataclass
class CoverRow:
    """A line of a cover sheet: a label and a value, or a heading when ``value`` is None."""

    label: str
    value: Any = None
    kind: str = "text"
    fill: str | None = None
    note: str = ""


@dataclass
class Workbook:
    """An XLSX file being written (use as a context manager; closed on exit).

    Parameters
    ----------
    path : Path
        Where to write.
    title : str
        Document title (file properties).
    """

    path: Path
    title: str = ""
    _book: Any = field(init=False, repr=False)
    _formats: dict[tuple[Any, ...], Any] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        import xlsxwriter

        self._book = xlsxwriter.Workbook(
            str(self.path),
            {
                "constant_memory": True,
                # Text is written as text (no formula, no URL, no number guessing).
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "nan_inf_to_errors": False,
            },
        )
        self._book.set_properties(
            {"title": self.title, "author": "eldercare-planning", "created": FIXED_CREATED}
        )

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self._book.close()

    def _format(self, kind: str = "text", fill: str | None = None, **extra: Any) -> Any:
        key = (kind, fill, *sorted(extra.items()))
        if key not in self._formats:
            props: dict[str, Any] = {"valign": "top", **extra}
            if kind in NUMBER_FORMATS and kind != "text":
                props["num_format"] = NUMBER_FORMATS[kind]
            if fill:
                props.update({"bg_color": fill, "pattern": 1})
                if _dark(fill):
                    props.update({"font_color": "#FFFFFF", "bold": True})
            self._formats[key] = self._book.add_format(props)
        return self._formats[key]

    def _cell(self, sheet: Any, row: int, col: int, value: Any, kind: str, fill: str | None,
              **extra: Any) -> None:  # fmt: skip
        if isinstance(value, str):
            text = xlsx_text(value)[:32_767]
            if is_formula_like(text):
                sheet.write_string(row, col, text, self._format("text", fill, quote_prefix=True,
                                                                **extra))  # fmt: skip
            else:
                sheet.write_string(row, col, text, self._format("text", fill, **extra))
        elif _finite(value):
            sheet.write_number(row, col, float(value), self._format(kind, fill, **extra))
        elif value is None or isinstance(value, float) or value is pd.NA:
            if fill:
                sheet.write_blank(row, col, None, self._format(kind, fill, **extra))
        else:
            self._cell(sheet, row, col, str(value), kind, fill, **extra)

    def table(self, name: str, columns: Sequence[Column], *, freeze_cols: int = 0) -> None:
        """Write a table sheet: bold header, frozen, filtered, widths fitted, formats, fills."""
        sheet = self._book.add_worksheet(xlsx_text(name)[:31])
        header = self._format("text", HEADER_FILL, bold=True, text_wrap=True, bottom=1)
        for c, column in enumerate(columns):
            sheet.set_column(c, c, column.width(), None)
        sheet.set_row(0, 30)
        for c, column in enumerate(columns):
            sheet.write_string(0, c, xlsx_text(column.header), header)
        rows = max((len(col.values) for col in columns), default=0)
        for r in range(rows):
            for c, column in enumerate(columns):
                fill = column.fills[r] if column.fills is not None else None
                self._cell(sheet, r + 1, c, column.values[r], column.kind_of(r), fill)
        sheet.freeze_panes(1, freeze_cols)
        if columns:
            sheet.autofilter(0, 0, max(rows, 1), len(columns) - 1)

    def cover(self, name: str, title: str, rows: Sequence[CoverRow],
              table: Sequence[Column] = ()) -> None:  # fmt: skip
        """Write a cover sheet: a title, label/value lines, then an optional table."""
        sheet = self._book.add_worksheet(xlsx_text(name)[:31])
        label_w = max((display_width(r.label) for r in rows), default=10)
        widths: list[float] = [min(40, max(14, label_w + 2)), 36]
        for c, column in enumerate(table):
            if c < 2:
                widths[c] = max(widths[c], min(column.width(), 60))
            else:
                widths.append(min(column.width(), 60))
        for c, width in enumerate(widths):
            sheet.set_column(c, c, width)
        sheet.set_row(0, 28)
        sheet.write_string(0, 0, xlsx_text(title), self._format(
            "text", None, bold=True, font_size=16, font_color=TITLE_COLOUR))  # fmt: skip
        r = 2
        for row in rows:
            if row.value is None and not row.note:
                sheet.write_string(r, 0, xlsx_text(row.label), self._format(
                    "text", None, bold=True, font_size=12, font_color=TITLE_COLOUR, bottom=1))  # fmt: skip
            else:
                sheet.write_string(
                    r, 0, xlsx_text(row.label), self._format("text", None, bold=True)
                )
                self._cell(sheet, r, 1, row.value, row.kind, row.fill, align="left")
                if row.note:
                    self._cell(sheet, r, 2, row.note, "text", None, font_color="#555555")
            r += 1
        if not table:
            return
        r += 1
        header = self._format("text", HEADER_FILL, bold=True, text_wrap=True, bottom=1)
        for c, column in enumerate(table):
            sheet.write_string(r, c, xlsx_text(column.header), header)
        n = max((len(col.values) for col in table), default=0)
        for i in range(n):
            for c, column in enumerate(table):
                fill = column.fills[i] if column.fills is not None else None
                self._cell(sheet, r + 1 + i, c, column.values[i], column.kind_of(i), fill,
                           text_wrap=True)  # fmt: skip


def write_workbook(path: Path, title: str, build: Callable[[Workbook], None]) -> Path:
    """Create ``path`` with ``build(workbook)`` adding the sheets; return the path."""
    with Workbook(Path(path), title) as book:
        build(book)
    return Path(path)
