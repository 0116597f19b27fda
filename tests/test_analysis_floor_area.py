import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.analysis.floor_area import allocate_area, required_floor_area


def test_required_is_households_times_rate_over_100():
    out = required_floor_area(np.array([150.0, 1200.0, 4000.0]), np.array([20.0, 15.0, np.nan]))
    assert out[0] == 30.0
    assert out[1] == 180.0
    assert np.isnan(out[2])


def test_own_estate_first_then_surplus_split_by_households():
    # Estate 0 (1000 hh, needs 200) owns a 500 m² station -> 300 surplus.
    # Estates 1 (600 hh, needs 90) and 2 (300 hh, needs 45) both reach it: split 2:1 -> 200 / 100,
    # capped at their deficits 90 / 45. Estate 3 does not reach it.
    required = np.array([200.0, 90.0, 45.0, 60.0])
    households = np.array([1000.0, 600.0, 300.0, 400.0])
    reach = sp.csr_array(np.array([[1.0], [1.0], [1.0], [0.0]]))
    a = allocate_area(
        required, np.array([500.0]), np.array([0]), households, np.ones(4, bool), reach
    )
    assert a.onsite.tolist() == [200.0, 0.0, 0.0, 0.0]
    assert a.shared.tolist() == [0.0, 90.0, 45.0, 0.0]
    assert a.shortfall.tolist() == [0.0, 0.0, 0.0, 60.0]
    assert a.ok.tolist() == [True, True, True, False]
    assert a.surplus_left[0] == 300.0 - 135.0


def test_share_below_deficit_leaves_shortfall():
    # 100 m² unowned station; estates of 300 and 100 households need 200 and 200 m².
    reach = sp.csr_array(np.array([[1.0], [1.0]]))
    a = allocate_area(
        np.array([200.0, 200.0]),
        np.array([100.0]),
        np.array([-1]),
        np.array([300.0, 100.0]),
        np.ones(2, bool),
        reach,
    )
    assert a.shared.tolist() == [75.0, 25.0]
    assert a.shortfall.tolist() == [125.0, 175.0]


def test_new_estates_may_not_share():
    reach = sp.csr_array(np.array([[1.0], [1.0]]))
    a = allocate_area(
        np.array([100.0, 100.0]),
        np.array([400.0]),
        np.array([-1]),
        np.array([500.0, 500.0]),
        np.array([False, True]),
        reach,
    )
    assert a.shared.tolist() == [0.0, 100.0]
    assert a.ok.tolist() == [False, True]


def test_no_reach_means_no_sharing():
    a = allocate_area(
        np.array([100.0]),
        np.array([400.0]),
        np.array([-1]),
        np.array([500.0]),
        np.ones(1, bool),
        None,
    )
    assert a.shared.tolist() == [0.0]
    assert a.shortfall.tolist() == [100.0]


def test_two_facilities_of_one_estate_return_surplus_in_proportion():
    # Estate 0 owns 300 + 100 m², needs 200: surplus 200 goes back 150 / 50.
    a = allocate_area(
        np.array([200.0, 0.0]),
        np.array([300.0, 100.0]),
        np.array([0, 0]),
        np.array([1.0, 1.0]),
        np.zeros(2, bool),
    )
    assert a.surplus_left.tolist() == [150.0, 50.0]


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, 8),
    m=st.integers(1, 5),
    seed=st.integers(0, 10_000),
)
def test_no_square_metre_counts_twice(n, m, seed):
    rng = np.random.default_rng(seed)
    required = rng.uniform(0, 300, n)
    area = rng.uniform(0, 500, m)
    owner = rng.integers(-1, n, m)
    households = rng.uniform(1, 3000, n)
    may_share = rng.random(n) < 0.7
    reach = sp.csr_array((rng.random((n, m)) < 0.5).astype(float))
    a = allocate_area(required, area, owner, households, may_share, reach)
    assert a.onsite.sum() + a.shared.sum() <= area.sum() + 1e-6
    assert np.all(a.provided <= required + 1e-6)
    assert np.all(a.shortfall >= 0)
    assert np.allclose(a.provided + a.shortfall, required)
    assert np.all(a.surplus_left >= -1e-9)
    assert np.isclose(a.shared.sum() + a.surplus_left.sum() + a.onsite.sum(), area.sum())
    assert np.all(a.shared[~may_share] == 0)
