"""The one-page review sheet (审查表): ``review.html``, self-contained and printable on A4.

One page per proposed estate: header 新建小区养老服务设施配建审查表, the estate's facts, a table of
verdicts with their basis (依据: document number, article, quoted text, evidence level), a small
map drawn as inline SVG from the geometries (estate, gates, nearby network edges in light grey,
barriers, facilities, the walking routes in red, a scale bar and a north arrow) and a footer with
the tool version and the ruleset id. No scripts, fonts or images are loaded from anywhere.
"""

from __future__ import annotations

import datetime as _dt
import html
import logging
import math
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from planning import __version__
from planning.review.core import EstateReview, ReviewOutcome
from planning.review.output import labels

if TYPE_CHECKING:
    from planning.network import WalkNetwork

logger = logging.getLogger(__name__)

#: Drawing area of the map in CSS pixels.
MAP_W, MAP_H, PAD = 640.0, 300.0, 14.0
#: Smallest map extent (m) so that a lone estate still shows its streets.
MIN_EXTENT_M = 400.0
_NICE = (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)

_CSS = """
@page { size: A4; margin: 11mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
       "SimSun", sans-serif; font-size: 9pt; color: #111; margin: 0; }
.page { width: 186mm; margin: 0 auto; padding: 0; page-break-after: always; }
.page:last-child { page-break-after: auto; }
h1 { font-size: 15pt; text-align: center; margin: 0 0 1.5mm; letter-spacing: 1px; }
.sub { text-align: center; color: #444; margin-bottom: 3mm; font-size: 8.5pt; }
h2 { font-size: 10pt; margin: 3mm 0 1.2mm; border-left: 3px solid #b22; padding-left: 2mm; }
table { width: 100%; border-collapse: collapse; }
td, th { border: 0.6pt solid #888; padding: 0.8mm 1.2mm; vertical-align: top; }
th { background: #f0f0f0; font-weight: 600; text-align: left; }
.facts td.k { background: #f7f7f7; width: 22%; }
.verdicts { font-size: 8pt; }
.v-pass { color: #176b2c; font-weight: 700; }
.v-fail { color: #b00; font-weight: 700; }
.v-report { color: #555; }
.basis { font-size: 7.2pt; color: #333; }
.quote { font-style: normal; color: #222; }
.ev-memory { color: #b00; font-weight: 700; }
.num { text-align: right; white-space: nowrap; }
.map { border: 0.6pt solid #888; margin-top: 1mm; }
.legend { font-size: 7.5pt; color: #333; margin-top: 0.8mm; }
.legend span { margin-right: 4mm; white-space: nowrap; }
.foot { margin-top: 2.5mm; font-size: 7.5pt; color: #444; display: flex;
        justify-content: space-between; border-top: 0.6pt solid #888; padding-top: 1mm; }
.warn { font-size: 7.5pt; color: #b00; margin-top: 1mm; }
.sign { margin-top: 2mm; font-size: 8.5pt; }
@media screen { body { background: #ddd; } .page { background: #fff; margin: 6mm auto;
  padding: 8mm 10mm; width: 210mm; box-shadow: 0 0 4px #888; } }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _verdict(value: str, lab: dict[str, str]) -> str:
    return f'<span class="v-{_e(value)}">{_e(lab.get(value, value))}</span>'


def _basis(citation: dict[str, str], lab: dict[str, str]) -> str:
    if not citation.get("document"):
        return ""
    ev = citation.get("evidence", "")
    return (
        f'<div class="basis">{_e(citation["document"])} {_e(citation.get("article", ""))}<br>'
        f'<span class="quote">“{_e(citation.get("quote_zh", ""))}”</span> '
        f'<span class="ev-{_e(ev)}">[{_e(lab["evidence"])}: {_e(ev)}]</span></div>'
    )


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


def _scale_bar(frame: _Frame) -> str:
    target = (MAP_W / 5) / frame.scale
    length = max([n for n in _NICE if n <= target] or [_NICE[0]])
    px = length * frame.scale
    x0, y0 = PAD, MAP_H - PAD
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length} m"
    return (
        f'<g class="scale"><rect x="{x0 - 4}" y="{y0 - 16}" width="{px + 8:.1f}" height="22" '
        'fill="#fff" fill-opacity="0.8"/>'
        f'<path d="M{x0},{y0 - 4} L{x0},{y0} L{x0 + px:.1f},{y0} L{x0 + px:.1f},{y0 - 4}" '
        'stroke="#000" stroke-width="1.5" fill="none"/>'
        f'<text x="{x0 + px / 2:.1f}" y="{y0 - 6}" font-size="10" text-anchor="middle">{label}</text></g>'
    )


def _north_arrow() -> str:
    x, y = MAP_W - PAD - 10, PAD + 4
    return (
        f'<g class="north"><path d="M{x},{y} L{x - 7},{y + 20} L{x},{y + 15} L{x + 7},{y + 20} Z" '
        'fill="#000"/>'
        f'<text x="{x}" y="{y + 32}" font-size="11" text-anchor="middle" font-weight="700">N</text></g>'
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
        An ``<svg>`` element.
    """
    routes = [t.route for t in estate.tiers if t.route is not None]
    shapes = [estate.geometry, *routes, *estate.origins.geometry]
    near_ids = {
        t.straight_nearest_id
        for t in estate.tiers
        if t.straight_nearest_id is not None
        and t.straight_nearest_m is not None
        and t.straight_nearest_m <= t.distance_m
        and not t.covered
    }
    lab_straight = labels(lang)["straight_m"].replace("(m)", "")
    if near_ids and len(facilities):
        shapes += list(facilities.geometry[facilities["facility_id"].astype(str).isin(near_ids)])
    minx, miny, maxx, maxy = (float(v) for v in shapely.GeometryCollection(shapes).bounds)
    frame = _Frame((minx, miny, maxx, maxy))
    box = shapely.box(*frame.box)
    out = [
        f'<svg class="map" xmlns="http://www.w3.org/2000/svg" width="100%" '
        f'viewBox="0 0 {MAP_W:.0f} {MAP_H:.0f}" role="img">',
        f'<rect width="{MAP_W:.0f}" height="{MAP_H:.0f}" fill="#fcfcfa"/>',
    ]
    if barriers is not None and len(barriers):
        for geom in barriers.geometry.to_crs(net.crs if net is not None else barriers.crs):
            if geom is not None and geom.intersects(box):
                out.append(
                    f'<path d="{frame.path(geom.intersection(box))}" fill="#cfe5f7" '
                    'stroke="#8fbde6" stroke-width="0.8" fill-rule="evenodd"/>'
                )
    if net is not None:
        hits = net.tree.query(box, predicate="intersects")
        if len(hits):
            clipped = shapely.intersection(net.geometry[np.sort(hits)], box)
            d = " ".join(frame.path(g) for g in clipped if not g.is_empty)
            out.append(f'<path d="{d}" stroke="#c4c4c4" stroke-width="1.6" fill="none"/>')
    geom = estate.geometry
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        out.append(
            f'<path d="{frame.path(geom)}" fill="#f6c28b" fill-opacity="0.55" stroke="#c8741a" '
            'stroke-width="1.5"/>'
        )
    else:
        px, py = frame.xy(geom.x, geom.y)
        out.append(
            f'<rect x="{px - 6:.1f}" y="{py - 6:.1f}" width="12" height="12" fill="#f6c28b" '
            'stroke="#c8741a" stroke-width="1.5"/>'
        )
    seen: set[str] = set()
    for route in routes:
        key = route.wkb_hex
        if key in seen:
            continue
        seen.add(key)
        out.append(
            f'<path d="{frame.path(route)}" stroke="#d7191c" stroke-width="3" fill="none" '
            'stroke-linejoin="round" stroke-linecap="round"/>'
        )
    for g in estate.origins.geometry:
        px, py = frame.xy(g.x, g.y)
        out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.2" fill="#222"/>')
    nearest = {t.facility_id: t.tier for t in reversed(estate.tiers) if t.facility_id}
    if len(facilities):
        inside = facilities[facilities.geometry.intersects(box)]
        for fid, name, fgeom in zip(
            inside["facility_id"].astype(str), inside["name"].astype(str),
            inside.geometry.representative_point(), strict=True,
        ):  # fmt: skip
            px, py = frame.xy(fgeom.x, fgeom.y)
            strong = fid in nearest
            out.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{6 if strong else 4}" '
                f'fill="{"#1f78b4" if strong else "#9ecae1"}" stroke="#fff" stroke-width="1"/>'
            )
            if strong:
                tiers = ", ".join(t.tier for t in estate.tiers if t.facility_id == fid)
                out.append(
                    f'<text x="{px + 8:.1f}" y="{py - 6:.1f}" font-size="10" fill="#0b3d6b" '
                    f'paint-order="stroke" stroke="#fff" stroke-width="3">{_e(name)} ({_e(tiers)})</text>'
                )
            elif fid in near_ids:
                gap = min(
                    t.straight_nearest_m or 0.0
                    for t in estate.tiers
                    if t.straight_nearest_id == fid
                )
                out.append(
                    f'<text x="{px + 8:.1f}" y="{py + 12:.1f}" font-size="10" fill="#7a4b00" '
                    f'paint-order="stroke" stroke="#fff" stroke-width="3">{_e(name)} '
                    f"({_e(lab_straight)} {gap:.0f} m)</text>"
                )
    out.append(_scale_bar(frame))
    out.append(_north_arrow())
    out.append("</svg>")
    return "\n".join(out)


