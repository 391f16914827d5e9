"""Servers with authentication on, and clients that call them as any principal.

``auth_api``: plaintext on loopback, auth on, SQLite store. ``tls_auth_api``: the same over mutual TLS with
throwaway certificates from ``claims certs dev`` code. Both give ``server.api_as("dealer:D-100")`` — an
``Api`` whose every call carries a freshly minted API key of that principal — and ``server.anonymous()``.
On the TLS server ``api_as(..., via="cert")`` authenticates by a client certificate named in the principals
file instead of a token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import grpc
import pytest

from claims.adapters.grpc.auth.certs import DevCerts, issue_client, principals_toml, write_dev_certs
from claims.adapters.grpc.auth.keys import new_key
from claims.adapters.persistence.factory import StoreLocation, parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.api.v1 import audit_pb2_grpc, vehicles_pb2_grpc
from claims.bootstrap import Engine, start_engine
from claims.config import Settings
from tests.conftest import MIGRATIONS, FixedClock
from tests.e2e.conftest import Api  # the conftest imports this module's fixtures at its end, after Api

TLS_CLIENT = "tls-client"  # the certificate token clients of the mTLS server present (names no principal)


class _Metadata(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
    """Adds fixed metadata (the bearer token) to every call made through the channel."""

    def __init__(self, metadata: Sequence[tuple[str, str]]) -> None:
        self._metadata = tuple(metadata)

    def _details(self, details: Any) -> Any:
        return _CallDetails(
            details.method,
            details.timeout,
            (*(details.metadata or ()), *self._metadata),
            details.credentials,
            details.wait_for_ready,
            details.compression,
        )

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)


@dataclass(frozen=True)
class _CallDetails(grpc.ClientCallDetails):  # type: ignore[misc]
    method: str
    timeout: float | None
    metadata: Any
    credentials: Any
    wait_for_ready: Any
    compression: Any


@dataclass
class AuthServer:
    """A running engine with authentication on, and ways to call it as anyone."""

    engine: Engine
    target: str
    certs: DevCerts | None = None
    principals_file: Path | None = None
    _channels: list[grpc.Channel] = field(default_factory=list)
    _cert_principals: list[str] = field(default_factory=list)

    def token(self, principal: str, label: str = "test") -> str:
        """Mint an API key for ``principal`` straight into the store; the bearer token."""
        assert self.engine.keys is not None
        key, token = new_key(principal, label, datetime.now(UTC))
        self.engine.keys.add(key)
        return token

    def revoke(self, token: str) -> None:
        assert self.engine.keys is not None
        assert self.engine.keys.revoke(token.split("_")[1], datetime.now(UTC))

    def channel(
        self, *, client_cert: str | None = TLS_CLIENT, metadata: Sequence[tuple[str, str]] = ()
    ) -> grpc.Channel:
        """A channel to the server (TLS with ``client_cert``'s certificate on the TLS server; None: no client
        certificate) whose calls all carry ``metadata``."""
        if self.certs is None:
            channel = grpc.insecure_channel(self.target)
        else:
            key = chain = None
            if client_cert is not None:
                client = self.certs.clients.get(client_cert) or issue_client(self.certs, client_cert)
                key, chain = client.key.read_bytes(), client.cert.read_bytes()
            credentials = grpc.ssl_channel_credentials(self.certs.ca_cert.read_bytes(), key, chain)
            channel = grpc.secure_channel(
                self.target, credentials, options=[("grpc.ssl_target_name_override", "localhost")]
            )
        self._channels.append(channel)
        return grpc.intercept_channel(channel, _Metadata(metadata)) if metadata else channel

    def api_as(self, principal: str, *, via: Literal["token", "cert"] = "token") -> Api:
        """An Api whose calls authenticate as ``principal``: by a fresh API key, or (TLS server) by a client
        certificate with CN ``principal`` listed in the principals file."""
        if via == "cert":
            assert self.certs is not None, "certificates need tls_auth_api"
            assert self.principals_file is not None
            if principal not in self._cert_principals:
                self._cert_principals.append(principal)
                self.principals_file.write_text(principals_toml(self._cert_principals), encoding="utf-8")
            return self._api(self.channel(client_cert=principal))
        return self._api(self.channel(metadata=[("authorization", f"Bearer {self.token(principal)}")]))

    def api_with_token(self, token: str) -> Api:
        return self._api(self.channel(metadata=[("authorization", f"Bearer {token}")]))

    def anonymous(self, *, client_cert: str | None = TLS_CLIENT) -> Api:
        """An Api that sends no credentials (on the TLS server: a certificate naming no principal)."""
        return self._api(self.channel(client_cert=client_cert))

    def _api(self, channel: grpc.Channel) -> Api:
        return Api(self.engine, channel, vehicles_pb2_grpc.VehicleServiceStub(channel))

    def close(self) -> None:
        for channel in self._channels:
            channel.close()


def audit_stub(api: Api) -> audit_pb2_grpc.AuditServiceStub:
    return audit_pb2_grpc.AuditServiceStub(api.channel)


def serve_with_auth(
    tmp_path: Path, clock: Callable[[], datetime], *, tls: bool, store_url: str | None = None, **settings: Any
) -> Iterator[AuthServer]:
    url = store_url or f"sqlite:///{tmp_path / 'claims.db'}"
    apply_migrations(parse_store_url(url), MIGRATIONS)
    certs = principals = None
    extra: dict[str, Any] = {}
    if tls:
        certs = write_dev_certs(tmp_path / "certs", clients=[TLS_CLIENT])
        principals = tmp_path / "principals.toml"
        principals.write_text(principals_toml([]), encoding="utf-8")
        extra = {
            "tls_cert_file": certs.server_cert,
            "tls_key_file": certs.server_key,
            "tls_client_ca_file": certs.ca_cert,
            "principals_file": principals,
        }
    config = Settings(
        store_url=url,
        listen="127.0.0.1:0",
        grace_seconds=1,
        migrations_dir=MIGRATIONS,
        auth="on",
        key_cache_seconds=0,  # revocations take effect on the very next call (the cache is tested on its own)
        **{**extra, **settings},
    )
    engine = start_engine(config, clock)
    server = AuthServer(engine, f"127.0.0.1:{engine.port}", certs, principals)
    try:
        yield server
    finally:
        server.close()
        engine.stop(grace=1)


@pytest.fixture
def auth_api(tmp_path: Path, clock: FixedClock) -> Iterator[AuthServer]:
    """Auth on, plaintext on loopback, SQLite: call it as anyone with ``auth_api.api_as("dealer:D-100")``."""
    yield from serve_with_auth(tmp_path, clock, tls=False)


@pytest.fixture
def pg_auth_api(tmp_path: Path, clock: FixedClock, postgres_schema: StoreLocation) -> Iterator[AuthServer]:
    """Auth on, plaintext on loopback, on PostgreSQL (keys in its api_keys table)."""
    from tests.conftest import POSTGRES_DSN

    url = f"{POSTGRES_DSN}{'&' if '?' in POSTGRES_DSN else '?'}schema={postgres_schema.schema}"
    yield from serve_with_auth(tmp_path, clock, tls=False, store_url=url)


@pytest.fixture
def live_auth_api(tmp_path: Path) -> Iterator[AuthServer]:
    """Auth on, plaintext on loopback, on the real clock (for the demo, which dates things from today)."""
    from claims.bootstrap import utc_now

    yield from serve_with_auth(tmp_path, utc_now, tls=False)


@pytest.fixture
def tls_auth_api(tmp_path: Path, clock: FixedClock) -> Iterator[AuthServer]:
    """Auth on over mutual TLS: ``api_as(p)`` (token over TLS) or ``api_as(p, via="cert")`` (certificate)."""
    yield from serve_with_auth(tmp_path, clock, tls=True)
