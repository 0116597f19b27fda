"""Facility attributes the rules need, from their columns or, failing that, their names (设施属性).

The plans count only some facilities: the 县级特困人员供养服务机构 of a county, the nursing beds of
公办 institutions or of the 区社会福利院, a 医养结合 institution, a village's meal point. This
module reads the attribute columns of the facilities layer (``ownership`` 举办性质,
``serves_tekun`` 特困供养, ``medical_care`` 医养结合, ``level`` 设施层级, ``role`` 设施职能,
``meal_service`` 助餐) and fills what a column does not say from the facility's name
(``XX县特困人员供养服务中心`` serves 特困 persons at county level) or, for the level only, from the
kind (a street centre is a township-level facility). ``attributes_inferred`` lists what was read
from a name or kind, so rule checks can flag it as a stand-in; what neither says stays unknown
(``None``/``<NA>``), and the rules report "no data" rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from planning.schema import SCHEMAS
from planning.schema.attributes import (
    level_from_text,
    meal_from_text,
    medical_from_text,
    ownership_from_text,
    parse_flag,
    parse_level,
    parse_ownership,
    parse_role,
    role_from_text,
    tekun_from_text,
)
from planning.schema.values import is_missing
from planning.vocabulary import FACILITY_LEVELS, FACILITY_ROLES, OWNERSHIP

__all__ = ["ATTRIBUTE_COLUMNS", "KIND_LEVELS", "facility_attributes"]

#: The attribute columns added to the facilities layer, in order.
ATTRIBUTE_COLUMNS: tuple[str, ...] = (
    "ownership",
    "serves_tekun",
    "medical_care",
    "level",
    "role",
    "meal_service",
)

#: The level a facility kind stands for when neither a column nor the name says (设施层级).
KIND_LEVELS: Mapping[str, str] = {
    "street_centre": "township",
    "community_station": "community",
    "rural_point": "village",
}

#: ``add(code, rows, mask, **params)``: records a problem for the rows of ``rows`` in ``mask``.
Reporter = Callable[..., None]

_PARSERS: dict[str, Callable[[object], Any]] = {
    "ownership": parse_ownership,
    "serves_tekun": parse_flag,
    "medical_care": parse_flag,
    "level": parse_level,
    "role": parse_role,
    "meal_service": parse_flag,
}
_FROM_NAME: dict[str, Callable[[object], Any]] = {
    "ownership": ownership_from_text,
    "serves_tekun": tekun_from_text,
    "medical_care": medical_from_text,
    "level": level_from_text,
    "role": role_from_text,
    "meal_service": meal_from_text,
}
_ACCEPTED = {
    "ownership": " / ".join(f"{zh} ({code})" for code, (zh, _) in OWNERSHIP.items()),
    "serves_tekun": "是/否 (yes/no)",
    "medical_care": "是/否 (yes/no)",
    "level": " / ".join(f"{zh} ({code})" for code, (zh, _) in FACILITY_LEVELS.items()),
    "role": " / ".join(f"{zh} ({code})" for code, (zh, _) in FACILITY_ROLES.items()),
    "meal_service": "是/否 (yes/no)",
}
_FLAGS = ("serves_tekun", "medical_care", "meal_service")


def _label(field: str) -> str:
    return next(s.label_zh for s in SCHEMAS["facilities"] if s.name == field)


def _from_column(
    field: str, source: pd.Series | None, rows: pd.DataFrame, add: Reporter
) -> tuple[list[Any], np.ndarray]:
    """Parse a column; return the values and the mask of cells it did not state."""
    if source is None:
        return [None] * len(rows), np.ones(len(rows), dtype=bool)
    parser = _PARSERS[field]
    values = [parser(v) for v in source]
    bad = np.array(
        [v is None and not is_missing(raw) for v, raw in zip(values, source, strict=True)],
        dtype=bool,
    )
    if field in _FLAGS:  # 无 means "no" in a yes/no column, not a missing cell
        bad &= ~np.array([is_missing(raw) for raw in source], dtype=bool)
    if bad.any():
        add(
            "attribute_unrecognised",
            rows,
            bad,
            field=field,
            label=_label(field),
            example=str(source.to_numpy()[np.flatnonzero(bad)[0]]),
            accepted=_ACCEPTED[field],
        )
    return values, np.array([v is None for v in values], dtype=bool)


def facility_attributes(
    rows: pd.DataFrame,
    frame: pd.DataFrame,
    mapping: Mapping[str, str],
    add: Reporter,
) -> dict[str, pd.Series]:
    """Return the attribute columns of the facilities layer, indexed like ``frame``.

    Parameters
    ----------
    rows : DataFrame
        The facilities' canonical columns so far: ``facility_id``, ``name`` (read where a column
        is missing or empty), ``kind`` (gives the level when nothing else does), ``source_row``.
    frame : DataFrame
        The facilities with their source columns.
    mapping : mapping
        ``canonical → source column`` (:func:`planning.schema.resolve_columns`).
    add : callable
        ``add(code, rows, mask, **params)`` records a problem for the rows in ``mask``
        (``attribute_unrecognised`` warnings, one ``attributes_from_name`` note).

    Returns
    -------
    dict
        ``ownership``, ``level``, ``role`` (text or None), ``serves_tekun``, ``medical_care``,
        ``meal_service`` (nullable booleans) and ``attributes_inferred`` (the attributes read from
        the name or kind, comma-separated, or None).
    """
    n, names, kinds = len(frame), rows["name"], rows["kind"]
    inferred: list[list[str]] = [[] for _ in range(n)]
    columns: dict[str, pd.Series] = {}
    from_name_count: dict[str, int] = {}
    for field in ATTRIBUTE_COLUMNS:
        source_name = mapping.get(field)
        source = None if source_name is None else frame[source_name]
        values, unstated = _from_column(field, source, rows, add)
        guess = _FROM_NAME[field]
        for i in np.flatnonzero(unstated).tolist():
            value = guess(names.iloc[i])
            if value is None and field == "level":
                value = KIND_LEVELS.get(str(kinds.iloc[i]))
            if field == "meal_service" and value is None and _role_is_meal(columns, i):
                value = True
            if value is not None:
                values[i] = value
                inferred[i].append(field)
                from_name_count[field] = from_name_count.get(field, 0) + 1
        dtype = "boolean" if field in _FLAGS else object
        columns[field] = pd.Series(values, index=frame.index, dtype=dtype)
    columns["attributes_inferred"] = pd.Series(
        [",".join(fields) or None for fields in inferred], index=frame.index, dtype=object
    )
    mask = np.array([bool(fields) for fields in inferred], dtype=bool)
    if mask.any():
        shown = ", ".join(f"{f} {_label(f)} ×{c}" for f, c in from_name_count.items())
        add("attributes_from_name", rows, mask, fields=shown)
    return columns


def _role_is_meal(columns: Mapping[str, pd.Series], i: int) -> bool:
    """Whether row ``i``'s role (parsed before ``meal_service``) is a meal point (助餐点)."""
    role = columns.get("role")
    return role is not None and role.iloc[i] == "meal_point"
