"""Floor area per 100 households (每百户配建面积) and land per resident (人均用地).

An array core: every function takes plain arrays and returns arrays aligned with its input, so the
same code serves the audit, the new-estate review and the tests.

How a facility's area is counted, so that no square metre counts twice:

1. *On site* (本小区配建): a community facility linked to an estate (by ``estate_id`` or lying inside
   its polygon) serves that estate first.
2. *Surplus*: whatever an estate's own facilities provide above its requirement, and the whole area
   of facilities that belong to no estate, is the facility's surplus.
3. *Shared* (调剂/统筹): where the ruleset allows sharing (existing estates), each facility's surplus
   is split among the still-short estates that reach it on foot within the sharing distance, in
   proportion to their households (the supply step of a two-step floating catchment). An estate's
   shared area is capped at its remaining deficit; a share an estate cannot use is not passed on,
   which keeps the result conservative and order-independent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

#: Floor-area differences below this many m² are rounding noise, not a shortfall.
AREA_TOLERANCE_M2 = 1e-6


@dataclass(frozen=True)
class Allocation:
    """Result of allocating facility area to estates; arrays are aligned with the estates.

    Attributes
    ----------
    required : ndarray
        Area each estate must have (m²).
    onsite : ndarray
        Area of the estate's own facilities counted for it (m²), at most what it has.
    shared : ndarray
        Area shared to it from other facilities' surplus (m²), at most its remaining deficit.
    provided : ndarray
        ``onsite + shared``, capped at nothing: an estate may provide more than required.
    shortfall : ndarray
        ``max(0, required - provided)``.
    ok : ndarray of bool
        Whether the requirement is met.
    surplus_left : ndarray
        Per facility, surplus area not used by any estate (m²).
    """

    required: NDArray[np.float64]
    onsite: NDArray[np.float64]
    shared: NDArray[np.float64]
    provided: NDArray[np.float64]
    shortfall: NDArray[np.float64]
    ok: NDArray[np.bool_]
    surplus_left: NDArray[np.float64]


def required_floor_area(
    households: NDArray[np.float64], rate_m2_per_100hh: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return the required floor area ``households × rate / 100`` (m²).

    Parameters
    ----------
    households : ndarray
        Households per estate (户数).
    rate_m2_per_100hh : ndarray
        The ruleset's rate for each estate (m² per 100 households); NaN where no rule applies.

    Returns
    -------
    ndarray
        Required area in m² (NaN where the rate is NaN).

    Examples
    --------
    >>> required_floor_area(np.array([1200.0]), np.array([20.0]))
    array([240.])
    """
    return np.asarray(households, dtype=float) * np.asarray(rate_m2_per_100hh, dtype=float) / 100.0


def allocate_area(
    required: NDArray[np.float64],
    facility_area: NDArray[np.float64],
    facility_owner: NDArray[np.int64],
    households: NDArray[np.float64],
    may_share: NDArray[np.bool_],
    reach: sp.sparray | sp.spmatrix | None = None,
) -> Allocation:
    """Allocate facility area to estates: own estate first, then surplus shared by households.

    Parameters
    ----------
    required : ndarray, shape (n_estates,)
        Required area per estate (m²); NaN means no rule applies (treated as 0 and never short).
    facility_area : ndarray, shape (n_facilities,)
        Countable area per facility (m²), 0 for facilities of kinds the rule does not count.
    facility_owner : ndarray of int, shape (n_facilities,)
        Index of the estate each facility belongs to, -1 for none.
    households : ndarray, shape (n_estates,)
        Households per estate, the weights of the surplus split.
    may_share : ndarray of bool, shape (n_estates,)
        Whether an estate may count shared area (e.g. existing estates where 调剂 is allowed).
    reach : sparse matrix, shape (n_estates, n_facilities), optional
        Non-zero (or explicitly stored) where the estate reaches the facility within the sharing
        distance. ``None`` disables sharing.

    Returns
    -------
    Allocation
        Per-estate figures and the unused surplus per facility.

    Examples
    --------
    Two estates; the first owns a 300 m² station and needs 200 m², the second needs 150 m² and
    reaches the station: it gets the 100 m² surplus.

    >>> import scipy.sparse as sp
    >>> a = allocate_area(np.array([200.0, 150.0]), np.array([300.0]), np.array([0]),
    ...                   np.array([1000.0, 750.0]), np.array([True, True]),
    ...                   sp.csr_array(np.array([[1.0], [1.0]])))
    >>> a.onsite.tolist(), a.shared.tolist(), a.shortfall.tolist()
    ([200.0, 0.0], [0.0, 100.0], [0.0, 50.0])
    """
    required = np.nan_to_num(np.asarray(required, dtype=float), nan=0.0)
    facility_area = np.nan_to_num(np.asarray(facility_area, dtype=float), nan=0.0)
    facility_owner = np.asarray(facility_owner, dtype=np.int64)
    households = np.asarray(households, dtype=float)
    n_estates = required.shape[0]

    owned = facility_owner >= 0
    own_total = np.bincount(
        facility_owner[owned], weights=facility_area[owned], minlength=n_estates
    )
    onsite = np.minimum(own_total, required)
    # The estate's own surplus goes back to its facilities in proportion to their area.
    estate_surplus = own_total - onsite
    surplus = facility_area.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share_of_owner = np.where(
            own_total[np.maximum(facility_owner, 0)] > 0,
            facility_area / own_total[np.maximum(facility_owner, 0)],
            0.0,
        )
    surplus[owned] = estate_surplus[facility_owner[owned]] * share_of_owner[owned]

    deficit = required - onsite
    shared = np.zeros(n_estates)
    surplus_left = surplus.copy()
    if reach is not None and surplus.sum() > 0:
        eligible = np.asarray(may_share, dtype=bool) & (deficit > AREA_TOLERANCE_M2)
        link = sp.csr_array(reach, dtype=float, copy=True)
        link.data[:] = 1.0
        # An estate never shares from its own facilities: that area was counted on site.
        coo = link.tocoo()
        keep = eligible[coo.row] & (facility_owner[coo.col] != coo.row) & (surplus[coo.col] > 0)
        rows, cols = coo.row[keep], coo.col[keep]
        weight = households[rows]
        demand = np.bincount(cols, weights=weight, minlength=facility_area.shape[0])
        portion = surplus[cols] * weight / demand[cols]
        offered = np.bincount(rows, weights=portion, minlength=n_estates)
        shared = np.minimum(offered, np.maximum(deficit, 0.0))
        # Each estate takes the same fraction of every offer it received.
        with np.errstate(invalid="ignore", divide="ignore"):
            taken = np.where(offered > 0, shared / offered, 0.0)
        used = np.bincount(cols, weights=portion * taken[rows], minlength=facility_area.shape[0])
        surplus_left = surplus - used

    provided = onsite + shared
    shortfall = np.maximum(required - provided, 0.0)
    shortfall[shortfall < AREA_TOLERANCE_M2] = 0.0
    return Allocation(
        required=required,
        onsite=onsite,
        shared=shared,
        provided=provided,
        shortfall=shortfall,
        ok=shortfall <= 0.0,
        surplus_left=surplus_left,
    )
