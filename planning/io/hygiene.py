"""Row-level repairs while a layer is read (数据清洗): control characters and swapped coordinates.

Called by :mod:`planning.io.layers` for every input layer, each repair recorded in the
:class:`~planning.validation.ValidationReport` with the rows it touched:

* :func:`clean_controls` removes control characters and terminal escape codes from headers and
  text cells (a note, ``control_characters``);
* :func:`swapped_coordinates` deals with rows whose longitude and latitude were swapped in the
  table (found by :mod:`planning.io.lonlat`): dropped with a warning naming them
  (``coords_swapped``), or swapped back with a note when asked (``fix=["swapped-coords"]``).

:data:`STRICT_CODES` are the warnings that ``strict=True`` turns into errors: implausible values,
rows far from the rest, swapped coordinates.
"""

from __future__ import annotations

from collections.abc import Collection

import geopandas as gpd
import numpy as np

from planning._errors import OptionError, param
from planning.io.readers import RawTable
from planning.io.text import strip_controls
from planning.validation import ValidationReport, drop_rows

__all__ = ["FIXES", "STRICT_CODES", "check_fixes", "clean_controls", "swapped_coordinates"]

#: Repairs a caller may ask for (``fix=[…]``).
FIXES = ("swapped-coords",)
#: Warnings that become errors with ``strict=True``.
STRICT_CODES = frozenset(
    {
        "households_implausible",
        "floor_area_implausible",
        "land_implausible",
        "beds_implausible",
        "outlier",
        "coords_swapped",
        "kind_type_not_elderly",
    }
)


def check_fixes(fix: Collection[str] | str | None) -> frozenset[str]:
    """Return the repairs asked for, checked (``"swapped_coords"`` is ``"swapped-coords"``).

    Raises
    ------
    OptionError
        For an unknown repair.
    """
    if fix is None:
        return frozenset()
    items = [fix] if isinstance(fix, str) else list(fix)
    chosen = {str(item).strip().lower().replace("_", "-") for item in items}
    unknown = sorted(chosen - set(FIXES))
    if unknown:
        raise OptionError(
            f"{param('fix', unknown[0])}: unknown repair; the tool can repair {', '.join(FIXES)}.",
            "fix",
        )
    return frozenset(chosen)


def clean_controls(raw: RawTable, report: ValidationReport, *, file: str, layer: str) -> None:
    """Remove control characters from ``raw.frame`` (replaced by a clean copy), with a note."""
    frame, rows, column = strip_controls(raw.frame)
    if frame is raw.frame:
        return
    raw.frame = frame
    if rows.any():
        numbers = np.asarray(frame.index, dtype=np.int64)[rows] + raw.row_base
        report.add("control_characters", file=file, layer=layer, rows=numbers, column=column)
    else:  # only a header held them
        report.add("control_characters", file=file, layer=layer, count=1, column=column)


def swapped_coordinates(
    frame: gpd.GeoDataFrame,
    raw: RawTable,
    report: ValidationReport,
    *,
    file: str,
    layer: str,
    fixes: Collection[str],
) -> gpd.GeoDataFrame:
    """Drop (or keep, swapped back, when asked) the rows with longitude and latitude swapped.

    ``frame`` holds the rows of ``raw.frame`` in the same order, with ``source_row`` and ``_id``;
    their points were built swapped back by :func:`planning.io.points.table_points`.
    """
    xy = raw.xy
    if xy is None or not xy.swapped:
        return frame
    mask = np.zeros(len(frame), dtype=bool)
    mask[list(xy.swapped)] = True
    if "swapped-coords" in fixes:
        report.add(
            "coords_swapped_fixed",
            file=file,
            layer=layer,
            rows=frame.loc[mask, "source_row"],
            ids=frame.loc[mask, "_id"],
            example=xy.swap_example,
        )
        return frame
    return drop_rows(
        frame,
        mask,
        report,
        "coords_swapped",
        file=file,
        layer=layer,
        id_column="_id",
        example=xy.swap_example,
    )
