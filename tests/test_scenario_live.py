"""The live what-if engine (LiveAudit) on the mini city: hand-computed changes, and every sequence
of changes gives exactly the figures of a full re-audit of the changed inputs."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planning
from planning.scenario import apply_scenario
from planning.scenario.live import LiveAudit
from tests.minicity import CRS, X0, Y0, minicity_layers


def lonlat(x: float, y: float) -> tuple[float, float]:
    point = gpd.GeoSeries([shapely.Point(X0 + x, Y0 + y)], crs=CRS).to_crs(4326).iloc[0]
    return float(point.x), float(point.y)


@pytest.fixture(scope="module")
def city():
    layers = minicity_layers()
    inputs = planning.load_inputs(layers["estates"], layers["facilities"],
                                  streets=layers["streets"])  # fmt: skip
    net = planning.load_network(layers["roads"], crs=inputs, barriers=layers["river"])
    result = planning.audit(inputs, net, "national")
    return inputs, net, result


@pytest.fixture
def live(city):
    return LiveAudit(city[2])


FIGURE_COLUMNS = ["walk_5min_m", "walk_10min_m", "walk_15min_m", "walk_any_m", "required_m2",
                  "onsite_m2", "shared_m2", "provided_m2", "shortfall_m2", "land_required_m2",
                  "land_provided_m2"]  # fmt: skip
FLAG_COLUMNS = ["covered_5min", "covered_10min", "covered_15min", "verdict", "area_ok", "land_ok"]


def assert_same_estates(got: pd.DataFrame, want: pd.DataFrame) -> None:
    got = got.set_index("estate_id").sort_index()
    want = want.set_index("estate_id").sort_index()
    assert list(got.index) == list(want.index)
    for column in FIGURE_COLUMNS:
        np.testing.assert_allclose(
            got[column].to_numpy(float), want[column].to_numpy(float), atol=1e-6, err_msg=column
        )
    for column in FLAG_COLUMNS:
        assert got[column].astype(object).tolist() == want[column].astype(object).tolist(), column


TOTAL_KEYS = ["households_covered", "coverage", "estates_area_failing", "shortfall_m2",
              "provided_m2", "verdicts", "uncovered_by_distance", "walk_speed_sensitivity"]  # fmt: skip


def test_the_base_is_the_audit(live, city):
    result = city[2]
    assert_same_estates(live.scenarios["base"].estates, result.estates)
    for key in TOTAL_KEYS:
        assert live.scenarios["base"].totals[key] == result.totals[key], key


def test_a_station_beside_the_uncovered_estate_covers_it(live):
    # E6 (1990, 450) is 1,070 m from F2; a station at (1990, 420) is 50 + 20 = 70 m away.
    answer = live.add("s1", *lonlat(1990, 420), "community_station", 200)
    estates = live.scenarios["s1"].estates.set_index("estate_id")
    assert estates.loc["E6", "walk_m"] == pytest.approx(70.0, abs=0.05)
    assert estates.loc["E6", "verdict"] == "ok"
    assert answer["totals"]["households_covered"]["15min"] == 4400
    assert answer["totals"]["coverage"]["15min"] == 1.0
    # E6 is 5 min away now too: 1,600 households within 300 m (E1 1,000 + E6 600)
    assert answer["totals"]["households_covered"]["5min"] == 1600
    assert [c["estate_id"] for c in answer["changed"]] == ["E6"]
    assert answer["changed"][0]["before"] == "outside_circle"
    assert answer["facility_id"].startswith("ADD-s1-")


def test_removing_it_restores_the_base_exactly(live):
    base = live.scenarios["base"]
    added = live.add("s1", *lonlat(1990, 420), "community_station", 200)
    answer = live.remove("s1", added["facility_id"])
    assert answer["totals"] == base.totals
    assert answer["changed"] == []
    pd.testing.assert_frame_equal(
        pd.DataFrame(live.scenarios["s1"].estates.drop(columns="geometry")),
        pd.DataFrame(base.estates.drop(columns="geometry")),
    )


def test_closing_the_shared_station_takes_the_share_away(live):
    # E2 takes 75 m² of F1's surplus (E1 owns F1); with F1 closed E1 and E2 are both short and
    # neither is within a circle of F1 any more.
    live.remove("c", "F1")
    estates = live.scenarios["c"].estates.set_index("estate_id")
    assert estates.loc["E2", "shared_m2"] == 0.0
    assert estates.loc["E1", "onsite_m2"] == 0.0
    assert estates.loc["E1", "nearest_15min_id"] != "F1"
    assert live.scenarios["c"].closed == {"F1"}


def test_a_name_that_cannot_name_a_folder_is_refused(live):
    with pytest.raises(planning.PlanningError, match="letters, digits"):
        live.scenario("../x", create=True)
    assert "../x" not in live.scenarios


def full_audit(city, live: LiveAudit, name: str):
    inputs, net, _ = city
    changed = apply_scenario(inputs, live.as_scenario(name))
    return planning.audit(changed, net, "national")


# Points along and beside both banks (x, y in metres of the mini city).
POINTS = st.tuples(st.sampled_from([50.0, 300.0, 700.0, 1000.0, 1400.0, 1800.0, 1990.0]),
                   st.sampled_from([-40.0, -20.0, 20.0, 380.0, 420.0, 460.0]))  # fmt: skip
KINDS = st.sampled_from(["community_station", "street_centre", "institution"])
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), POINTS, KINDS, st.sampled_from([0.0, 80.0, 300.0, 2000.0])),
        st.tuples(st.just("remove"), st.integers(0, 5)),
        st.tuples(st.just("move"), st.integers(0, 5), POINTS),
    ),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_any_changes_equal_a_full_re_audit(city, steps):
    live = LiveAudit(city[2])
    for step in steps:
        state = live.scenario("p", create=True)
        open_ids = state.facilities["facility_id"].astype(str)[state.alive].tolist()
        if step[0] == "add":
            _, (x, y), kind, floor = step
            live.add("p", *lonlat(x, y), kind, floor)
        elif step[0] == "remove" and open_ids:
            live.remove("p", open_ids[step[1] % len(open_ids)])
        elif step[0] == "move" and open_ids:
            x, y = step[2]
            live.move("p", open_ids[step[1] % len(open_ids)], *lonlat(x, y))
    full = full_audit(city, live, "p")
    assert_same_estates(live.scenarios["p"].estates, full.estates)
    for key in TOTAL_KEYS:
        assert live.scenarios["p"].totals[key] == full.totals[key], key
