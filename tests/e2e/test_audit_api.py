"""AuditService over a real channel, and `claims audit export`: the stored log in order, filtered, resumable."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from typer.testing import CliRunner

from bench.history import write_history
from claims.adapters.persistence.factory import Persistence
from claims.api.v1 import audit_pb2 as pb
from claims.api.v1 import audit_pb2_grpc as pb_grpc
from claims.cli import cli
from claims.domain.ids import claim_id_for, statutory_case_id_for, vehicle_id_for
from tests.builders import VIN
from tests.conftest import FixedClock
from tests.e2e.conftest import Api, rich_error
from tests.e2e.requests import file_claim_request, reading_request

REGISTERED, CLAIM_FILED = "claims.vehicle.VehicleRegistered", "claims.claim.ClaimFiled"


def audit(api: Api) -> pb_grpc.AuditServiceStub:
    return pb_grpc.AuditServiceStub(api.channel)


def stream(api: Api, after: int = 0, **filters: Any) -> list[pb.AuditEvent]:
    """Everything StreamEvents sends without `follow`: it ends by itself at the head."""
    request = pb.StreamEventsRequest(after_position=after, filter=pb.EventFilter(**filters))
    return [response.event for response in audit(api).StreamEvents(request, timeout=10)]


def stamp(moment: Any) -> Timestamp:
    out = Timestamp()
    out.FromDatetime(moment)
    return out


def test_stream_events_from_zero_returns_the_log_in_order_with_metadata_and_json_payloads(
    claims_api: Api, clock: FixedClock
) -> None:
    request_id = str(uuid.uuid4())
    claims_api.claims.FileClaim(file_claim_request(request_id=request_id), timeout=5)
    stored = claims_api.engine.persistence.events.read_all(0, 1_000)
    events = stream(claims_api)
    assert [(e.position, e.stream_id, e.version, e.topic) for e in events] == [
        (s.position, str(s.stream_id), s.version, s.topic) for s in stored
    ]
    assert [e.position for e in events] == sorted({e.position for e in events})
    assert events[-1].position == claims_api.head()
    registered = events[0]
    assert (registered.topic, registered.stream_id, registered.version) == (REGISTERED, str(vehicle_id_for(VIN)), 1)
    assert json.loads(registered.payload_json)["identifier"] == VIN
    assert registered.recorded_at.ToDatetime().replace(tzinfo=clock.now.tzinfo) == clock.now
    filed = next(e for e in events if e.topic == CLAIM_FILED)
    assert filed.request_id == request_id
    assert (filed.actor, filed.correlation_id, filed.causation_id) == ("anonymous", filed.correlation_id, request_id)
    assert filed.correlation_id
    payload = json.loads(filed.payload_json)
    assert (payload["claim_number"], payload["dealer_id"]) == ("C-1001", "D042")
    # The payload is the event's JSON form exactly as the store decodes it.
    assert payload == next(s for s in stored if s.position == filed.position).event.model_dump(mode="json")


def test_filters_by_stream_vehicle_claim_event_type_and_recorded_time(claims_api: Api, clock: FixedClock) -> None:
    before_claim = clock.now
    clock.advance(hours=1)
    claims_api.claims.FileClaim(file_claim_request(), timeout=5)
    claims_api.vehicles.RecordOdometerReading(reading_request("15200", "2026-11-23T10:00:00Z"), timeout=5)
    everything = stream(claims_api)
    vehicle = str(vehicle_id_for(VIN))
    claim = str(claim_id_for("D042", "C-1001"))

    by_stream = stream(claims_api, stream_id=vehicle)
    assert by_stream == [e for e in everything if e.stream_id == vehicle]
    assert [e.version for e in by_stream] == list(range(1, len(by_stream) + 1))
    by_vin = stream(claims_api, vin=VIN)
    case = str(statutory_case_id_for(vehicle_id_for(VIN)))  # the vehicle's related stream
    assert by_vin == [e for e in everything if e.stream_id in (vehicle, case)]
    assert by_stream
    by_claim = stream(claims_api, claim=pb.AuditClaimRef(dealer_id="D042", claim_number="C-1001"))
    assert by_claim == [e for e in everything if e.stream_id == claim]
    assert by_claim[0].topic == CLAIM_FILED
    by_type = stream(claims_api, event_types=[REGISTERED, CLAIM_FILED])
    assert [e.topic for e in by_type] == [REGISTERED, CLAIM_FILED]
    half_past = before_claim + timedelta(minutes=30)
    later = stream(claims_api, recorded_from=stamp(half_past))
    assert later == [e for e in everything if e.recorded_at.ToDatetime(tzinfo=half_past.tzinfo) >= half_past]
    assert later[0].topic == CLAIM_FILED
    earlier = stream(claims_api, recorded_to=stamp(half_past))
    assert earlier + later == everything
    both = stream(claims_api, stream_id=vehicle, recorded_from=stamp(half_past))
    assert [e.topic for e in both] == ["claims.vehicle.OdometerRecorded"]


def test_resuming_from_the_last_position_received_yields_only_later_events(claims_api: Api) -> None:
    claims_api.claims.FileClaim(file_claim_request(), timeout=5)
    everything = stream(claims_api)
    responses = audit(claims_api).StreamEvents(pb.StreamEventsRequest(after_position=0), timeout=10)
    first = [next(responses).event for _ in range(3)]
    responses.cancel()
    resumed = stream(claims_api, after=first[-1].position)
    assert first + resumed == everything
    # Filtered streams resume the same way: from the last position received, never skipping a match.
    vehicle_events = stream(claims_api, vin=VIN)
    assert stream(claims_api, after=vehicle_events[0].position, vin=VIN) == vehicle_events[1:]


def test_follow_keeps_streaming_events_appended_after_the_call_began_until_cancelled(claims_api: Api) -> None:
    existing = stream(claims_api)
    request = pb.StreamEventsRequest(after_position=0, follow=True)
    responses = audit(claims_api).StreamEvents(request, timeout=20)
    assert [next(responses).event for _ in existing] == existing
    filed = claims_api.claims.FileClaim(file_claim_request(), timeout=5).result
    appended = next(responses).event
    assert (appended.topic, appended.position, appended.stream_id) == (
        CLAIM_FILED, existing[-1].position + 1, filed.stream_id,
    )  # fmt: skip
    assert appended.position <= filed.position
    responses.cancel()
    with pytest.raises(grpc.RpcError) as caught:
        next(responses)
    assert caught.value.code() == grpc.StatusCode.CANCELLED  # type: ignore[attr-defined]


def test_without_follow_the_stream_ends_at_the_head_even_when_nothing_matches(claims_api: Api) -> None:
    assert stream(claims_api, claim=pb.AuditClaimRef(dealer_id="D042", claim_number="C-404")) == []
    assert stream(claims_api, after=claims_api.head()) == []


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"filter": pb.EventFilter(stream_id="not-a-uuid")}, "filter.stream_id"),
        ({"filter": pb.EventFilter(claim=pb.AuditClaimRef(dealer_id="D042"))}, "filter.claim.claim_number"),
        ({"filter": pb.EventFilter(event_types=["claims.vehicle.Nope"])}, "filter.event_types"),
        (
            {"filter": pb.EventFilter(recorded_from=Timestamp(seconds=2_000), recorded_to=Timestamp(seconds=1_000))},
            "filter.recorded_to",
        ),
        ({"after_position": -1}, "after_position"),
        ({"after_position": 10_000}, "after_position"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(claims_api: Api, request_fields: dict[str, Any], field: str) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        next(audit(claims_api).StreamEvents(pb.StreamEventsRequest(**request_fields), timeout=5))
    error = rich_error(caught.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert field in error.fields, error.fields


def test_stream_events_on_postgresql(pg_claims_api: Api) -> None:
    pg_claims_api.claims.FileClaim(file_claim_request(), timeout=5)
    stored = pg_claims_api.engine.persistence.events.read_all(0, 1_000)
    events = stream(pg_claims_api)
    assert [(e.position, e.stream_id, e.version, e.topic) for e in events] == [
        (s.position, str(s.stream_id), s.version, s.topic) for s in stored
    ]
    resumed = stream(pg_claims_api, after=events[2].position)
    assert events[:3] + resumed == events
    by_claim = stream(pg_claims_api, claim=pb.AuditClaimRef(dealer_id="D042", claim_number="C-1001"))
    assert by_claim[0].topic == CLAIM_FILED
    assert {e.stream_id for e in by_claim} == {str(claim_id_for("D042", "C-1001"))}


def test_audit_export_writes_every_event_as_json_lines_in_log_order(sqlite_store: Persistence, tmp_path: Path) -> None:
    head = write_history(sqlite_store.events, 1_200)  # more than two pages of the feed
    url = f"sqlite:///{sqlite_store.location.sqlite_path}"
    out = tmp_path / "audit.jsonl"

    result = CliRunner().invoke(cli, ["audit", "export", "--store", url, "--output", str(out)])

    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == head
    rows = [json.loads(line) for line in lines]
    positions = [row["position"] for row in rows]
    assert all(a < b for a, b in itertools.pairwise(positions))
    assert (positions[0], positions[-1]) == (1, head)
    stored = sqlite_store.events.read_all(0, 5)
    for row, event in zip(rows, stored, strict=False):
        assert (row["stream_id"], row["version"], row["topic"]) == (str(event.stream_id), event.version, event.topic)
        assert row["payload"] == event.event.model_dump(mode="json")
        assert row["metadata"]["request_id"] == event.metadata.request_id
        assert row["chain_hash"] is None
    assert f"exported {head} events" in result.stderr

    resumed = CliRunner().invoke(cli, ["audit", "export", "--store", url, "--after", str(head - 3)])
    assert resumed.exit_code == 0, resumed.output
    assert [json.loads(line)["position"] for line in resumed.stdout.splitlines()] == [head - 2, head - 1, head]


def test_an_export_of_a_sealed_log_carries_each_events_chain_hash(sqlite_store: Persistence, tmp_path: Path) -> None:
    from claims.adapters.persistence.verify import verify_history
    from claims.projections.chain import ChainProjection
    from claims.projections.runner import ProjectionRunner

    assert sqlite_store.database is not None
    head = write_history(sqlite_store.events, 600)
    runner = ProjectionRunner(sqlite_store.events, sqlite_store.database, [ChainProjection()])
    while runner.run_once():
        pass
    url = f"sqlite:///{sqlite_store.location.sqlite_path}"
    result = CliRunner().invoke(cli, ["audit", "export", "--store", url])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == head
    assert all(isinstance(r["chain_hash"], str) and len(r["chain_hash"]) == 64 for r in rows)
    report = verify_history(sqlite_store.database)
    assert report.intact
    assert report.head_hash is not None
    assert rows[-1]["chain_hash"] == report.head_hash.hex()
