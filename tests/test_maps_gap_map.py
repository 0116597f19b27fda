"""The gap map as a folium map (planning.maps.gap_map), without a browser."""

from __future__ import annotations

import json
import math
import re
import sys
import types
from pathlib import Path

import folium
import pandas as pd
import pytest

import planning
from planning._errors import ResultsError
from planning._templates import script_json
from planning.maps import MapOptionsError, build_gap_map, render_gap_map
from planning.maps.basemaps import KEY_ENV
from planning.maps.elements import AppAssets, CompactGeoJson
from planning.maps.labels import OUTSIDE_OUTLINE, VERDICT_COLOURS, text
from planning.maps.offline import _walk
from planning.maps.results import load_results

try:
    from tests.results_fixture import write_results
except ImportError:  # tests/ on sys.path (pytest's default rootdir handling)
    from results_fixture import write_results


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_results(tmp_path_factory.mktemp("res"), 30)


def _data(m: folium.Map) -> dict:
    return next(e for e in _walk(m) if isinstance(e, AppAssets)).payload


def _layer(m: folium.Map, name: str) -> CompactGeoJson:
    return next(e for e in _walk(m) if isinstance(e, CompactGeoJson) and e.layer_name == name)


def _none(v: object) -> object:
    return None if isinstance(v, float) and math.isnan(v) else v


def test_build_returns_a_folium_map_with_folium_layers(results_dir: Path):
    m = build_gap_map(results_dir)
    assert isinstance(m, folium.Map)
    estates = _layer(m, text("estates", "zh"))
    assert isinstance(estates, folium.GeoJson)  # a GeoJson layer with a style function
    names = [c.layer_name for c in m._children.values() if isinstance(c, folium.map.Layer)]
    assert text("facilities", "zh") in names
    assert text("gap_layer", "zh") in names
    assert any(isinstance(c, folium.LayerControl) for c in m._children.values())


def test_estate_styles_follow_the_verdict(results_dir: Path):
    m = build_gap_map(results_dir)
    csv = pd.read_csv(results_dir / "estates.csv", encoding="utf-8-sig")
    spec = _layer(m, text("estates", "zh")).spec()
    styles = [spec["styles"][i] for i in spec["style"]]
    assert [s["fillColor"] for s in styles] == [VERDICT_COLOURS[v] for v in csv["verdict"]]
    outside = csv["verdict"].isin(["outside_circle", "both"]).tolist()
    assert [s["color"] == OUTSIDE_OUTLINE for s in styles] == outside
    assert len(spec["geoms"]) == len(csv)  # every estate drawn


def test_payload_matches_estates_csv(results_dir: Path):
    e = _data(build_gap_map(results_dir))["estates"]
    csv = pd.read_csv(results_dir / "estates.csv", encoding="utf-8-sig", dtype={"street": str})
    assert e["id"] == csv["estate_id"].tolist()
    assert e["households"] == csv["households"].tolist()
    assert e["required_m2"] == [round(v, 1) for v in csv["required_m2"]]
    assert e["shortfall_m2"] == [round(v, 1) for v in csv["shortfall_m2"]]
    assert e["walk_15min"] == [_none(round(v, 1)) for v in csv["walk_15min_m"]]
    keys = ["ok", "area_shortfall", "outside_circle", "both"]
    assert [keys[i] for i in e["verdict"]] == csv["verdict"].tolist()
    assert len(e["label"]) == len(csv)


def test_title_box_counts_what_lies_outside_the_circle(results_dir: Path):
    data = _data(build_gap_map(results_dir, lang="en"))
    summary = json.loads((results_dir / "summary.json").read_text(encoding="utf-8"))
    csv = pd.read_csv(results_dir / "estates.csv", encoding="utf-8-sig")
    rows = dict(data["title"]["rows"])
    assert rows["Estates"] == "30"
    assert rows["Households"] == f"{summary['totals']['households']:,}"
    outside = ~csv["covered_15min"].astype(bool)
    assert (
        rows["Households outside the 15-minute circle"]
        == f"{csv.loc[outside, 'households'].sum():,}"
    )
    assert rows["Estates outside the 15-minute circle"] == str(int(outside.sum()))
    cov = summary["totals"]["coverage"]["15min"]
    assert rows["15-minute coverage of households"] == f"{cov * 100:.1f}%"
    assert data["title"]["ruleset"] == "Ruleset: Shuangyashan (shuangyashan)"


