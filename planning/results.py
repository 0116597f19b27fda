"""What the Python API returns: results that write their files and show their maps.

:class:`AuditResult`, :class:`SitingResult` and :class:`Review` extend the plain results of the
audit, siting and review layers with ``write()`` (the same files as the command line) and
``explore()`` / inline display in Jupyter (the gap map, the review sheet). They live at the top
of the package because writing maps needs :mod:`planning.maps`, which sits above those layers.
"""

from __future__ import annotations

import dataclasses
import html
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

import folium
import geopandas as gpd

from planning.audit import Audit, input_files, write_tables
from planning.audit.output import parallel_workers, table_jobs
from planning.io.parallel import run_jobs
from planning.io.transaction import AUDIT_FILES, REVIEW_FILES, output_transaction
from planning.maps import build_gap_map, map_jobs
from planning.maps.results import from_audit, load_results
from planning.network import WalkNetwork
from planning.review.core import ReviewOutcome
from planning.review.output import atomic_write_bytes, review_to_dict, write_json, write_xlsx
from planning.review.sheet import review_html
from planning.siting.adapter import SitingOutcome

Lang = Literal["zh", "en"]
Basemap = Literal["none", "osm", "tianditu", "amap"]
Progress = Callable[[str], None]


class HtmlView:
    """A self-contained HTML page (a map or a sheet) that shows inline in Jupyter.

    Parameters
    ----------
    page : str
        The complete HTML document.
    height : int
        Height of the inline frame in pixels.
    """

    def __init__(self, page: str, height: int = 600) -> None:
        self.html = page
        self.height = height

    def _repr_html_(self) -> str:
        # srcdoc keeps the page's own scripts and styles apart from the notebook's.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="width:100%;height:{self.height}px;border:1px solid #ccc"></iframe>'
        )

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path."""
        target = Path(path)
        atomic_write_bytes(target, self.html.encode("utf-8"))
        return target


@dataclasses.dataclass
class AuditResult(Audit):
    """An audit (see :class:`planning.audit.Audit`) that writes its files and shows its map.

    Attributes
    ----------
    estates, facilities, streets : GeoDataFrame
        Per-estate verdicts (``verdict``, ``area_ok``, ``covered_15min``, ``walk_m`` …), the
        facilities and the per-street table, in the inputs' metric CRS.
    summary : dict
        What ``summary.json`` holds (totals, rule verdicts, parameters).
    rules : DataFrame
        One row per rule with its verdict.
    """

    @classmethod
    def from_audit(cls, audit: Audit) -> AuditResult:
        """Wrap a plain :class:`~planning.audit.Audit`."""
        values = {f.name: getattr(audit, f.name) for f in dataclasses.fields(Audit)}
        return cls(**values)

    def with_proposals(self, proposals: gpd.GeoDataFrame, siting: dict[str, Any]) -> AuditResult:
        """Return a copy carrying siting proposals (drawn on the map, written with the tables)."""
        return dataclasses.replace(self, proposals=proposals, siting=siting)

    def write(
        self,
        out: str | Path,
        *,
        maps: bool = True,
        lang: Lang = "zh",
        basemap: Basemap = "none",
        progress: Progress | None = None,
        paper: str = "a4",
    ) -> dict[str, Path]:
        """Write the results folder: the same files as ``eldercare audit``, as one set.

        The tables, maps and report are built in a staging folder beside ``out`` and switched in
        at the end (:func:`planning.io.transaction.output_transaction`): if anything fails or the
        run is interrupted, ``out`` keeps its previous files, byte for byte. A folder holding
        one of the audit's input files is refused, as is a folder another run is writing.

        Parameters
        ----------
        out : str or Path
            Results folder (created when missing).
        maps : bool
            Also draw ``gap_map.html``, ``gap_map.png`` and the report.
        lang : {"zh", "en"}
            Language of the workbook, maps and report.
        basemap : {"none", "osm", "tianditu", "amap"}
            Basemap of the web map (``none``: offline).
        progress : callable, optional
            Receives a short message at each step.
        paper : {"a4", "a3"}
            ``report.pdf`` on one A4 page or one A3 landscape page.

        Returns
        -------
        dict
            File name to path.
        """
        say = progress or (lambda message: None)
        final = Path(out)
        with output_transaction(final, owns=AUDIT_FILES, inputs=input_files(self)) as staging:
            say(f"Writing results to {final}")
            jobs = table_jobs(self, staging, lang=lang)
            if maps:
                say("Drawing the gap map and the report")
                # drawn from the audit in memory, side by side with the tables' writers
                results = from_audit(self, staging)
                jobs += map_jobs(staging, results, lang=lang, basemap=basemap, paper=paper)
            names = list(run_jobs(jobs, parallel_workers(self)))
        return {name: final / name for name in names}

    def explore(
        self, *, lang: Lang = "zh", basemap: Basemap = "none", height: int = 600
    ) -> folium.Map:
        """Return the interactive gap map (缺口地图) as a ``folium.Map``; it shows inline in Jupyter.

        The same map as ``gap_map.html`` (:func:`planning.maps.build_gap_map`): offline, every
        script inlined. Add folium layers to it, or ``.save("gap_map.html")``.

        Parameters
        ----------
        lang : {"zh", "en"}
            Language of the map.
        basemap : {"none", "osm", "tianditu", "amap"}
            ``none`` (offline) or an online basemap.
        height : int
            Height of the inline map in pixels.

        Returns
        -------
        folium.Map
        """
        with tempfile.TemporaryDirectory(prefix="eldercare-explore-") as tmp:
            folder = Path(tmp)
            write_tables(self, folder, lang=lang)
            # read back into memory: the map needs nothing from the folder once built
            results = load_results(folder)
        return build_gap_map(results, lang=lang, basemap=basemap, height=height)

    def _repr_html_(self) -> str:
        totals = self.totals
        coverage = ", ".join(
            f"{tier} {share:.1%}" for tier, share in totals["coverage"].items() if share is not None
        )
        return (
            f"<b>{html.escape(self.ruleset.name_zh)} audit</b>: {totals['estates']} estates, "
            f"{totals['households']} households; coverage {html.escape(coverage)}; "
            f"{totals['estates_area_failing']} estates short of floor area. "
            "<code>.explore()</code> shows the gap map."
        )


@dataclasses.dataclass
class SitingResult(SitingOutcome):
    """Proposed sites (选址建议) and the audit they extend.

    Attributes
    ----------
    proposals : GeoDataFrame
        Ranked new sites with the households each newly covers.
    summary : dict
        Before/after coverage, solver status, bound and gap.
    audit : AuditResult
        The audit with these proposals attached: ``write`` and ``explore`` go through it.
    """

    audit: AuditResult | None = None

    def _audit(self) -> AuditResult:
        if self.audit is None:
            raise ValueError("This siting result carries no audit; use planning.site().")
        return self.audit

    def write(self, out: str | Path, **kwargs: Any) -> dict[str, Path]:
        """Write the audit's results folder with the proposals (``proposals.csv`` and layer)."""
        return self._audit().write(out, **kwargs)

    def explore(self, **kwargs: Any) -> folium.Map:
        """Return the gap map (``folium.Map``) with the proposals drawn as numbered stars."""
        return self._audit().explore(**kwargs)


