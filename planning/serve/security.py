"""Who may talk to ``eldercare serve``, and how much they may send (访问控制与请求大小).

- A server bound to a loopback address (127.0.0.1, the default) serves this computer only; its
  ``Host`` header must name a loopback host, so a web page elsewhere cannot reach it through a
  DNS name that points at 127.0.0.1.
- Any other address needs a token: :func:`check_bind` refuses such a bind without one. Every API
  request then sends it in the :data:`TOKEN_HEADER` header; the two pages, which a browser opens
  by address, take it once as ``?token=`` and send the header from then on.
- Request bodies larger than the limit are refused (413) before they are read whole.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from planning._errors import OptionError, param

#: Header carrying the access token (访问令牌).
TOKEN_HEADER = "X-Eldercare-Token"
#: Largest request body (bytes) besides uploads; uploads have their own limit.
MAX_BODY_BYTES = 64 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

_LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is this computer only.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve on a non-loopback address without a token.

    Raises
    ------
    OptionError
        Naming the host and how to give a token.
    """
    if not is_loopback(host) and not token:
        raise OptionError(
            f"{param('host', host)} is reachable from other computers; serve there only with an "
            f"access token ({param('token')}; `eldercare serve` makes one and prints it), or "
            f"keep the default {param('host', '127.0.0.1')}.",
            "host",
        )


def new_token() -> str:
    """Return a fresh random access token."""
    return secrets.token_urlsafe(24)


def _host_of(headers: list[tuple[bytes, bytes]]) -> str:
    for key, value in headers:
        if key == b"host":
            text = value.decode("latin-1")
            if text.startswith("["):
                return text[: text.find("]") + 1]
            return text.rsplit(":", 1)[0] if text.count(":") == 1 else text
    return ""


def _query_token(scope: Scope) -> str | None:
    from urllib.parse import parse_qs

    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


class Guard:
    """ASGI middleware: loopback ``Host`` check, access token, request body size limit.

    Parameters
    ----------
    app : ASGI app
        The application behind it.
    bound : str
        The address the server listens on.
    token : str or None
        Required in :data:`TOKEN_HEADER` (the pages also accept ``?token=``) when given.
    max_body : int
        Largest body of a request that is not an upload (bytes).
    max_upload : int
        Largest body of an upload (``/api/review``).
    pages : tuple of str
        Paths a browser opens directly (the token may come in the query string there).
    """

    def __init__(self, app: App, *, bound: str, token: str | None, max_body: int,
                 max_upload: int, pages: tuple[str, ...]) -> None:  # fmt: skip
        self.app = app
        self.loopback_only = is_loopback(bound)
        self.token = token
        self.max_body = max_body
        self.max_upload = max_upload
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then pass it on (or answer 400, 401 or 413 here)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        if self.loopback_only and not is_loopback(_host_of(headers)):
            await _reply(send, 400, "This server answers requests for 127.0.0.1 only.")
            return
        if self.token is not None and not self._allowed(scope, headers):
            await _reply(send, 401, f"Send the access token in the {TOKEN_HEADER} header.")
            return
        limit = self.max_upload if scope["path"].startswith("/api/review") else self.max_body
        length = dict(headers).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _reply(send, 413, f"Request body larger than {limit:,} bytes.")
            return
        await self.app(scope, _limited(receive, limit), send)

    def _allowed(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> bool:
        given = dict(headers).get(TOKEN_HEADER.lower().encode(), b"").decode("latin-1")
        if not given and scope["method"] == "GET" and scope["path"] in self.pages:
            given = _query_token(scope) or ""
        assert self.token is not None
        return hmac.compare_digest(given.encode(), self.token.encode())


def _limited(receive: Receive, limit: int) -> Receive:
    """Receive that fails once a chunked body passes ``limit`` bytes."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return wrapped


class BodyTooLarge(Exception):
    """A request body without a length that grew past the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"Request body larger than {limit:,} bytes.")


async def _reply(send: Send, status: int, text: str) -> None:
    body = ('{"detail": "' + text.replace('"', "'") + '"}').encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
