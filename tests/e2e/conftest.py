"""A real server on 127.0.0.1:0 over a real channel, on SQLite (and PostgreSQL where configured)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from claims.adapters.persistence.factory import StoreLocation
from claims.adapters.persistence.migrations import apply_migrations
from claims.api.v1 import (
    claims_pb2,
    claims_pb2_grpc,
    contracts_pb2_grpc,
    preauthorizations_pb2_grpc,
    repair_orders_pb2_grpc,
    statutory_pb2_grpc,
    vehicles_pb2_grpc,
)
from claims.bootstrap import Engine, start_engine
from claims.config import Settings
from tests.conftest import MIGRATIONS, FixedClock
from tests.e2e.requests import (
    ODOMETER_IN,
    RO_OPENED_AT,
    close_ro_request,
    coverage_request,
    open_ro_request,
    register_request,
    work_request,
)


@dataclass
class Api:
    """A connected client: the engine behind it and a stub per service."""

    engine: Engine
    channel: grpc.Channel
    vehicles: vehicles_pb2_grpc.VehicleServiceStub
    repair_orders: repair_orders_pb2_grpc.RepairOrderServiceStub = field(init=False)
    claims: claims_pb2_grpc.ClaimServiceStub = field(init=False)
    preauths: preauthorizations_pb2_grpc.PreAuthorizationServiceStub = field(init=False)
    statutory: statutory_pb2_grpc.StatutoryServiceStub = field(init=False)
    insurer: contracts_pb2_grpc.InsurerServiceStub = field(init=False)

    def __post_init__(self) -> None:
        self.repair_orders = repair_orders_pb2_grpc.RepairOrderServiceStub(self.channel)
        self.claims = claims_pb2_grpc.ClaimServiceStub(self.channel)
        self.preauths = preauthorizations_pb2_grpc.PreAuthorizationServiceStub(self.channel)
        self.statutory = statutory_pb2_grpc.StatutoryServiceStub(self.channel)
        self.insurer = contracts_pb2_grpc.InsurerServiceStub(self.channel)

    def head(self) -> int:
        return self.engine.persistence.events.head_position()


def _serve(store_url: str, location: StoreLocation, clock: Callable[[], datetime]) -> Iterator[Api]:
    apply_migrations(location, MIGRATIONS)
    # Authentication off (every call acts as the system): these tests are about behaviour, not access.
    settings = Settings(
        store_url=store_url, listen="127.0.0.1:0", grace_seconds=1, migrations_dir=MIGRATIONS, auth="off"
    )
    engine = start_engine(settings, clock)
    channel = grpc.insecure_channel(f"127.0.0.1:{engine.port}")
    try:
        yield Api(engine, channel, vehicles_pb2_grpc.VehicleServiceStub(channel))
    finally:
        channel.close()
        engine.stop(grace=1)


@pytest.fixture
def live_api(tmp_path: Path) -> Iterator[Api]:
    """A server on the real clock, for clients (like the demo) that date things relative to today."""
    from claims.bootstrap import utc_now

    url = f"sqlite:///{tmp_path / 'claims.db'}"
    from claims.adapters.persistence.factory import parse_store_url

    yield from _serve(url, parse_store_url(url), utc_now)


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


def _with_closed_repair_order(api: Api) -> Api:
    """A covered vehicle and its repair order RO-1001, worked and closed five days before the tests' clock."""
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    api.vehicles.AttachCoverage(coverage_request(), timeout=5)
    api.repair_orders.OpenRepairOrder(open_ro_request(opened_at=RO_OPENED_AT, odometer_in=ODOMETER_IN), timeout=5)
    api.repair_orders.RecordRepairWork(work_request(), timeout=5)
    api.repair_orders.CloseRepairOrder(close_ro_request(), timeout=5)
    return api


@pytest.fixture
def claims_api(api: Api) -> Api:
    return _with_closed_repair_order(api)


@pytest.fixture
def pg_claims_api(pg_api: Api) -> Api:
    return _with_closed_repair_order(pg_api)


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


def get_claim(api: Api, claim_number: str = "C-1001") -> claims_pb2.Claim:
    return api.claims.GetClaim(claims_pb2.GetClaimRequest(dealer_id="D042", claim_number=claim_number), timeout=5).claim


def refused(api: Api, call: Any, request: Any) -> RichError:
    """Call, expect a failure, check nothing was stored, return what the client saw."""
    head = api.head()
    with pytest.raises(grpc.RpcError) as caught:
        call(request, timeout=5)
    assert api.head() == head
    return rich_error(caught.value)


# Servers with authentication on (issue 7); imported last, they build on Api above.
from tests.e2e.auth_fixtures import auth_api, live_auth_api, pg_auth_api, tls_auth_api  # noqa: E402, F401
