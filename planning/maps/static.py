"""A static PNG gap map for documents and slides (静态缺口图), drawn with matplotlib.

The map is drawn in the results' metric CRS (so the scale bar is exact): walking network and rivers
as a light base, streets shaded by coverage, the main service-circle tier, estates coloured by
verdict, facilities by kind and proposed sites. Chinese text needs a CJK font; when none is
installed the map is drawn with English labels and a warning is logged (install
``fonts-noto-cjk`` or ``fonts-wqy-microhei`` on Debian/Ubuntu).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from planning.maps._write import atomic_write_with
from planning.maps.drawing import draw_estates, draw_on_save, network_picture, polygons_patch
from planning.maps.gap_map import NETWORK_VECTOR_LIMIT, headline_rows, ruleset_line
from planning.maps.labels import (
    KIND_COLOURS,
    NETWORK_COLOUR,
    OUTSIDE_OUTLINE,
    OUTSIDE_VERDICTS,
    PROPOSAL_COLOUR,
    RIVER_COLOUR,
    TIER_COLOURS,
    VERDICT_COLOURS,
    Lang,
    check_lang,
    coverage_classes,
    coverage_colour,
    fmt_pct,
    kind_label,
    text,
    tier_label,
    verdict_label,
)
from planning.maps.payload import footer_line
from planning.maps.results import Results, load_results
from planning.vocabulary import ESTATE_VERDICTS, FACILITY_KINDS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

logger = logging.getLogger(__name__)

#: CJK font families tried in order (the first installed one is used).
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Sarasa Gothic SC",
    "AR PL UMing CN",
)

#: Matplotlib marker per facility kind (close to the web map's symbols).
KIND_MARKERS = {
    "community_station": "p",
    "street_centre": "s",
    "institution": "P",
    "rural_point": "^",
}


def find_cjk_font() -> str | None:
    """Return the family name of an installed font that covers Chinese, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    for name in sorted(installed):  # any other family whose name says it is CJK
        low = name.lower()
        if any(tag in low for tag in ("cjk", " sc", "hei", "song", "kai", "ming")):
            return name
    return _font_from_fontconfig()


def _font_from_fontconfig() -> str | None:
    """Ask fontconfig (``fc-list :lang=zh``) for a Chinese font matplotlib has not indexed yet.

    Matplotlib caches its font list; a font installed after the cache was built is only found
    this way. The font file is registered with matplotlib and its family name returned.
    """
    import shutil
    import subprocess

    from matplotlib import font_manager

    exe = shutil.which("fc-list")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, ":lang=zh", "file"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in sorted(out.splitlines()):
        path = line.strip().rstrip(":").strip()
        if not path:
            continue
        try:
            font_manager.fontManager.addfont(path)
            return str(font_manager.FontProperties(fname=path).get_name())
        except (OSError, RuntimeError, ValueError):
            continue
    return None


def _scale_bar(ax: Axes, width_m: float) -> None:
    """Draw a metric scale bar (比例尺) in the lower-left corner of ``ax`` and a north arrow."""
    from matplotlib.patches import Rectangle

    target = width_m / 5
    exp = 10 ** math.floor(math.log10(target))
    length = max(s * exp for s in (1, 2, 5) if s * exp <= target)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    h = (y1 - y0) * 0.008
    for k in range(2):
        ax.add_patch(
            Rectangle(
                (bx + k * length / 2, by),
                length / 2,
                h,
                facecolor="black" if k == 0 else "white",
                edgecolor="black",
                linewidth=0.8,
                zorder=20,
            )
        )
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.add_patch(
        Rectangle(
            (bx - length * 0.08, by - h * 1.5),
            length * 1.25,
            h * 6.5,
            facecolor="white",
            edgecolor="none",
            alpha=0.8,
            zorder=19,
        )
    )
    ax.text(bx, by + h * 1.8, "0", fontsize=7, ha="center", zorder=20)
    ax.text(bx + length, by + h * 1.8, label, fontsize=7, ha="center", zorder=20)
    ax.annotate(
        "N",
        xy=(x1 - (x1 - x0) * 0.04, y1 - (y1 - y0) * 0.05),
        xytext=(x1 - (x1 - x0) * 0.04, y1 - (y1 - y0) * 0.12),
        ha="center",
        fontsize=9,
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.2},
        zorder=20,
    )


def _fit_extent(ax: Axes, results: Results) -> None:
    """Zoom to the estates and facilities (service areas may reach far beyond them)."""
    frames = [results.layers["estates"]]
    fac = results.layer("facilities")
    if fac is not None:
        frames.append(fac)
    bounds = np.array([f.total_bounds for f in frames if not f.empty])
    if bounds.size == 0 or not np.isfinite(bounds).all():
        return
    x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
    x1, y1 = bounds[:, 2].max(), bounds[:, 3].max()
    pad = max(x1 - x0, y1 - y0, 200.0) * 0.05
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)


