"""`claims audit verify` runs on read-only rights: a read-only SQLite file, a SELECT-only PostgreSQL role."""

from __future__ import annotations

import sqlite3
import stat
import uuid
from collections.abc import Iterator
from dataclasses import replace

import psycopg
import pytest
import typer
from typer.testing import CliRunner

from bench.history import write_history
from claims.adapters.persistence.factory import Persistence
from claims.adapters.persistence.read_only import open_read_only
from claims.audit_cli import verify
from claims.projections.chain import ChainProjection
from claims.projections.runner import ProjectionRunner
from tests.conftest import POSTGRES_DSN
from tests.integration.test_hash_chain import cli_url


def sealed(store: Persistence, events: int = 150) -> int:
    assert store.database is not None
    write_history(store.events, events, batch=50)
    ProjectionRunner(store.events, store.database, [ChainProjection()], batch_size=64).catch_up()
    return store.events.head_position()


def run_verify(url: str) -> tuple[int, str]:
    app = typer.Typer()
    app.command()(verify)
    result = CliRunner().invoke(app, ["--store", url])
    return result.exit_code, result.output


def test_a_read_only_sqlite_file_verifies_and_the_connection_cannot_write(sqlite_store: Persistence) -> None:
    # given a sealed history whose file the auditor may only read
    head = sealed(sqlite_store)
    sqlite_store.close()
    path = sqlite_store.location.sqlite_path
    assert path is not None
    path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        # when the auditor verifies it
        code, output = run_verify(cli_url(sqlite_store.location))
        # then the history is intact up to the head
        assert code == 0, output
        assert f"intact up to position {head}" in output
        # and the connection verify uses refuses to write, even to a writable file
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
        reader = open_read_only(sqlite_store.location)
        try:
            with pytest.raises(sqlite3.OperationalError, match="readonly"), reader.database.read() as tx:
                tx.execute("DELETE FROM rm_chain")
            with pytest.raises(PermissionError):
                reader.database.write().__enter__()
        finally:
            reader.close()
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


@pytest.fixture
def select_only_role(postgres_store: Persistence) -> Iterator[str]:
    """A login role granted only USAGE on the store's schema and SELECT on its tables (dropped afterwards)."""
    role = f"claims_auditor_{uuid.uuid4().hex[:10]}"
    schema = postgres_store.location.schema
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"')
    try:
        yield role
    finally:
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


def test_a_select_only_postgres_role_verifies_and_cannot_write(
    postgres_store: Persistence, select_only_role: str
) -> None:
    # given a sealed history and an auditor's role that may only select
    head = sealed(postgres_store)
    auditor = replace(postgres_store.location, user=select_only_role, password="")
    # when the auditor verifies with that role
    code, output = run_verify(cli_url(auditor))
    # then the history is intact up to the head
    assert code == 0, output
    assert f"intact up to position {head}" in output
    # and the connection is read-only whatever the role may do
    reader = open_read_only(postgres_store.location)  # the owner's role, still read-only
    try:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), reader.database.read() as tx:
            tx.execute("DELETE FROM rm_chain")
    finally:
        reader.close()


def test_verify_of_a_missing_sqlite_file_exits_two_with_the_reason(tmp_path: object) -> None:
    code, output = run_verify(f"sqlite:///{tmp_path}/absent.db")
    assert code == 2
    assert "no SQLite store at" in output
