"""API keys: tokens ``claims_<key id>_<secret>``, of which the store keeps only the secret's SHA-256.

A key names one principal (``dealer:D-100``). Creating and revoking a key takes effect on a running server
without a restart: the server looks keys up in the store (through a cache of at most ``ttl`` seconds).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

import psycopg
from eventsourcing.persistence import PersistenceError

from claims.adapters.persistence.database import Database
from claims.application.ports import StoreUnavailableError
from claims.application.principal import Principal, Role

TOKEN_PREFIX = "claims"  # noqa: S105 - the tokens' prefix, not a secret
_TOKEN = re.compile(r"^claims_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


class MalformedTokenError(ValueError):
    """The text is not a token this server issues."""


@dataclass(frozen=True)
class ApiKey:
    """One key as stored: never its secret."""

    key_id: str
    secret_sha256: bytes
    principal: str
    label: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def matches(self, secret: str) -> bool:
        """Constant-time comparison of the secret's hash with the stored one."""
        return hmac.compare_digest(_digest(secret), self.secret_sha256)


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def format_token(key_id: str, secret: str) -> str:
    return f"{TOKEN_PREFIX}_{key_id}_{secret}"


def parse_token(token: str) -> tuple[str, str]:
    """``claims_<key id>_<secret>`` → (key id, secret); MalformedTokenError otherwise."""
    found = _TOKEN.match(token)
    if found is None:
        raise MalformedTokenError("not a claims API key: expected claims_<16 hex digits>_<43 characters>")
    return found.group(1), found.group(2)


def new_key(principal: str, label: str, now: datetime) -> tuple[ApiKey, str]:
    """A fresh key for ``principal`` (validated) and its token, which is shown once and never stored."""
    Principal.parse(principal)  # ValueError for an unknown role or a missing organisation
    if Principal.parse(principal).role is Role.SYSTEM:
        raise ValueError("the system principal takes no API keys")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)  # 256 bits of entropy, 43 characters
    return ApiKey(key_id, _digest(secret), principal.strip(), label, now), format_token(key_id, secret)


class KeyStore(Protocol):
    """Where keys live: the store's ``api_keys`` table, or memory for an in-memory engine."""

    def add(self, key: ApiKey) -> None: ...
    def get(self, key_id: str) -> ApiKey | None: ...
    def revoke(self, key_id: str, now: datetime) -> bool: ...
    def all(self) -> list[ApiKey]: ...


class MemoryKeyStore:
    """Keys of an in-memory engine (tests)."""

    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}
        self._lock = threading.Lock()

    def add(self, key: ApiKey) -> None:
        with self._lock:
            if key.key_id in self._keys:
                raise ValueError(f"key {key.key_id} exists")
            self._keys[key.key_id] = key

    def get(self, key_id: str) -> ApiKey | None:
        return self._keys.get(key_id)

    def revoke(self, key_id: str, now: datetime) -> bool:
        with self._lock:
            key = self._keys.get(key_id)
            if key is None or key.revoked_at is not None:
                return False
            self._keys[key_id] = replace(key, revoked_at=now)
            return True

    def all(self) -> list[ApiKey]:
        return sorted(self._keys.values(), key=lambda k: (k.created_at, k.key_id))


class SqlKeyStore:
    """Keys in the ``api_keys`` table (migration 0009) of a SQLite or PostgreSQL store."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def _time(self, value: datetime) -> Any:
        return value if self._db.dialect == "postgresql" else value.isoformat()

    def add(self, key: ApiKey) -> None:
        with self._db.write() as tx:
            tx.execute(
                "INSERT INTO api_keys (key_id, secret_sha256, principal, label, created_at) "
                "VALUES (:key_id, :digest, :principal, :label, :created_at)",
                {
                    "key_id": key.key_id,
                    "digest": key.secret_sha256,
                    "principal": key.principal,
                    "label": key.label,
                    "created_at": self._time(key.created_at),
                },
            )

    def get(self, key_id: str) -> ApiKey | None:
        """The key, or None; StoreUnavailableError (UNAVAILABLE to the caller) when the store cannot answer."""
        try:
            with self._db.read() as tx:
                rows = tx.rows(
                    "SELECT key_id, secret_sha256, principal, label, created_at, revoked_at FROM api_keys "
                    "WHERE key_id = :key_id",
                    {"key_id": key_id},
                )
        except (PersistenceError, psycopg.Error, sqlite3.Error) as e:
            raise StoreUnavailableError(f"cannot look up API keys: {e}") from e
        return _key(rows[0]) if rows else None

    def revoke(self, key_id: str, now: datetime) -> bool:
        # Write first, then read: a read-then-write SQLite transaction cannot wait for a busy writer.
        when = self._time(now)
        with self._db.write() as tx:
            tx.execute(
                "UPDATE api_keys SET revoked_at = :now WHERE key_id = :key_id AND revoked_at IS NULL",
                {"key_id": key_id, "now": when},
            )
            rows = tx.rows("SELECT revoked_at FROM api_keys WHERE key_id = :key_id", {"key_id": key_id})
        return bool(rows) and rows[0]["revoked_at"] is not None and _when(rows[0]["revoked_at"]) == now

    def all(self) -> list[ApiKey]:
        with self._db.read() as tx:
            rows = tx.rows(
                "SELECT key_id, secret_sha256, principal, label, created_at, revoked_at FROM api_keys "
                "ORDER BY created_at, key_id"
            )
        return [_key(r) for r in rows]


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _key(row: dict[str, Any]) -> ApiKey:
    return ApiKey(
        key_id=str(row["key_id"]),
        secret_sha256=bytes(row["secret_sha256"]),
        principal=str(row["principal"]),
        label=str(row["label"]),
        created_at=_when(row["created_at"]),
        revoked_at=None if row["revoked_at"] is None else _when(row["revoked_at"]),
    )


class KeyLookup:
    """Looks keys up for the server, caching what the store answered for at most ``ttl`` seconds.

    ``ttl`` 0 asks the store on every call. A key created after the server started is found at once (an
    unknown id is never cached); a revoked key stops working within ``ttl`` seconds.
    """

    def __init__(self, store: KeyStore, ttl: float = 0.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._ttl = ttl
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, ApiKey]] = {}

    def get(self, key_id: str) -> ApiKey | None:
        if self._ttl <= 0:
            return self._store.get(key_id)
        now = self._monotonic()
        cached = self._cache.get(key_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        key = self._store.get(key_id)
        if key is None:
            self._cache.pop(key_id, None)
        else:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key_id] = (now, key)
        return key
