"""One-page summary report for meetings (汇报材料): HTML, and PDF when WeasyPrint is installed.

One A4 page (or A3 landscape with ``paper="a3"``), self-contained (no external file, font or
script): the headline figures, the gap map drawn for the page's size (street names readable in
print), every rule's verdict in words and figures (``不达标：16.7% 的小区达标，标准 100% 的小区``,
from :mod:`planning.audit.wording`; no unit codes) with its document and article, the proposed
sites and the coverage after them when there are any, the estates with the largest gaps, and a
footer with the date, ruleset, data sources and tool version. A3 adds the street coverage chart.
The page is the template ``planning/maps/html/report.html.j2`` (with ``report.css``), rendered
with autoescaping: every text taken from the data is HTML-escaped.
"""

from __future__ import annotations

import base64
import logging
import math
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from planning import __version__
from planning._templates import fragment, render
from planning.audit.wording import statement
from planning.maps._write import atomic_write_text, atomic_write_with
from planning.maps.errors import MapOptionsError
from planning.maps.gap_map import headline_rows, ruleset_line
from planning.maps.labels import (
    VERDICT_COLOURS,
    Lang,
    all_texts,
    check_lang,
    coverage_colour,
    fmt_int,
    fmt_m2,
    fmt_pct,
    kind_label,
    text,
    tier_label,
    verdict_label,
)
from planning.maps.payload import footer_line
from planning.maps.results import Results, load_results
from planning.maps.static import render_png
from planning.vocabulary import RULE_VERDICTS, label

logger = logging.getLogger(__name__)

#: Failing estates listed in the report (the full list is in audit.xlsx and estates.csv).
MAX_ROWS = 6
#: Proposed sites listed (the full list is in audit.xlsx).
MAX_PROPOSALS = 6
#: Paper sizes: CSS page size and the map's size in inches (drawn for the page, read in print).
PAPERS: dict[str, tuple[str, tuple[float, float]]] = {
    "a4": ("A4", (7.3, 5.2)),
    "a3": ("A3 landscape", (9.4, 7.9)),
}


def _s(value: object) -> str:
    """Return a value as text for the page (None becomes an empty string; the template escapes)."""
    return "" if value is None else str(value)


def _num(value: Any) -> float | None:
    """Return a float or None for missing / non-numeric values."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def coverage_chart_svg(names: list[str], shares: list[float | None], title: str) -> str:
    """Return an inline SVG horizontal bar chart of coverage shares (0–1) by street.

    Parameters
    ----------
    names : list of str
        Street names (escaped by the template).
    shares : list of float or None
        Coverage per street; None is drawn as "–" without a bar.
    title : str
        Accessible title of the chart.

    Returns
    -------
    str
        An ``<svg>`` element (template ``maps/html/coverage_chart.svg.j2``) as
        ``markupsafe.Markup``, so a page template embeds it without escaping it again.
    """
    row_h, label_w, bar_w, top = 16, 120, 260, 6
    rows = [
        {
            "name": name,
            "y": top + i * row_h,
            "width": None if share is None else round(max(0.0, min(1.0, share)) * bar_w, 1),
            "colour": coverage_colour(share),
            "share": fmt_pct(share),
        }
        for i, (name, share) in enumerate(zip(names, shares, strict=True))
    ]
    axis_y = top + row_h * len(names) + 2
    return fragment(
        "maps/html/coverage_chart.svg.j2",
        title=title,
        rows=rows,
        width=label_w + bar_w + 50,
        height=top + row_h * len(names) + 18,
        row_h=row_h,
        label_w=label_w,
        bar_w=bar_w,
        top=top,
        axis_y=axis_y,
        ticks=[{"x": round(label_w + t * bar_w, 1), "label": f"{t:.0%}"} for t in (0.0, 0.5, 1.0)],
    )


def _rules(summary: dict[str, Any], lang: Lang) -> list[dict[str, Any]]:
    """Return each rule's row: title, verdict badge, the verdict in words, document and article."""
    out = []
    for rule in summary.get("rules") or []:
        verdict = str(rule.get("verdict", "report"))
        cit = rule.get("citation") or {}
        evidence = str(cit.get("evidence") or "")
        citation = " ".join(_s(cit.get(k)) for k in ("document", "article") if cit.get(k))
        if evidence == "memory":
            citation += (
                f"（{text('evidence_memory', lang)}）"
                if lang == "zh"
                else (f" ({text('evidence_memory', lang)})")
            )
        out.append(
            {
                "id": _s(rule.get("rule_id")),
                "title": _s(
                    rule.get("title_zh" if lang == "zh" else "title_en") or rule.get("rule_id")
                ),
                "css": verdict if verdict in RULE_VERDICTS else "report",
                "label": label(RULE_VERDICTS, verdict, lang),
                "statement": statement(rule, lang),
                "citation": citation or "–",
                "memory": evidence == "memory",
            }
        )
    return out


