"""Servers for the reliability tests: the e2e server, with settings a test may tighten, on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc
import pytest

from claims.adapters.persistence.factory import StoreLocation, parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.api.v1 import claims_pb2, vehicles_pb2_grpc
from claims.bootstrap import start_engine
from claims.config import Settings
from tests.conftest import MIGRATIONS, POSTGRES_DSN, FixedClock
from tests.e2e.conftest import Api, _with_closed_repair_order
from tests.e2e.requests import file_claim_request


@contextmanager
def serving(store_url: str, location: StoreLocation, clock: Callable[[], datetime], **settings: Any) -> Iterator[Api]:
    """A real server on 127.0.0.1:0 over ``store_url`` and a client channel to it."""
    apply_migrations(location, MIGRATIONS)
    fields = {"auth": "off"} | settings  # the engine's behaviour, not who may call it (tests/e2e's matrix)
    engine = start_engine(
        Settings(store_url=store_url, listen="127.0.0.1:0", grace_seconds=1, migrations_dir=MIGRATIONS, **fields),
        clock,
    )
    channel = grpc.insecure_channel(f"127.0.0.1:{engine.port}")
    try:
        yield Api(engine, channel, vehicles_pb2_grpc.VehicleServiceStub(channel))
    finally:
        channel.close()
        engine.stop(grace=1)


@contextmanager
def sqlite_server(folder: Path, clock: Callable[[], datetime], **settings: Any) -> Iterator[Api]:
    url = f"sqlite:///{folder / 'claims.db'}"
    with serving(url, parse_store_url(url), clock, **settings) as api:
        yield api


def with_filed_claim(api: Api) -> Api:
    """A covered vehicle, its closed repair order RO-1001 and claim C-1001 (labour line 1, part line 2) filed."""
    _with_closed_repair_order(api)
    api.claims.FileClaim(file_claim_request(), timeout=5)
    return api


@pytest.fixture(params=["sqlite", "postgres"])
def store_api(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Api]:
    """The same server on SQLite and on PostgreSQL (skipped without CLAIMS_TEST_POSTGRES_DSN)."""
    if request.param == "sqlite":
        with sqlite_server(tmp_path, clock) as api:
            yield api
        return
    location: StoreLocation = request.getfixturevalue("postgres_schema")
    url = f"{POSTGRES_DSN}{'&' if '?' in POSTGRES_DSN else '?'}schema={location.schema}"
    with serving(url, location, clock) as api:
        yield api


def claim_of(api: Api, claim_number: str = "C-1001") -> claims_pb2.Claim:
    request = claims_pb2.GetClaimRequest(dealer_id="D042", claim_number=claim_number)
    return api.claims.GetClaim(request, timeout=5).claim


@pytest.fixture
def api(tmp_path: Path, clock: FixedClock) -> Iterator[Api]:
    with sqlite_server(tmp_path, clock) as served:
        yield served
