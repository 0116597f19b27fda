"""The HTML pages come from template files rendered with autoescaping (planning._templates).

Names taken from the data (estates, facilities, streets, the ruleset) that look like markup must
reach the reader as text: the pages are parsed here as a browser would tokenise them, and the
hostile name must come back as text (or, in the gap map, as a value of the page's JSON), with no
element of its own.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from planning._templates import element_text
from planning.maps import render_gap_map, render_report
from planning.network import from_centrelines
from planning.review.core import review_estates
from planning.review.sheet import review_html
from planning.rules import load_ruleset

try:
    from tests.results_fixture import write_results
except ImportError:
    from results_fixture import write_results

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "planning"
EVIL = "</script><script>alert(1)</script>\"'<b>"


class Page(HTMLParser):
    """Start tags and text of a page, tokenised like a browser (script/style content is raw)."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.texts: list[str] = []
        self.json: list[str] = []
        self._in_json = False
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_json = tag == "script" and ("type", "application/json") in attrs

    def handle_endtag(self, tag: str) -> None:
        self._in_json = False

    def handle_data(self, data: str) -> None:
        (self.json if self._in_json else self.texts).append(data)

    def text(self) -> str:
        return "".join(self.texts)


@pytest.fixture(scope="module")
def hostile_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder whose every estate, one facility and one street is called ``EVIL``."""
    folder = write_results(tmp_path_factory.mktemp("res"), 24, names=dict.fromkeys(range(24), EVIL))
    gpkg = folder / "results.gpkg"
    for layer in ("facilities", "streets"):
        frame = gpd.read_file(gpkg, layer=layer)
        frame.loc[0, "name"] = EVIL
        frame.to_file(gpkg, layer=layer, driver="GPKG")
    summary_path = folder / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    summary["ruleset"]["name_zh"] = EVIL
    summary_path.write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    return folder


def test_gap_map_keeps_hostile_names_inside_its_json(hostile_results: Path, tmp_path: Path):
    source = render_gap_map(hostile_results, tmp_path / "m.html").read_text(encoding="utf-8")
    page = Page(source)
    # Leaflet, folium's switches, the data, the map's library, the marker clusters and folium's
    # script: no element came out of a name
    assert page.tags.count("script") == 6
    assert "b" not in page.tags
    (raw,) = page.json
    data = json.loads(raw)
    assert data["estates"]["name"] == [EVIL] * 24
    assert data["facilities"]["name"][0] == EVIL
    assert data["streets"]["name"][0] == EVIL
    assert EVIL in data["title"]["ruleset"]
    # the title (规则集 name) is text
    assert EVIL in page.text()


def test_report_shows_hostile_names_as_text(hostile_results: Path, tmp_path: Path):
    source = render_report(hostile_results, tmp_path / "r.html", max_rows=100).read_text("utf-8")
    page = Page(source)
    assert "script" not in page.tags
    assert "b" not in page.tags
    estates = pd.read_csv(hostile_results / "estates.csv", encoding="utf-8-sig")
    assert int((estates["verdict"] != "ok").sum()) > 0
    # the failing estates the one page has room for (all are called EVIL)
    listed = source.split("<table class='failing'>")[1].split("</table>")[0].count("<tr><td>")
    assert listed > 0
    # the ruleset line, the footer (which names the ruleset) and every listed estate
    assert page.text().count(EVIL) == 2 + listed


X0, Y0, CRS = 500_000.0, 3_400_000.0, "EPSG:32650"


def _at(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def test_review_sheet_shows_hostile_names_as_text():
    # a 2 × 2 grid of 200 m streets
    lines = [LineString([(X0 + a, Y0), (X0 + a, Y0 + 400)]) for a in (0, 200, 400)] + [
        LineString([(X0, Y0 + a), (X0 + 400, Y0 + a)]) for a in (0, 200, 400)
    ]
    net = from_centrelines(gpd.GeoDataFrame(geometry=lines, crs=CRS), CRS, use_cache=False)
    estate = gpd.GeoDataFrame(
        {
            "estate_id": ["P1"],
            "name": [EVIL],
            "households": [850],
            "status": ["new"],
            "planned_floor_m2": [150.0],
        },
        geometry=[box(X0 + 30, Y0 + 30, X0 + 170, Y0 + 170)],
        crs=CRS,
    )
    gates = gpd.GeoDataFrame(
        {"gate_id": ["G1"], "estate_id": ["P1"]}, geometry=[_at(100, 0)], crs=CRS
    )
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": ["F1"],
            "name": [EVIL],
            "kind": ["community_station"],
            "status": ["existing"],
            "floor_m2": [200.0],
        },
        # 10 m east of the street x = 200: 100 + 100 + 10 = 210 m from the gate, in every circle
        geometry=[_at(210, 100)],
        crs=CRS,
    )
    review = review_estates(estate, facilities, load_ruleset("national"), net, gates=gates)
    assert [t.facility_id for t in review.estates[0].tiers] == ["F1", "F1", "F1"]

    page = Page(review_html(review, net, None, "zh"))
    assert "script" not in page.tags
    assert "b" not in page.tags
    text = page.text()
    # the estate in its facts; the facility in the three circle rows, the sharing row (共享设施,
    # it is 210 m away, within 500 m) and as the map's label
    assert text.count(EVIL) == 1 + 3 + 1 + 1
    assert text.count(f"{EVIL} (F1)") == 3 + 1
    assert f"{EVIL} (5min, 10min, 15min)" in text


def _string_constants(path: Path) -> list[str]:
    """Every string literal of a module except docstrings (f-string parts included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            docstrings.add(id(body[0].value))
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


@pytest.mark.parametrize("folder", ["maps", "review"])
def test_no_page_markup_in_python(folder: str):
    skeleton = ("<!doctype", "<html", "<head", "<body", "<style", "<script")
    found = [
        f"{path.relative_to(ROOT)}: {tag}"
        for path in sorted((PACKAGE / folder).rglob("*.py"))
        for value in _string_constants(path)
        for tag in skeleton
        if tag in value.lower()
    ]
    assert found == []


def test_the_check_above_finds_page_markup(tmp_path: Path):
    """The string scan is not blind: a module holding a page skeleton is caught."""
    module = tmp_path / "page.py"
    module.write_text('"""<html> in a docstring is fine."""\nPAGE = f"<!DOCTYPE html>{1}"\n')
    assert _string_constants(module) == ["<!DOCTYPE html>"]


def test_every_template_file_ships_with_the_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["planning"]
    assert "jinja2" in " ".join(config["project"]["dependencies"])
    files = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.glob("*/html/*") if p.is_file()]
    assert len(files) >= 8  # gap map (page, css, js), report (page, css, chart), review (3)
    missing = [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert missing == []


@pytest.mark.parametrize(
    ("text", "element", "expected"),
    [
        ("a</script>b", "script", "a<\\/script>b"),
        ("a</SCRIPT >b", "script", "a<\\/SCRIPT >b"),
        ("p{}</style>", "style", "p{}<\\/style>"),
        ("x = '</scripts'", "style", "x = '</scripts'"),  # only the element's own end tag
    ],
)
def test_element_text_cannot_close_its_element(text: str, element: str, expected: str):
    assert str(element_text(text, element)) == expected
