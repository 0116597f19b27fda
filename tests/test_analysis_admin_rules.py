import numpy as np
import pandas as pd
import pytest

from planning.analysis.admin_rules import (
    count_per_unit,
    judge,
    nursing_bed_share,
    street_centre_coverage,
)


def test_judge():
    assert judge(60.0, 60.0, False) == "pass"
    assert judge(59.99, 60.0, False) == "fail"
    assert judge(float("nan"), 60.0, False) == "no_data"
    assert judge(10.0, None, True) == "report"


def test_street_centre_coverage_counts_streets_with_one():
    streets = pd.DataFrame({"street_id": ["S1", "S2", "S3", "S4"]})
    fac = pd.DataFrame(
        {
            "facility_id": ["a", "b", "c", "d"],
            "kind": ["street_centre", "street_centre", "community_station", "street_centre"],
            "street_id": ["S1", "S1", "S2", None],
        }
    )
    share, counts, ids = street_centre_coverage(streets, fac, ["street_centre"])
    assert share == pytest.approx(25.0)
    assert counts.to_dict() == {"S1": 2, "S2": 0, "S3": 0, "S4": 0}
    assert ids == ["a", "b"]


def test_count_per_unit_reports_zero_for_empty_county():
    fac = pd.DataFrame({"kind": ["institution", "institution"], "county": ["X", "X"]})
    counts = count_per_unit(pd.Series(["X", "Y", "X"]), fac, ["institution"])
    assert counts.to_dict() == {"X": 2, "Y": 0}


def test_nursing_share_skips_unknown_beds():
    fac = pd.DataFrame(
        {
            "facility_id": ["a", "b", "c"],
            "kind": ["institution", "institution", "community_station"],
            "beds": [200.0, np.nan, 10.0],
            "nursing_beds": [120.0, 50.0, 10.0],
        }
    )
    share, ids = nursing_bed_share(fac, ["institution"])
    assert share == pytest.approx(60.0)
    assert ids == ["a"]