# ---------------------------------------------------------------------------- page
def _rows(estate: EstateReview, lab: dict[str, str], lang: str) -> list[str]:
    rows = []
    for r in estate.rules:
        title = r.title_zh if lang != "en" else r.title_en
        figures = (
            f"{lab['required']} {_fmt(r.required)} m² · {lab['planned']} {_fmt(r.planned)} m² · "
            f"{lab['missing']} {_fmt(r.missing)} m²"
        )
        rate = f"{lab['rate']} {_fmt(r.rate, 2)} {r.rate_unit}"
        rows.append(
            f"<tr><td>{_e(title)}<br><small>{_e(rate)}</small></td><td>{_e(figures)}"
            f"<br><small>{_e(r.note)}</small></td><td>{_verdict(r.verdict, lab)}</td>"
            f"<td>{_basis(r.citation, lab)}</td></tr>"
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
        if (
            t.straight_nearest_id is not None
            and t.straight_nearest_m is not None
            and t.straight_nearest_m <= t.distance_m
            and not t.covered
        ):
            figures += (
                f" · {lab['straight_nearest']} {t.straight_nearest_id} "
                f"{_fmt(t.straight_nearest_m)} m, {lab['not_on_foot']}"
            )
        rows.append(
            f"<tr><td>{_e(lab['tier'])} {_e(t.tier)}<br><small>{_e(', '.join(t.facility_kinds))}"
            f"</small></td><td>{_e(figures)}</td><td>{_verdict(t.verdict, lab)}"
            f"{'' if t.covered else ' <small>(' + _e(lab['covered']) + ': ' + _e(lab['no']) + ')</small>'}"
            f"</td><td>{_basis(t.citation, lab)}</td></tr>"
        )
    s = estate.sharing
    lines = [
        f"{f.name} ({f.facility_id}) {_fmt(f.floor_m2)} m², {_fmt(f.walk_m)} m: "
        f"{_fmt(f.ratio_before, 2)} → {_fmt(f.ratio_after, 2)} m²/100hh" + (" ⚠" if f.flag else "")
        for f in s.facilities
    ]
    rows.append(
        f"<tr><td>{_e(lab['sharing'])}<br><small>{_e(lab['rate'])} {_fmt(s.rate, 2)} m2_per_100hh, "
        f"≤ {_fmt(s.distance_m, 0)} m</small></td><td>{'<br>'.join(_e(x) for x in lines)}"
        f"<br><small>{_e(s.note)}</small></td><td>{_verdict(s.verdict, lab)}</td>"
        f"<td>{_basis(s.citation, lab)}</td></tr>"
    )
    return rows


def estate_page(
    estate: EstateReview,
    review: ReviewOutcome,
    net: WalkNetwork | None,
    barriers: gpd.GeoDataFrame | None,
    lang: str,
) -> str:
    """HTML of one estate's page."""
    lab = labels(lang)
    rs = review.ruleset
    rs_name = rs.name_zh if lang != "en" else rs.name_en
    status = lab.get(estate.status, estate.status)
    gates = ", ".join(str(g) for g in estate.origins["gate_id"] if g is not None) or lab["none"]
    facts = [
        (lab["estate_id"], estate.estate_id, lab["name"], estate.name),
        (lab["households"], f"{estate.households:,}", lab["status"], status),
        (lab["planned_floor_m2"], _fmt(estate.planned_floor_m2), lab["planned_land_m2"],
         _fmt(estate.planned_land_m2)),
        (lab["residents"], _fmt(estate.residents, 0), lab["gates"], gates),
    ]  # fmt: skip
    facts_html = "".join(
        f'<tr><td class="k">{_e(a)}</td><td>{_e(b)}</td><td class="k">{_e(c)}</td><td>{_e(d)}</td></tr>'
        for a, b, c, d in facts
    )
    memory = any(
        c.get("evidence") == "memory"
        for c in [r.citation for r in estate.rules]
        + [t.citation for t in estate.tiers]
        + [estate.sharing.citation]
    )
    legend = (
        '<div class="legend"><span style="color:#d7191c">━ ' + _e(lab["legend_route"]) + "</span>"
        '<span style="color:#1f78b4">● ' + _e(lab["legend_facility"]) + "</span>"
        "<span>● " + _e(lab["legend_gate"]) + "</span>"
        '<span style="color:#c8741a">■ ' + _e(lab["legend_estate"]) + "</span></div>"
    )
    return (
        '<section class="page">'
        f"<h1>{_e(lab['title'])}</h1>"
        f'<div class="sub">{_e(lab["ruleset"])}: {_e(rs_name)} ({_e(rs.id)}) · '
        f"{_e(lab['overall'])}: {_verdict(estate.overall, lab)}</div>"
        f'<h2>{_e(lab["facts"])}</h2><table class="facts">{facts_html}</table>'
        f'<h2>{_e(lab["verdicts"])}</h2><table class="verdicts"><tr><th style="width:20%">'
        f'{_e(lab["item"])}</th><th style="width:34%">{_e(lab["required"])} / {_e(lab["planned"])}'
        f'</th><th style="width:9%">{_e(lab["verdict"])}</th><th>{_e(lab["basis"])}</th></tr>'
        + "".join(_rows(estate, lab, lang))
        + "</table>"
        + (f'<div class="warn">{_e(lab["memory_warning"])}</div>' if memory else "")
        + f"<h2>{_e(lab['map'])}</h2>"
        + map_svg(estate, net, review.facilities, barriers, lang)
        + legend
        + f'<div class="sign">{_e(lab["reviewer"])}：＿＿＿＿＿＿　　{_e(lab["date"])}：＿＿＿＿＿＿</div>'
        + f'<div class="foot"><span>eldercare-planning {_e(__version__)} · {_e(lab["ruleset"])} '
        f"{_e(rs.id)}</span><span>{_e(lab['generated'])} {_dt.date.today().isoformat()}</span></div>"
        "</section>"
    )


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
    lab = labels(lang)
    pages = "".join(estate_page(e, review, net, barriers, lang) for e in review.estates)
    return (
        f'<!DOCTYPE html><html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
        f"<title>{_e(lab['title'])}</title><style>{_CSS}</style></head><body>{pages}</body></html>"
    )
