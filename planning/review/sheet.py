"""The one-page review sheet (审查表): ``review.html``, self-contained and printable on A4.

One page per proposed estate: header 新建小区养老服务设施配建审查表, the estate's facts, a table of
verdicts with their basis (依据: document number, article, quoted text, evidence level), a small
map drawn as inline SVG from the geometries (estate, gates, nearby network edges in light grey,
barriers, facilities, the walking routes in red, a scale bar and a north arrow) and a footer with
the tool version and the ruleset id. No scripts, fonts or images are loaded from anywhere.

This module prepares the values; the page is the template ``planning/review/html/sheet.html.j2``
(with ``sheet.css``) and the map ``map.svg.j2``, rendered with autoescaping.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from planning import __version__
from planning._templates import fragment, render
from planning.review.core import EstateReview, ReviewOutcome, TierVerdict
from planning.review.output import labels
from planning.vocabulary import FACILITY_KINDS, UNITS, label

if TYPE_CHECKING:
    from planning.network import WalkNetwork
    from planning.review.common import Verdict

logger = logging.getLogger(__name__)

#: Drawing area of the map in CSS pixels.
MAP_W, MAP_H, PAD = 640.0, 300.0, 14.0
#: Smallest map extent (m) so that a lone estate still shows its streets.
MIN_EXTENT_M = 400.0
_NICE = (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _verdict(value: Verdict | str, lab: dict[str, str]) -> dict[str, str]:
    return {"code": value, "label": lab.get(value, value)}


def _citation(citation: dict[str, str]) -> dict[str, str]:
    """Return the citation (依据) as the template shows it (no ``document``: no basis shown)."""
    return {
        "document": citation.get("document", ""),
        "article": citation.get("article", ""),
        "quote": citation.get("quote_zh", ""),
        "evidence": citation.get("evidence", ""),
    }


# ---------------------------------------------------------------------------- map
class _Frame:
    """World (metres) → SVG pixel transform with equal scale on both axes."""

    def __init__(self, bounds: tuple[float, float, float, float]) -> None:
        minx, miny, maxx, maxy = bounds
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        w = max(maxx - minx, MIN_EXTENT_M)
        h = max(maxy - miny, MIN_EXTENT_M * MAP_H / MAP_W)
        self.scale = min((MAP_W - 2 * PAD) / w, (MAP_H - 2 * PAD) / h)
        half_w, half_h = MAP_W / 2 / self.scale, MAP_H / 2 / self.scale
        self.box = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.box[0]) * self.scale, (self.box[3] - y) * self.scale

    def path(self, geom: Any) -> str:
        """SVG path data of a (multi)line or (multi)polygon."""
        parts = []
        geoms = getattr(geom, "geoms", [geom])
        for g in geoms:
            rings = [g.exterior, *g.interiors] if g.geom_type == "Polygon" else [g]
            for ring in rings:
                coords = shapely.get_coordinates(ring)
                if len(coords) == 0:
                    continue
                pts = [self.xy(x, y) for x, y in coords]
                d = "M" + " L".join(f"{px:.1f},{py:.1f}" for px, py in pts)
                if g.geom_type == "Polygon":
                    d += " Z"
                parts.append(d)
        return " ".join(parts)


def _r(value: float) -> float:
    """Round a pixel position to 0.1 px (what the SVG needs)."""
    return round(float(value), 1)


def _scale_bar(frame: _Frame) -> dict[str, Any]:
    target = (MAP_W / 5) / frame.scale
    length = max([n for n in _NICE if n <= target] or [_NICE[0]])
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length} m"
    return {"x": PAD, "y": MAP_H - PAD, "bar_px": length * frame.scale, "label": label}


def _facility_marks(
    estate: EstateReview,
    facilities: gpd.GeoDataFrame,
    box: shapely.Polygon,
    frame: _Frame,
    near_ids: set[str],
    lang: str,
) -> list[dict[str, Any]]:
    """Return the facilities inside the frame, labelled when nearest or near but not on foot.

    The nearest facility of a tier is labelled with its tiers, one near in a straight line (but
    not on foot) with that distance.
    """
    if not len(facilities):
        return []
    lab_straight = labels(lang)["straight_m"].replace("(m)", "")
    nearest = {t.facility_id for t in estate.tiers if t.facility_id}
    inside = facilities[facilities.geometry.intersects(box)]
    marks = []
    for fid, name, fgeom in zip(
        inside["facility_id"].astype(str), inside["name"].astype(str),
        inside.geometry.representative_point(), strict=True,
    ):  # fmt: skip
        px, py = frame.xy(fgeom.x, fgeom.y)
        mark: dict[str, Any] = {"x": _r(px), "y": _r(py), "nearest": fid in nearest, "label": ""}
        if fid in nearest:
            tiers = ", ".join(t.tier for t in estate.tiers if t.facility_id == fid)
            mark.update(label=f"{name} ({tiers})", label_x=_r(px + 8), label_y=_r(py - 6))
        elif fid in near_ids:
            gap = min(
                t.straight_nearest_m or 0.0 for t in estate.tiers if t.straight_nearest_id == fid
            )
            label = f"{name} ({lab_straight} {gap:.0f} m)"
            mark.update(label=label, label_x=_r(px + 8), label_y=_r(py + 12))
        marks.append(mark)
    return marks


def _near_not_on_foot(tier: TierVerdict) -> bool:
    """Whether a facility is within the tier's distance in a straight line but not on foot."""
    return (
        tier.straight_nearest_id is not None
        and tier.straight_nearest_m is not None
        and tier.straight_nearest_m <= tier.distance_m
        and not tier.covered
    )


