"""Facility kinds from the type column and from the name, and where the two disagree (设施类型).

A facility's kind comes from its type column (类型); where that is empty or not an elderly-care
type, from its name (…敬老院 → institution). :func:`classify_kinds` does both and keeps what each
said, so that :func:`kind_notes` can name the rows a planner should look at:

* ``kind_type_not_elderly`` (warning): the type is filled in but is no elderly-care type
  (幼儿园, 卫生服务中心) while the name is one (敬老院): counted by the name, which may be wrong;
* ``kind_name_disagrees`` (note): type and name are both elderly-care kinds, but different
  (typed 日间照料中心, named …敬老院): the type column wins.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from planning.schema import is_missing, normalise_kind

__all__ = ["Kinds", "classify_kinds", "kind_notes"]


@dataclass(frozen=True)
class Kinds:
    """Kinds per row: the one used, and what the type column and the name each said."""

    kinds: list[str | None]
    typed: list[str | None]
    named: list[str | None]


def classify_kinds(types: Collection[Any] | None, names: Collection[Any] | None) -> Kinds:
    """Classify kinds from the type column, else from the name (None where neither says).

    Examples
    --------
    >>> k = classify_kinds(["幼儿园", "日间照料中心"], ["红星敬老院", "东区敬老院"])
    >>> k.kinds, k.typed, k.named
    (['institution', 'community_station'], [None, 'community_station'], ['institution', 'institution'])
    """
    n = len(types) if types is not None else (0 if names is None else len(names))
    nothing: list[str | None] = [None] * n
    typed = nothing if types is None else [normalise_kind(v) for v in types]
    named = nothing if names is None else [normalise_kind(v) for v in names]
    kinds = [t if t is not None else m for t, m in zip(typed, named, strict=True)]
    return Kinds(kinds, typed, named)


def kind_notes(
    kinds: Kinds, types: Collection[Any] | None, names: Collection[Any] | None
) -> Iterator[tuple[str, np.ndarray, dict[str, str]]]:
    """Yield ``(code, row mask, message values)`` for the rows whose type and name disagree."""
    if types is None or names is None:
        return
    types, names = list(types), list(names)  # positions, whatever the index
    typed = np.array([t is not None for t in kinds.typed], dtype=bool)
    named = np.array([m is not None for m in kinds.named], dtype=bool)
    filled = np.array([not is_missing(v) and str(v).strip() != "" for v in types], dtype=bool)
    foreign = filled & ~typed & named
    if foreign.any():
        i = int(np.flatnonzero(foreign)[0])
        yield (
            "kind_type_not_elderly",
            foreign,
            {"type": str(types[i]), "name": str(names[i]), "kind": str(kinds.named[i])},
        )
    differ = (
        typed
        & named
        & np.array([t != m for t, m in zip(kinds.typed, kinds.named, strict=True)], dtype=bool)
    )
    if differ.any():
        i = int(np.flatnonzero(differ)[0])
        yield (
            "kind_name_disagrees",
            differ,
            {"type": str(types[i]), "name": str(names[i]), "kind": str(kinds.typed[i])},
        )
