"""HTML pages from the Jinja2 templates shipped in the package, rendered with autoescaping.

Templates sit beside the code that fills them (``planning/maps/html/``, ``planning/review/html/``)
and are named by their path inside the package, e.g. ``"maps/html/report.html.j2"``. Every value
put into a page is HTML-escaped unless it is :class:`markupsafe.Markup`. Text that is not escaped
enters a page only in three ways, each unable to close the element it sits in:

- ``{{ inline("gap_map.css") }}``: a stylesheet or script shipped beside the template;
- :func:`element_text`: other trusted script or style text (Leaflet from XStatic-Leaflet);
- ``{{ payload | script_json }}``: data for a ``<script type="application/json">`` element.
"""

from __future__ import annotations

import json
import posixpath
import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

#: Root of the template names: the ``planning`` package folder.
PACKAGE_DIR = Path(__file__).resolve().parent
#: Element whose content an inlined file becomes, by file extension.
_ELEMENT_OF = {".css": "style", ".js": "script"}


def script_json(payload: Any) -> str:
    r"""Serialise ``payload`` for a ``<script type="application/json">`` element.

    ``<``, ``>`` and ``&`` are written as ``\\u003c`` etc., so no text in the data (an estate
    called ``</script>``) can end the element or start markup; ``JSON.parse`` reads them back.
    """
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def element_text(text: str, element: str) -> Markup:
    r"""Mark trusted ``text`` for the inside of a ``<script>`` or ``<style>`` element.

    ``</script`` (or ``</style``) is written ``<\\/script`` so the text cannot end its element.
    """
    return Markup(re.sub(rf"</({element})", r"<\\/\1", text, flags=re.IGNORECASE))


@cache
def _package_file(name: str) -> Markup:
    path = PACKAGE_DIR / name
    element = _ELEMENT_OF.get(path.suffix)
    if element is None:
        raise ValueError(f"only .css and .js files can be inlined, not {name!r}")
    return element_text(path.read_text(encoding="utf-8"), element)


@jinja2.pass_context
def _inline(context: jinja2.runtime.Context, name: str) -> Markup:
    """Return a ``.css`` or ``.js`` file next to the calling template, ready to inline."""
    return _package_file(posixpath.join(posixpath.dirname(context.name or ""), name))


@cache
def environment() -> jinja2.Environment:
    """Return the shared Jinja2 environment (autoescaping on, undefined names are errors)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PACKAGE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["inline"] = _inline
    env.filters["script_json"] = lambda value: Markup(script_json(value))
    return env


def render(name: str, /, **context: Any) -> str:
    """Render the template ``name`` (a path inside the package) with ``context``.

    Parameters
    ----------
    name : str
        Template path relative to the ``planning`` package, e.g. ``"maps/html/report.html.j2"``.
    **context
        Values the template uses; strings are HTML-escaped unless they are ``Markup``.

    Returns
    -------
    str
        The rendered text.
    """
    return environment().get_template(name).render(**context)


def fragment(name: str, /, **context: Any) -> Markup:
    """Render a template meant to sit inside another page (an inline SVG, say) as ``Markup``.

    The fragment was escaped by its own template, so the page that embeds it must not escape it
    again; parameters as for :func:`render`.
    """
    return Markup(render(name, **context))