def _draw(ax: Axes, results: Results, lang: Lang) -> list[Any]:
    """Draw every layer on ``ax``; return legend handles."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: dict[str, list[Any]] = {
        k: [] for k in ("estate", "fac", "prop", "tier", "street", "base")
    }
    network = results.layer("network")
    # a city-wide network is drawn as one picture once the view is known (_network_picture)
    if network is not None and len(network) <= NETWORK_VECTOR_LIMIT:
        network.plot(ax=ax, color=NETWORK_COLOUR, linewidth=0.3, zorder=1)
    barriers = results.layer("barriers")
    if barriers is not None:
        barriers.plot(ax=ax, color=RIVER_COLOUR, linewidth=0, zorder=2)
        handles["base"].append(Patch(facecolor=RIVER_COLOUR, label=text("rivers", lang)))
    main = results.main_tier
    streets = results.layer("streets")
    if streets is not None:
        # Streets built from estate attributes (no --streets layer) have no outline to draw.
        streets = streets[~(streets.geometry.isna() | streets.geometry.is_empty)]
    if streets is not None and len(streets):
        col = f"coverage_{main}"
        shares = streets[col] if col in streets.columns else [None] * len(streets)
        colours = [coverage_colour(None if v is None else float(v)) for v in shares]
        streets.plot(ax=ax, color=colours, alpha=0.3, linewidth=0, zorder=3)
        streets.boundary.plot(ax=ax, color="#555555", linewidth=0.7, linestyle="--", zorder=4)
        if len(streets) <= 60:
            pts = streets.geometry.representative_point()
            for p, name, share in zip(pts, streets["name"], shares, strict=True):
                ax.text(
                    p.x,
                    p.y,
                    f"{name}\n{fmt_pct(None if share is None else float(share))}",
                    fontsize=6.5,
                    ha="center",
                    va="center",
                    zorder=15,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.6},
                )
        for label, colour in coverage_classes():
            handles["street"].append(
                Patch(facecolor=colour, alpha=0.5, label=f"{text('streets', lang)} {label}")
            )
    areas = results.layer("service_areas")
    if areas is not None:
        sel = areas[(areas["tier"].astype(str) == main) & areas["merged"].astype(bool)]
        if sel.empty:
            sel = areas[areas["tier"].astype(str) == main]
        colour = TIER_COLOURS[min(results.tiers.index(main), len(TIER_COLOURS) - 1)]
        if not sel.empty:
            parts = shapely.get_parts(sel.geometry.to_numpy())
            fill = polygons_patch(parts, facecolor=colour, alpha=0.08, linewidth=0, zorder=5)
            outer = polygons_patch(shapely.polygons(shapely.get_exterior_ring(parts)),
                                    fill=False, edgecolor=colour, linewidth=1.0, zorder=5)  # fmt: skip
            for patch in (fill, outer):
                if patch is not None:
                    ax.add_artist(patch)
            handles["tier"].append(
                Line2D([], [], color=colour, lw=1.2, label=tier_label(main, lang))
            )
    estates = results.layers["estates"]
    verdicts = estates["verdict"].astype(str)
    for key in ESTATE_VERDICTS:
        part = estates[verdicts == key]
        colour = VERDICT_COLOURS[key]
        # outside the circle: hatched with a dark outline, readable without telling colours apart
        outside = key in OUTSIDE_VERDICTS
        edge = OUTSIDE_OUTLINE if outside else "#333333"
        hatch = "////" if outside else None
        if not part.empty:
            draw_estates(ax, part.geometry.to_numpy(), colour, edge, 0.6 if outside else 0.2,
                          hatch)  # fmt: skip
        handles["estate"].append(
            Patch(
                facecolor=colour,
                edgecolor=edge,
                hatch=hatch,
                label=f"{verdict_label(key, lang)} ({int((verdicts == key).sum()):,})",
            )
        )
    facilities = results.layer("facilities")
    if facilities is not None:
        pts = facilities.geometry.representative_point()
        kinds = facilities["kind"].astype(str).to_numpy()
        for kind in FACILITY_KINDS:
            mask = kinds == kind
            if not mask.any():
                continue
            xy = np.column_stack([pts.x.to_numpy()[mask], pts.y.to_numpy()[mask]])
            marker = KIND_MARKERS[kind]
            ax.scatter(
                xy[:, 0],
                xy[:, 1],
                s=46,
                marker=marker,
                c=KIND_COLOURS[kind],
                edgecolors="white",
                linewidths=0.6,
                zorder=8,
            )
            handles["fac"].append(
                Line2D(
                    [],
                    [],
                    marker=marker,
                    linestyle="",
                    color=KIND_COLOURS[kind],
                    markeredgecolor="white",
                    markersize=7,
                    label=kind_label(kind, lang),
                )
            )
    proposals = results.layer("proposals")
    if proposals is not None:
        pts = proposals.geometry.representative_point()
        ax.scatter(
            pts.x,
            pts.y,
            s=160,
            marker="*",
            c=PROPOSAL_COLOUR,
            edgecolors="#7a5a00",
            linewidths=0.7,
            zorder=9,
        )
        for p, rank in zip(pts, proposals["rank"], strict=True):
            ax.annotate(
                str(int(rank)),
                (p.x, p.y),
                xytext=(6, 6),
                textcoords="offset points",
                fontsize=7,
                zorder=10,
            )
        handles["prop"].append(
            Line2D(
                [],
                [],
                marker="*",
                linestyle="",
                color=PROPOSAL_COLOUR,
                markeredgecolor="#7a5a00",
                markersize=11,
                label=text("proposals", lang),
            )
        )
    return [h for group in handles.values() for h in group]


def render_png(
    results_dir: str | Path | Results,
    out_path: str | Path | None = None,
    *,
    lang: str = "zh",
    dpi: int = 200,
    size_in: tuple[float, float] = (11.0, 8.5),
    frame: bool = True,
) -> Path:
    """Draw the gap map as a PNG for documents (静态缺口图).

    Parameters
    ----------
    results_dir : str, Path or Results
        Results folder written by the audit, or its :class:`~planning.maps.results.Results`
        (loaded before, or :func:`~planning.maps.results.from_audit`).
    out_path : str or Path, optional
        Where to write; default ``results_dir/gap_map.png``. Written atomically.
    lang : {"zh", "en"}
        Language of the labels; falls back to English (with a warning) when no CJK font exists.
    dpi : int
        Resolution.
    size_in : (float, float)
        Figure width and height in inches.
    frame : bool
        Title, headline figures and footer around the map; without them (``False``) the map
        and its legend fill the picture, as the report places it under its own title.

    Returns
    -------
    Path
        The written file.
    """
    from matplotlib.figure import Figure

    language = check_lang(lang)
    results = load_results(results_dir)
    font = find_cjk_font()
    if font is None:
        if language == "zh":
            logger.warning(
                "no Chinese (CJK) font found; the PNG map is drawn with English labels and "
                "Chinese names may show as boxes. Install fonts-noto-cjk or fonts-wqy-microhei "
                "(apt-get install fonts-wqy-microhei) for Chinese labels."
            )
        language = "en"
    import warnings

    import matplotlib as mpl

    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with (
        mpl.rc_context({"font.family": "sans-serif", "font.sans-serif": families}),
        warnings.catch_warnings(),
    ):
        # without a CJK font, names would warn once per missing glyph: already logged above
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        fig = Figure(figsize=size_in, dpi=dpi)
        draw_on_save(fig)
        ax = fig.add_axes((0.01, 0.035, 0.72, 0.845) if frame else (0.005, 0.01, 0.72, 0.98))
        handles = _draw(ax, results, language)
        ax.set_aspect("equal")
        ax.set_axis_off()
        _fit_extent(ax, results)
        network_picture(ax, results.layer("network"))
        x0, x1 = ax.get_xlim()
        if results.layers["estates"].crs is not None and results.layers["estates"].crs.is_projected:
            _scale_bar(ax, x1 - x0)
        if frame:
            fig.suptitle(text("title", language), x=0.02, y=0.975, ha="left", fontsize=14)
            head = "   ".join(f"{k} {v}" for k, v in headline_rows(results, language))
            fig.text(0.02, 0.915, ruleset_line(results, language), fontsize=8.5, color="#444444")
            fig.text(0.02, 0.89, head, fontsize=8.5)
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.745, 0.87 if frame else 0.99),
            fontsize=7,
            frameon=False,
            title=text("legend", language),
            title_fontsize=8.5,
            alignment="left",
        )
        # the same footer as the report: date, ruleset, data sources, tool version
        if frame:
            fig.text(0.02, 0.008, footer_line(results, language), fontsize=7, color="#555555")
        target = Path(out_path) if out_path is not None else results.folder / "gap_map.png"
        atomic_write_with(target, lambda tmp: fig.savefig(tmp, format="png", dpi=dpi))
    logger.info("PNG map written to %s", target)
    return target