def map_svg(
    estate: EstateReview,
    net: WalkNetwork | None,
    facilities: gpd.GeoDataFrame,
    barriers: gpd.GeoDataFrame | None,
    lang: str = "zh",
) -> str:
    """Inline SVG map excerpt of one estate with its walking routes.

    Parameters
    ----------
    estate : EstateReview
        The reviewed estate (geometries in the network CRS).
    net : WalkNetwork, optional
        Network whose edges are drawn in light grey.
    facilities : GeoDataFrame
        Facilities; those inside the frame are drawn, the nearest ones labelled.
    barriers : GeoDataFrame, optional
        Rivers etc. drawn in light blue.
    lang : {"zh", "en"}
        Language of the map labels.

    Returns
    -------
    str
        An ``<svg>`` element (template ``review/html/map.svg.j2``) as ``markupsafe.Markup``.
    """
    routes = [t.route for t in estate.tiers if t.route is not None]
    shapes = [estate.geometry, *routes, *estate.origins.geometry]
    near_ids = {str(t.straight_nearest_id) for t in estate.tiers if _near_not_on_foot(t)}
    if near_ids and len(facilities):
        shapes += list(facilities.geometry[facilities["facility_id"].astype(str).isin(near_ids)])
    minx, miny, maxx, maxy = (float(v) for v in shapely.GeometryCollection(shapes).bounds)
    frame = _Frame((minx, miny, maxx, maxy))
    box = shapely.box(*frame.box)
    barrier_paths = []
    if barriers is not None and len(barriers):
        for geom in barriers.geometry.to_crs(net.crs if net is not None else barriers.crs):
            if geom is not None and geom.intersects(box):
                barrier_paths.append(frame.path(geom.intersection(box)))
    network = None
    if net is not None:
        hits = net.tree.query(box, predicate="intersects")
        if len(hits):
            clipped = shapely.intersection(net.geometry[np.sort(hits)], box)
            network = " ".join(frame.path(g) for g in clipped if not g.is_empty)
    geom = estate.geometry
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        shape: dict[str, Any] = {"d": frame.path(geom)}
    else:
        px, py = frame.xy(geom.x, geom.y)
        shape = {"d": "", "x": _r(px - 6), "y": _r(py - 6)}
    return fragment(
        "review/html/map.svg.j2",
        width=f"{MAP_W:.0f}",
        height=f"{MAP_H:.0f}",
        barriers=barrier_paths,
        network=network,
        estate=shape,
        routes=list(dict.fromkeys(frame.path(r) for r in routes)),  # a shared route once
        gates=[tuple(_r(v) for v in frame.xy(g.x, g.y)) for g in estate.origins.geometry],
        facilities=_facility_marks(estate, facilities, box, frame, near_ids, lang),
        scale=_scale_bar(frame),
        north={"x": MAP_W - PAD - 10, "y": PAD + 4},
    )


# ---------------------------------------------------------------------------- page
def _unit(code: str, lang: str) -> str:
    """Return a unit as the sheet's reader writes it (㎡/百户), never its code."""
    return label(UNITS, code, "en" if lang == "en" else "zh")


def _kind(code: str, lang: str) -> str:
    """Return a facility kind in words (社区养老服务站…), never its code."""
    return label(FACILITY_KINDS, code, "en" if lang == "en" else "zh")


