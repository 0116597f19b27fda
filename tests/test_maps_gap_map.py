"""The interactive gap map's page and payload (planning.maps.gap_map), without a browser."""

from __future__ import annotations

import json
import math
import re
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

import planning
from planning._errors import ResultsError
from planning._templates import script_json
from planning.maps import MapOptionsError, render_gap_map
from planning.maps.basemaps import KEY_ENV
from planning.maps.gap_map import build_payload
from planning.maps.labels import check_lang
from planning.maps.results import load_results

try:
    from tests.results_fixture import write_results
except ImportError:  # tests/ on sys.path (pytest's default rootdir handling)
    from results_fixture import write_results


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_results(tmp_path_factory.mktemp("res"), 30)


def _none(v: object) -> object:
    return None if isinstance(v, float) and math.isnan(v) else v


def test_payload_matches_estates_csv(results_dir: Path):
    payload = build_payload(load_results(results_dir), check_lang("zh"), _basemap("none"))
    csv = pd.read_csv(results_dir / "estates.csv", encoding="utf-8-sig", dtype={"street": str})
    e = payload["estates"]
    assert e["id"] == csv["estate_id"].tolist()
    assert e["households"] == csv["households"].tolist()
    assert e["required_m2"] == [round(v, 1) for v in csv["required_m2"]]
    assert e["shortfall_m2"] == [round(v, 1) for v in csv["shortfall_m2"]]
    walk15 = [_none(round(v, 1)) for v in csv["walk_15min_m"]]
    assert e["walk_15min"] == walk15
    keys = ["ok", "area_shortfall", "outside_circle", "both"]
    assert [keys[i] for i in e["verdict"]] == csv["verdict"].tolist()
    # 5 columns of figures per estate and a polygon each
    assert all(isinstance(g[0][0], list) for g in e["geom"])


def test_headline_figures_come_from_summary(results_dir: Path):
    payload = build_payload(load_results(results_dir), check_lang("en"), _basemap("none"))
    summary = json.loads((results_dir / "summary.json").read_text(encoding="utf-8"))
    rows = dict(payload["title"]["rows"])
    assert rows["Estates"] == "30"
    assert rows["Households"] == f"{summary['totals']['households']:,}"
    cov = summary["totals"]["coverage"]["15min"]
    assert rows["15-minute coverage of households"] == f"{cov * 100:.1f}%"
    assert rows["Total shortfall (m²)"] == f"{summary['totals']['shortfall_m2']:,.1f}"
    assert payload["title"]["ruleset"] == "Ruleset: Shuangyashan (shuangyashan)"


def _basemap(name: str):
    from planning.maps.basemaps import resolve_basemap

    return resolve_basemap(name, tianditu_key_value="abcdef0123456789")


def test_script_json_cannot_close_the_script_element():
    payload = {"name": '</script><script>alert(1)</script>"><img src=x onerror=alert(2)>&amp;'}
    raw = script_json(payload)
    assert "<" not in raw
    assert ">" not in raw
    assert "&" not in raw
    assert json.loads(raw) == payload


def test_offline_page_loads_nothing_from_outside(results_dir: Path, tmp_path: Path):
    out = render_gap_map(results_dir, tmp_path / "m.html")
    page = out.read_text(encoding="utf-8")
    assert re.search(r"<script[^>]*\bsrc=", page) is None
    assert "<link" not in page
    assert "url(images/" not in page  # Leaflet's CSS images were inlined or removed
    assert "sourceMappingURL" not in page
    assert "tile.openstreetmap.org" not in page
    # the data element holds valid JSON whose estates equal the folder's
    data = re.search(r'<script type="application/json" id="gap-data">(.*?)</script>', page, re.S)
    assert data is not None
    assert len(json.loads(data.group(1))["estates"]["id"]) == 30


def test_default_output_path_and_no_temp_files(results_dir: Path):
    out = render_gap_map(results_dir)
    assert out == results_dir / "gap_map.html"
    assert not list(results_dir.glob(".*.tmp"))


