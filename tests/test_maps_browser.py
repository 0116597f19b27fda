"""The folium gap map in a real browser (Debian chromium driven by Playwright).

Skipped when chromium is absent, unless ELDERCARE_REQUIRE_BROWSER=1 (CI), which makes a missing
browser a failure. Every page is opened with the network cut (any http/https request is aborted
and recorded). Screenshots are saved to tests/artifacts/ (git-ignored) to be looked at.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from planning.maps import render_gap_map
from planning.maps.labels import text, tier_label

try:
    from tests.results_fixture import write_results
except ImportError:
    from results_fixture import write_results

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '"><img src=x onerror=alert(2)>'


def _require_browser() -> None:
    required = os.environ.get("ELDERCARE_REQUIRE_BROWSER") == "1"
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} not found (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "playwright is not installed (pip install playwright)"
    if problem:
        if required:
            pytest.fail(f"browser tests required (ELDERCARE_REQUIRE_BROWSER=1): {problem}")
        pytest.skip(problem)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def gap_map(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_results(tmp_path_factory.mktemp("res"), 30, names={0: XSS_SCRIPT, 1: XSS_IMG})
    return render_gap_map(folder, lang="zh")


class Watched:
    """A page with the network cut: every request, failure, console error and dialog recorded."""

    def __init__(self, browser: Any, url: str, size: tuple[int, int] = (1280, 860)) -> None:
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": size[0], "height": size[1]})

        def cut(route: Any) -> None:
            self.blocked.append(route.request.url)
            route.abort()

        self.page.route("http://**/*", cut)
        self.page.route("https://**/*", cut)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def on_dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", on_dialog)
        self.page.goto(url)
        self.page.wait_for_function("window.gapMap && window.gapMap.ready === true", timeout=60_000)

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def watched(browser: Any, gap_map: Path) -> Iterator[Watched]:
    w = Watched(browser, gap_map.as_uri())
    yield w
    w.page.close()


def test_offline_map_makes_no_request_and_no_error(watched: Watched, gap_map: Path):
    watched.page.wait_for_timeout(300)
    assert watched.requests == [gap_map.as_uri()]
    assert watched.blocked == []
    assert watched.failed == []
    assert watched.errors == []
    assert watched.page.locator(".leaflet-control-scale-line").inner_text().endswith(("m", "km"))
    assert watched.shot("gap_map_offline.png").stat().st_size > 10_000


def test_every_estate_is_drawn(watched: Watched):
    drawn = watched.page.evaluate(
        "window.gapMap.estates.filter(l => l && window.gapMap.map.hasLayer(l)).length"
    )
    assert drawn == 30


def test_layer_control_lists_every_layer(watched: Watched):
    labels = [
        t.strip()
        for t in watched.page.locator(".leaflet-control-layers-list label").all_inner_texts()
    ]
    expected = [
        text("base_network", "zh"),
        text("base_blank", "zh"),
        text("streets", "zh"),
        tier_label("5min", "zh"),
        tier_label("10min", "zh"),
        tier_label("15min", "zh"),
        text("gap_layer", "zh"),
        text("estates", "zh"),
        text("facilities", "zh"),
        text("proposals", "zh"),
    ]
    assert labels == expected
    # toggling a layer really removes it
    n_markers = watched.page.locator(".leaflet-marker-pane .gm-icon").count()
    assert n_markers > 0
    watched.page.get_by_label(text("facilities", "zh")).uncheck()
    assert watched.page.locator(".leaflet-marker-pane .gm-icon").count() < n_markers


def _popup_rows(page: Any) -> dict[str, str]:
    rows = page.locator(".leaflet-popup-content tr[data-key]")
    out = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        out[row.get_attribute("data-key")] = row.locator("td.v").inner_text()
    return out


def _fmt_int(v: float) -> str:
    return f"{math.floor(v + 0.5):,}"


def test_click_opens_popup_with_the_csv_figures(watched: Watched, gap_map: Path):
    folder = gap_map.parent
    csv = pd.read_csv(folder / "estates.csv", encoding="utf-8-sig")
    i = int(csv.index[csv["shared_m2"] > 0][0])  # an estate with every kind of figure
    row = csv.iloc[i]
    est = gpd.read_file(folder / "results.gpkg", layer="estates").to_crs(4326)
    inside = est.geometry.iloc[i].representative_point()
    page = watched.page
    # hide the point symbols so the click lands on the estate itself
    for name in ("facilities", "streets", "proposals"):
        page.get_by_label(text(name, "zh")).uncheck()
    xy = page.evaluate(
        """([lat, lng]) => {
          const m = window.gapMap.map; m.setView([lat, lng], 18, {animate: false});
          const p = m.latLngToContainerPoint([lat, lng]);
          const r = m.getContainer().getBoundingClientRect();
          return [r.left + p.x, r.top + p.y];
        }""",
        [inside.y, inside.x],
    )
    page.mouse.click(xy[0], xy[1])
    popup = page.locator(".leaflet-popup-content .gm-popup")
    popup.wait_for()
    assert popup.get_attribute("data-estate") == row["estate_id"]
    assert page.locator(".leaflet-popup-content h3").inner_text() == row["name"]
    got = _popup_rows(page)
    assert got["households"] == _fmt_int(row["households"])
    for col in ("required_m2", "onsite_m2", "shared_m2", "shortfall_m2"):
        assert got[col] == f"{row[col]:,.1f}", col
    assert got["area_verdict"] == text("pass" if row["area_ok"] else "fail", "zh")
    fac = gpd.read_file(folder / "results.gpkg", layer="facilities").set_index("facility_id")
    for tier in ("5min", "10min", "15min"):
        walk = row[f"walk_{tier}_m"]
        if isinstance(walk, float) and math.isnan(walk):
            assert got[f"walk_{tier}"] == text("none_within", "zh")
        else:
            name = fac.loc[row[f"nearest_{tier}_id"], "name"]
            assert got[f"walk_{tier}"] == f"{_fmt_int(walk)} m · {name}"


def test_search_selects_zooms_and_closes_its_list(watched: Watched):
    page = watched.page
    box = page.locator(".gm-search input")
    box.fill("阳光12")
    items = page.locator(".gm-search li")
    items.first.wait_for()
    assert items.first.inner_text().startswith("阳光12小区")
    box.press("Enter")
    h3 = page.locator(".leaflet-popup-content h3")
    h3.wait_for()
    assert h3.inner_text() == "阳光12小区"
    assert page.evaluate("window.gapMap.map.getZoom()") >= 16
    # the chosen estate's name stays in the box, and the list does not say "no match"
    assert box.input_value() == "阳光12小区"
    assert page.locator(".gm-search li").count() == 0
    inside = page.evaluate(
        "window.gapMap.map.getBounds().contains(window.gapMap.estates[12].getBounds())"
    )
    assert inside
    box.fill("e00007")  # by estate id, case-insensitive
    items.first.wait_for()
    assert items.first.inner_text().startswith("阳光7小区")
    items.first.click()
    assert page.locator(".gm-search li").count() == 0
    box.fill("no such estate")
    assert page.locator(".gm-search li.none").inner_text() == text("no_match", "zh")


def test_names_with_html_are_shown_as_text(watched: Watched):
    page = watched.page
    for i, name in ((0, XSS_SCRIPT), (1, XSS_IMG)):
        page.evaluate(f"window.gapMap.go({i})")
        # the previous popup fades out for 200 ms before it leaves the page
        page.wait_for_function("document.querySelectorAll('.leaflet-popup').length === 1")
        assert page.locator(".leaflet-popup-content h3").inner_text() == name
    page.locator(".gm-search input").fill("<")
    first = page.locator(".gm-search li").first
    first.wait_for()
    assert first.inner_text().startswith(("<script>", '">'))
    labels = page.locator(".gm-estate-label").all_inner_texts()
    assert XSS_SCRIPT in labels or XSS_IMG in labels  # estate names on the map, as text
    page.wait_for_timeout(300)
    assert watched.dialogs == []
    assert page.locator("img[src='x']").count() == 0
    assert watched.failed == []
    assert watched.errors == []


def test_estate_names_from_zoom_16(watched: Watched):
    page = watched.page
    page.evaluate("window.gapMap.map.setZoom(15, {animate: false})")
    assert page.locator(".gm-estate-label").count() == 0
    page.evaluate("window.gapMap.go(12)")
    page.wait_for_function("document.querySelectorAll('.gm-estate-label').length > 0")
    assert "阳光12小区" in page.locator(".gm-estate-label").all_inner_texts()


def test_legend_collapses_and_starts_collapsed_on_a_small_screen(browser: Any, gap_map: Path):
    w = Watched(browser, gap_map.as_uri(), size=(1024, 768))
    page = w.page
    legend = page.locator(".gm-legend")
    body = page.locator(".gm-legend .gm-body")
    assert body.is_hidden()  # collapsed at 1024×768: the south-east corner stays free
    small = legend.bounding_box()
    page.locator(".gm-legend .gm-toggle").click()
    assert body.is_visible()
    big = legend.bounding_box()
    assert big["height"] > 3 * small["height"]
    page.locator(".gm-legend .gm-toggle").click()
    assert body.is_hidden()
    page.locator(".gm-title .gm-toggle").click()  # the title box folds too
    assert page.locator(".gm-title .gm-body").is_hidden()
    w.shot("gap_map_1024.png")
    assert w.errors == []
    page.close()


def test_print_shows_the_whole_district_without_controls(browser: Any, gap_map: Path):
    w = Watched(browser, gap_map.as_uri(), size=(1587, 1123))  # A3 landscape at 96 dpi
    page = w.page
    page.evaluate("window.gapMap.map.setView(window.gapMap.map.getCenter(), 18, {animate: false})")
    page.emulate_media(media="print")
    page.wait_for_function("window.gapMap.map.getZoom() < 18")
    for hidden in (".leaflet-control-zoom", ".leaflet-control-layers", ".gm-search"):
        assert page.locator(hidden).is_hidden(), hidden
    assert page.locator(".gm-title .gm-body").is_visible()
    assert page.locator(".gm-legend .gm-body").is_visible()
    whole = page.evaluate(
        "window.gapMap.map.getBounds().contains(L.latLngBounds(window.gapMap.data.bounds))"
    )
    assert whole
    w.shot("gap_map_print.png")
    page.emulate_media(media="screen")
    page.wait_for_function("window.gapMap.map.getZoom() === 18")  # the view comes back
    assert w.errors == []
    page.close()


def test_online_basemap_without_internet_keeps_the_network(browser: Any, gap_map: Path):
    page_path = render_gap_map(gap_map.parent, gap_map.parent / "osm.html", basemap="osm")
    w = Watched(browser, page_path.as_uri())
    page = w.page
    assert w.blocked  # the tiles were asked for and refused: no internet here
    assert all("tile.openstreetmap.org" in u for u in w.blocked)
    shown = page.evaluate(
        f"window.gapMap.map.hasLayer(window.gapMap.layers[{text('network_offline', 'zh')!r}])"
    )
    assert shown  # the river and the streets are still drawn
    assert page.locator(".leaflet-pane.leaflet-gmNet-pane canvas").count() >= 1
    page.close()


@pytest.fixture(scope="module")
def city_map(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_results(tmp_path_factory.mktemp("city"), 25_000)
    return render_gap_map(folder, lang="zh")


def test_city_opening_view_shows_the_gap_layer_not_a_wall_of_icons(browser: Any, city_map: Path):
    w = Watched(browser, city_map.as_uri(), size=(1400, 900))
    page = w.page
    page.wait_for_timeout(500)
    gap = text("gap_layer", "zh")
    state = page.evaluate(
        f"""() => {{
          const g = window.gapMap, m = g.map, gap = g.layers[{gap!r}];
          return {{
            gapShown: m.hasLayer(gap) && m.getPane('gmGap').style.display !== 'none',
            hexagons: gap.getLayers().length,
            estates: g.estates.filter(l => l && m.hasLayer(l)).length,
            icons: document.querySelectorAll('.leaflet-marker-icon').length,
            zoom: m.getZoom(),
          }};
        }}"""
    )
    assert state["gapShown"]
    assert state["hexagons"] > 10
    assert state["estates"] == 25_000  # the estates stay drawn under the hexagons
    assert state["icons"] < 100  # 1,999 facilities, clustered
    w.shot("gap_map_city.png")
    assert w.requests == [city_map.as_uri()]
    assert w.errors == []
    page.close()
