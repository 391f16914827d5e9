"""Fifty clients, each on its own channel, acting at once on the same vehicle and the same claim.

With ``expected_version`` exactly one writer per version wins and every loser is told ABORTED; without it no
accepted update is lost. Whatever the race, the final state equals what the accepted requests make when
replayed one by one into a fresh server.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from claims.api.v1 import claims_pb2, vehicles_pb2
from claims.api.v1 import claims_pb2_grpc as claims_grpc
from claims.api.v1 import vehicles_pb2_grpc as vehicles_grpc
from tests.builders import VIN
from tests.conftest import FixedClock
from tests.e2e.conftest import Api
from tests.e2e.requests import decide_request, reading_request
from tests.reliability.conftest import claim_of, sqlite_server, with_filed_claim

CLIENTS = 50
ROUNDS = 3


@dataclass
class Answer:
    """One client's call: the request, and the response or the refusal's code."""

    request: Any
    response: Any = None
    code: grpc.StatusCode = grpc.StatusCode.OK


@pytest.fixture
def channels(store_api: Api) -> Iterator[list[grpc.Channel]]:
    target = f"127.0.0.1:{store_api.engine.port}"
    opened = [grpc.insecure_channel(target) for _ in range(CLIENTS)]
    yield opened
    for channel in opened:
        channel.close()


def race(channels: list[grpc.Channel], call: Callable[[grpc.Channel, Any], Any], requests: list[Any]) -> list[Answer]:
    """Every client sends its request at the same moment (a barrier), each on its own channel."""
    barrier = threading.Barrier(len(requests))

    def one(index: int) -> Answer:
        answer = Answer(requests[index])
        barrier.wait(timeout=30)
        try:
            answer.response = call(channels[index], requests[index])
        except grpc.RpcError as error:
            answer.code = error.code()  # type: ignore[attr-defined]
        return answer

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(one, range(len(requests))))


def record_reading(channel: grpc.Channel, request: Any) -> Any:
    return vehicles_grpc.VehicleServiceStub(channel).RecordOdometerReading(request, timeout=30)


def decide_line(channel: grpc.Channel, request: Any) -> Any:
    return claims_grpc.ClaimServiceStub(channel).DecideClaimLine(request, timeout=30)


def vehicle_of(api: Api) -> vehicles_pb2.Vehicle:
    return api.vehicles.GetVehicle(vehicles_pb2.GetVehicleRequest(identifier=VIN), timeout=5).vehicle


def codes(answers: list[Answer]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for answer in answers:
        counted[answer.code.name] = counted.get(answer.code.name, 0) + 1
    return counted


def test_with_expected_version_one_writer_wins_each_version_and_every_loser_is_aborted(
    store_api: Api, channels: list[grpc.Channel], tmp_path: Path, clock: FixedClock
) -> None:
    # given a covered vehicle with a filed two-line claim
    with_filed_claim(store_api)
    accepted: list[tuple[str, Any]] = []
    # when fifty clients record readings on the vehicle at the version they all read, round after round
    for round_no in range(ROUNDS):
        version = vehicle_of(store_api).version
        requests = [
            reading_request(
                str(20_000 + 100 * round_no + i), f"2026-11-2{round_no}T10:00:00Z", expected_version=version
            )
            for i in range(CLIENTS)
        ]
        answers = race(channels, record_reading, requests)
        # then exactly one wins that version and the 49 others are told ABORTED
        assert codes(answers) == {"OK": 1, "ABORTED": CLIENTS - 1}
        winner = next(a for a in answers if a.code == grpc.StatusCode.OK)
        assert winner.response.result.version == version + 1
        accepted.append(("reading", winner.request))
    # and when fifty desk users decide the same claim line, then the other, at the version they read
    for line_no in (1, 2):
        version = claim_of(store_api).version
        decisions = ("APPROVE", "REJECT")
        requests = [
            decide_request(line_no, decisions[i % 2], expected_version=version, reason_code="NO-FAULT-FOUND")
            for i in range(CLIENTS)
        ]
        answers = race(channels, decide_line, requests)
        assert codes(answers) == {"OK": 1, "ABORTED": CLIENTS - 1}
        accepted.append(("decision", next(a for a in answers if a.code == grpc.StatusCode.OK).request))
    # then the final vehicle and claim equal those made by replaying the accepted requests one by one
    vehicle, claim = vehicle_of(store_api), claim_of(store_api)
    assert [r.reading.value for r in vehicle.readings[-ROUNDS:]] == [r.reading.value for _, r in accepted[:ROUNDS]]
    assert claims_pb2.LINE_DECISION_UNSPECIFIED not in [line.decision for line in claim.lines]
    replayed_vehicle, replayed_claim = serial_replay(tmp_path / "replay", clock, accepted)
    assert replayed_vehicle == vehicle
    assert replayed_claim == claim


def test_without_expected_version_no_accepted_reading_is_lost(
    store_api: Api, channels: list[grpc.Channel], tmp_path: Path, clock: FixedClock
) -> None:
    # given a covered vehicle with a filed claim
    with_filed_claim(store_api)
    readings_before = len(vehicle_of(store_api).readings)
    # when fifty clients record fifty different readings at once, none naming a version
    requests = [reading_request(str(30_000 + i), "2026-11-22T10:00:00Z") for i in range(CLIENTS)]
    answers = race(channels, record_reading, requests)
    # then every answer is a success, a lost race (ABORTED) or a refused rollback below an accepted reading
    ok = [a for a in answers if a.code == grpc.StatusCode.OK]
    assert set(codes(answers)) <= {"OK", "ABORTED", "FAILED_PRECONDITION"}
    assert ok
    highest = max(int(a.request.reading.value) for a in ok)
    for answer in answers:
        if answer.code == grpc.StatusCode.FAILED_PRECONDITION:
            assert int(answer.request.reading.value) < highest
    # and every accepted reading is in the vehicle, once, in the order of the versions it was given
    vehicle = vehicle_of(store_api)
    recorded = [r.reading.value for r in vehicle.readings[readings_before:]]
    in_order = sorted(ok, key=lambda a: a.response.result.version)
    assert recorded == [a.request.reading.value for a in in_order]
    assert [a.response.result.version for a in in_order] == list(
        range(in_order[0].response.result.version, in_order[0].response.result.version + len(ok))
    )
    # and replaying the accepted requests one by one makes the same vehicle
    replayed_vehicle, _ = serial_replay(tmp_path / "replay", clock, [("reading", a.request) for a in in_order])
    assert replayed_vehicle == vehicle


def serial_replay(
    folder: Path, clock: FixedClock, accepted: list[tuple[str, Any]]
) -> tuple[vehicles_pb2.Vehicle, claims_pb2.Claim]:
    """A fresh server, the same setup, then the accepted requests sent one at a time, in the order they won."""
    folder.mkdir()
    with sqlite_server(folder, FixedClock(clock.now)) as fresh:
        with_filed_claim(fresh)
        for kind, request in accepted:
            resent = type(request)()
            resent.CopyFrom(request)
            resent.request_id = str(uuid.uuid4())
            if kind == "reading":
                fresh.vehicles.RecordOdometerReading(resent, timeout=5)
            else:
                fresh.claims.DecideClaimLine(resent, timeout=5)
        return vehicle_of(fresh), claim_of(fresh)
