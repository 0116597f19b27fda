"""One-page summary report for meetings (汇报材料): HTML, and PDF when WeasyPrint is installed.

The HTML is self-contained (no external file, font or script): headline figures, the verdict of
every rule with its citation (文件、条款、原文), a bar chart of household coverage by street drawn as
inline SVG, the gap map as an inline PNG when ``gap_map.png`` exists, and the table of estates
that fail a rule (largest shortfall first). The page is the template
``planning/maps/html/report.html.j2`` (with ``report.css``), rendered with autoescaping: every text
taken from the data is HTML-escaped.
"""

from __future__ import annotations

import base64
import logging
import math
from pathlib import Path
from typing import Any

import pandas as pd

from planning import __version__
from planning._templates import fragment, render
from planning.maps._write import atomic_write_text, atomic_write_with
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
    text,
    tier_label,
    verdict_label,
)
from planning.maps.results import Results, load_results

logger = logging.getLogger(__name__)

#: Failing estates listed in the report (the full list is in estates.csv).
MAX_ROWS = 20


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


def _fmt_rule_value(value: Any, unit: str) -> str:
    """Format a rule's value or threshold with its unit."""
    num = _num(value)
    if num is None:
        return "–" if value is None else str(value)
    if unit in {"share", "ratio", "fraction"}:
        return fmt_pct(num)
    if unit == "m2_per_100hh":
        return f"{num:,.1f} ㎡/百户"
    if unit in {"m2", "㎡"}:
        return f"{fmt_m2(num)} ㎡"
    if unit in {"m", "metres"}:
        return f"{fmt_int(num)} m"
    text_num = f"{num:,.2f}".rstrip("0").rstrip(".")
    return f"{text_num} {unit}".strip()


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
    """Return each rule's row of the rules table: verdict, value, threshold and citation."""
    out = []
    for rule in summary.get("rules") or []:
        verdict = str(rule.get("verdict", "report"))
        css = verdict if verdict in {"pass", "fail", "report"} else "report"
        cit = rule.get("citation") or {}
        evidence = str(cit.get("evidence") or "")
        unit = str(rule.get("unit") or "")
        out.append(
            {
                "id": _s(rule.get("rule_id")),
                "title": _s(
                    rule.get("title_zh" if lang == "zh" else "title_en") or rule.get("rule_id")
                ),
                "css": css,
                "label": text(css, lang) if verdict in {"pass", "fail", "report"} else verdict,
                "value": _fmt_rule_value(rule.get("value"), unit),
                "threshold": _fmt_rule_value(rule.get("threshold"), unit),
                # What was counted (and over which zone), and why the rule judges or reports.
                "detail": _s(rule.get("detail")),
                "basis": _s((rule.get("basis") or {}).get(lang)),
                "citation": {
                    "document": _s(cit.get("document")),
                    "article": _s(cit.get("article")),
                    "quote": _s(cit.get("quote_zh")),
                    "evidence": text(f"evidence_{evidence}", lang)
                    if evidence in {"plan", "found", "memory"}
                    else evidence,
                    "memory": evidence == "memory",
                }
                if cit
                else None,
            }
        )
    return out


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
    head = [
        text(key, lang)
        for key in ("estate_id", "estates", "street", "households", "required", "provided")
    ]
    head += [
        text("shortfall_one", lang),
        f"{tier_label(main, lang)} {text('walk', lang)}",
        text("verdict", lang),
    ]
    return {
        "failing_head": head,
        "any_failing": not failing.empty,
        "failing": rows,
        "more_note": text("failing_more", lang).format(n=f"{more:,}") if more > 0 else "",
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


def build_report_html(
    results: Results, lang: Lang, *, max_rows: int = MAX_ROWS, map_png: Path | None = None
) -> str:
    """Return the report page as a string (see :func:`render_report`)."""
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
        chart=_chart(results, lang),
        map_uri=map_uri,
        rules=_rules(results.summary, lang),
        tool_version=results.summary.get("tool_version") or __version__,
        **_failing(results, lang, max_rows),
    )


def render_report(
    results_dir: str | Path,
    out_path: str | Path | None = None,
    *,
    lang: str = "zh",
    max_rows: int = MAX_ROWS,
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

    Returns
    -------
    Path
        The written file.
    """
    language = check_lang(lang)
    results = load_results(results_dir)
    png = Path(results_dir) / "gap_map.png"
    page = build_report_html(results, language, max_rows=max_rows, map_png=png)
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
    results_dir: str | Path,
    out_path: str | Path | None = None,
    *,
    lang: str = "zh",
    max_rows: int = MAX_ROWS,
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

    Returns
    -------
    Path or None
        The written file, or None when WeasyPrint is unavailable (``pip install weasyprint``).
    """
    language = check_lang(lang)
    if not pdf_available():
        logger.warning(
            "PDF report skipped: it needs the optional [pdf] extra "
            "(pip install 'eldercare-planning[pdf]'; WeasyPrint also needs the Pango library). "
            "report.html can be printed to PDF from a browser instead."
        )
        return None
    import weasyprint

    results = load_results(results_dir)
    png = Path(results_dir) / "gap_map.png"
    page = build_report_html(results, language, max_rows=max_rows, map_png=png)
    target = Path(out_path) if out_path is not None else Path(results_dir) / "report.pdf"
    document = weasyprint.HTML(string=page, base_url=str(Path(results_dir).resolve()))
    atomic_write_with(target, lambda tmp: document.write_pdf(str(tmp)))
    logger.info("PDF report written to %s", target)
    return target
