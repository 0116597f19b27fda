"""The audit on real, messy data: central Shanghai (BD-09 compounds, GCJ-02 facilities, OSM XML)."""

import json
from pathlib import Path

import pandas as pd
import pytest

from planning.cli import main
from planning.cli.options import parse_coords

REAL = Path(__file__).resolve().parents[2] / "shared" / "real" / "shanghai-central"
pytestmark = pytest.mark.skipif(not REAL.exists(), reason="../shared/real is not laid out here")


def test_parse_coords_per_layer():
    assert parse_coords(["bd09"]) == "bd09"
    assert parse_coords(["estates=bd09", "facilities=gcj02"]) == {
        "estates": "bd09",
        "facilities": "gcj02",
        "gates": "wgs84",
        "streets": "wgs84",
    }
    assert parse_coords(["gcj02", "estates=bd09"])["gates"] == "gcj02"


def test_parse_coords_rejects_unknown_values():
    from planning._errors import InputFileError

    with pytest.raises(InputFileError, match="unknown coordinate system"):
        parse_coords(["baidu"])
    with pytest.raises(InputFileError, match="unknown layer"):
        parse_coords(["roads=bd09"])


def test_shanghai_audit_with_mixed_coordinate_systems(tmp_path, caplog):
    out = tmp_path / "sh"
    code = main(
        [
            "--quiet", "audit",
            "--estates", str(REAL / "compounds.csv"), "--facilities", str(REAL / "facilities.csv"),
            "--coords", "estates=bd09", "--coords", "facilities=gcj02",
            "--network", str(REAL / "network.osm"), "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    table = pd.read_csv(out / "estates.csv", encoding="utf-8-sig")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    # 487 compounds, of which 79 carry households: the rest are dropped with a report
    assert len(table) == 79
    assert summary["totals"]["households"] == table["households"].sum()
    # compounds farther than 300 m from the network are unreachable, never silently snapped
    unreachable = table[~table["reachable"]]
    assert 0 < len(unreachable) < len(table)
    assert unreachable["walk_15min_m"].isna().all()
    assert not unreachable["covered_15min"].any()
    assert summary["totals"]["estates_unreachable"] == len(unreachable)
    assert summary["parameters"]["network"]["n_components"] >= 1