def test_gap_hexagons_hold_every_household_outside_the_circle(results_dir: Path):
    data = _data(build_gap_map(results_dir))
    csv = pd.read_csv(results_dir / "estates.csv", encoding="utf-8-sig")
    outside = ~csv["covered_15min"].astype(bool)
    assert sum(data["gap"]["households_outside"]) == csv.loc[outside, "households"].sum()
    assert sum(data["gap"]["estates_outside"]) == int(outside.sum())
    assert data["legend"]["gap"]  # the classes are in the legend


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
    for host in ("cdn.jsdelivr.net", "code.jquery.com", "cdnjs.cloudflare.com", "netdna"):
        assert host not in page, host
    assert "url(images/" not in page  # Leaflet's CSS images were inlined or removed
    assert "sourceMappingURL" not in page
    assert "MarkerClusterGroup" in page  # the clusters' script, inlined
    data = re.search(r'<script type="application/json" id="gap-data">(.*?)</script>', page, re.S)
    assert data is not None
    assert len(json.loads(data.group(1))["estates"]["id"]) == 30


def test_a_link_the_tool_does_not_ship_is_refused(results_dir: Path):
    from folium.plugins import Fullscreen

    m = build_gap_map(results_dir)
    Fullscreen().add_to(m)  # a notebook user's addition that would load from a CDN
    with pytest.raises(MapOptionsError, match="not shipped"):
        m.get_root().render()


def test_template_syntax_in_names_stays_text(tmp_path: Path):
    names = {0: "甲{{ 7*7 }}乙", 1: "{% if x %}丙{% endif %}", 2: "{# 注释 #}"}
    folder = write_results(tmp_path / "r", 9, names=names)
    page = render_gap_map(folder).read_text(encoding="utf-8")
    data = re.search(r'<script type="application/json" id="gap-data">(.*?)</script>', page, re.S)
    assert data is not None
    assert json.loads(data.group(1))["estates"]["name"][:3] == list(names.values())


def test_same_results_same_bytes(results_dir: Path, tmp_path: Path):
    first = render_gap_map(results_dir, tmp_path / "a.html").read_bytes()
    second = render_gap_map(results_dir, tmp_path / "b.html").read_bytes()
    assert first == second


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


def test_online_basemap_keeps_the_offline_network_as_an_overlay(results_dir: Path):
    m = build_gap_map(results_dir, basemap="osm")
    page = m.get_root().render()
    assert "tile.openstreetmap.org" in page
    layers = [c for c in m._children.values() if isinstance(c, folium.map.Layer)]
    network = next(c for c in layers if c.layer_name == text("network_offline", "zh"))
    assert network.overlay  # an overlay under the tiles …
    assert network.show  # … drawn even when the tiles cannot load
    tiles = next(c for c in layers if isinstance(c, folium.TileLayer))
    assert not tiles.overlay


def test_amap_shifts_every_overlay_to_gcj02(results_dir: Path, monkeypatch):
    fake = types.ModuleType("planning.coords")

    def wgs84_to_gcj02(lon, lat):
        return lon + 0.001, lat + 0.002

    fake.wgs84_to_gcj02 = wgs84_to_gcj02  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "planning.coords", fake)
    monkeypatch.setattr(planning, "coords", fake, raising=False)
    res = load_results(results_dir)
    plain = build_gap_map(res)
    gcj = build_gap_map(res, basemap="amap")

    def first_vertex(m, name):
        spec = _layer(m, name).spec()
        g = spec["geoms"][0]
        flat = g[0][0] if isinstance(g[0], list) else g
        return flat[0] + spec["origin"][0], flat[1] + spec["origin"][1]

    for name in (text("estates", "zh"), "street_areas"):
        (x0, y0), (x1, y1) = first_vertex(plain, name), first_vertex(gcj, name)
        assert abs(x1 - x0 - 1000) <= 1, name
        assert abs(y1 - y0 - 2000) <= 1, name
    assert _data(gcj)["bounds"][0][0] == pytest.approx(
        _data(plain)["bounds"][0][0] + 0.002, abs=2e-6
    )
    assert "autonavi" in gcj.get_root().render()


