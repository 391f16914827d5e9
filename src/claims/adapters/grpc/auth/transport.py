"""How the server listens: TLS (mutual when a client CA is given) or plaintext, and when plaintext is allowed.

Plaintext is allowed on a loopback address, or anywhere when the operator says a TLS-terminating proxy sits in
front. Authentication may be turned off only on loopback.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import grpc

LOOPBACK_NAMES = ("localhost", "ip6-localhost")


class InsecureListenError(ValueError):
    """The settings would expose the server without TLS or without authentication; refuse to start."""


def listen_host(listen: str) -> str:
    """``127.0.0.1:50051`` → ``127.0.0.1``; ``[::1]:0`` → ``::1``; ``:50051`` → ``""`` (every interface)."""
    host = listen.rsplit(":", 1)[0] if ":" in listen else listen
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def is_loopback(listen: str) -> bool:
    host = listen_host(listen)
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name that may resolve anywhere, or every interface


@dataclass(frozen=True)
class TransportPlan:
    """The server credentials (None: plaintext) and how the start-up log line describes the transport."""

    credentials: grpc.ServerCredentials | None
    description: str
    mutual: bool = False


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise InsecureListenError(f"cannot read the {what} {path}: {e.strerror}") from None


def plan_transport(
    listen: str,
    *,
    auth: bool,
    cert_file: Path | None,
    key_file: Path | None,
    client_ca_file: Path | None,
    behind_tls_proxy: bool,
) -> TransportPlan:
    """Decide TLS or plaintext for ``listen``; InsecureListenError when the settings are unsafe or incomplete."""
    loopback = is_loopback(listen)
    if not auth and not loopback:
        raise InsecureListenError(
            f"refusing to serve {listen} with CLAIMS_AUTH=off: authentication may be off only on a loopback address"
        )
    if (cert_file is None) != (key_file is None):
        raise InsecureListenError("TLS needs both CLAIMS_TLS_CERT_FILE and CLAIMS_TLS_KEY_FILE")
    if cert_file is not None and key_file is not None:
        chain = _read(cert_file, "TLS certificate")
        key = _read(key_file, "TLS private key")
        if client_ca_file is None:
            return TransportPlan(grpc.ssl_server_credentials([(key, chain)]), "TLS")
        ca = _read(client_ca_file, "client CA")
        credentials = grpc.ssl_server_credentials([(key, chain)], root_certificates=ca, require_client_auth=True)
        return TransportPlan(credentials, "mutual TLS (client certificates required)", mutual=True)
    if client_ca_file is not None:
        raise InsecureListenError("CLAIMS_TLS_CLIENT_CA_FILE needs CLAIMS_TLS_CERT_FILE and CLAIMS_TLS_KEY_FILE")
    if loopback:
        return TransportPlan(None, "no TLS (loopback)")
    if behind_tls_proxy:
        return TransportPlan(None, "no TLS (behind a TLS-terminating proxy)")
    raise InsecureListenError(
        f"refusing to serve {listen} without TLS: set CLAIMS_TLS_CERT_FILE and CLAIMS_TLS_KEY_FILE "
        "(`claims certs dev` makes throwaway ones), or CLAIMS_BEHIND_TLS_PROXY=true when a TLS-terminating "
        "proxy is in front"
    )