def _proposals(results: Results, lang: Lang) -> dict[str, Any] | None:
    """Return the proposed sites (rank order) and the coverage after them, or None."""
    layer = results.layer("proposals")
    siting = results.summary.get("siting") or {}
    if layer is None or layer.empty:
        return None
    frame = pd.DataFrame(layer.drop(columns="geometry")).sort_values("rank", kind="stable")
    shown = frame.head(MAX_PROPOSALS)
    rows = [
        [
            fmt_int(_num(r.get("rank"))),
            _s(r.get("name") or r.get("candidate_id")),
            kind_label(_s(r.get("kind")), lang),
            fmt_int(_num(r.get("households_new"))),
            fmt_pct(_num(r.get("cumulative_coverage"))),
        ]
        for r in shown.to_dict("records")
    ]
    before = (siting.get("before") or {}).get("coverage")
    after = (siting.get("after") or {}).get("coverage")
    line = (
        text("after_line", lang).format(
            before=fmt_pct(before), after=fmt_pct(after), n=fmt_int(len(frame))
        )
        if before is not None and after is not None
        else ""
    )
    more = len(frame) - len(shown)
    return {
        "head": [
            text(k, lang)
            for k in ("rank", "candidate", "kind", "households_new", "cumulative_coverage")
        ],
        "rows": rows,
        "after": line,
        "more_note": text("proposals_more", lang).format(n=f"{more:,}") if more > 0 else "",
    }


def _failing(results: Results, lang: Lang, max_rows: int) -> dict[str, Any]:
    """Return the failing-estates table (largest shortfall first) and the count left out."""
    estates = pd.DataFrame(results.layers["estates"].drop(columns="geometry"))
    failing = estates[estates["verdict"].astype(str) != "ok"]
    main = results.main_tier
    walk_col = f"walk_{main}_m"
    failing = failing.assign(_short=pd.to_numeric(failing["shortfall_m2"], errors="coerce"))
    failing = failing.sort_values(["_short", "estate_id"], ascending=[False, True], kind="stable")
    shown = failing.head(max_rows)
    rows = []
    for r in shown.to_dict("records"):
        verdict = str(r.get("verdict"))
        walk = _num(r.get(walk_col)) if walk_col in r else None
        rows.append(
            {
                "id": _s(r.get("estate_id")),
                "name": _s(r.get("name")),
                "street": _s(r.get("street") or ""),
                "households": fmt_int(_num(r.get("households"))),
                "required": fmt_m2(_num(r.get("required_m2"))),
                "provided": fmt_m2(_num(r.get("provided_m2"))),
                "shortfall": fmt_m2(_num(r.get("shortfall_m2"))),
                "walk": "–" if walk is None else fmt_int(walk),
                "colour": VERDICT_COLOURS.get(verdict, "#999999"),
                "verdict": verdict_label(verdict, lang),
            }
        )
    more = len(failing) - len(shown)
    head = [text(key, lang) for key in ("estates", "street", "households", "shortfall_one")]
    head += [f"{tier_label(main, lang)} {text('walk', lang)}", text("verdict", lang)]
    return {
        "failing_head": head,
        "any_failing": not failing.empty,
        "failing": rows,
        "more_note": (
            text("failing_more" if rows else "failing_count", lang).format(n=f"{more:,}")
            if more > 0
            else ""
        ),
    }


