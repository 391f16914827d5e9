"""Migrations own the schema: they build exactly what the library's recorders expect."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from claims.adapters.persistence.factory import APPLICATION_NAME, StoreLocation, parse_store_url
from claims.adapters.persistence.migrations import (
    NotMigratedError,
    apply_migrations,
    pending_migrations,
    require_migrated,
)
from tests.conftest import MIGRATION_IDS, MIGRATIONS, POSTGRES_DSN, sqlite_location


def sqlite_columns(path: Path, table: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return [tuple(row) for row in conn.execute(f"PRAGMA table_info({table})")]


def test_sqlite_migrations_create_the_table_the_library_creates(tmp_path: Path) -> None:
    ours = sqlite_location(tmp_path / "ours")
    apply_migrations(ours, MIGRATIONS)
    theirs = tmp_path / "theirs.db"
    env = Environment(APPLICATION_NAME, {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(theirs)})
    factory = InfrastructureFactory.construct(env)
    factory.application_recorder()
    factory.close()
    assert ours.sqlite_path is not None
    assert sqlite_columns(ours.sqlite_path, "stored_events") == sqlite_columns(theirs, "stored_events")


def test_migrating_twice_applies_nothing_the_second_time(tmp_path: Path) -> None:
    location = sqlite_location(tmp_path)
    assert apply_migrations(location, MIGRATIONS) == MIGRATION_IDS
    assert MIGRATION_IDS[:3] == ["0001_event_store", "0002_vehicle_read_model", "0003_claim_read_model"]
    assert apply_migrations(location, MIGRATIONS) == []
    assert pending_migrations(location, MIGRATIONS) == []


def test_an_unmigrated_store_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    expected = rf"not migrated: {len(MIGRATION_IDS)} pending migration\(s\) .*Run `claims migrate` first"
    with pytest.raises(NotMigratedError, match=expected):
        require_migrated(sqlite_location(tmp_path), MIGRATIONS)


def _pg_schema_shape(schema: str) -> dict[str, object]:
    with psycopg.connect(POSTGRES_DSN) as conn:
        columns = conn.execute(
            "SELECT column_name, data_type, is_nullable, replace(coalesce(column_default, ''), %s, 'S')"
            " FROM information_schema.columns WHERE table_schema = %s AND table_name = 'claims_events'"
            " ORDER BY ordinal_position",
            (schema, schema),
        ).fetchall()
        indexes = conn.execute(
            "SELECT indexname, replace(indexdef, %s, 'S') FROM pg_indexes WHERE schemaname = %s "
            "AND tablename = 'claims_events' ORDER BY indexname",
            (schema, schema),
        ).fetchall()
        options = conn.execute(
            "SELECT c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = 'claims_events'",
            (schema,),
        ).fetchall()
        type_attributes = conn.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_type t "
            "JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_attribute a ON a.attrelid = t.typrelid "
            "WHERE n.nspname = %s AND t.typname = 'stored_event_uuid' ORDER BY a.attnum",
            (schema,),
        ).fetchall()
    return {"columns": columns, "indexes": indexes, "options": options, "type": type_attributes}


@pytest.fixture
def library_schema(postgres_schema: StoreLocation) -> Iterator[str]:
    """A second schema into which the library creates its own tables, for comparison."""
    schema = f"claims_lib_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield schema
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.mark.postgres
def test_postgres_migrations_create_what_the_library_creates(
    postgres_schema: StoreLocation, library_schema: str
) -> None:
    apply_migrations(postgres_schema, MIGRATIONS)
    location = parse_store_url(f"{POSTGRES_DSN}?schema={library_schema}")
    env = Environment(APPLICATION_NAME, {
        "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": location.dbname,
        "POSTGRES_HOST": location.host, "POSTGRES_PORT": str(location.port), "POSTGRES_USER": location.user,
        "POSTGRES_PASSWORD": location.password, "POSTGRES_SCHEMA": library_schema,
    })  # fmt: skip
    factory = InfrastructureFactory.construct(env)
    factory.application_recorder()
    factory.close()
    ours, theirs = _pg_schema_shape(postgres_schema.schema), _pg_schema_shape(library_schema)
    assert ours == theirs
    assert ours["columns"]  # the comparison saw the table


@pytest.mark.postgres
def test_an_unmigrated_postgres_schema_is_refused(postgres_schema: StoreLocation) -> None:
    with pytest.raises(NotMigratedError, match="pending migration"):
        require_migrated(postgres_schema, MIGRATIONS)
    apply_migrations(postgres_schema, MIGRATIONS)
    require_migrated(postgres_schema, MIGRATIONS)


def test_both_backends_have_the_same_numbered_migrations() -> None:
    postgres = sorted(p.stem for p in (MIGRATIONS / "postgresql").glob("*.sql") if not p.stem.endswith(".rollback"))
    assert postgres == MIGRATION_IDS