def test_tianditu_needs_a_key(results_dir: Path, tmp_path: Path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setattr(planning.settings, "tianditu_key", None, raising=False)
    with pytest.raises(MapOptionsError, match=KEY_ENV):
        render_gap_map(results_dir, tmp_path / "m.html", basemap="tianditu")
    monkeypatch.setenv(KEY_ENV, "0123456789abcdef0123456789abcdef")
    page = render_gap_map(results_dir, tmp_path / "m.html", basemap="tianditu").read_text("utf-8")
    assert "tk=0123456789abcdef0123456789abcdef" in page
    assert "vec_w" in page
    assert "cva_w" in page
    with pytest.raises(MapOptionsError, match="letters and digits"):
        render_gap_map(results_dir, tmp_path / "m.html", basemap="tianditu", tianditu_key='x"y')


def test_option_errors(results_dir: Path, tmp_path: Path):
    with pytest.raises(MapOptionsError, match="offline=True"):
        render_gap_map(results_dir, tmp_path / "m.html", basemap="osm", offline=True)
    with pytest.raises(MapOptionsError, match="google"):
        render_gap_map(results_dir, tmp_path / "m.html", basemap="google")
    with pytest.raises(MapOptionsError, match="lang"):
        render_gap_map(results_dir, tmp_path / "m.html", lang="fr")
    page = render_gap_map(results_dir, tmp_path / "m.html", basemap="osm").read_text("utf-8")
    assert "tile.openstreetmap.org" in page


def test_amap_shifts_every_overlay_to_gcj02(results_dir: Path, monkeypatch):
    fake = types.ModuleType("planning.coords")

    def wgs84_to_gcj02(lon, lat):
        return lon + 0.001, lat + 0.002

    fake.wgs84_to_gcj02 = wgs84_to_gcj02  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "planning.coords", fake)
    monkeypatch.setattr(planning, "coords", fake, raising=False)
    res = load_results(results_dir)
    plain = build_payload(res, check_lang("zh"), _basemap("none"))
    gcj = build_payload(res, check_lang("zh"), _basemap("amap"))

    def first_vertex(p, key):
        o = p["origin"]
        g = p[key]["geom"][0]
        flat = g[0][0] if isinstance(g[0], list) else g
        return flat[0] + o[0], flat[1] + o[1]

    for key in ("estates", "facilities", "streets"):
        (x0, y0), (x1, y1) = first_vertex(plain, key), first_vertex(gcj, key)
        assert abs(x1 - x0 - 1000) <= 1, key
        assert abs(y1 - y0 - 2000) <= 1, key
    assert gcj["bounds"][0][0] == pytest.approx(plain["bounds"][0][0] + 0.002, abs=2e-6)
    assert "autonavi" in gcj["basemap"]["tiles"][0]["url"]


def test_optional_layers_absent(tmp_path: Path):
    folder = write_results(tmp_path / "r", 9, with_proposals=False, with_barriers=False)
    payload = build_payload(load_results(folder), check_lang("zh"), _basemap("none"))
    assert payload["proposals"] is None
    assert payload["barriers"] == []
    assert payload["network"]  # the network is still drawn


def test_point_estates(tmp_path: Path):
    folder = write_results(tmp_path / "r", 9, point_estates=True)
    payload = build_payload(load_results(folder), check_lang("zh"), _basemap("none"))
    assert all(len(g) == 2 and isinstance(g[0], int) for g in payload["estates"]["geom"])


