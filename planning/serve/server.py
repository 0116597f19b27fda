"""Run the web application with uvicorn (本地网页服务).

:func:`make_server` returns a :class:`uvicorn.Server` for a loaded session; ``eldercare serve``
runs it in the foreground, the tests in a thread (:class:`ServerThread`) on a free port.
uvicorn's own logging set-up is switched off (``log_config=None``): only the command line
configures logging.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import uvicorn

from planning._errors import PlanningError
from planning.serve.app import create_app
from planning.serve.session import Session


def make_server(
    session: Session, *, host: str = "127.0.0.1", port: int = 8765, token: str | None = None
) -> uvicorn.Server:
    """Return a uvicorn server for ``session`` (not started).

    Parameters
    ----------
    session : Session
        The loaded audit folder.
    host, port : str, int
        Where to listen; a host other than a loopback address needs ``token``.
    token : str, optional
        Access token every API request must send (see :mod:`planning.serve.security`).
    """
    app = create_app(session, host=host, token=token)
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False,
                            lifespan="off", timeout_graceful_shutdown=5)  # fmt: skip
    return uvicorn.Server(config)


class ServerThread:
    """A server running in a background thread until :meth:`stop` (tests, notebooks)."""

    def __init__(self, server: uvicorn.Server) -> None:
        self.server = server
        self.thread = threading.Thread(target=server.run, daemon=True)

    @property
    def url(self) -> str:
        """The server's base address."""
        return f"http://{self.server.config.host}:{self.server.config.port}"

    def start(self, timeout_s: float = 30.0) -> ServerThread:
        """Start serving; return once the server accepts connections."""
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive():
                raise PlanningError(f"The server at {self.url} could not start (port taken?).")
            if time.monotonic() > deadline:
                raise PlanningError(f"The server at {self.url} did not start in {timeout_s:g} s.")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Ask the server to finish and wait for its thread."""
        self.server.should_exit = True
        self.thread.join(timeout=15)


@contextlib.contextmanager
def running(server: uvicorn.Server) -> Iterator[ServerThread]:
    """Serve in a thread for the duration of a ``with`` block."""
    thread = ServerThread(server).start()
    try:
        yield thread
    finally:
        thread.stop()
