"""Candidate sites proposed on a regular grid (候选点生成).

Pure array function: the adapter snaps the proposed points to the walking network, drops those in
unsuitable land, and builds the coverage matrix from network distances.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from planning._errors import InputDataError

__all__ = ["grid_candidates"]


def grid_candidates(
    xy_uncovered: ArrayLike, spacing_m: float, *, origin: tuple[float, float] | None = None
) -> NDArray[np.float64]:
    """Propose candidate points at the centres of grid cells holding uncovered demand.

    The plane is cut into square cells of side ``spacing_m``, anchored at ``origin`` (default: the
    lower-left corner of the points' bounding box, floored to a multiple of ``spacing_m`` so that
    grids of different runs line up). Every cell that contains at least one uncovered demand point
    yields one candidate at its centre.

    Parameters
    ----------
    xy_uncovered : array_like, shape (n, 2)
        Projected coordinates in metres (local metric CRS) of demand not yet covered.
    spacing_m : float
        Grid spacing in metres (> 0), e.g. 200–300 m for a 1 000 m service distance.
    origin : tuple of float, optional
        Grid anchor ``(x0, y0)``.

    Returns
    -------
    numpy.ndarray, shape (k, 2)
        Cell centres, sorted by row (y) then column (x); empty ``(0, 2)`` when no point is given.

    Raises
    ------
    planning._errors.InputDataError
        ``spacing_m`` is not positive or the coordinates are not an (n, 2) finite array.
    """
    if not (np.isfinite(spacing_m) and spacing_m > 0):
        raise InputDataError(f"grid_candidates: spacing_m must be > 0 metres; got {spacing_m!r}.")
    xy = np.asarray(xy_uncovered, dtype=np.float64)
    if xy.size == 0:
        return np.zeros((0, 2))
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise InputDataError(
            f"grid_candidates: xy_uncovered must have shape (n, 2); got {xy.shape}."
        )
    bad = np.flatnonzero(~np.isfinite(xy).all(axis=1))
    if bad.size:
        raise InputDataError(
            f"grid_candidates: coordinates of point(s) {bad[:8].tolist()} are not finite; "
            "drop those demand points or fix their geometry."
        )
    if origin is None:
        x0, y0 = np.floor(xy.min(axis=0) / spacing_m) * spacing_m
    else:
        x0, y0 = origin
    cells = np.floor((xy - np.array([x0, y0])) / spacing_m).astype(np.int64)
    uniq = np.unique(cells[:, ::-1], axis=0)[:, ::-1]
    return (uniq + 0.5) * spacing_m + np.array([x0, y0])
