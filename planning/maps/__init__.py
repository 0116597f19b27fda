"""Gap maps and meeting reports (缺口图与汇报材料) from a saved results folder.

Everything here reads what the audit saved (``results.gpkg``, ``summary.json``), so maps can be
redrawn later, in another language or on another basemap, without running the audit again.

Public API
----------
build_gap_map
    The interactive gap map as a ``folium.Map`` (inline in Jupyter; offline when saved).
render_gap_map
    The same written as ``gap_map.html`` (Leaflet inlined; no request with the default basemap).
render_png
    Static PNG map for documents (matplotlib).
render_report
    One-page self-contained HTML summary report.
render_report_pdf
    The same report as PDF (WeasyPrint), or None when WeasyPrint is not installed.
write_report
    Both from one layout of the page (the PDF is the layout that proved it fits one sheet).
write_all
    All of the above into the results folder, as one transaction (the other files are kept).
draw_all
    The same into a folder as it is (used inside a transaction that writes the tables too);
    ``map_jobs`` gives its products as jobs that run side by side with the table writers.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from planning.audit.output import Workers
from planning.io.parallel import Job, auto_workers, output_size, run_jobs
from planning.io.transaction import MAP_FILES, output_transaction
from planning.maps.errors import MapOptionsError
from planning.maps.gap_map import build_gap_map, render_gap_map
from planning.maps.report import render_report, render_report_pdf, report_map, write_report
from planning.maps.results import Results, load_results
from planning.maps.static import render_png

logger = logging.getLogger(__name__)

__all__ = [
    "MapOptionsError",
    "build_gap_map",
    "draw_all",
    "map_jobs",
    "render_gap_map",
    "render_png",
    "render_report",
    "render_report_pdf",
    "write_all",
    "write_report",
]


def write_all(
    results_dir: str | Path,
    *,
    lang: str = "zh",
    basemap: str = "none",
    offline: bool | None = None,
    tianditu_key: str | None = None,
    pdf: bool = True,
    paper: str = "a4",
) -> dict[str, Path]:
    """Write ``gap_map.html``, ``gap_map.png``, ``report.html`` (and ``report.pdf``) into the folder.

    The maps are drawn in a staging copy of the folder and switched in together
    (:func:`planning.io.transaction.output_transaction`): a failure or an interrupt leaves the
    folder as it was, and the tables are kept as they are.

    Parameters
    ----------
    results_dir : str or Path
        Results folder written by the audit.
    lang : {"zh", "en"}
        Language of every output.
    basemap : {"none", "osm", "tianditu", "amap"}
        Basemap of the web map (see :func:`render_gap_map`).
    offline : bool, optional
        Passed to :func:`render_gap_map`.
    tianditu_key : str, optional
        天地图 key, for ``basemap="tianditu"``.
    pdf : bool
        Also write ``report.pdf`` when WeasyPrint is installed.
    paper : {"a4", "a3"}
        The report on one A4 page or one A3 landscape page.

    Returns
    -------
    dict of str to Path
        Output name (``gap_map.html``, ``gap_map.png``, ``report.html``, ``report.pdf``) to path;
        ``report.pdf`` is absent when no PDF was written.
    """
    folder = Path(results_dir)
    if not (folder / "summary.json").is_file():
        load_results(folder)  # raises the error naming what is missing
    with output_transaction(folder, owns=MAP_FILES) as staging:
        names = list(
            draw_all(
                staging,
                lang=lang,
                basemap=basemap,
                offline=offline,
                tianditu_key=tianditu_key,
                pdf=pdf,
                paper=paper,
            )
        )
    return {name: folder / name for name in names}


def draw_all(
    folder: Path,
    *,
    lang: str = "zh",
    basemap: str = "none",
    offline: bool | None = None,
    tianditu_key: str | None = None,
    pdf: bool = True,
    paper: str = "a4",
    results: Results | None = None,
    workers: Workers = "auto",
) -> dict[str, Path]:
    """Draw the maps and the report of the results in ``folder`` into the same folder.

    No transaction: :func:`write_all` and :meth:`planning.results.AuditResult.write` call it on
    their staging folder. Parameters and return value are those of :func:`write_all`, and:

    Parameters
    ----------
    results : Results, optional
        The results to draw (:func:`planning.maps.results.from_audit` right after an audit);
        read from ``folder`` once when not given.
    workers : int, None or "auto"
        Worker processes drawing side by side (None: every CPU; 1: one after the other here;
        "auto": every CPU for a city, one for a district).
    """
    source = load_results(folder) if results is None else results
    jobs = map_jobs(folder, source, lang=lang, basemap=basemap, offline=offline,
                    tianditu_key=tianditu_key, pdf=pdf, paper=paper)  # fmt: skip
    if workers == "auto":
        workers = auto_workers(_size(source))
    return run_jobs(jobs, workers)


def _size(results: Results) -> float:
    """How big the results are to draw (:func:`planning.io.parallel.output_size`)."""
    network = results.layer("network")
    return output_size(len(results.layers["estates"]), 0 if network is None else len(network))


def map_jobs(
    folder: Path,
    results: Results,
    *,
    lang: str = "zh",
    basemap: str = "none",
    offline: bool | None = None,
    tianditu_key: str | None = None,
    pdf: bool = True,
    paper: str = "a4",
) -> list[Job]:
    """Return the map products as independent jobs (:func:`planning.io.parallel.run_jobs`).

    The gap map, the PNG map and the report (its own map, the HTML page, the PDF) are drawn from
    the same :class:`~planning.maps.results.Results`, read once or taken from memory.
    Parameters are those of :func:`draw_all`.
    """
    folder = Path(folder)
    size = _size(results)

    def gap_map() -> dict[str, Path]:
        out = render_gap_map(results, folder / "gap_map.html", lang=lang, basemap=basemap,
                             offline=offline, tianditu_key=tianditu_key)  # fmt: skip
        return {"gap_map.html": out}

    def png() -> dict[str, Path]:
        return {"gap_map.png": render_png(results, folder / "gap_map.png", lang=lang)}

    def report() -> dict[str, Path]:
        with tempfile.TemporaryDirectory(prefix="eldercare-report-") as tmp:
            # the report's map, drawn once for its paper size, serves the HTML and the PDF
            map_png = report_map(results, Path(tmp) / "map.png", lang=lang, paper=paper)
            return write_report(results, folder, lang=lang, paper=paper, map_png=map_png, pdf=pdf)

    return [
        Job("gap_map.html", gap_map, cost=2 * size),
        Job("gap_map.png", png, cost=size),
        Job("report", report, cost=2 * size),
    ]
