"""The console served by uvicorn in a thread of `claims serve`, on CLAIMS_WEB_LISTEN (port 0 picks a free one)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import uvicorn
from starlette.types import ASGIApp


class WebServer:
    """One uvicorn server on a socket bound before it starts, so the port is known at once."""

    def __init__(self, app: ASGIApp, listen: str, *, on_stop: Callable[[], None] | None = None) -> None:
        host, _, port = listen.rpartition(":")
        self._socket = socket.socket(socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host.strip("[]"), int(port)))
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="web", daemon=True)
        self._on_stop = on_stop  # what the app holds open (the JSON door's channel), closed once serving stopped

    def _serve(self) -> None:
        self._server.run(sockets=[self._socket])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._socket.close()
        if self._on_stop is not None:
            self._on_stop()