def test_amap_uses_planning_coords(results_dir: Path):
    import numpy as np

    from planning import coords
    from planning.maps import encode

    res = load_results(results_dir)
    plain, gcj = _data(build_gap_map(res)), _data(build_gap_map(res, basemap="amap"))
    o0, o1 = plain["origin"], gcj["origin"]
    x, y = plain["estates"]["label"][0]
    lon, lat = (x + o0[0]) / encode.SCALE, (y + o0[1]) / encode.SCALE
    glon, glat = coords.wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    gx, gy = gcj["estates"]["label"][0]
    # near Shanghai the GCJ-02 offset is a few hundred metres; the page must carry it exactly
    assert abs((gx + o1[0]) - round(float(glon[0]) * 1e6)) <= 1
    assert abs((gy + o1[1]) - round(float(glat[0]) * 1e6)) <= 1
    assert abs(gx + o1[0] - (x + o0[0])) > 1000  # really shifted (> ~0.001°)


def test_optional_layers_absent(tmp_path: Path):
    folder = write_results(tmp_path / "r", 9, with_proposals=False, with_barriers=False)
    m = build_gap_map(folder)
    data = _data(m)
    assert data["proposals"] is None
    assert data["has"] == {"barriers": False, "network": True}
    assert _layer(m, "network").spec()["geoms"][0]  # the network is still drawn


def test_point_estates(tmp_path: Path):
    folder = write_results(tmp_path / "r", 9, point_estates=True)
    geoms = _layer(build_gap_map(folder), text("estates", "zh")).spec()["geoms"]
    assert all(len(g) == 2 and isinstance(g[0], int) for g in geoms)


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
    import geopandas as gpd
    import pyogrio

    folder = write_results(tmp_path / "r", 4)
    gpkg = folder / "results.gpkg"
    keep = {n: gpd.read_file(gpkg, layer=n) for n, _ in pyogrio.list_layers(gpkg) if n != "streets"}
    gpkg.unlink()
    for name, layer in keep.items():
        layer.to_file(gpkg, layer=name, driver="GPKG")
    with pytest.raises(ResultsError, match="streets missing"):
        render_gap_map(folder)


@pytest.mark.slow
def test_25k_estates_stay_under_15_mb(tmp_path: Path):
    folder = write_results(tmp_path / "big", 25_000)
    out = render_gap_map(folder)
    size = out.stat().st_size
    assert size < 15 * 1024 * 1024
    assert size > 1_000_000  # the estates really are in it


def test_large_network_becomes_one_image_in_the_right_place(results_dir: Path, monkeypatch):
    """Above the vector limit the offline base layer is a PNG whose bounds are the network's."""
    import base64
    import io

    from PIL import Image

    from planning.maps import gap_map, raster

    monkeypatch.setattr(gap_map, "NETWORK_VECTOR_LIMIT", 1)
    results = load_results(results_dir)
    m = gap_map.build_gap_map(results)
    assert not [e for e in _walk(m) if isinstance(e, CompactGeoJson) and e.layer_name == "network"]
    picture = _data(m)["network_image"]
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


def test_service_areas_lose_small_holes_only():
    from shapely.geometry import Polygon

    from planning.maps.shapes import MIN_HOLE_M2, without_small_holes

    outer = [(0, 0), (1000, 0), (1000, 1000), (0, 1000)]
    small = [(10, 10), (20, 10), (20, 20), (10, 20)]  # 100 m²
    big = [(500, 500), (600, 500), (600, 600), (500, 600)]  # 10,000 m²
    kept = without_small_holes(Polygon(outer, [small, big]))
    assert len(kept.interiors) == 1
    assert Polygon(kept.interiors[0]).area >= MIN_HOLE_M2