def _rows(estate: EstateReview, lab: dict[str, str], lang: str) -> list[dict[str, Any]]:
    """Rows of the verdict table: the floor-area rules, the service-circle tiers, the sharing."""
    rows = []
    for r in estate.rules:
        figures = (
            f"{lab['required']} {_fmt(r.required)} m² · {lab['planned']} {_fmt(r.planned)} m² · "
            f"{lab['missing']} {_fmt(r.missing)} m²"
        )
        rows.append(
            {
                "item": r.title_zh if lang != "en" else r.title_en,
                "item_note": f"{lab['rate']} {_fmt(r.rate, 2)} {_unit(r.rate_unit, lang)}",
                "lines": [figures],
                "note": r.note,
                "verdict": _verdict(r.verdict, lab),
                "uncovered": False,
                "citation": _citation(r.citation),
            }
        )
    for t in estate.tiers:
        if t.facility_id is None:
            figures = t.note
        else:
            cov = lab["yes"] if t.covered else lab["no"]
            figures = (
                f"{t.facility_name} ({t.facility_id}) · {lab['walk_m']} {_fmt(t.walk_m)} / "
                f"{_fmt(t.distance_m, 0)} · {lab['straight_m']} {_fmt(t.straight_m)} · "
                f"{lab['covered']}: {cov}"
            )
        if _near_not_on_foot(t):
            figures += (
                f" · {lab['straight_nearest']} {t.straight_nearest_id} "
                f"{_fmt(t.straight_nearest_m)} m, {lab['not_on_foot']}"
            )
        rows.append(
            {
                "item": f"{lab['tier']} {t.tier}",
                "item_note": (", " if lang == "en" else "、").join(
                    _kind(k, lang) for k in t.facility_kinds
                ),
                "lines": [figures],
                "note": None,
                "verdict": _verdict(t.verdict, lab),
                "uncovered": not t.covered,
                "citation": _citation(t.citation),
            }
        )
    s = estate.sharing
    rows.append(
        {
            "item": lab["sharing"],
            "item_note": (
                f"{lab['rate']} {_fmt(s.rate, 2)} {_unit('m2_per_100hh', lang)}, "
                f"≤ {_fmt(s.distance_m, 0)} m"
            ),
            "lines": [
                f"{f.name} ({f.facility_id}) {_fmt(f.floor_m2)} m², {_fmt(f.walk_m)} m: "
                f"{_fmt(f.ratio_before, 2)} → {_fmt(f.ratio_after, 2)} "
                f"{_unit('m2_per_100hh', lang)}" + (" ⚠" if f.flag else "")
                for f in s.facilities
            ],
            "note": s.note,
            "verdict": _verdict(s.verdict, lab),
            "uncovered": False,
            "citation": _citation(s.citation),
        }
    )
    return rows


def _page(
    estate: EstateReview,
    review: ReviewOutcome,
    net: WalkNetwork | None,
    barriers: gpd.GeoDataFrame | None,
    lang: str,
) -> dict[str, Any]:
    """Values of one estate's page."""
    lab = labels(lang)
    status = lab.get(estate.status, estate.status)
    gates = ", ".join(str(g) for g in estate.origins["gate_id"] if g is not None) or lab["none"]
    citations = [r.citation for r in estate.rules] + [t.citation for t in estate.tiers]
    return {
        "overall": _verdict(estate.overall, lab),
        "facts": [
            (lab["estate_id"], estate.estate_id, lab["name"], estate.name),
            (lab["households"], f"{estate.households:,}", lab["status"], status),
            (
                lab["planned_floor_m2"],
                _fmt(estate.planned_floor_m2),
                lab["planned_land_m2"],
                _fmt(estate.planned_land_m2),
            ),
            (lab["residents"], _fmt(estate.residents, 0), lab["gates"], gates),
        ],
        "rows": _rows(estate, lab, lang),
        "memory": any(c.get("evidence") == "memory" for c in [*citations, estate.sharing.citation]),
        "map": map_svg(estate, net, review.facilities, barriers, lang),
    }


def review_html(
    review: ReviewOutcome,
    net: WalkNetwork | None = None,
    barriers: gpd.GeoDataFrame | None = None,
    lang: str = "zh",
) -> str:
    """Render the whole review sheet, one A4 page per estate.

    Parameters
    ----------
    review : ReviewOutcome
        The review (:func:`planning.review.core.review_estates`).
    net : WalkNetwork, optional
        Network drawn on the maps.
    barriers : GeoDataFrame, optional
        Barriers drawn on the maps.
    lang : {"zh", "en"}
        Language of the labels.

    Returns
    -------
    str
        A complete HTML document.
    """
    rs = review.ruleset
    return render(
        "review/html/sheet.html.j2",
        lang="en" if lang == "en" else "zh-CN",
        lab=labels(lang),
        ruleset_name=rs.name_zh if lang != "en" else rs.name_en,
        ruleset_id=rs.id,
        version=__version__,
        today=_dt.date.today().isoformat(),
        pages=[_page(e, review, net, barriers, lang) for e in review.estates],
    )
