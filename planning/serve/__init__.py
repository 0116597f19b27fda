"""``eldercare serve``: the gap map with live scenarios and the civil-affairs review, in a browser.

* :mod:`~planning.serve.session` — :func:`load_session` loads an audit folder (project re-audited
  in memory, :class:`~planning.scenario.live.LiveAudit` on it); ``Session.save`` writes a scenario;
* :mod:`~planning.serve.app` — :func:`create_app`, the FastAPI pages and JSON API;
* :mod:`~planning.serve.uploads` — uploads of proposed estates kept in a temp folder, reviews;
* :mod:`~planning.serve.security` — loopback by default, token elsewhere, body size limits;
* :mod:`~planning.serve.server` — uvicorn (:func:`make_server`, :class:`ServerThread`).

The HTML, JavaScript and CSS are templates in ``serve/html/`` with Leaflet inlined (offline).
"""

from planning.serve.app import create_app
from planning.serve.security import TOKEN_HEADER, check_bind, is_loopback, new_token
from planning.serve.server import ServerThread, make_server, running
from planning.serve.session import Session, load_session

__all__ = [
    "TOKEN_HEADER",
    "ServerThread",
    "Session",
    "check_bind",
    "create_app",
    "is_loopback",
    "load_session",
    "make_server",
    "new_token",
    "running",
]
