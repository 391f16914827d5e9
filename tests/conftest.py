"""Fixtures: a controllable clock, stores of every kind (memory, SQLite, PostgreSQL) and the application."""

from __future__ import annotations

import io
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from claims.adapters.persistence.factory import Persistence, StoreLocation, open_store, parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.application.app import ClaimsApplication
from claims.config import REPO_ROOT
from claims.logs import configure_logging

MIGRATIONS = REPO_ROOT / "migrations"
# Every migration both backends must have, in order (each folder holds the same numbered files).
MIGRATION_IDS = sorted(p.stem for p in (MIGRATIONS / "sqlite").glob("*.sql") if not p.stem.endswith(".rollback"))
# No test engine binds the console's default port 8080: a test that wants the console asks for 127.0.0.1:0.
os.environ.setdefault("CLAIMS_WEB_LISTEN", "")
POSTGRES_DSN = os.environ.get("CLAIMS_TEST_POSTGRES_DSN", "")
REQUIRE_POSTGRES = os.environ.get("CLAIMS_TEST_REQUIRE_POSTGRES") == "1"


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))


@pytest.fixture
def memory_app(clock: FixedClock) -> ClaimsApplication:
    return ClaimsApplication(open_store(parse_store_url("memory://")).events, clock)


def sqlite_location(folder: Path) -> StoreLocation:
    return parse_store_url(f"sqlite:///{folder / 'claims.db'}")


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Persistence]:
    location = sqlite_location(tmp_path)
    apply_migrations(location, MIGRATIONS)
    persistence = open_store(location)
    yield persistence
    persistence.close()


@pytest.fixture
def postgres_schema() -> Iterator[StoreLocation]:
    """A fresh, empty schema in the test database, dropped afterwards (reruns never see old data)."""
    if not POSTGRES_DSN:
        if REQUIRE_POSTGRES:
            pytest.fail("CLAIMS_TEST_REQUIRE_POSTGRES=1 but CLAIMS_TEST_POSTGRES_DSN is not set")
        pytest.skip(
            "set CLAIMS_TEST_POSTGRES_DSN (e.g. postgresql://postgres@127.0.0.1:5432/test) to run PostgreSQL tests"
        )
    schema = f"claims_test_{uuid.uuid4().hex[:12]}"
    location = parse_store_url(f"{POSTGRES_DSN}{'&' if '?' in POSTGRES_DSN else '?'}schema={schema}")
    yield location
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def postgres_store(postgres_schema: StoreLocation) -> Iterator[Persistence]:
    apply_migrations(postgres_schema, MIGRATIONS)
    persistence = open_store(postgres_schema)
    yield persistence
    persistence.close()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def any_store(request: pytest.FixtureRequest) -> Persistence:
    """The same contract, run against every store."""
    if request.param == "memory":
        return open_store(parse_store_url("memory://"))
    name = "sqlite_store" if request.param == "sqlite" else "postgres_store"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The process's log records as JSON (at DEBUG), read back as dicts; the logging setup is restored after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("DEBUG", "json", stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
