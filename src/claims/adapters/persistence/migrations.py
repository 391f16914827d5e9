"""Schema migrations: versioned SQL files in migrations/<backend>/, applied by yoyo-migrations."""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql
from yoyo import get_backend, read_migrations

from claims.adapters.persistence.factory import StoreLocation


class NotMigratedError(Exception):
    """Raised when the store lacks migrations the code needs."""


def _migrations(location: StoreLocation, folder: Path):  # type: ignore[no-untyped-def]
    return read_migrations(str(folder / location.backend))


def _connect(location: StoreLocation) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host=location.host, port=location.port, user=location.user, password=location.password or None,
        dbname=location.dbname, autocommit=True, connect_timeout=5,
    )  # fmt: skip


def _ensure_schema(location: StoreLocation) -> None:
    if location.backend != "postgresql" or location.schema == "public":
        return
    with _connect(location) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(location.schema)))


def _store_exists(location: StoreLocation) -> bool:
    if location.backend == "sqlite":
        return location.sqlite_path is not None and location.sqlite_path.exists()
    with _connect(location) as conn:
        found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (location.schema,)).fetchone()
    return found is not None


def apply_migrations(location: StoreLocation, folder: Path) -> list[str]:
    """Apply what is pending; return the ids applied (none when already up to date)."""
    if location.backend == "memory":
        return []
    if location.backend == "sqlite":
        assert location.sqlite_path is not None
        location.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    _ensure_schema(location)
    backend = get_backend(location.yoyo_uri())
    try:
        with backend.lock():
            pending = backend.to_apply(_migrations(location, folder))
            backend.apply_migrations(pending)
            return [m.id for m in pending]
    finally:
        backend.connection.close()


def pending_migrations(location: StoreLocation, folder: Path) -> list[str]:
    """The ids of migrations not yet applied to the store."""
    if location.backend == "memory":
        return []
    if not _store_exists(location):
        return [m.id for m in _migrations(location, folder)]
    backend = get_backend(location.yoyo_uri())
    try:
        return [m.id for m in backend.to_apply(_migrations(location, folder))]
    finally:
        backend.connection.close()


def require_migrated(location: StoreLocation, folder: Path) -> None:
    """Raise ``NotMigratedError`` with a clear message when migrations are pending."""
    pending = pending_migrations(location, folder)
    if pending:
        raise NotMigratedError(
            f"the store ({location.describe()}) is not migrated: {len(pending)} pending migration(s) "
            f"({', '.join(pending)}). Run `claims migrate` first."
        )
