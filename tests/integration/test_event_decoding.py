"""Stored events are decoded in one pass (the envelope validated from its JSON bytes) exactly as the dict path
decoded them (``json.loads``, upcast, ``model_validate``): every topic of the bench's real mix, payload and metadata."""

from __future__ import annotations

import json
from datetime import datetime

from eventsourcing.persistence import StoredEvent

from bench.history import write_history
from claims.adapters.persistence.factory import Persistence
from claims.adapters.persistence.mapper import to_recorded
from claims.domain.base import DomainEvent, resolve_event_type


def _the_dict_path(stored: StoredEvent) -> tuple[DomainEvent, dict[str, object]]:
    state = json.loads(bytes(stored.state).decode())
    cls = resolve_event_type(stored.topic)
    return cls.model_validate(cls.upcast(state["payload"], int(state.get("v", 1)))), state["metadata"]


def test_every_stored_event_of_the_real_mix_decodes_as_the_dict_path_decodes_it(sqlite_store: Persistence) -> None:
    # Given a log of the real mix (every command's events, request records included)
    assert sqlite_store.database is not None
    write_history(sqlite_store.events, 1_500)
    with sqlite_store.database.read() as tx:
        rows = tx.tuples("SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid")
    topics = set()
    for originator, version, topic, state in rows:
        stored = StoredEvent(originator, version, topic, bytes(state))
        # When it is decoded
        recorded = to_recorded(stored, 7)
        # Then the event is the dict path's, field for field and as written back, and so is its metadata
        event, meta = _the_dict_path(stored)
        assert recorded.event == event
        assert recorded.event.model_dump(mode="json") == event.model_dump(mode="json")
        assert (recorded.metadata.actor, recorded.metadata.request_id) == (meta["actor"], meta["request_id"])
        assert (recorded.metadata.correlation_id, recorded.metadata.causation_id) == (
            meta["correlation_id"], meta["causation_id"],
        )  # fmt: skip
        assert recorded.metadata.recorded_at == datetime.fromisoformat(str(meta["recorded_at"]))
        assert (recorded.version, recorded.topic, recorded.position) == (version, topic, 7)
        topics.add(topic)
    assert len(topics) >= 10, topics