def test_missing_files_raise_results_error(tmp_path: Path):
    with pytest.raises(ResultsError, match="results folder not found"):
        render_gap_map(tmp_path / "nope")
    folder = write_results(tmp_path / "r", 4)
    (folder / "summary.json").unlink()
    with pytest.raises(ResultsError, match=r"summary\.json is missing"):
        render_gap_map(folder)
    folder = write_results(tmp_path / "r2", 4)
    (folder / "summary.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ResultsError, match="cannot be read as JSON"):
        render_gap_map(folder)


def test_missing_layer_raises_results_error(tmp_path: Path):
    import pyogrio

    folder = write_results(tmp_path / "r", 4)
    gpkg = folder / "results.gpkg"
    import geopandas as gpd

    keep = {n: gpd.read_file(gpkg, layer=n) for n, _ in pyogrio.list_layers(gpkg) if n != "streets"}
    gpkg.unlink()
    for name, layer in keep.items():
        layer.to_file(gpkg, layer=name, driver="GPKG")
    with pytest.raises(ResultsError, match="streets missing"):
        render_gap_map(folder)


def test_25k_estates_stay_under_30_mb(tmp_path: Path):
    folder = write_results(tmp_path / "big", 25_000)
    out = render_gap_map(folder)
    size = out.stat().st_size
    assert size < 30 * 1024 * 1024
    assert size > 1_000_000  # the estates really are in it


def test_amap_uses_planning_coords(results_dir: Path):
    import numpy as np

    from planning import coords

    res = load_results(results_dir)
    plain = build_payload(res, check_lang("zh"), _basemap("none"))
    gcj = build_payload(res, check_lang("zh"), _basemap("amap"))
    o0, o1 = plain["origin"], gcj["origin"]
    x, y = plain["facilities"]["geom"][0]
    lon, lat = (x + o0[0]) / 1e6, (y + o0[1]) / 1e6
    glon, glat = coords.wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    gx, gy = gcj["facilities"]["geom"][0]
    # near Shanghai the GCJ-02 offset is a few hundred metres; the page must carry it exactly
    assert abs((gx + o1[0]) - round(float(glon[0]) * 1e6)) <= 1
    assert abs((gy + o1[1]) - round(float(glat[0]) * 1e6)) <= 1
    assert abs(gx + o1[0] - (x + o0[0])) > 1000  # really shifted (> ~0.001°)


def test_large_network_becomes_one_image_in_the_right_place(results_dir: Path, monkeypatch):
    """Above the vector limit the offline base layer is a PNG whose bounds are the network's."""
    import base64
    import io

    import geopandas as gpd
    from PIL import Image

    from planning.maps import gap_map, raster
    from planning.maps.basemaps import resolve_basemap
    from planning.maps.results import load_results

    monkeypatch.setattr(gap_map, "NETWORK_VECTOR_LIMIT", 1)
    results = load_results(results_dir)
    payload = gap_map.build_payload(results, "zh", resolve_basemap("none"))
    assert payload["network"] == []
    picture = payload["network_image"]
    assert picture["uri"].startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(picture["uri"].split(",", 1)[1])))
    assert max(image.size) == raster.NETWORK_IMAGE_PX
    assert image.getextrema()[3][1] == 255  # some lines were drawn (alpha channel)
    west, south, east, north = results.layer("network").to_crs(4326).total_bounds
    (s, w), (n, e) = picture["bounds"]
    assert s == pytest.approx(south, abs=1e-6)
    assert w == pytest.approx(west, abs=1e-6)
    assert n == pytest.approx(north, abs=1e-6)
    assert e == pytest.approx(east, abs=1e-6)
    assert isinstance(results.layer("network"), gpd.GeoDataFrame)


def test_service_areas_lose_small_holes_only():
    from shapely.geometry import Polygon

    from planning.maps.gap_map import MIN_HOLE_M2, _without_small_holes

    outer = [(0, 0), (1000, 0), (1000, 1000), (0, 1000)]
    small = [(10, 10), (20, 10), (20, 20), (10, 20)]  # 100 m²
    big = [(500, 500), (600, 500), (600, 600), (500, 600)]  # 10,000 m²
    kept = _without_small_holes(Polygon(outer, [small, big]))
    assert len(kept.interiors) == 1
    assert Polygon(kept.interiors[0]).area >= MIN_HOLE_M2
