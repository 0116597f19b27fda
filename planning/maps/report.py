"""One-page summary report for meetings (汇报材料): HTML, and PDF when WeasyPrint is installed.

The HTML is self-contained (no external file, font or script): headline figures, the verdict of
every rule with its citation (文件、条款、原文), a bar chart of household coverage by street drawn as
inline SVG, the gap map as an inline PNG when ``gap_map.png`` exists, and the table of estates
that fail a rule (largest shortfall first). Every text taken from the data is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import logging
import math
from pathlib import Path
from typing import Any

import pandas as pd

from planning import __version__
from planning.maps._write import atomic_write_text, atomic_write_with
from planning.maps.gap_map import headline_rows, ruleset_line
from planning.maps.labels import (
    VERDICT_COLOURS,
    Lang,
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

_CSS = """
@page { size: A4; margin: 11mm 12mm; }
body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC",
  "Source Han Sans SC", sans-serif; font-size: 10.5px; color: #222; margin: 0 auto;
  max-width: 190mm; line-height: 1.4; }
h1 { font-size: 18px; margin: 0 0 2px 0; }
h2 { font-size: 13px; margin: 12px 0 5px 0; border-bottom: 1.5px solid #2b5d9b;
  padding-bottom: 2px; color: #1c3f6e; }
.sub { color: #555; margin-bottom: 8px; }
.cards { display: flex; flex-wrap: wrap; gap: 6px; }
.card { border: 1px solid #ccd6e3; border-radius: 4px; padding: 4px 8px; min-width: 26mm;
  background: #f5f8fc; }
.card .k { color: #555; font-size: 9.5px; }
.card .v { font-size: 15px; font-weight: 700; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #dde3ea; padding: 2px 4px; text-align: left;
  vertical-align: top; }
th { background: #eef2f7; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 0 5px; border-radius: 3px; color: #fff;
  font-weight: 600; white-space: nowrap; }
.pass { background: #2e9e4f; } .fail { background: #d7191c; } .report { background: #7a869a; }
.quote { color: #444; font-size: 9.5px; }
.memory { color: #b35900; font-weight: 600; }
.two { display: flex; gap: 10px; align-items: flex-start; }
.two > div { flex: 1 1 0; min-width: 0; }
img.map { width: 100%; border: 1px solid #ccc; }
.note { color: #666; font-size: 9.5px; margin-top: 3px; }
.foot { color: #888; font-size: 9px; margin-top: 10px; }
"""


def _e(value: object) -> str:
    """HTML-escape any value (None becomes an empty string)."""
    return "" if value is None else html.escape(str(value), quote=True)


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
        Street names (escaped here).
    shares : list of float or None
        Coverage per street; None is drawn as "–" without a bar.
    title : str
        Accessible title of the chart.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    row_h, label_w, bar_w, top = 16, 120, 260, 6
    height = top + row_h * len(names) + 18
    width = label_w + bar_w + 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" style="max-width:{width}px" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}" '
        'font-size="10" font-family="sans-serif">',
        f"<title>{_e(title)}</title>",
    ]
    for i, (name, share) in enumerate(zip(names, shares, strict=True)):
        y = top + i * row_h
        parts.append(f'<text x="{label_w - 4}" y="{y + 11}" text-anchor="end">{_e(name)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{bar_w}" height="{row_h - 5}" fill="#eef1f5"/>'
        )
        if share is None:
            parts.append(f'<text x="{label_w + 4}" y="{y + 11}">–</text>')
            continue
        w = max(0.0, min(1.0, share)) * bar_w
        parts.append(
            f'<rect class="bar" x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 5}" '
            f'fill="{coverage_colour(share)}" stroke="#555" stroke-width="0.4"/>'
        )
        parts.append(f'<text x="{label_w + bar_w + 4}" y="{y + 11}">{fmt_pct(share)}</text>')
    axis_y = top + row_h * len(names) + 2
    for tick in (0, 0.5, 1.0):
        x = label_w + tick * bar_w
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{axis_y}" stroke="#999" '
            'stroke-width="0.5" stroke-dasharray="2 2"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{axis_y + 11}" text-anchor="middle" fill="#666">'
            f"{tick:.0%}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _rules_table(summary: dict[str, Any], lang: Lang) -> str:
    rules = summary.get("rules") or []
    if not rules:
        return '<p class="note">–</p>'
    head = [text(k, lang) for k in ("rule", "verdict", "value", "threshold", "citation")]
    rows = ["<table class='rules'><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for rule in rules:
        verdict = str(rule.get("verdict", "report"))
        css = verdict if verdict in {"pass", "fail", "report"} else "report"
        label = text(css, lang) if verdict in {"pass", "fail", "report"} else verdict
        title = rule.get("title_zh" if lang == "zh" else "title_en") or rule.get("rule_id")
        cit = rule.get("citation") or {}
        evidence = str(cit.get("evidence") or "")
        ev_key = f"evidence_{evidence}"
        ev_text = text(ev_key, lang) if evidence in {"plan", "found", "memory"} else evidence
        ev_css = " memory" if evidence == "memory" else ""
        unit = str(rule.get("unit") or "")
        citation = (
            f"{_e(cit.get('document'))} {_e(cit.get('article'))}"
            f"<div class='quote'>“{_e(cit.get('quote_zh'))}”</div>"
            f"<div class='quote{ev_css}'>{text('evidence', lang)}: {_e(ev_text)}</div>"
            if cit
            else "–"
        )
        rows.append(
            f"<tr data-rule='{_e(rule.get('rule_id'))}'><td>{_e(title)}</td>"
            f"<td><span class='badge {css}'>{_e(label)}</span></td>"
            f"<td class='n'>{_e(_fmt_rule_value(rule.get('value'), unit))}</td>"
            f"<td class='n'>{_e(_fmt_rule_value(rule.get('threshold'), unit))}</td>"
            f"<td>{citation}</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def _failing_table(results: Results, lang: Lang, max_rows: int) -> str:
    estates = pd.DataFrame(results.layers["estates"].drop(columns="geometry"))
    failing = estates[estates["verdict"].astype(str) != "ok"]
    if failing.empty:
        return f"<p>{text('no_failing', lang)}</p>"
    main = results.main_tier
    walk_col = f"walk_{main}_m"
    failing = failing.assign(_short=pd.to_numeric(failing["shortfall_m2"], errors="coerce"))
    failing = failing.sort_values(["_short", "estate_id"], ascending=[False, True], kind="stable")
    shown = failing.head(max_rows)
    head = [
        text("estate_id", lang),
        text("estates", lang),
        text("street", lang),
        text("households", lang),
        text("required", lang),
        text("provided", lang),
        text("shortfall_one", lang),
        f"{tier_label(main, lang)} {text('walk', lang)}",
        text("verdict", lang),
    ]
    out = ["<table class='failing'><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for r in shown.to_dict("records"):
        verdict = str(r.get("verdict"))
        colour = VERDICT_COLOURS.get(verdict, "#999999")
        walk = _num(r.get(walk_col)) if walk_col in r else None
        out.append(
            f"<tr><td>{_e(r.get('estate_id'))}</td><td>{_e(r.get('name'))}</td>"
            f"<td>{_e(r.get('street') or '')}</td>"
            f"<td class='n'>{fmt_int(_num(r.get('households')))}</td>"
            f"<td class='n'>{fmt_m2(_num(r.get('required_m2')))}</td>"
            f"<td class='n'>{fmt_m2(_num(r.get('provided_m2')))}</td>"
            f"<td class='n'>{fmt_m2(_num(r.get('shortfall_m2')))}</td>"
            f"<td class='n'>{'–' if walk is None else fmt_int(walk)}</td>"
            f"<td><span class='badge' style='background:{colour}'>"
            f"{_e(verdict_label(verdict, lang))}</span></td></tr>"
        )
    out.append("</table>")
    more = len(failing) - len(shown)
    if more > 0:
        out.append(f"<p class='note'>{_e(text('failing_more', lang).format(n=f'{more:,}'))}</p>")
    return "".join(out)


def build_report_html(
    results: Results, lang: Lang, *, max_rows: int = MAX_ROWS, map_png: Path | None = None
) -> str:
    """Return the report page as a string (see :func:`render_report`)."""
    summary = results.summary
    cards = "".join(
        f"<div class='card'><div class='k'>{_e(k)}</div><div class='v'>{_e(v)}</div></div>"
        for k, v in headline_rows(results, lang)
    )
    main = results.main_tier
    streets = results.layer("streets")
    chart = ""
    if streets is not None and not streets.empty:
        col = f"coverage_{main}"
        table = pd.DataFrame(
            {
                "name": streets["name"].astype(str),
                "share": pd.to_numeric(streets[col], errors="coerce")
                if col in streets.columns
                else float("nan"),
            }
        ).sort_values(["share", "name"], kind="stable", na_position="first")
        shares = [_num(v) for v in table["share"]]
        chart_title = f"{tier_label(main, lang)} · {text('streets', lang)}"
        chart = f"<h2>{_e(chart_title)}</h2>" + coverage_chart_svg(
            table["name"].tolist(), shares, chart_title
        )
    map_html = ""
    if map_png is not None and map_png.is_file():
        data = base64.b64encode(map_png.read_bytes()).decode("ascii")
        map_html = (
            f"<img class='map' alt='{_e(text('title', lang))}' src='data:image/png;base64,{data}'>"
        )
    tool = summary.get("tool_version") or __version__
    title = text("report_title", lang)
    body = (
        f"<h1>{_e(title)}</h1>"
        f"<div class='sub'>{_e(ruleset_line(results, lang))}</div>"
        f"<div class='cards'>{cards}</div>"
        f"<div class='two'><div>{chart}</div><div>{map_html}</div></div>"
        f"<h2>{text('rules', lang)}</h2>{_rules_table(summary, lang)}"
        f"<h2>{text('failing_title', lang)}</h2>{_failing_table(results, lang, max_rows)}"
        f"<div class='foot'>{text('generated', lang)}: eldercare-planning {_e(tool)}</div>"
    )
    return (
        f"<!DOCTYPE html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head>"
        "<meta charset='utf-8'><meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>{body}</body></html>"
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
            "PDF report skipped: WeasyPrint is not installed (pip install weasyprint); "
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
