"""The console's transport follows the gRPC server's rule: no session cookie or API key in the clear off loopback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from starlette.applications import Starlette

from claims.adapters.grpc.auth.transport import InsecureListenError
from claims.adapters.web.server import WebServer, plan_web_transport

CERT, KEY = Path("server.pem"), Path("server.key")


@pytest.mark.parametrize("listen", ["127.0.0.1:8080", "[::1]:8080", "localhost:0"])
def test_plain_http_on_loopback_with_a_cookie_for_http(listen: str) -> None:
    plan = plan_web_transport(listen, cert_file=None, key_file=None, behind_tls_proxy=False)
    assert plan.scheme == "http"
    assert not plan.secure_cookie


@pytest.mark.parametrize("listen", ["0.0.0.0:8080", "10.0.0.5:8080", ":8080", "console.example:443"])
def test_plain_http_off_loopback_is_refused_with_what_to_set(listen: str) -> None:
    with pytest.raises(InsecureListenError, match="CLAIMS_TLS_CERT_FILE and CLAIMS_TLS_KEY_FILE"):
        plan_web_transport(listen, cert_file=None, key_file=None, behind_tls_proxy=False)


def test_https_with_the_servers_certificate_anywhere_and_a_secure_cookie() -> None:
    plan = plan_web_transport("0.0.0.0:8443", cert_file=CERT, key_file=KEY, behind_tls_proxy=False)
    assert plan.scheme == "https"
    assert (plan.cert_file, plan.key_file) == (CERT, KEY)
    assert plan.secure_cookie


def test_behind_a_tls_proxy_plain_http_with_a_cookie_sent_only_over_https() -> None:
    plan = plan_web_transport("0.0.0.0:8080", cert_file=None, key_file=None, behind_tls_proxy=True)
    assert plan.scheme == "http"
    assert plan.secure_cookie


def test_the_console_socket_says_tcp_so_its_connections_get_nodelay() -> None:
    # asyncio sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP; without it every kept-alive request
    # waited 40 ms for the client's delayed ACK (bench.console found it: /healthz 44 ms, now under 1 ms)
    server = WebServer(Starlette(), "127.0.0.1:0")
    try:
        assert server._socket.proto == socket.IPPROTO_TCP
    finally:
        server._socket.close()
