"""Set cover with a proof (planning.siting.setcover): minimum by enumeration, valid bounds, honest
statuses, the Lagrangian parts, dominated candidates and conflicts (minimum spacing)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from planning._errors import InputDataError, SolverError
from planning.siting import maximal_coverage, set_cover
from planning.siting.lagrange import dual_bound, split_parts
from planning.siting.prepare import prepare_instance
from planning.siting.reduction import reduce_instance

# ----------------------------------------------------------------------------- references


def covered_weight(dense: np.ndarray, w: np.ndarray, cols) -> float:
    if len(cols) == 0:
        return 0.0
    return float(w[dense[:, list(cols)].any(axis=1)].sum())


def conflict_free(cols, conflicts) -> bool:
    chosen = set(cols)
    return not any(a in chosen and b in chosen for a, b in conflicts)


def enumerate_min_count(dense, w, need, conflicts=()) -> int | None:
    """Fewest columns covering at least ``need`` weight, by trying every subset."""
    n_c = dense.shape[1]
    for k in range(n_c + 1):
        for cols in itertools.combinations(range(n_c), k):
            if covered_weight(dense, w, cols) >= need - 1e-9 and conflict_free(cols, conflicts):
                return k
    return None


def cover_lp_and_optimum(dense: np.ndarray, w: np.ndarray, need: float) -> tuple[float, float]:
    """LP relaxation (scipy linprog) and integer optimum (scipy milp) of the partial cover.

    Variables (y, z): min Σy s.t. Σ w z ≥ need, z_i ≤ Σ_j a_ij y_j, 0 ≤ y, z ≤ 1.
    """
    n_d, n_c = dense.shape
    cost = np.concatenate([np.ones(n_c), np.zeros(n_d)])
    link = np.hstack([-dense.astype(float), np.eye(n_d)])
    target = np.concatenate([np.zeros(n_c), -w])[None, :]
    a_ub = np.vstack([link, target])
    b_ub = np.concatenate([np.zeros(n_d), [-need]])
    lp = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=[(0, 1)] * (n_c + n_d), method="highs")
    assert lp.status == 0
    integrality = np.concatenate([np.ones(n_c), np.zeros(n_d)])
    opt = milp(
        cost,
        constraints=LinearConstraint(a_ub, -np.inf, b_ub),
        integrality=integrality,
        bounds=Bounds(0, 1),
    )
    assert opt.status == 0
    return float(lp.fun), float(round(opt.fun))


def mclp_lp_and_optimum(dense: np.ndarray, w: np.ndarray, n_new: int) -> tuple[float, float]:
    """LP relaxation and integer optimum of the MCLP: max Σ w z, Σ y ≤ N, z ≤ A y."""
    n_d, n_c = dense.shape
    cost = np.concatenate([np.zeros(n_c), -w])
    link = np.hstack([-dense.astype(float), np.eye(n_d)])
    card = np.concatenate([np.ones(n_c), np.zeros(n_d)])[None, :]
    a_ub = np.vstack([link, card])
    b_ub = np.concatenate([np.zeros(n_d), [n_new]])
    lp = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=[(0, 1)] * (n_c + n_d), method="highs")
    opt = milp(
        cost,
        constraints=LinearConstraint(a_ub, -np.inf, b_ub),
        integrality=np.concatenate([np.ones(n_c), np.zeros(n_d)]),
        bounds=Bounds(0, 1),
    )
    assert lp.status == 0
    assert opt.status == 0
    return -float(lp.fun), -float(opt.fun)


def disc_instance(seed: int, n_d: int = 70, n_c: int = 24, radius: float = 2.2):
    """Demand and candidates in a 10 × 10 square; a candidate covers demand within ``radius``."""
    rng = np.random.default_rng(seed)
    demand = rng.random((n_d, 2)) * 10
    sites = rng.random((n_c, 2)) * 10
    dense = np.linalg.norm(demand[:, None] - sites[None], axis=2) <= radius
    w = rng.integers(1, 30, n_d).astype(float)
    return dense, w


def two_five_cycles() -> np.ndarray:
    """Two separate 5-cycles: site j of a cycle covers its demand j and j+1."""
    dense = np.zeros((10, 10), bool)
    for base in (0, 5):
        for j in range(5):
            dense[base + j, base + j] = dense[base + (j + 1) % 5, base + j] = True
    return dense


# ----------------------------------------------------------------------------- exact minimum


@pytest.mark.parametrize("seed", range(30))
def test_minimum_equals_enumeration_with_conflicts(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_d, n_c = int(rng.integers(12, 25)), int(rng.integers(6, 11))
    dense = rng.random((n_d, n_c)) < rng.uniform(0.15, 0.4)
    w = rng.integers(1, 20, n_d).astype(float)
    conflicts = [(a, b) for a, b in itertools.combinations(range(n_c), 2) if rng.random() < 0.12]
    target = [0.6, 0.8, 0.9, 1.0][seed % 4]
    reach = covered_weight(dense, w, range(n_c))
    need = target * w.sum()
    best = enumerate_min_count(dense, w, need, conflicts)
    if need > reach + 1e-9 or best is None:
        with pytest.raises(SolverError, match="cannot be reached"):
            set_cover(sp.csr_array(dense), w, target, conflicts=np.array(conflicts).reshape(-1, 2))
        return
    res = set_cover(sp.csr_array(dense), w, target, conflicts=np.array(conflicts).reshape(-1, 2))
    assert res.objective == best
    assert res.bound == best
    assert res.status == "optimal"
    assert res.gap == 0.0
    chosen = res.selected.tolist()
    assert covered_weight(dense, w, chosen) >= need - 1e-9
    assert conflict_free(chosen, conflicts)


def test_two_five_cycles_need_six_sites_where_the_lp_says_five() -> None:
    # Covering all 10 demand points: each site covers 2, so the LP (and the weight bound) open
    # 5 sites at 1/2; but each 5-cycle needs 3 whole sites, so the minimum is 6.
    dense = two_five_cycles()
    res = set_cover(sp.csr_array(dense), np.ones(10), 1.0)
    assert res.objective == 6
    assert res.bound == 6
    assert res.status == "optimal"
    assert res.details["lp_bound"] == pytest.approx(5.0)
    assert res.details["parts"] == 2
    assert res.final_coverage == pytest.approx(1.0)


def test_lagrangian_parts_raise_the_bound_above_the_lp() -> None:
    # weights 1..10 on the two cycles, target 90 %: the parts' MILPs prove more than the LP
    dense = two_five_cycles()
    w = np.arange(1.0, 11.0)
    res = set_cover(sp.csr_array(dense), w, 0.9)
    assert res.objective == enumerate_min_count(dense, w, 0.9 * w.sum())
    assert res.status == "optimal"
    assert res.details["lagrangian_bound"] > res.details["lp_bound"] + 0.1
    assert math.ceil(res.details["lagrangian_bound"] - 1e-6) == res.objective


# ----------------------------------------------------------------------------- valid bounds


@pytest.mark.parametrize("seed", range(12))
def test_set_cover_bound_between_independent_lp_and_optimum(seed: int) -> None:
    dense, w = disc_instance(seed)
    target = [0.8, 0.9, 0.95][seed % 3]
    reach = covered_weight(dense, w, range(dense.shape[1]))
    target = min(target, math.floor(reach / w.sum() * 1000) / 1000)
    lp, opt = cover_lp_and_optimum(dense, w, target * w.sum())
    res = set_cover(sp.csr_array(dense), w, target, time_limit_s=30)
    # a valid dual bound: never above the optimum, never below the LP relaxation (rounded up)
    assert math.ceil(lp - 1e-6) <= res.bound <= opt
    assert res.objective >= opt
    assert res.status == ("optimal" if res.bound == res.objective else "time_limit")
    assert res.objective == opt  # these small instances are always solved
    assert res.details["lp_bound"] == pytest.approx(lp, abs=1e-5)


@pytest.mark.parametrize("seed", range(6))
def test_time_limited_answer_keeps_a_valid_bound_and_an_honest_status(seed: int) -> None:
    dense, w = disc_instance(seed + 100, n_d=90, n_c=30, radius=2.0)
    reach = covered_weight(dense, w, range(dense.shape[1]))
    target = math.floor(reach / w.sum() * 1000) / 1000
    _, opt = cover_lp_and_optimum(dense, w, target * w.sum())
    res = set_cover(sp.csr_array(dense), w, target, time_limit_s=1e-4)
    assert res.bound <= opt <= res.objective
    assert res.gap == pytest.approx((res.objective - res.bound) / res.objective)
    assert (res.status == "optimal") == (res.bound == res.objective)


@pytest.mark.parametrize("seed", range(8))
def test_mclp_bound_between_optimum_and_independent_lp(seed: int) -> None:
    dense, w = disc_instance(seed + 200)
    n_new = 2 + seed % 4
    lp, opt = mclp_lp_and_optimum(dense, w, n_new)
    res = maximal_coverage(sp.csr_array(dense), w, n_new)
    assert opt - 1e-6 <= res.bound <= lp + 1e-6 * lp
    assert res.objective == pytest.approx(opt)
    assert (res.status == "optimal") == (res.gap <= 1e-4)


@pytest.mark.parametrize("seed", range(10))
def test_dual_bound_is_below_the_optimum_for_any_multipliers(seed: int) -> None:
    rng = np.random.default_rng(seed)
    dense, w = disc_instance(seed + 300, n_d=40, n_c=14)
    need = 0.8 * covered_weight(dense, w, range(14))
    _, opt = cover_lp_and_optimum(dense, w, need)
    red = reduce_instance(prepare_instance(sp.csr_array(dense), w), merge_rows=False)
    for _ in range(20):
        u = rng.random(red.a.shape[0]) * rng.choice([0.01, 0.1, 1.0])
        lam = rng.random() * 0.5
        bound, _, _ = dual_bound(red, red.w, need, u, lam)
        assert bound <= opt + 1e-9


# ----------------------------------------------------------------------------- parts, reduction


def test_parts_follow_coverage_groups_and_conflicts() -> None:
    # columns 0-1 share demand 0; column 2 alone with demand 1; column 3 alone with demand 2
    dense = np.array([[1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], bool)
    w = np.array([1.0, 2.0, 3.0])
    red = reduce_instance(prepare_instance(sp.csr_array(dense), w), drop_dominated=False)
    parts = split_parts(red)
    assert parts.n == 3
    assert parts.col_label[0] == parts.col_label[1] != parts.col_label[2]
    # a conflict between columns 2 and 3 joins their parts
    red = reduce_instance(
        prepare_instance(sp.csr_array(dense), w, conflicts=np.array([[2, 3]])),
        drop_dominated=False,
    )
    parts = split_parts(red)
    assert parts.n == 2
    assert parts.col_label[2] == parts.col_label[3]
    assert parts.row_label[1] == parts.row_label[2]


def test_dominated_candidates_are_dropped_unless_a_group_or_conflict_differs() -> None:
    # column 0 covers {0}, column 1 covers {0, 1}, column 2 the same as column 1
    dense = np.array([[1, 1, 1], [0, 1, 1]], bool)
    w = np.array([1.0, 1.0])
    red = reduce_instance(prepare_instance(sp.csr_array(dense), w))
    assert red.cols.tolist() == [1]
    assert red.dominated == 2
    # column 0 is the only one of street A, which needs a site: it stays
    red = reduce_instance(
        prepare_instance(sp.csr_array(dense), w, group=["A", "B", "B"], groups_required=["A"])
    )
    assert red.cols.tolist() == [0, 1]
    # a conflict keeps both columns in it
    red = reduce_instance(prepare_instance(sp.csr_array(dense), w, conflicts=[[0, 2]]))
    assert red.cols.tolist() == [0, 1, 2]


# ----------------------------------------------------------------------------- conflicts


def test_conflict_forces_the_second_best_pair() -> None:
    # sites 0 and 1 cover the two heavy estates (10 + 9) but stand too close together;
    # with the conflict the best pair is 0 and 2 (10 + 4)
    dense = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], bool)
    w = np.array([10.0, 9.0, 4.0])
    free = maximal_coverage(sp.csr_array(dense), w, 2)
    assert sorted(free.selected.tolist()) == [0, 1]
    res = maximal_coverage(sp.csr_array(dense), w, 2, conflicts=np.array([[0, 1]]))
    assert sorted(res.selected.tolist()) == [0, 2]
    assert res.objective == pytest.approx(14.0)
    # set cover to 60 % (13.8 of 23): one site cannot, {0, 2} can
    sc = set_cover(sp.csr_array(dense), w, 0.6, conflicts=np.array([[0, 1]]))
    assert sorted(sc.selected.tolist()) == [0, 2]


def test_conflict_with_a_required_site_excludes_and_two_required_are_refused() -> None:
    dense = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], bool)
    w = np.array([10.0, 9.0, 4.0])
    res = maximal_coverage(
        sp.csr_array(dense),
        w,
        1,
        required=np.array([True, False, False]),
        conflicts=np.array([[0, 1]]),
    )
    assert res.selected.tolist() == [0, 2]
    with pytest.raises(InputDataError, match="required candidates 0 and 1 conflict"):
        maximal_coverage(
            sp.csr_array(dense),
            w,
            1,
            required=np.array([True, True, False]),
            conflicts=np.array([[0, 1]]),
        )
    with pytest.raises(InputDataError, match="not two different candidate indices"):
        set_cover(sp.csr_array(dense), w, 0.5, conflicts=np.array([[0, 0]]))
    with pytest.raises(InputDataError, match=r"\(n, 2\)"):
        set_cover(sp.csr_array(dense), w, 0.5, conflicts=np.array([0, 1, 2]))


# ----------------------------------------------------------------------------- capacities


def max_served(dense: np.ndarray, w: np.ndarray, cap: np.ndarray, cols) -> float:
    """Most weight the open ``cols`` can serve within their capacities (scipy linprog)."""
    pairs = [(i, j) for j in cols for i in np.flatnonzero(dense[:, j])]
    if not pairs:
        return 0.0
    a_ub = [[1.0 if p[0] == i else 0.0 for p in pairs] for i in range(len(w))]
    a_ub += [[w[p[0]] if p[1] == j else 0.0 for p in pairs] for j in cols]
    b_ub = [1.0] * len(w) + [cap[j] for j in cols]
    res = linprog(-np.array([w[i] for i, _ in pairs]), A_ub=a_ub, b_ub=b_ub, bounds=(0, 1))
    assert res.status == 0
    return -float(res.fun)


@pytest.mark.parametrize("seed", range(12))
def test_capacitated_minimum_equals_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed + 900)
    n_d, n_c = 12, 7
    dense = rng.random((n_d, n_c)) < 0.35
    w = rng.integers(1, 10, n_d).astype(float)
    cap = rng.integers(5, 30, n_c).astype(float)
    share = [0.5, 0.7, 0.9][seed % 3]
    reach = max_served(dense, w, cap, list(range(n_c)))
    share = min(share, math.floor(reach / w.sum() * 1000) / 1000)
    need = share * w.sum()
    best = next(
        k
        for k in range(n_c + 1)
        if any(
            max_served(dense, w, cap, list(c)) >= need - 1e-9
            for c in itertools.combinations(range(n_c), k)
        )
    )
    res = set_cover(sp.csr_array(dense), w, share, capacity_households=cap)
    assert res.objective == best
    assert res.bound == best
    assert res.status == "optimal"
    x = res.assignment.toarray()
    assert (x * w[:, None]).sum() >= need - 1e-6
    assert ((x * w[:, None]).sum(axis=0) <= cap + 1e-6).all()


def test_capacity_greedy_proves_what_the_lp_says() -> None:
    # four estates of 100 households in a row, each site reaches two neighbours and serves 100:
    # 95 % of 400 needs 380 households served, so four sites; the LP says 3.8 → 4
    dense = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]], bool)
    w = np.full(4, 100.0)
    res = set_cover(sp.csr_array(dense), w, 0.95, capacity_households=np.full(4, 100.0))
    assert res.objective == 4
    assert res.bound == 4
    assert res.status == "optimal"
    assert res.details["bound_source"] == "lp"
    assert res.details["after_greedy"] == 4
