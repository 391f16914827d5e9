"""The console served by uvicorn in a thread of `claims serve`, on CLAIMS_WEB_LISTEN (port 0 picks a free one)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from claims.adapters.grpc.auth.transport import InsecureListenError, is_loopback


@dataclass(frozen=True)
class WebTransport:
    """HTTPS with these files, or plain HTTP; whether the session cookie is sent only over HTTPS."""

    cert_file: Path | None
    key_file: Path | None
    secure_cookie: bool
    description: str

    @property
    def scheme(self) -> str:
        return "https" if self.cert_file is not None else "http"


def plan_web_transport(
    listen: str, *, cert_file: Path | None, key_file: Path | None, behind_tls_proxy: bool
) -> WebTransport:
    """The gRPC server's rule for the console: plain HTTP only on loopback or behind a TLS-terminating proxy; else
    HTTPS with the server's certificate, or InsecureListenError (a session cookie and API keys in the clear)."""
    if cert_file is not None and key_file is not None:
        return WebTransport(cert_file, key_file, True, "HTTPS")
    if is_loopback(listen):
        return WebTransport(None, None, False, "plain HTTP (loopback)")
    if behind_tls_proxy:
        return WebTransport(None, None, True, "plain HTTP (behind a TLS-terminating proxy)")
    raise InsecureListenError(
        f"refusing to serve the console on {listen} over plain HTTP: set CLAIMS_TLS_CERT_FILE and CLAIMS_TLS_KEY_FILE "
        "(served over HTTPS), or CLAIMS_BEHIND_TLS_PROXY=true, or listen on a loopback address"
    )


class WebServer:
    """One uvicorn server on a socket bound before it starts, so the port is known at once."""

    def __init__(
        self,
        app: ASGIApp,
        listen: str,
        transport: WebTransport | None = None,
        *,
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        host, _, port = listen.rpartition(":")
        family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
        # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets that say so, and without it Nagle holds a
        # response's body behind its headers until the client's delayed ACK, 40 ms a request on a kept-alive connection
        self._socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host.strip("[]"), int(port)))
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        self.transport = transport or WebTransport(None, None, False, "plain HTTP")
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off",
            ssl_certfile=self.transport.cert_file, ssl_keyfile=self.transport.key_file,
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="web", daemon=True)
        self._on_stop = on_stop  # what the app holds open (the JSON door's channel), closed once serving stopped

    def _serve(self) -> None:
        self._server.run(sockets=[self._socket])

    @property
    def url(self) -> str:
        return f"{self.transport.scheme}://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)

    def stop(self, grace: float = 1.0) -> None:
        """Stop accepting, give requests in flight ``grace`` seconds, then close what is still open: an idle
        HTTPS keep-alive connection waits for its client's close_notify, which a browser may never send."""
        self._server.should_exit = True
        self._thread.join(timeout=grace)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout=5)
        self._socket.close()
        if self._on_stop is not None:
            self._on_stop()
