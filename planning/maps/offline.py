"""folium pages that work offline and render reproducibly (离线、可复现的 folium 页面).

folium links its scripts and stylesheets from CDNs, which a government intranet or a mainland
network often cannot reach. :class:`OfflineFigure` is the branca ``Figure`` a gap map lives in:
when it renders, every ``<script src>`` and ``<link rel=stylesheet>`` folium put in the page
head is replaced by the file's content from an installed package (Leaflet from XStatic-Leaflet,
Leaflet.markercluster from XStatic-Leaflet-MarkerCluster), folium's icon fonts and jQuery, which
the gap map does not use, are left out, and any other link is refused — so no page the tool
writes can make a request it did not mean to. Element ids are numbered in tree order instead of
random, so the same map gives the same bytes. :class:`RawMacro` is the base of the tool's own map
elements: their templates (in ``maps/html/``, rendered by :mod:`planning._templates` with
autoescaping) are rendered once, never a second time as folium does, so a name such as
``{{ x }}`` in the data stays text.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import branca.element
from markupsafe import Markup

from planning import __version__
from planning._templates import element_text, environment, render
from planning.maps import assets
from planning.maps.errors import MapOptionsError

#: Assets folium declares (``default_js`` / ``default_css`` names) and their offline content.
INLINE_ASSETS: dict[str, tuple[str, Callable[[], str]]] = {
    "leaflet": ("script", assets.leaflet_js),
    "leaflet_css": ("style", assets.leaflet_css),
    "markerclusterjs": ("script", assets.markercluster_js),
    "markerclustercss": ("style", assets.markercluster_css),
    "markerclusterdefaultcss": ("style", assets.markercluster_default_css),
}
#: folium's default assets the gap map does not use (Bootstrap, jQuery, icon fonts): left out.
UNUSED_ASSETS = frozenset(
    {
        "jquery",
        "bootstrap",
        "awesome_markers",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers_font_css",
        "awesome_markers_css",
        "awesome_rotate_css",
    }
)


class RawText(branca.element.Element):
    """Text put into the page as it is (already rendered; never read as a template again)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawText"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """Return the text."""
        return self.text


class RawMacro(branca.element.MacroElement):
    """A folium element whose template is a file of the package, rendered once with escaping.

    Subclasses set ``template_name`` (e.g. ``"maps/html/el_control.js.j2"``) holding the
    ``header``, ``html`` and ``script`` macros folium elements have; values go into JavaScript
    through the ``script_json`` filter.
    """

    template_name = ""

    def __init__(self) -> None:
        super().__init__()
        self._name = type(self).__name__

    def render(self, **kwargs: Any) -> str:
        """Add the rendered macros to the figure's head, body and script, then the children."""
        figure = self.get_root()
        if not isinstance(figure, branca.element.Figure):
            raise MapOptionsError("a map element can only be drawn inside a folium Map")
        module = environment().get_template(self.template_name).module
        for part, target in (
            ("header", figure.header),
            ("html", figure.html),
            ("script", figure.script),
        ):
            macro = getattr(module, part, None)
            if macro is not None:
                target.add_child(RawText(str(macro(self, kwargs))), name=self.get_name())
        for element in list(self._children.values()):
            element.render(**kwargs)
        return ""


def _walk(element: branca.element.Element) -> Iterator[branca.element.Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


class OfflineFigure(branca.element.Figure):
    """The page of a gap map: assets inlined, ids in tree order, ``lang`` and title set.

    Parameters
    ----------
    title : str
        Page title.
    lang : str
        ``lang`` attribute of the page (``zh-CN`` or ``en``).
    height : str, optional
        Height of the map when it shows inline in Jupyter (e.g. ``"600px"``).
    """

    def __init__(self, title: str = "", lang: str = "zh-CN", height: str | None = None) -> None:
        super().__init__(title=title, height=height)
        self._name = "OfflineFigure"
        self.lang = lang

    def _number_ids(self) -> None:
        counter = itertools.count(1)
        for element in _walk(self):
            if element is not self:
                element._id = f"{next(counter):04d}"

    def _inline_assets(self) -> None:
        children = self.header._children
        for name, child in list(children.items()):
            if not isinstance(child, branca.element.Link):
                continue
            if name in UNUSED_ASSETS:
                del children[name]
                continue
            if name not in INLINE_ASSETS:
                raise MapOptionsError(
                    f"the map asks for {child.url!r} ({name}), which is not shipped with the "
                    "tool; an offline map cannot load it (离线地图不能加载外部资源)."
                )
            element, content = INLINE_ASSETS[name]
            children[name] = RawText(f"<{element}>{element_text(content(), element)}</{element}>")

    def render(self, **kwargs: Any) -> str:
        """Render the page: children first (they declare their assets), then inline them."""
        self._number_ids()
        for child in list(self._children.values()):
            child.render(**kwargs)
        self._inline_assets()
        return render(
            "maps/html/figure.html.j2",
            lang=self.lang,
            title=self.title or "",
            version=__version__,
            head=Markup(self.header.render(**kwargs)),
            body=Markup(self.html.render(**kwargs)),
            script=Markup(element_text(self.script.render(**kwargs), "script")),
        )
