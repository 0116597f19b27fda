"""Leaflet, Leaflet.markercluster and the map symbols, read at run time (never copied here).

Leaflet's JavaScript and CSS come from the installed ``XStatic-Leaflet`` package, the marker
clusters' from ``XStatic-Leaflet-MarkerCluster`` (both MIT/BSD licensed, licences in their
packages); they are inlined in every page, so a gap map opens without any CDN (CDNs are often
unreachable on mainland-China networks). The stylesheet's ``url(images/…)`` references are replaced: the layer-control icon by
an inline SVG, the default marker image by ``none`` (the map uses its own inline SVG symbols), so
the page never requests an image.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

from planning.audit.palette import KIND_COLOURS, PROPOSAL_COLOUR
from planning.maps.errors import MapOptionsError

_LAYERS_ICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="26" height="26" viewBox="0 0 26 26">'
    '<path d="M13 4 L23 9 L13 14 L3 9 Z" fill="#7a9cc6" stroke="#35577f"/>'
    '<path d="M3 13 L13 18 L23 13" fill="none" stroke="#35577f" stroke-width="1.5"/>'
    '<path d="M3 17 L13 22 L23 17" fill="none" stroke="#35577f" stroke-width="1.5"/></svg>'
)


def _leaflet_dir() -> Path:
    try:
        import xstatic.pkg.leaflet as xs_leaflet
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise MapOptionsError(
            "the gap map needs the XStatic-Leaflet package: pip install xstatic-leaflet"
        ) from exc
    return Path(xs_leaflet.BASE_DIR)


@cache
def leaflet_js() -> str:
    """Return Leaflet's minified JavaScript, safe to put inside a ``<script>`` element."""
    js = (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    # drop the source-map comment (it would make dev tools request leaflet.js.map)
    js = re.sub(r"//# sourceMappingURL=\S+\s*$", "", js)
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)


@cache
def leaflet_css() -> str:
    """Return Leaflet's CSS with every image reference made inline or removed."""
    css = (_leaflet_dir() / "leaflet.css").read_text(encoding="utf-8")
    icon = "data:image/svg+xml;base64," + base64.b64encode(_LAYERS_ICON_SVG.encode()).decode()
    css = re.sub(r"url\(images/layers(-2x)?\.png\)", f"url({icon})", css)
    css = re.sub(r"url\(images/[^)]*\)", "none", css)
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)


def _cluster_dir() -> Path:
    try:
        import xstatic.pkg.leaflet_markercluster as xs_cluster
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise MapOptionsError(
            "the gap map needs the XStatic-Leaflet-MarkerCluster package: "
            "pip install xstatic-leaflet-markercluster"
        ) from exc
    return Path(xs_cluster.BASE_DIR)


def _without_source_map(text: str) -> str:
    text = re.sub(r"//# sourceMappingURL=\S+\s*$", "", text)
    return re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", text)


@cache
def markercluster_js() -> str:
    """Return Leaflet.markercluster's minified JavaScript."""
    return _without_source_map((_cluster_dir() / "leaflet.markercluster.js").read_text("utf-8"))


@cache
def markercluster_css() -> str:
    """Return Leaflet.markercluster's base stylesheet (animations)."""
    return _without_source_map((_cluster_dir() / "MarkerCluster.css").read_text("utf-8"))


@cache
def markercluster_default_css() -> str:
    """Return Leaflet.markercluster's default cluster bubbles stylesheet."""
    return _without_source_map((_cluster_dir() / "MarkerCluster.Default.css").read_text("utf-8"))


def leaflet_version() -> str:
    """Return the inlined Leaflet version."""
    import xstatic.pkg.leaflet as xs_leaflet

    return str(xs_leaflet.VERSION)


def _kind_shape(kind: str, fill: str, stroke: str, dash: str) -> str:
    """Return the SVG body (22×22 box) of one facility kind."""
    common = f'fill="{fill}" stroke="{stroke}" stroke-width="2"{dash}'
    if kind == "community_station":  # house
        return (
            f'<path d="M11 2 L20 10 L17 10 L17 20 L5 20 L5 10 L2 10 Z" {common}/>'
            '<rect x="9" y="13" width="4" height="7" fill="#fff"/>'
        )
    if kind == "street_centre":  # square with a star
        return (
            f'<rect x="2" y="2" width="18" height="18" rx="3" {common}/>'
            '<path d="M11 5 L12.8 9.2 L17.2 9.4 L13.8 12.2 L15 16.6 L11 14.1 L7 16.6 '
            'L8.2 12.2 L4.8 9.4 L9.2 9.2 Z" fill="#fff"/>'
        )
    if kind == "institution":  # rounded square with a cross (bed/care)
        return (
            f'<circle cx="11" cy="11" r="9" {common}/>'
            '<path d="M9 5 h4 v4 h4 v4 h-4 v4 h-4 v-4 h-4 v-4 h4 Z" fill="#fff"/>'
        )
    if kind == "rural_point":  # triangle
        return f'<path d="M11 2 L20.5 19.5 L1.5 19.5 Z" {common}/>'
    return f'<rect x="4" y="4" width="14" height="14" transform="rotate(45 11 11)" {common}/>'


def facility_svg(kind: str, planned: bool = False) -> str:
    """Return an inline SVG symbol (22×22 px) for a facility kind; planned ones are hollow."""
    colour = KIND_COLOURS.get(kind, "#555555")
    if planned:
        body = _kind_shape(kind, "#ffffff", colour, ' stroke-dasharray="3 2"')
        body = body.replace('fill="#fff"', f'fill="{colour}"')
    else:
        body = _kind_shape(kind, colour, "#ffffff", "")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="22" height="22" viewBox="0 0 22 22">'
        f"{body}</svg>"
    )


def proposal_svg(rank: int | None = None) -> str:
    """Return an inline SVG star (26×26 px) for a proposed site, with its rank written in it."""
    label = "" if rank is None else str(int(rank))
    size = "9" if len(label) < 3 else "7"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="26" height="26" viewBox="0 0 26 26">'
        '<path d="M13 1 L16.5 9 L25 9.6 L18.5 15.2 L20.6 24 L13 19.3 L5.4 24 L7.5 15.2 '
        f'L1 9.6 L9.5 9 Z" fill="{PROPOSAL_COLOUR}" stroke="#7a5a00" stroke-width="1.2"/>'
        f'<text x="13" y="16.5" font-size="{size}" font-family="sans-serif" font-weight="bold" '
        f'text-anchor="middle" fill="#3a2a00">{label}</text></svg>'
    )
