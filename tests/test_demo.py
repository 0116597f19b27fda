"""`eldercare demo` on the bundled sample district: outputs agree with each other."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from planning.cli import main
from planning.project import SAMPLE_GPKG


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["--quiet", "demo", "--out", str(out)]) == 0
    return out


def test_demo_writes_every_output(demo_dir):
    for name in (
        "results.gpkg",
        "estates.csv",
        "streets.csv",
        "audit.xlsx",
        "summary.json",
        "gap_map.html",
        "gap_map.png",
        "report.html",
    ):
        assert (demo_dir / name).stat().st_size > 0, name
    assert (demo_dir / "gap_map.html").stat().st_size < 5_000_000


def test_summary_agrees_with_the_estate_table(demo_dir):
    table = pd.read_csv(demo_dir / "estates.csv", encoding="utf-8-sig")
    summary = json.loads((demo_dir / "summary.json").read_text(encoding="utf-8"))
    totals = summary["totals"]
    assert totals["estates"] == len(table)
    assert totals["households"] == table["households"].sum()
    for tier in summary["tiers"]:
        covered = table.loc[table[f"covered_{tier}"], "households"].sum()
        assert totals["households_covered"][tier] == covered
        assert totals["coverage"][tier] == pytest.approx(
            covered / table["households"].sum(), abs=1e-4
        )
        # covered exactly when a facility lies within the tier distance
        distance = summary["parameters"]["tiers_m"][tier]
        assert (table[f"covered_{tier}"] == (table[f"walk_{tier}_m"] <= distance)).all()
    below = ~table["area_ok"].astype(bool)
    assert totals["estates_area_below_figure"] == int(below.sum())
    assert totals["estates_area_failing"] == int((below & table["area_judged"]).sum())
    assert totals["shortfall_m2"] == pytest.approx(table["shortfall_m2"].sum(), abs=0.1)
    assert totals["verdicts"] == table["verdict"].value_counts().sort_index().to_dict()
    # per-street households add up to the total
    streets = pd.read_csv(demo_dir / "streets.csv", encoding="utf-8-sig")
    assert streets["households"].sum() == table["households"].sum()


def test_one_estate_by_hand(demo_dir):
    """Re-derive one estate's figures from the raw sample layers."""
    table = pd.read_csv(demo_dir / "estates.csv", encoding="utf-8-sig").set_index("estate_id")
    estates = gpd.read_file(SAMPLE_GPKG, layer="estates").set_index("estate_id")
    facilities = gpd.read_file(SAMPLE_GPKG, layer="facilities").set_index("facility_id")
    gates = gpd.read_file(SAMPLE_GPKG, layer="gates")
    summary = json.loads((demo_dir / "summary.json").read_text(encoding="utf-8"))
    rates = {r["rule_id"]: r for r in summary["rules"]}
    assert rates  # the rules are recorded
    # an estate with an on-site (linked) community facility
    linked = facilities[
        facilities["estate_id"].notna()
        & facilities["kind"].isin(["community_station", "street_centre"])
    ]
    estate_id = sorted(set(linked["estate_id"]) & set(table.index))[0]
    row = table.loc[estate_id]
    rate = 20.0 if estates.loc[estate_id, "status"] == "new" else 15.0
    required = estates.loc[estate_id, "households"] * rate / 100
    own = linked.loc[linked["estate_id"] == estate_id, "floor_m2"].sum()
    assert row["required_m2"] == pytest.approx(required, abs=0.01)
    assert row["onsite_m2"] == pytest.approx(min(own, required), abs=0.01)
    assert row["shortfall_m2"] == pytest.approx(
        max(0.0, required - row["onsite_m2"] - row["shared_m2"]), abs=0.01
    )
    # walking distance is at least the straight line from the nearest gate to the facility
    if isinstance(row["nearest_facility_id"], str):
        fac = facilities.loc[row["nearest_facility_id"]].geometry
        own_gates = gates[gates["estate_id"] == estate_id].geometry
        straight = (
            min(g.distance(fac) for g in own_gates)
            if len(own_gates)
            else estates.loc[estate_id].geometry.distance(fac)
        )
        assert row["walk_m"] >= straight - 1e-6
        assert np.isfinite(row["walk_m"])
