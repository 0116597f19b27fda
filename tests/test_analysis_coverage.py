import numpy as np
import pandas as pd
import pytest

from planning.analysis.coverage import best_per_group, coverage_share, speed_sensitivity


def test_best_gate_wins_and_ties_take_lower_target():
    d, t = best_per_group(
        np.array([400.0, 250.0, 250.0, np.inf, 900.0]),
        np.array([3, 5, 2, -1, 1]),
        np.array([0, 0, 0, 1, 2]),
        4,
    )
    assert d.tolist() == [250.0, np.inf, 900.0, np.inf]
    assert t.tolist() == [2, -1, 1, -1]


def test_coverage_share_per_street_ignores_unknown_weights():
    out = coverage_share(
        np.array([True, False, True, True]),
        np.array([100.0, 300.0, np.nan, 50.0]),
        ["A", "A", "B", "B"],
    )
    assert out.loc["A", "share"] == pytest.approx(0.25)
    assert out.loc["B", "share"] == pytest.approx(1.0)
    assert out.loc["B", "total"] == 50.0


def test_speed_sensitivity_distances_are_minutes_times_speed():
    t = speed_sensitivity(
        np.array([600.0, 700.0, 950.0, np.inf]),
        np.array([1.0, 1.0, 1.0, 1.0]),
        15,
        [0.67, 0.8, 1.0, 1.1],
    )
    assert t["distance_m"].tolist() == pytest.approx([603.0, 720.0, 900.0, 990.0])
    assert t["coverage"].tolist() == [0.25, 0.5, 0.5, 0.75]
    assert isinstance(t, pd.DataFrame)
