"""The server's limits are settings, and past each one a client hears a precise status while others carry on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from claims.adapters.grpc.status import MESSAGE_CHARS
from claims.api.v1 import audit_pb2, audit_pb2_grpc, claims_pb2, contracts_pb2, repair_orders_pb2
from tests.conftest import FixedClock
from tests.e2e.conftest import Api, rich_error
from tests.e2e.requests import register_request
from tests.reliability.conftest import sqlite_server

SMALL_LIMIT = 64 * 1024


def serving_health(api: Api) -> bool:
    answer = health_pb2_grpc.HealthStub(api.channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return answer.status == health_pb2.HealthCheckResponse.SERVING


@pytest.fixture
def small_api(tmp_path: Path, clock: FixedClock) -> Iterator[Api]:
    """A server whose message limit is 64 KiB and which serves at most 4 calls at once."""
    with sqlite_server(tmp_path, clock, max_message_bytes=SMALL_LIMIT, max_concurrent_rpcs=4) as api:
        yield api


def test_a_request_over_the_message_limit_is_refused_unread_and_nothing_is_written(small_api: Api) -> None:
    # given a server whose message limit is 64 KiB
    head = small_api.head()
    # when a registration arrives with a 100 KiB model name
    with pytest.raises(grpc.RpcError) as caught:
        small_api.vehicles.RegisterVehicle(register_request(model="x" * 100_000), timeout=5)
    # then it is RESOURCE_EXHAUSTED, nothing is written, and the server keeps answering
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED  # type: ignore[attr-defined]
    assert small_api.head() == head
    assert serving_health(small_api)
    assert small_api.vehicles.RegisterVehicle(register_request(), timeout=5).result.version == 1


def test_calls_past_the_concurrency_limit_are_refused_until_a_place_frees(small_api: Api) -> None:
    # given a server serving at most 4 calls at once, and a vehicle so that the log is not empty
    small_api.vehicles.RegisterVehicle(register_request(), timeout=5)
    audit = audit_pb2_grpc.AuditServiceStub(small_api.channel)
    followers = [audit.StreamEvents(audit_pb2.StreamEventsRequest(follow=True), timeout=30) for _ in range(4)]
    try:
        for follower in followers:  # each has started: it has sent the first event and now waits for more
            assert next(follower).event.position == 1
        # when a fifth call arrives
        with pytest.raises(grpc.RpcError) as caught:
            health_pb2_grpc.HealthStub(small_api.channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        # then it is refused with RESOURCE_EXHAUSTED rather than queued without bound
        assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED  # type: ignore[attr-defined]
    finally:
        for follower in followers:
            follower.cancel()
    # and once the followers are gone (each notices within its poll interval), calls are served again
    assert any(_answers_after_a_pause(small_api) for _ in range(200))


def _answers_after_a_pause(api: Api) -> bool:
    time.sleep(0.05)
    try:
        return serving_health(api)
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:  # type: ignore[attr-defined]
            raise
        return False


def test_a_read_waiting_for_a_position_never_written_ends_at_the_callers_deadline(api: Api) -> None:
    # given an empty store
    request = claims_pb2.ListClaimsRequest(dealer_id="D042", min_position=1_000_000)
    # when a client asks to read its write at a position that will never come, with a short deadline
    with pytest.raises(grpc.RpcError) as caught:
        api.claims.ListClaims(request, timeout=0.5)
    # then the call ends with DEADLINE_EXCEEDED and the server keeps answering
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED  # type: ignore[attr-defined]
    assert serving_health(api)


def test_a_stream_of_changes_ends_at_the_callers_deadline(api: Api) -> None:
    watch = api.insurer.WatchClaims(contracts_pb2.WatchClaimsRequest(insurer_id="INS-1"), timeout=0.5)
    with pytest.raises(grpc.RpcError) as caught:
        list(watch)
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED  # type: ignore[attr-defined]
    assert serving_health(api)


@pytest.mark.parametrize("size", [20_000, 1 << 20])
def test_an_error_about_a_huge_field_is_the_precise_status_with_the_echo_clipped(api: Api, size: int) -> None:
    # Regression (found by the fuzzer): a NOT_FOUND echoing a 1 MiB repair-order number overflowed the
    # client's 16 KiB trailer limit, which the client saw as RESOURCE_EXHAUSTED "Stream removed".
    request = repair_orders_pb2.GetRepairOrderRequest(dealer_id="D042", ro_number="R" * size)
    with pytest.raises(grpc.RpcError) as caught:
        api.repair_orders.GetRepairOrder(request, timeout=5)
    error = rich_error(caught.value)
    assert error.code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT)
    assert len(error.message) < MESSAGE_CHARS + 40
    assert all(len(value) < 200 for value in [*error.metadata.values(), *error.fields.values()])
    assert serving_health(api)