def _chart(results: Results, lang: Lang) -> dict[str, Any] | None:
    """Return the title and SVG of the street coverage chart, or None without streets."""
    streets = results.layer("streets")
    if streets is None or streets.empty:
        return None
    main = results.main_tier
    col = f"coverage_{main}"
    table = pd.DataFrame(
        {
            "name": streets["name"].astype(str),
            "share": pd.to_numeric(streets[col], errors="coerce")
            if col in streets.columns
            else float("nan"),
        }
    ).sort_values(["share", "name"], kind="stable", na_position="first")
    title = f"{tier_label(main, lang)} · {text('streets', lang)}"
    shares = [_num(v) for v in table["share"]]
    return {"title": title, "svg": coverage_chart_svg(table["name"].tolist(), shares, title)}


def _check_paper(paper: str) -> str:
    if paper not in PAPERS:
        raise MapOptionsError(f"paper={paper!r}: use 'a4' (one A4 page) or 'a3' (A3 landscape).")
    return paper


def report_map(
    results_dir: str | Path | Results, out: Path, *, lang: str = "zh", paper: str = "a4"
) -> Path:
    """Draw the report's map for its paper size (fonts at their printed size) into ``out``."""
    size = PAPERS[_check_paper(paper)][1]
    return render_png(results_dir, out, lang=lang, size_in=size, dpi=220, frame=False)


def build_report_html(
    results: Results,
    lang: Lang,
    *,
    max_rows: int = MAX_ROWS,
    map_png: Path | None = None,
    paper: str = "a4",
    map_height_mm: float | None = None,
) -> str:
    """Return the report page as a string (see :func:`render_report`).

    ``map_height_mm`` caps the map's printed height (the page is fitted on one sheet by
    :func:`_page`).
    """
    size = PAPERS[_check_paper(paper)][0]
    map_uri = ""
    if map_png is not None and map_png.is_file():
        map_uri = "data:image/png;base64," + base64.b64encode(map_png.read_bytes()).decode("ascii")
    return render(
        "maps/html/report.html.j2",
        lang="zh-CN" if lang == "zh" else "en",
        t=all_texts(lang),
        title=text("report_title", lang),
        ruleset=ruleset_line(results, lang),
        cards=headline_rows(results, lang),
        chart=_chart(results, lang) if paper == "a3" else None,
        map_uri=map_uri,
        map_height=f"{map_height_mm:g}mm" if map_height_mm else "",
        rules=_rules(results.summary, lang),
        proposals=_proposals(results, lang),
        footer=footer_line(results, lang),
        paper=paper,
        page_size=size,
        tool_version=results.summary.get("tool_version") or __version__,
        **_failing(results, lang, max_rows),
    )


#: What gives way, in order, when a report does not fit its one sheet: fewer failing estates
#: listed, then a lower map (millimetres).
_FIT_STEPS: tuple[tuple[int | None, float | None], ...] = (
    (None, None),
    (3, None),
    (3, 120.0),
    (0, 120.0),
    *((0, float(mm)) for mm in range(112, 60, -8)),
)


def _layout(page: str) -> Any | None:
    """Lay ``page`` out with WeasyPrint (None when it is not installed)."""
    if not pdf_available():
        return None
    import weasyprint

    return weasyprint.HTML(string=page).render()


def _fitted(results: Results, lang: Lang, max_rows: int, paper: str,
            png: Path) -> tuple[str, Any | None]:  # fmt: skip
    """Return the page on one sheet (the first of :data:`_FIT_STEPS` that fits) and its layout.

    The layout (WeasyPrint's, None without it) is what the PDF is written from.
    """
    page, document = "", None
    for rows, height in _FIT_STEPS:
        n = max_rows if rows is None else min(rows, max_rows)
        page = build_report_html(
            results, lang, max_rows=n, map_png=png, paper=paper, map_height_mm=height
        )
        document = _layout(page)
        if document is None or len(document.pages) <= 1:
            return page, document
    logger.warning("the report does not fit on one %s page even with the smallest map", paper)
    return page, document


def _page(results_dir: str | Path | Results, lang: Lang, max_rows: int, paper: str,
          map_png: Path | None) -> tuple[str, Any | None]:  # fmt: skip
    """Return the report page on one sheet and its layout, drawing its map when none is given."""
    results = load_results(results_dir)
    if map_png is not None:
        return _fitted(results, lang, max_rows, paper, map_png)
    with tempfile.TemporaryDirectory(prefix="eldercare-report-") as tmp:
        png = report_map(results_dir, Path(tmp) / "map.png", lang=lang, paper=paper)
        return _fitted(results, lang, max_rows, paper, png)


