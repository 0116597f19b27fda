"""The maps drawn from a real audit of the bundled sample district (end to end)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from planning.maps import write_all


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import planning.project as project
    from planning.sample import write_sample_district

    src = tmp_path_factory.mktemp("sample")
    write_sample_district(src)
    mp = pytest.MonkeyPatch()
    mp.setattr(project, "SAMPLE_GPKG", src / "sample_district.gpkg")
    try:
        spec = project.demo_spec(out=tmp_path_factory.mktemp("out") / "results")
        out = Path(project.run_project_audit(spec))
    finally:
        mp.undo()
    return out


def test_every_output_from_a_real_audit(audited: Path):
    out = write_all(audited, lang="zh", basemap="none", pdf=False)
    assert set(out) == {"gap_map.html", "gap_map.png", "report.html"}
    summary = json.loads((audited / "summary.json").read_text(encoding="utf-8"))
    page = out["gap_map.html"].read_text(encoding="utf-8")
    data = re.search(r'id="gap-data">(.*?)</script>', page, re.S)
    assert data is not None
    payload = json.loads(data.group(1))
    assert len(payload["estates"]["id"]) == summary["totals"]["estates"]
    assert payload["has"]["network"]  # the offline base map has streets
    assert len(payload["legend"]["tiers"]) == len(summary["tiers"])  # a layer per circle
    assert page.count("GapMap.geoJson(") >= 2 + 2 * len(summary["tiers"])
    report = out["report.html"].read_text(encoding="utf-8")
    assert f"{summary['totals']['households']:,}" in report
    for rule in summary["rules"]:
        assert f"data-rule='{rule['rule_id']}'" in report
