"""Static PNG map, summary report (HTML/PDF) and write_all (planning.maps)."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from planning.maps import render_png, render_report, render_report_pdf, static, write_all
from planning.maps.report import coverage_chart_svg, pdf_available

try:
    from tests.results_fixture import write_results
except ImportError:
    from results_fixture import write_results

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EVIL = '<img src=x onerror=alert(1)>&"'


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # ten estates share the name so that some of them are in the failing table
    return write_results(tmp_path_factory.mktemp("res"), 40, names=dict.fromkeys(range(10), EVIL))


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_png_has_the_requested_size(results_dir: Path, tmp_path: Path):
    out = render_png(results_dir, tmp_path / "m.png", dpi=50, size_in=(8.0, 6.0))
    assert _png_size(out) == (400, 300)


def test_png_without_cjk_font_warns_and_still_draws(
    results_dir: Path, tmp_path: Path, monkeypatch, caplog
):
    monkeypatch.setattr(static, "find_cjk_font", lambda: None)
    with caplog.at_level(logging.WARNING, logger="planning.maps.static"):
        out = render_png(results_dir, tmp_path / "m.png", dpi=40)
    assert out.stat().st_size > 1000
    assert any("no Chinese (CJK) font" in r.getMessage() for r in caplog.records)


def test_report_holds_figures_rules_and_failing_estates(results_dir: Path, tmp_path: Path):
    out = render_report(results_dir, tmp_path / "r.html", max_rows=5)
    page = out.read_text(encoding="utf-8")
    summary = json.loads((results_dir / "summary.json").read_text(encoding="utf-8"))
    totals = summary["totals"]
    assert f"{totals['households']:,}" in page
    assert f"{totals['coverage']['15min'] * 100:.1f}%" in page
    # every rule with its verdict in words and figures, and its document
    for rule in summary["rules"]:
        assert f"data-rule='{rule['rule_id']}'" in page
    assert "双政办规〔2024〕3号" in page
    assert page.count("class='badge fail'") == 1
    assert page.count("class='badge pass'") == 1
    assert "不达标：实际" in page
    # no unit code reaches the reader
    for code in ("pct_estates", "m2_per_100hh", "m2_per_person", "community_station"):
        assert code not in page, code
    # failing estates: the top 5 by shortfall, then a count of the rest
    csv = pd.read_csv(results_dir / "estates.csv", encoding="utf-8-sig")
    failing = csv[csv["verdict"] != "ok"].sort_values(
        ["shortfall_m2", "estate_id"], ascending=[False, True]
    )
    table = page.split("<table class='failing'>")[1].split("</table>")[0]
    assert table.count("<tr><td>") == 5
    assert f"另有 {len(failing) - 5:,} 个" in page
    # proposals with their rank, and the footer
    assert page.count("<tr><td>1</td><td>C0</td>") == 1
    assert "eldercare-planning" in page.split("class='foot'>")[1].split("</div>")[0]
    # self-contained: no external reference
    assert re.search(r"(src|href)=['\"]?https?:", page) is None


def test_a3_report_has_the_street_chart(results_dir: Path, tmp_path: Path):
    page = render_report(results_dir, tmp_path / "r.html", paper="a3").read_text("utf-8")
    assert "size: A3 landscape" in page
    # one bar per street, widths proportional to coverage (260 px = 100 %)
    streets = gpd.read_file(results_dir / "results.gpkg", layer="streets")
    bars = re.findall(r'class="bar" x="\d+" y="[\d.]+" width="([\d.]+)"', page)
    assert sorted(float(b) for b in bars) == pytest.approx(
        sorted(round(v * 260, 1) for v in streets["coverage_15min"])
    )


def test_report_escapes_names(results_dir: Path, tmp_path: Path):
    page = render_report(results_dir, tmp_path / "r.html", max_rows=100).read_text("utf-8")
    csv = pd.read_csv(results_dir / "estates.csv", encoding="utf-8-sig")
    assert (csv.head(10)["verdict"] != "ok").any()
    assert EVIL not in page
    assert "&lt;img src=x onerror=alert(1)&gt;&amp;&#34;" in page  # autoescaped by the template


def test_chart_escapes_and_handles_missing():
    svg = coverage_chart_svg(["<b>", "ok"], [None, 0.5], "t")
    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg
    assert svg.count('class="bar"') == 1
    assert 'width="130.0"' in svg


def test_report_in_english(results_dir: Path, tmp_path: Path):
    page = render_report(results_dir, tmp_path / "r.html", lang="en").read_text("utf-8")
    assert "Elderly-care facility audit report" in page
    assert "Floor area per 100 households, new estates" in page


@pytest.mark.skipif(not pdf_available(), reason="WeasyPrint not installed")
@pytest.mark.parametrize(("paper", "landscape"), [("a4", False), ("a3", True)])
def test_pdf_report_is_one_page(results_dir: Path, tmp_path: Path, paper: str, landscape: bool):
    pypdf = pytest.importorskip("pypdf")
    # every failing estate asked for: the page gives way (fewer rows, a lower map), stays one
    out = render_report_pdf(results_dir, tmp_path / "r.pdf", max_rows=100, paper=paper)
    assert out is not None
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    width_mm, height_mm = float(box.width) / 72 * 25.4, float(box.height) / 72 * 25.4
    expected = (420, 297) if landscape else (210, 297)
    assert (round(width_mm), round(height_mm)) == expected
    words = reader.pages[0].extract_text()
    assert "eldercare-planning" in words  # the footer
    assert "规则集" in words


def test_pdf_skipped_without_weasyprint(results_dir: Path, tmp_path: Path, monkeypatch):
    import planning.maps.report as report

    monkeypatch.setattr(report, "pdf_available", lambda: False)
    assert report.render_report_pdf(results_dir, tmp_path / "r.pdf") is None
    assert not (tmp_path / "r.pdf").exists()


def test_write_all_writes_everything_atomically(tmp_path: Path):
    folder = write_results(tmp_path / "r", 12)
    out = write_all(folder, lang="zh", basemap="none")
    expected = {"gap_map.html", "gap_map.png", "report.html"}
    if pdf_available():
        expected.add("report.pdf")
    assert set(out) == expected
    for name, path in out.items():
        assert path == folder / name
        assert path.stat().st_size > 0
    assert not list(folder.glob(".*.tmp"))
    # the report embeds the PNG map written just before it
    assert "data:image/png;base64," in (folder / "report.html").read_text("utf-8")


def test_failed_write_leaves_old_file(tmp_path: Path, monkeypatch):
    folder = write_results(tmp_path / "r", 6)
    (folder / "gap_map.png").write_bytes(b"old")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        render_png(folder)
    assert (folder / "gap_map.png").read_bytes() == b"old"
    assert not list(folder.glob(".*.tmp"))


def test_pdf_skipped_names_the_extra(results_dir: Path, tmp_path: Path, monkeypatch, caplog):
    from planning.maps import report

    monkeypatch.setattr(report, "pdf_available", lambda: False)
    with caplog.at_level("WARNING", logger="planning.maps.report"):
        assert report.render_report_pdf(results_dir, tmp_path / "r.pdf") is None
    assert "eldercare-planning[pdf]" in caplog.text