def write_report(
    results_dir: str | Path | Results,
    folder: str | Path,
    *,
    lang: str = "zh",
    max_rows: int = MAX_ROWS,
    paper: str = "a4",
    map_png: Path | None = None,
    pdf: bool = True,
) -> dict[str, Path]:
    """Write ``report.html`` and, when WeasyPrint is installed, ``report.pdf`` into ``folder``.

    The page is laid out once: the layout that proved it fits one sheet is the PDF. Parameters
    are those of :func:`render_report`; ``pdf=False`` writes the HTML only. Returns the written
    files by name.
    """
    language = check_lang(lang)
    if pdf and not pdf_available():
        _warn_no_pdf()
    page, document = _page(results_dir, language, max_rows, paper, map_png)
    folder = Path(folder)
    atomic_write_text(folder / "report.html", page)
    written = {"report.html": folder / "report.html"}
    if pdf and document is not None:
        atomic_write_with(folder / "report.pdf", lambda tmp: document.write_pdf(str(tmp)))
        written["report.pdf"] = folder / "report.pdf"
    logger.info("report written to %s", folder)
    return written


def render_report(
    results_dir: str | Path | Results,
    out_path: str | Path | None = None,
    *,
    lang: str = "zh",
    max_rows: int = MAX_ROWS,
    paper: str = "a4",
    map_png: Path | None = None,
) -> Path:
    """Write the one-page summary report (汇报材料) as a self-contained HTML file.

    Parameters
    ----------
    results_dir : str or Path
        Results folder written by the audit.
    out_path : str or Path, optional
        Where to write; default ``results_dir/report.html``. Written atomically.
    lang : {"zh", "en"}
        Language of the report.
    max_rows : int
        Failing estates listed (largest shortfall first); the rest are counted.
    paper : {"a4", "a3"}
        One A4 page (portrait) or one A3 page (landscape).
    map_png : Path, optional
        The map drawn by :func:`report_map` (drawn here when not given).

    Returns
    -------
    Path
        The written file.
    """
    language = check_lang(lang)
    page, _ = _page(results_dir, language, max_rows, paper, map_png)
    target = Path(out_path) if out_path is not None else Path(results_dir) / "report.html"
    atomic_write_text(target, page)
    logger.info("report written to %s", target)
    return target


def pdf_available() -> bool:
    """Whether WeasyPrint (the PDF converter) can be imported."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # OSError: the Pango system library is missing
        return False
    return True


def render_report_pdf(
    results_dir: str | Path | Results,
    out_path: str | Path | None = None,
    *,
    lang: str = "zh",
    max_rows: int = MAX_ROWS,
    paper: str = "a4",
    map_png: Path | None = None,
) -> Path | None:
    """Write the report as PDF with WeasyPrint; return None (and log) when it is not installed.

    Parameters
    ----------
    results_dir : str or Path
        Results folder written by the audit.
    out_path : str or Path, optional
        Where to write; default ``results_dir/report.pdf``. Written atomically.
    lang : {"zh", "en"}
        Language of the report.
    max_rows : int
        Failing estates listed.
    paper : {"a4", "a3"}
        One A4 page (portrait) or one A3 page (landscape).
    map_png : Path, optional
        The map drawn by :func:`report_map` (drawn here when not given).

    Returns
    -------
    Path or None
        The written file, or None when WeasyPrint is unavailable (``pip install weasyprint``).
    """
    language = check_lang(lang)
    if not pdf_available():
        _warn_no_pdf()
        return None
    _, document = _page(results_dir, language, max_rows, paper, map_png)
    assert document is not None  # WeasyPrint is installed
    target = Path(out_path) if out_path is not None else Path(results_dir) / "report.pdf"
    atomic_write_with(target, lambda tmp: document.write_pdf(str(tmp)))
    logger.info("PDF report written to %s", target)
    return target


def _warn_no_pdf() -> None:
    logger.warning(
        "PDF report skipped: it needs the optional [pdf] extra "
        "(pip install 'eldercare-planning[pdf]'; WeasyPrint also needs the Pango library). "
        "report.html can be printed to PDF from a browser instead."
    )