@dataclasses.dataclass
class Review(ReviewOutcome):
    """The review of proposed estates (新建小区审查) that writes its files and shows its sheet."""

    network: WalkNetwork | None = None
    barriers: gpd.GeoDataFrame | None = None

    @classmethod
    def from_review(
        cls, review: ReviewOutcome, *, network: WalkNetwork, barriers: gpd.GeoDataFrame | None
    ) -> Review:
        """Wrap a plain review with the network and barriers its sheet draws."""
        values = {f.name: getattr(review, f.name) for f in dataclasses.fields(ReviewOutcome)}
        return cls(**values, network=network, barriers=barriers)

    def sheet(self, lang: Lang = "zh") -> str:
        """Return the review sheet (one A4 page per estate) as an HTML document."""
        return review_html(self, self.network, self.barriers, lang)

    def write(
        self,
        out: str | Path,
        *,
        lang: Lang = "zh",
        sources: dict[str, str] | None = None,
        inputs: Iterable[str | Path] = (),
    ) -> dict[str, Path]:
        """Write ``review.json``, ``review.html`` and ``review.xlsx`` into ``out``, as one set.

        Like :meth:`AuditResult.write`, the files are switched in together at the end; a folder
        holding an input file is refused.

        Parameters
        ----------
        out : str or Path
            Folder (created when missing).
        lang : {"zh", "en"}
            Language of the sheet and workbook.
        sources : dict, optional
            Input names recorded in ``review.json``; those that are files are protected too.
        inputs : iterable of path, optional
            Further files the review read, which ``out`` may not hold.

        Returns
        -------
        dict
            File name to path.
        """
        final = Path(out)
        data = review_to_dict(self, sources or {})
        read = [*(sources or {}).values(), *inputs]
        with output_transaction(final, owns=REVIEW_FILES, inputs=read) as staging:
            write_json(data, staging / "review.json")
            atomic_write_bytes(staging / "review.html", self.sheet(lang).encode("utf-8"))
            write_xlsx(data, staging / "review.xlsx", lang)
        return {name: final / name for name in ("review.json", "review.html", "review.xlsx")}

    def _repr_html_(self) -> str:
        return HtmlView(self.sheet(), height=900)._repr_html_()
