"""AuditService: request → audit feed over the event store → one proto message per stored event, nothing else."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import grpc

from claims.adapters.grpc.mapping import has, timestamp_to_proto, timestamp_value
from claims.api.v1 import audit_pb2 as pb
from claims.api.v1 import audit_pb2_grpc as pb_grpc
from claims.application.audit_feed import AuditFeed, AuditFilter, parse_filter, payload_of
from claims.application.messages import RecordedEvent
from claims.application.ports import EventStore

POLL_SECONDS = 0.1


def audit_filter(request: pb.StreamEventsRequest) -> AuditFilter:
    """The request's filter, checked (INVALID_ARGUMENT naming each bad field)."""
    f = request.filter
    subject = f.WhichOneof("subject")
    return parse_filter(
        stream_id=f.stream_id,
        vin=f.vin,
        claim=(f.claim.dealer_id, f.claim.claim_number) if subject == "claim" else None,
        event_types=list(f.event_types),
        recorded_from=timestamp_value(f.recorded_from, has(f, "recorded_from")),
        recorded_to=timestamp_value(f.recorded_to, has(f, "recorded_to")),
    )


def event_to_proto(recorded: RecordedEvent) -> pb.StreamEventsResponse:
    assert recorded.position is not None
    meta = recorded.metadata
    return pb.StreamEventsResponse(
        event=pb.AuditEvent(
            position=recorded.position,
            stream_id=str(recorded.stream_id),
            version=recorded.version,
            topic=recorded.topic,
            recorded_at=timestamp_to_proto(meta.recorded_at),
            actor=meta.actor,
            request_id=meta.request_id,
            correlation_id=meta.correlation_id,
            causation_id=meta.causation_id,
            payload_json=json.dumps(payload_of(recorded), sort_keys=True, separators=(",", ":"), ensure_ascii=False),
        )
    )


class AuditServicer(pb_grpc.AuditServiceServicer):
    """Auditor-facing, read-only access to the stored log."""

    def __init__(self, store: EventStore, poll_seconds: float = POLL_SECONDS) -> None:
        self._store, self._poll = store, poll_seconds

    def StreamEvents(
        self, request: pb.StreamEventsRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.StreamEventsResponse]:
        chosen = audit_filter(request)
        feed = AuditFeed(self._store, request.after_position, chosen)
        # Each message is sent before the next is taken and each page read only when the last is sent: gRPC
        # blocks the yield while the client is behind, so a slow auditor holds at most one page here.
        if not request.follow:
            head = self._store.head_position()
            for recorded in feed.until(head):
                if not context.is_active():
                    return
                yield event_to_proto(recorded)
            return
        while context.is_active():
            before = feed.position
            for recorded in feed.poll():
                yield event_to_proto(recorded)
            if feed.position == before:
                time.sleep(self._poll)
