"""eldercare serve in a real browser (Debian chromium driven by Playwright).

Skipped when chromium is absent, unless ELDERCARE_REQUIRE_BROWSER=1 (CI). Screenshots go to
tests/artifacts/ (git-ignored): the scenario panel before and after adding a station, the review.
"""

from __future__ import annotations

import socket

import geopandas as gpd
import pytest
import shapely

from planning.cli import main
from planning.serve import load_session, make_server, running
from tests.minicity import CRS, X0, Y0, cli_args, write_minicity
from tests.test_maps_browser import ARGS, ARTIFACTS, CHROMIUM, _require_browser

pytestmark = pytest.mark.browser


def lonlat(x: float, y: float) -> tuple[float, float]:
    point = gpd.GeoSeries([shapely.Point(X0 + x, Y0 + y)], crs=CRS).to_crs(4326).iloc[0]
    return float(point.x), float(point.y)


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    _require_browser()
    folder = tmp_path_factory.mktemp("serve-browser")
    out = folder / "out"
    assert main(cli_args("audit", write_minicity(folder), out)) == 0
    session = load_session(out)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    with running(make_server(session, port=port)) as thread:
        yield thread.url
    session.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def figure(page, row: int) -> tuple[str, str]:
    cells = page.locator("#figures tbody tr").nth(row).locator("td")
    return cells.nth(1).inner_text(), cells.nth(2).inner_text()


def test_click_to_add_a_station_covers_the_estate(server_url, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 800})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server_url + "/")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    assert figure(page, 0) == ("86.4%", "86.4%")
    page.screenshot(path=str(ARTIFACTS / "serve_before.png"))
    lon, lat = lonlat(1990, 420)
    box = page.locator("#map").bounding_box()
    point = page.evaluate("([lat, lon]) => map.latLngToContainerPoint([lat, lon])", [lat, lon])
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_selector("body[data-updates='1']", timeout=30_000)
    assert figure(page, 0) == ("86.4%", "100.0%")
    assert page.locator("#changed li").count() == 1
    assert "北三小区" in page.locator("#changed li").inner_text()
    assert (
        page.locator("#figures tbody tr").nth(0).locator("td").nth(2).get_attribute("class")
        == "better"
    )
    page.screenshot(path=str(ARTIFACTS / "serve_after.png"))
    # everything came from this server: Leaflet is inline, nothing from a CDN
    assert all(url.startswith(server_url) for url in requests)
    page.close()


def test_the_review_page_with_a_geojson_estate(server_url, browser, tmp_path):
    box = gpd.GeoSeries([shapely.box(X0 + 1900, Y0 + 440, X0 + 1940, Y0 + 480)], crs=CRS)
    estate = gpd.GeoDataFrame({"name": ["<img src=x onerror=alert(1)>幸福里"],
                               "households": [800]}, geometry=box.to_crs(4326))  # fmt: skip
    path = tmp_path / "拟建小区.geojson"
    path.write_text(estate.to_json(), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 1400})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server_url + "/review")
    page.set_input_files("#file", str(path))
    page.fill("#planned_floor_m2", "100")
    page.click("#submit")
    page.wait_for_selector("body[data-reviewed='1']", timeout=60_000)
    assert "幸福里" in page.locator("#verdicts").inner_text()
    assert page.locator("#downloads a").count() == 3
    frame = page.frame_locator("#sheet")
    frame.locator("body").wait_for(timeout=30_000)
    assert "800" in frame.locator("body").inner_text()
    page.screenshot(path=str(ARTIFACTS / "serve_review.png"), full_page=True)
    assert dialogs == []
    page.close()
