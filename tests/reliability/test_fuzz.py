"""Every RPC fuzzed over a real channel (the fast variant; `make soak` runs the long one).

For each RPC the fuzzer sends generated requests (valid, boundary, malformed bytes, huge, oversized) to one
server seeded with a vehicle, a closed repair order, a filed claim, a pre-authorization and a contract. Then:
no answer is INTERNAL/UNKNOWN/UNAVAILABLE, no refused mutation moved the log head or left an event with its
correlation id, and the server keeps answering health checks and a known read throughout.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from google.protobuf.descriptor import MethodDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc

from claims.api.v1 import vehicles_pb2
from soak import fuzz
from soak.world import seed_world, templates
from tests.builders import VIN
from tests.conftest import FixedClock
from tests.e2e.conftest import Api
from tests.reliability.conftest import sqlite_server

CASES_PER_RPC = 150
# Small enough that oversized cases are cheap to send, large enough for the 64 KiB and 1 MiB "huge" cases.
MESSAGE_LIMIT = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def fuzzed_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    clock = FixedClock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    # No commitment timer: it is the one other writer, and the log head is read around every mutation.
    with sqlite_server(folder, clock, max_message_bytes=MESSAGE_LIMIT, timer_interval_seconds=0) as api:
        assert set(seed_world(api.channel).values()) == {"OK"}
        yield api


def bystander(api: Api) -> None:
    """Another client, asking what it always asks: it must keep getting answers."""
    health = health_pb2_grpc.HealthStub(api.channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    vehicle = api.vehicles.GetVehicle(vehicles_pb2.GetVehicleRequest(identifier=VIN), timeout=5).vehicle
    assert vehicle.identifier == VIN


@pytest.mark.parametrize("method", fuzz.all_methods(), ids=lambda m: m.name)
def test_fuzzed_requests_never_fail_the_server_nor_write_when_refused(
    fuzzed_api: Api, method: MethodDescriptor
) -> None:
    start = fuzzed_api.head()
    # when the RPC is sent generated requests of every family, one at a time
    tally = fuzz.fuzz_serially(
        fuzzed_api.channel,
        [method],
        CASES_PER_RPC,
        seed=zlib.crc32(method.full_name.encode()),
        head=fuzzed_api.head,
        bystander=lambda: bystander(fuzzed_api),
        max_message_bytes=MESSAGE_LIMIT,
        templates=templates(),
    )
    # then every case was answered with a client's status, and no refused mutation wrote anything
    assert tally.cases[method.name] == CASES_PER_RPC
    assert tally.findings == []
    events = fuzzed_api.engine.persistence.events
    new_events = fuzz.read_log(lambda after, limit: events.read_all(max(after, start), limit))
    assert fuzz.written_by(new_events, tally.rejected_mutations) == []
    bystander(fuzzed_api)
