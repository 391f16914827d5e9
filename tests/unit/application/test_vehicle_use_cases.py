"""Vehicle use cases through the application on the in-memory store: idempotency, versions, metadata."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.application.app import ClaimsApplication
from claims.application.requests import RequestAccepted
from claims.domain.errors import (
    ConcurrentUpdateError,
    NotFoundError,
    PreconditionFailedError,
    RequestIdReusedError,
)
from claims.domain.ids import vehicle_id_for
from tests.builders import VIN, at, attach_coverage, call, mi, record_reading, register_vehicle
from tests.conftest import FixedClock


def test_a_mutation_returns_the_stream_version_and_global_position(memory_app: ClaimsApplication) -> None:
    first = memory_app.handle_vehicle(call(), register_vehicle())
    second = memory_app.handle_vehicle(call(), attach_coverage())
    assert (first.stream_id, first.version) == (vehicle_id_for(VIN), 1)
    assert second.version == 2
    assert second.position > first.position


def test_the_same_request_again_returns_the_first_answer_and_writes_nothing(memory_app: ClaimsApplication) -> None:
    first = memory_app.handle_vehicle(call("req-1"), register_vehicle())
    head = memory_app.store.head_position()
    again = memory_app.handle_vehicle(call("req-1"), register_vehicle())
    assert again == first
    assert memory_app.store.head_position() == head


def test_the_same_request_id_with_another_payload_is_refused(memory_app: ClaimsApplication) -> None:
    memory_app.handle_vehicle(call("req-1"), register_vehicle())
    with pytest.raises(RequestIdReusedError):
        memory_app.handle_vehicle(call("req-1"), register_vehicle(model="Something else"))


def test_request_ids_are_scoped_by_caller(memory_app: ClaimsApplication) -> None:
    memory_app.handle_vehicle(call("req-1", actor="dealer:A"), register_vehicle())
    result = memory_app.handle_vehicle(call("req-1", actor="dealer:B"), attach_coverage())
    assert result.version == 2


def test_a_stale_expected_version_is_a_conflict(memory_app: ClaimsApplication) -> None:
    memory_app.handle_vehicle(call(), register_vehicle())
    memory_app.handle_vehicle(call(expected_version=1), attach_coverage())
    with pytest.raises(ConcurrentUpdateError) as caught:
        memory_app.handle_vehicle(call(expected_version=1), record_reading(mi(100), at(2025, 5, 1)))
    assert caught.value.detail.actual_version == 2


def test_a_stale_expected_version_is_a_conflict_even_when_the_new_state_would_refuse_the_command(
    memory_app: ClaimsApplication,
) -> None:
    # given a vehicle at version 2, its last reading 500 mi
    memory_app.handle_vehicle(call(), register_vehicle())
    memory_app.handle_vehicle(call(expected_version=1), record_reading(mi(500), at(2025, 5, 1)))
    head = memory_app.store.head_position()
    # when a client that saw version 1 records 100 mi (a rollback against the state it never saw)
    with pytest.raises(ConcurrentUpdateError) as caught:
        memory_app.handle_vehicle(call(expected_version=1), record_reading(mi(100), at(2025, 5, 1)))
    # then it hears that its version is stale (ABORTED), not a refusal decided on the newer state; nothing is written
    assert (caught.value.detail.expected_version, caught.value.detail.actual_version) == (1, 2)
    assert memory_app.store.head_position() == head


def test_a_no_op_still_answers_retries_once(memory_app: ClaimsApplication) -> None:
    memory_app.handle_vehicle(call(), register_vehicle())
    memory_app.handle_vehicle(call(), record_reading(mi(100), at(2025, 5, 1)))
    same = memory_app.handle_vehicle(call("again"), record_reading(mi(100), at(2025, 5, 1)))
    assert same.version == 2


def test_every_event_carries_who_why_and_when(memory_app: ClaimsApplication, clock: FixedClock) -> None:
    memory_app.handle_vehicle(call("req-9", actor="dealer:D042"), register_vehicle())
    recorded = memory_app.store.read_all(0, 10)
    assert [r.topic for r in recorded] == ["claims.vehicle.VehicleRegistered", "claims.request.RequestAccepted"]
    meta = recorded[0].metadata
    assert (meta.actor, meta.request_id, meta.correlation_id, meta.causation_id) == (
        "dealer:D042",
        "req-9",
        "corr-1",
        "req-9",
    )
    assert meta.recorded_at == clock.now
    assert isinstance(recorded[1].event, RequestAccepted)


def test_reading_an_unknown_vehicle_is_not_found(memory_app: ClaimsApplication) -> None:
    with pytest.raises(NotFoundError):
        memory_app.get_vehicle(VIN)


def test_concurrent_writers_without_expected_versions_all_land(memory_app: ClaimsApplication) -> None:
    memory_app.handle_vehicle(call(), register_vehicle())
    readings = [record_reading(mi(100 + i), at(2025, 5, 1 + i)) for i in range(20)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda c: memory_app.handle_vehicle(call(), c), readings))
    assert sorted(r.version for r in results) == list(range(2, 22))
    vehicle, version = memory_app.get_vehicle(VIN)
    assert (len(vehicle.vehicle.readings), version) == (20, 21)


def test_a_replica_sees_the_readings_another_replica_recorded(clock: FixedClock) -> None:
    # given two applications (two server replicas) on one store, the first having read the vehicle
    store = open_store(parse_store_url("memory://")).events
    first, second = ClaimsApplication(store, clock), ClaimsApplication(store, clock)
    first.handle_vehicle(call(), register_vehicle())
    first.handle_vehicle(call(), record_reading(mi(1000), at(2025, 5, 1)))
    # when the second replica records a higher reading
    second.handle_vehicle(call(), record_reading(mi(5000), at(2025, 6, 1)))
    # then the first refuses a reading below it (its state includes the other's event) and appends after it
    with pytest.raises(PreconditionFailedError):
        first.handle_vehicle(call(), record_reading(mi(4000), at(2025, 7, 1)))
    assert first.handle_vehicle(call(), record_reading(mi(6000), at(2025, 7, 1))).version == 4
    assert second.get_vehicle(VIN)[1] == 4


def test_a_retry_the_stream_has_moved_past_still_returns_the_first_answer(memory_app: ClaimsApplication) -> None:
    # given a request that was answered at expected version 1
    memory_app.handle_vehicle(call(), register_vehicle())
    first = memory_app.handle_vehicle(call("req-2", expected_version=1), attach_coverage())
    memory_app.handle_vehicle(call(), record_reading(mi(100), at(2025, 5, 1)))
    # when it is retried (its expected version is stale now)
    again = memory_app.handle_vehicle(call("req-2", expected_version=1), attach_coverage())
    # then the retry gets the first answer, not a conflict
    assert again == first
