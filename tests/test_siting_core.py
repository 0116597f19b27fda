"""Tests of the siting array core (planning.siting): MILP vs brute force, capacities, groups."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from planning._errors import InputDataError, SolverError
from planning.siting import (
    CoverageTargetError,
    coverage_from_distances,
    greedy_maximal_coverage,
    grid_candidates,
    maximal_coverage,
    set_cover,
)

# ----------------------------------------------------------------------------- helpers


def random_instance(seed: int, *, groups: bool = False) -> dict:
    """Small random instance: 8–12 candidates, 15–30 demand points, flags and N in 1–3."""
    rng = np.random.default_rng(seed)
    n_c = int(rng.integers(8, 13))
    n_d = int(rng.integers(15, 31))
    dense = rng.random((n_d, n_c)) < rng.uniform(0.1, 0.35)
    w = rng.integers(0, 20, n_d).astype(float)
    already = rng.random(n_d) < 0.2
    required = np.zeros(n_c, bool)
    excluded = np.zeros(n_c, bool)
    perm = rng.permutation(n_c)
    required[perm[: rng.integers(0, 2)]] = True
    excluded[perm[2 : 2 + rng.integers(0, 3)]] = True
    inst = {
        "dense": dense,
        "w": w,
        "already": already,
        "required": required,
        "excluded": excluded,
        "n_new": int(rng.integers(1, 4)),
        "group": None,
        "groups_required": None,
    }
    if groups:
        inst["group"] = [f"street{g}" for g in rng.integers(0, 3, n_c)]
        wanted = sorted(set(inst["group"]))
        inst["groups_required"] = wanted[: rng.integers(1, min(inst["n_new"], len(wanted)) + 1)]
        # make sure each wanted group keeps an eligible candidate
        for g in inst["groups_required"]:
            members = [j for j in range(n_c) if inst["group"][j] == g]
            if excluded[members].all():
                excluded[members] = False
    return inst


def new_weight(inst: dict, cols: tuple[int, ...] | list[int]) -> float:
    cov = inst["already"].copy()
    if len(cols):
        cov |= inst["dense"][:, list(cols)].any(axis=1)
    return float(inst["w"][cov & ~inst["already"]].sum())


def groups_ok(inst: dict, cols: set[int]) -> bool:
    if not inst["groups_required"]:
        return True
    have = {inst["group"][j] for j in cols}
    return all(g in have for g in inst["groups_required"])


def brute_mclp(inst: dict) -> float:
    req = [int(j) for j in np.flatnonzero(inst["required"])]
    free = [
        j
        for j in range(inst["dense"].shape[1])
        if not inst["required"][j] and not inst["excluded"][j]
    ]
    best = -1.0
    for k in range(inst["n_new"] + 1):
        for combo in itertools.combinations(free, k):
            cols = req + list(combo)
            if groups_ok(inst, set(cols)):
                best = max(best, new_weight(inst, cols))
    return best


def call_mclp(inst: dict, fn=maximal_coverage, **kw):
    return fn(
        sp.csr_array(inst["dense"]),
        inst["w"],
        inst["n_new"],
        already_covered=inst["already"],
        required=inst["required"],
        excluded=inst["excluded"],
        group=inst["group"],
        groups_required=inst["groups_required"],
        **kw,
    )


def assignment_lp(dense: np.ndarray, w: np.ndarray, cap: np.ndarray, cols: list[int]) -> float:
    """Max assigned weight with the given sites open (independent LP via scipy linprog)."""
    pairs = [(i, j) for j in cols for i in np.flatnonzero(dense[:, j])]
    if not pairs:
        return 0.0
    n = len(pairs)
    c = -np.array([w[i] for i, _ in pairs])
    rows_i = sorted({i for i, _ in pairs})
    a_ub, b_ub = [], []
    for i in rows_i:
        a_ub.append([1.0 if p[0] == i else 0.0 for p in pairs])
        b_ub.append(1.0)
    for j in cols:
        a_ub.append([w[p[0]] if p[1] == j else 0.0 for p in pairs])
        b_ub.append(cap[j])
    res = linprog(c, A_ub=np.array(a_ub), b_ub=np.array(b_ub), bounds=[(0, 1)] * n)
    assert res.status == 0
    return -float(res.fun)


# ----------------------------------------------------------------------------- MCLP exactness


@pytest.mark.parametrize("seed", range(40))
def test_mclp_equals_brute_force(seed: int) -> None:
    inst = random_instance(seed, groups=seed % 3 == 0)
    res = call_mclp(inst)
    expected = brute_mclp(inst)
    assert res.objective == pytest.approx(expected)
    assert res.status == "optimal"
    assert res.bound >= res.objective - 1e-9
    # the reported selection really achieves the objective and respects N
    assert new_weight(inst, list(res.selected)) == pytest.approx(res.objective)
    assert res.n_new <= inst["n_new"]
    assert res.newly_covered_weight.sum() == pytest.approx(res.objective)


@pytest.mark.parametrize("seed", range(25))
def test_set_cover_min_count_equals_brute_force(seed: int) -> None:
    inst = random_instance(seed + 1000, groups=seed % 4 == 0)
    target = [0.5, 0.7, 0.85, 0.95][seed % 4]
    dense, w, already = inst["dense"], inst["w"], inst["already"]
    total = w.sum()
    req = [int(j) for j in np.flatnonzero(inst["required"])]
    free = [j for j in range(dense.shape[1]) if not inst["required"][j] and not inst["excluded"][j]]
    have = w[already].sum()

    def share(cols: list[int]) -> float:
        return (have + new_weight(inst, cols)) / total

    best_k = None
    for k in range(len(free) + 1):
        if any(
            share(req + list(c)) >= target - 1e-12 and groups_ok(inst, set(req) | set(c))
            for c in itertools.combinations(free, k)
        ):
            best_k = k
            break
    if best_k is None:
        with pytest.raises(CoverageTargetError) as err:
            set_cover(
                sp.csr_array(dense),
                w,
                target,
                already_covered=already,
                required=inst["required"],
                excluded=inst["excluded"],
                group=inst["group"],
                groups_required=inst["groups_required"],
            )
        assert err.value.max_coverage == pytest.approx(share(req + free))
        return
    res = set_cover(
        sp.csr_array(dense),
        w,
        target,
        already_covered=already,
        required=inst["required"],
        excluded=inst["excluded"],
        group=inst["group"],
        groups_required=inst["groups_required"],
    )
    assert res.objective == best_k
    assert res.n_new == best_k
    assert res.bound == best_k
    assert share(list(res.selected)) >= target - 1e-9
    assert res.final_coverage == pytest.approx(share(list(res.selected)))


def test_set_cover_unreachable_target_reports_maximum() -> None:
    # demand 3 (weight 5) is covered by no candidate: at most 15/20 = 75 % is reachable
    dense = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], bool)
    w = np.array([5.0, 5.0, 5.0, 5.0])
    with pytest.raises(CoverageTargetError, match=r"75\.00%") as err:
        set_cover(sp.csr_array(dense), w, 0.8)
    assert err.value.max_coverage == pytest.approx(0.75)
    assert isinstance(err.value, SolverError)
    # at the reachable maximum it works: both sites
    res = set_cover(sp.csr_array(dense), w, 0.75)
    assert sorted(res.selected.tolist()) == [0, 1]


def test_set_cover_tie_break_prefers_more_coverage() -> None:
    # target 50 %: site 0 covers 10/20, site 1 covers 12/20; both single-site answers qualify
    dense = np.array([[1, 1], [0, 1], [0, 0]], bool)
    w = np.array([10.0, 2.0, 8.0])
    res = set_cover(sp.csr_array(dense), w, 0.5)
    assert res.selected.tolist() == [1]
    assert res.final_coverage == pytest.approx(0.6)


def test_set_cover_target_already_met_needs_no_site() -> None:
    dense = np.array([[1, 0], [0, 1]], bool)
    res = set_cover(
        sp.csr_array(dense), np.array([9.0, 1.0]), 0.9, already_covered=np.array([True, False])
    )
    assert res.objective == 0
    assert res.selected.size == 0
    assert res.final_coverage == pytest.approx(0.9)


# ----------------------------------------------------------------------------- ranking


def test_ranking_orders_by_marginal_gain_and_cumulates() -> None:
    # site 0 covers rows 0,1 (w 3+3); site 1 covers rows 1,2,3 (3+2+2); site 2 covers row 4 (4)
    dense = np.array(
        [[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]], dtype=np.int8
    )
    w = np.array([3.0, 3.0, 2.0, 2.0, 4.0, 6.0])
    res = maximal_coverage(sp.csr_array(dense), w, 3)
    # greedy order: site1 (7), then site2 (4) vs site0 (3 after row 1 is taken): site2, site0
    assert res.selected.tolist() == [1, 2, 0]
    assert res.newly_covered_weight.tolist() == [7.0, 4.0, 3.0]
    assert res.cumulative_coverage == pytest.approx([7 / 20, 11 / 20, 14 / 20])
    assert res.objective == 14.0


def test_already_covered_demand_adds_nothing() -> None:
    # site 0 covers a big but already covered row; site 1 a small uncovered one
    dense = np.array([[1, 0], [0, 1]], bool)
    w = np.array([100.0, 1.0])
    res = maximal_coverage(sp.csr_array(dense), w, 1, already_covered=np.array([True, False]))
    assert res.selected.tolist() == [1]
    assert res.objective == 1.0
    assert res.cumulative_coverage.tolist() == pytest.approx([1.0])
    assert res.already_covered_weight == 100.0


def test_useless_sites_are_not_reported() -> None:
    dense = np.array([[1, 0, 0]], bool)
    res = maximal_coverage(sp.csr_array(dense), np.array([2.0]), 3)
    assert res.selected.tolist() == [0]


# ----------------------------------------------------------------------------- flags and groups


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_required_always_selected_and_excluded_never(seed: int) -> None:
    inst = random_instance(seed, groups=seed % 2 == 0)
    for fn in (maximal_coverage, greedy_maximal_coverage):
        res = call_mclp(inst, fn=fn)
        sel = set(res.selected.tolist())
        assert set(np.flatnonzero(inst["required"])) <= sel
        assert not sel & set(np.flatnonzero(inst["excluded"]))
        assert res.required.sum() == inst["required"].sum()
        assert groups_ok(inst, sel)


def test_group_constraint_forces_a_site_in_the_street() -> None:
    # without groups the two big sites win; street "B" must get one of its (small) sites
    dense = np.eye(4, dtype=bool)
    w = np.array([10.0, 9.0, 2.0, 1.0])
    group = ["A", "A", "B", "B"]
    free = maximal_coverage(sp.csr_array(dense), w, 2)
    assert sorted(free.selected.tolist()) == [0, 1]
    res = maximal_coverage(sp.csr_array(dense), w, 2, group=group, groups_required=["B"])
    assert sorted(res.selected.tolist()) == [0, 2]
    assert res.objective == 12.0
    greedy = greedy_maximal_coverage(sp.csr_array(dense), w, 2, group=group, groups_required=["B"])
    assert sorted(greedy.selected.tolist()) == [0, 2]
    # a required site already in B satisfies the group
    req = np.array([False, False, False, True])
    res2 = maximal_coverage(
        sp.csr_array(dense), w, 2, required=req, group=group, groups_required=["B"]
    )
    assert sorted(res2.selected.tolist()) == [0, 1, 3]


def test_group_constraint_in_set_cover() -> None:
    dense = np.eye(3, dtype=bool)
    w = np.array([10.0, 1.0, 1.0])
    res = set_cover(sp.csr_array(dense), w, 0.5, group=["A", "B", "C"], groups_required=["B"])
    assert sorted(res.selected.tolist()) == [0, 1]
    assert res.objective == 2


def test_group_errors_name_the_problem() -> None:
    dense = np.eye(3, dtype=bool)
    w = np.ones(3)
    with pytest.raises(InputDataError, match="street9"):
        maximal_coverage(
            sp.csr_array(dense),
            w,
            2,
            group=["street1", "street9", "street9"],
            groups_required=["street9"],
            excluded=np.array([False, True, True]),
        )
    with pytest.raises(InputDataError, match="n_new is 1"):
        maximal_coverage(
            sp.csr_array(dense), w, 1, group=["a", "b", "c"], groups_required=["a", "b"]
        )


def test_required_and_excluded_conflict() -> None:
    with pytest.raises(InputDataError, match="both required and excluded"):
        maximal_coverage(
            sp.csr_array(np.eye(2, dtype=bool)),
            np.ones(2),
            1,
            required=np.array([True, False]),
            excluded=np.array([True, False]),
        )


# ----------------------------------------------------------------------------- capacities


@pytest.mark.parametrize("seed", range(15))
def test_capacitated_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed + 500)
    n_c, n_d = 8, 14
    dense = rng.random((n_d, n_c)) < 0.3
    w = rng.integers(1, 10, n_d).astype(float)
    cap = rng.integers(3, 25, n_c).astype(float)
    n_new = int(rng.integers(1, 3))
    res = maximal_coverage(sp.csr_array(dense), w, n_new, capacity_households=cap)
    best = max(
        assignment_lp(dense, w, cap, list(c))
        for k in range(n_new + 1)
        for c in itertools.combinations(range(n_c), k)
    )
    assert res.objective == pytest.approx(best, abs=1e-6)
    assert res.bound >= res.objective - 1e-6
    # the reported assignment achieves the objective and respects every constraint
    x = res.assignment.toarray()
    assert (x * w[:, None]).sum() == pytest.approx(res.objective, abs=1e-6)
    assert (x.sum(axis=1) <= 1 + 1e-9).all()
    assert ((x * w[:, None]).sum(axis=0) <= cap + 1e-6).all()
    assert (x[~dense] == 0).all()
    closed = np.setdiff1d(np.arange(n_c), res.selected)
    assert (x[:, closed] == 0).all()


def test_capacity_changes_the_choice() -> None:
    # site 0 covers 20 households but can serve only 5; site 1 covers 6 and can serve them all
    dense = np.array([[1, 0], [1, 0], [0, 1]], bool)
    w = np.array([10.0, 10.0, 6.0])
    assert maximal_coverage(sp.csr_array(dense), w, 1).selected.tolist() == [0]
    res = maximal_coverage(sp.csr_array(dense), w, 1, capacity_households=np.array([5.0, 100.0]))
    assert res.selected.tolist() == [1]
    assert res.objective == pytest.approx(6.0)
    assert res.assignment.toarray()[2, 1] == pytest.approx(1.0)


def test_capacity_uses_demand_households_and_required() -> None:
    # weights (e.g. elderly) differ from households; capacity counts households
    dense = np.array([[1, 1], [1, 0]], bool)
    w = np.array([4.0, 1.0])
    hh = np.array([10.0, 10.0])
    res = maximal_coverage(
        sp.csr_array(dense),
        w,
        0,
        required=np.array([True, False]),
        capacity_households=np.array([10.0, 10.0]),
        demand_households=hh,
    )
    # only site 0 open; it can take 10 households: all of row 0 (weight 4) is best
    assert res.selected.tolist() == [0]
    assert res.objective == pytest.approx(4.0)
    assert res.required.tolist() == [True]


def test_capacitated_set_cover_and_unreachable() -> None:
    dense = np.array([[1, 0], [1, 1], [0, 1]], bool)
    w = np.array([5.0, 5.0, 5.0])
    cap = np.array([5.0, 5.0])
    res = set_cover(sp.csr_array(dense), w, 0.6, capacity_households=cap)
    assert res.objective == 2
    with pytest.raises(CoverageTargetError) as err:
        set_cover(sp.csr_array(dense), w, 0.7, capacity_households=cap)
    assert err.value.max_coverage == pytest.approx(10 / 15)


# ----------------------------------------------------------------------------- spopt parity


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", range(4))
def test_same_objective_as_spopt_mclp(seed: int) -> None:
    pulp = pytest.importorskip("pulp")
    spopt_locate = pytest.importorskip("spopt.locate")
    rng = np.random.default_rng(seed + 77)
    demand = rng.random((40, 2)) * 10
    sites = rng.random((12, 2)) * 10
    cost = np.linalg.norm(demand[:, None, :] - sites[None, :, :], axis=2)
    w = rng.integers(1, 12, 40).astype(float)
    radius, p = 2.5, 3
    model = spopt_locate.MCLP.from_cost_matrix(cost, w, service_radius=radius, p_facilities=p)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    theirs = float(pulp.value(model.problem.objective))
    ours = maximal_coverage(sp.csr_array(cost <= radius), w, p)
    assert ours.objective == pytest.approx(theirs)


# ----------------------------------------------------------------------------- greedy


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_greedy_below_milp_below_bounds(seed: int) -> None:
    inst = random_instance(seed, groups=seed % 2 == 1)
    exact = call_mclp(inst)
    greedy = call_mclp(inst, fn=greedy_maximal_coverage)
    assert greedy.objective <= exact.objective + 1e-9
    assert greedy.bound >= exact.objective - 1e-6
    assert exact.bound >= exact.objective - 1e-9
    expected_gap = (greedy.bound - greedy.objective) / max(greedy.objective, 1e-9)
    assert greedy.gap == pytest.approx(expected_gap, abs=1e-9)
    assert greedy.method == "greedy"
    # proven only when its bound meets it
    assert greedy.status == ("optimal" if greedy.gap <= 1e-4 else "heuristic")
    assert new_weight(inst, list(greedy.selected)) == pytest.approx(greedy.objective)


def test_greedy_gap_uses_given_bound() -> None:
    # classic greedy trap: greedy takes site 2 (weight 6) first, optimum is sites 0+1 (5+5)
    dense = np.array([[1, 0, 1], [0, 1, 1], [1, 0, 0], [0, 1, 0]], bool)
    w = np.array([3.0, 3.0, 2.0, 2.0])
    exact = maximal_coverage(sp.csr_array(dense), w, 2)
    assert exact.objective == 10.0
    greedy = greedy_maximal_coverage(sp.csr_array(dense), w, 2, bound=exact.bound, lp_bound=False)
    assert greedy.selected.tolist() == [2, 0]
    assert greedy.objective == 8.0
    assert greedy.bound == 10.0
    assert greedy.gap == pytest.approx(0.25)
    assert greedy.status == "heuristic"


# ----------------------------------------------------------------------------- input handling


def test_coverage_from_distances_keeps_stored_zero_distance() -> None:
    dist = sp.csr_array((np.array([0.0, 800.0, 1200.0]), ([0, 1, 1], [0, 0, 1])), shape=(2, 2))
    cov = coverage_from_distances(dist, 1000.0)
    assert cov.toarray().tolist() == [[True, False], [True, False]]


def test_distance_matrix_passed_as_coverage_is_rejected() -> None:
    dist = sp.csr_array(np.array([[0.0, 734.5], [12.0, 0.0]]))
    with pytest.raises(InputDataError, match="coverage_from_distances"):
        maximal_coverage(dist, np.ones(2), 1)


def test_bad_weights_are_named() -> None:
    with pytest.raises(InputDataError, match="index 1"):
        maximal_coverage(sp.csr_array(np.eye(2)), np.array([1.0, -3.0]), 1)
    with pytest.raises(InputDataError, match="3 values"):
        maximal_coverage(sp.csr_array(np.eye(2)), np.ones(3), 1)
    with pytest.raises(InputDataError, match="target"):
        set_cover(sp.csr_array(np.eye(2)), np.ones(2), 1.5)
    with pytest.raises(InputDataError, match="n_new"):
        maximal_coverage(sp.csr_array(np.eye(2)), np.ones(2), -1)


def test_dense_and_csc_inputs_agree() -> None:
    inst = random_instance(3)
    a = maximal_coverage(inst["dense"], inst["w"], 2)
    b = maximal_coverage(sp.csc_array(inst["dense"].astype(float)), inst["w"], 2)
    assert a.objective == b.objective
    assert a.selected.tolist() == b.selected.tolist()


def test_solving_prints_nothing_on_stdout() -> None:
    code = (
        "import numpy as np, scipy.sparse as sp\n"
        "from planning.siting import maximal_coverage\n"
        "maximal_coverage(sp.csr_array(np.eye(3, dtype=bool)), np.ones(3), 2)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == ""


# ----------------------------------------------------------------------------- grid candidates


def test_grid_candidates_centres_of_occupied_cells() -> None:
    xy = np.array([[10.0, 10.0], [20.0, 30.0], [260.0, 10.0], [250.0, 5.0]])
    got = grid_candidates(xy, 100.0)
    # origin floors to (0, 0): cells (0,0) and (2,0) are occupied
    assert got.tolist() == [[50.0, 50.0], [250.0, 50.0]]
    assert grid_candidates(np.zeros((0, 2)), 100.0).shape == (0, 2)
    with pytest.raises(InputDataError, match="spacing_m"):
        grid_candidates(xy, 0.0)
    with pytest.raises(InputDataError, match="not finite"):
        grid_candidates(np.array([[math.nan, 1.0]]), 10.0)


def test_fractional_lp_goes_through_branch_and_bound() -> None:
    # 5-cycle: site j covers demand j and j+1. Covering all five needs 3 sites, while the LP
    # relaxation opens every site at 1/2 (value 2.5), so the LP shortcut cannot apply.
    from planning.siting.highs import solve_model
    from planning.siting.milp import build_model
    from planning.siting.prepare import prepare_instance
    from planning.siting.reduction import reduce_instance

    dense = np.zeros((5, 5), bool)
    for j in range(5):
        dense[j, j] = dense[(j + 1) % 5, j] = True
    res = set_cover(sp.csr_array(dense), np.ones(5), 1.0)
    assert res.objective == 3
    assert res.bound == 3
    assert res.status == "optimal"
    red = reduce_instance(prepare_instance(sp.csr_array(dense), np.ones(5)))
    model = build_model(
        red.a,
        red.w,
        kind="min_sites",
        y_lower=red.y_lower,
        counted=red.counted,
        target=5.0 - 1e-9,
        tie_break=False,
    )
    lp = solve_model(model, time_limit_s=10, relax=True)
    assert lp.objective == pytest.approx(2.5)
    mip = solve_model(model, time_limit_s=10)
    assert mip.via == "mip"
    assert mip.objective == pytest.approx(3.0)
