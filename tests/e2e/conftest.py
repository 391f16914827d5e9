"""A real server on 127.0.0.1:0 over a real channel, on SQLite (and PostgreSQL where configured)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from claims.adapters.persistence.factory import StoreLocation
from claims.adapters.persistence.migrations import apply_migrations
from claims.api.v1 import vehicles_pb2_grpc
from claims.bootstrap import Engine, start_engine
from claims.config import Settings
from tests.conftest import MIGRATIONS, FixedClock


@dataclass
class Api:
    """A connected client: the engine behind it and a stub per service."""

    engine: Engine
    channel: grpc.Channel
    vehicles: vehicles_pb2_grpc.VehicleServiceStub

    def head(self) -> int:
        return self.engine.persistence.events.head_position()


def _serve(store_url: str, location: StoreLocation, clock: FixedClock) -> Iterator[Api]:
    apply_migrations(location, MIGRATIONS)
    settings = Settings(store_url=store_url, listen="127.0.0.1:0", grace_seconds=1, migrations_dir=MIGRATIONS)
    engine = start_engine(settings, clock)
    channel = grpc.insecure_channel(f"127.0.0.1:{engine.port}")
    try:
        yield Api(engine, channel, vehicles_pb2_grpc.VehicleServiceStub(channel))
    finally:
        channel.close()
        engine.stop(grace=1)


@pytest.fixture
def api(tmp_path: Path, clock: FixedClock) -> Iterator[Api]:
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    from claims.adapters.persistence.factory import parse_store_url

    yield from _serve(url, parse_store_url(url), clock)


@pytest.fixture
def pg_api(postgres_schema: StoreLocation, clock: FixedClock) -> Iterator[Api]:
    from tests.conftest import POSTGRES_DSN

    url = f"{POSTGRES_DSN}{'&' if '?' in POSTGRES_DSN else '?'}schema={postgres_schema.schema}"
    yield from _serve(url, postgres_schema, clock)


@dataclass
class RichError:
    """What a client sees of a failed call: the code and the google.rpc details."""

    code: grpc.StatusCode
    message: str
    reason: str
    metadata: dict[str, str]
    fields: dict[str, str]
    preconditions: list[Any]


def rich_error(error: grpc.RpcError) -> RichError:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None, f"no rich status on {error}"
    info = error_details_pb2.ErrorInfo()
    bad = error_details_pb2.BadRequest()
    failure = error_details_pb2.PreconditionFailure()
    for detail in status.details:
        for message in (info, bad, failure):
            if detail.Is(message.DESCRIPTOR):
                detail.Unpack(message)
    return RichError(
        code=error.code(),  # type: ignore[attr-defined]
        message=status.message,
        reason=info.reason,
        metadata=dict(info.metadata),
        fields={v.field: v.description for v in bad.field_violations},
        preconditions=list(failure.violations),
    )
