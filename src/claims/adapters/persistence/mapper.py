"""Envelope ↔ stored event: a pinned topic and canonical JSON of payload and metadata."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from claims.application.messages import EventMetadata, NewEvent, RecordedEvent
from claims.domain.base import resolve_event_type


def canonical_json(value: Any) -> bytes:
    """One byte encoding per value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def to_stored(new: NewEvent) -> StoredEvent:
    """Encode an envelope for the recorder."""
    meta = new.metadata
    state = {
        "v": type(new.event).class_version,
        "payload": new.event.model_dump(mode="json"),
        "metadata": {
            "actor": meta.actor,
            "request_id": meta.request_id,
            "correlation_id": meta.correlation_id,
            "causation_id": meta.causation_id,
            "recorded_at": meta.recorded_at.isoformat(),
        },
    }
    return StoredEvent(
        originator_id=new.stream_id,
        originator_version=new.version,
        topic=type(new.event).TOPIC,
        state=canonical_json(state),
    )


def to_recorded(stored: StoredEvent, position: int | None = None) -> RecordedEvent:
    """Decode a stored event, upcasting payloads written by older class versions."""
    raw = stored.state  # decoded here: json.loads would first guess the bytes' encoding
    state = json.loads(raw if isinstance(raw, str) else bytes(raw).decode())
    cls = resolve_event_type(stored.topic)
    payload = cls.upcast(state["payload"], int(state.get("v", 1)))
    meta = state["metadata"]
    stream_id = stored.originator_id if isinstance(stored.originator_id, UUID) else UUID(stored.originator_id)
    return RecordedEvent(
        stream_id=stream_id,
        version=stored.originator_version,
        topic=stored.topic,
        event=cls.model_validate(payload),
        metadata=EventMetadata(
            actor=meta["actor"],
            request_id=meta["request_id"],
            correlation_id=meta["correlation_id"],
            causation_id=meta["causation_id"],
            recorded_at=datetime.fromisoformat(meta["recorded_at"]),
        ),
        position=position,
    )
