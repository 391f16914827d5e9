"""One contract for every event store: memory, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any, ClassVar

import pytest
from eventsourcing.persistence import StoredEvent

from claims.adapters.persistence.factory import Persistence
from claims.adapters.persistence.mapper import to_recorded
from claims.application.messages import EventMetadata, LogScan, NewEvent
from claims.application.ports import StreamConflictError
from claims.domain.base import DomainEvent, register_events
from tests.builders import at


class NoteTaken(DomainEvent):
    """A test event whose schema moved from v1 (``text``) to v2 (``body`` + ``lang``)."""

    TOPIC = "tests.NoteTaken"
    class_version: ClassVar[int] = 2

    body: str
    lang: str

    @staticmethod
    def upcast_v1_v2(payload: dict[str, Any]) -> dict[str, Any]:
        return {"body": payload["text"], "lang": "en"}


register_events(NoteTaken)

META = EventMetadata("tester", "req", "corr", "req", at(2026, 1, 1))


def note(stream: uuid.UUID, version: int, body: str = "hi") -> NewEvent:
    return NewEvent(stream, version, NoteTaken(body=body, lang="de"), META)


def test_appended_events_load_in_version_order_with_their_metadata(any_store: Persistence) -> None:
    stream = uuid.uuid4()
    position = any_store.events.append([note(stream, 1, "a"), note(stream, 2, "b")])
    loaded = any_store.events.load(stream)
    assert [(r.version, r.event) for r in loaded] == [
        (1, NoteTaken(body="a", lang="de")),
        (2, NoteTaken(body="b", lang="de")),
    ]
    assert loaded[0].metadata == META
    assert position == any_store.events.head_position()
    assert any_store.events.position_of(stream, 2) == position


def test_a_version_already_taken_is_a_conflict_and_nothing_of_the_batch_is_stored(any_store: Persistence) -> None:
    stream, other = uuid.uuid4(), uuid.uuid4()
    any_store.events.append([note(stream, 1)])
    with pytest.raises(StreamConflictError):
        any_store.events.append([note(other, 1), note(stream, 1)])
    assert any_store.events.load(other) == []


def test_the_global_order_is_read_after_a_position(any_store: Persistence) -> None:
    streams = [uuid.uuid4() for _ in range(5)]
    positions = [any_store.events.append([note(s, 1, str(i))]) for i, s in enumerate(streams)]
    after_second = any_store.events.read_all(positions[1], 10)
    assert [r.position for r in after_second] == positions[2:]
    assert [r.event.body for r in after_second] == ["2", "3", "4"]  # type: ignore[attr-defined]


def test_an_old_payload_is_upcast_when_read() -> None:
    state = {"v": 1, "payload": {"text": "old"}, "metadata": {"actor": "a", "request_id": "r", "correlation_id": "c",
             "causation_id": "r", "recorded_at": "2020-01-01T00:00:00+00:00"}}  # fmt: skip
    stored = StoredEvent(
        originator_id=uuid.uuid4(), originator_version=1, topic="tests.NoteTaken", state=json.dumps(state).encode()
    )
    assert to_recorded(stored).event == NoteTaken(body="old", lang="en")


def test_concurrent_appends_to_one_stream_admit_exactly_one(any_store: Persistence) -> None:
    stream = uuid.uuid4()
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def write(i: int) -> None:
        barrier.wait()
        try:
            any_store.events.append([note(stream, 1, str(i))])
            outcomes.append("ok")
        except StreamConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["ok"]
    assert len(any_store.events.load(stream)) == 1


def test_many_concurrent_writers_to_different_streams_never_fail(any_store: Persistence) -> None:
    errors: list[Exception] = []

    def write() -> None:
        try:
            for _ in range(10):
                any_store.events.append([note(uuid.uuid4(), 1)])
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(any_store.events.read_all(0, 1000)) == 80


class Tagged(DomainEvent):
    """A second test topic, to filter on."""

    TOPIC = "tests.Tagged"

    tag: str


register_events(Tagged)


def test_a_scan_reads_only_the_topics_asked_for_and_covers_at_most_limit_positions_up_to_the_head(
    any_store: Persistence,
) -> None:
    store = any_store.events

    def event(i: int) -> DomainEvent:
        return Tagged(tag=str(i)) if i in (3, 7) else NoteTaken(body=str(i), lang="de")

    positions = [store.append([NewEvent(uuid.uuid4(), 1, event(i), META)]) for i in range(1, 11)]
    tagged = [positions[2], positions[6]]
    first = store.scan(0, 5, {Tagged.TOPIC})
    assert (first.after, first.end, [e.position for e in first.events]) == (0, positions[4], tagged[:1])
    assert first.events[0].event == Tagged(tag="3")
    rest = store.scan(first.end, 100, [Tagged.TOPIC])
    assert (rest.end, [e.position for e in rest.events]) == (positions[-1], tagged[1:])  # up to the head, no further
    assert store.scan(positions[-1], 100, [Tagged.TOPIC]) == LogScan(positions[-1], positions[-1], [])
    nothing = store.scan(0, 3, ["tests.NoSuchTopic"])
    assert (nothing.end, nothing.events) == (positions[2], [])  # a stretch with nothing asked for still ends
    assert store.scan(0, 4).events == store.read_all(0, 4)  # no topics: every event
    with pytest.raises(ValueError, match="at least one position"):
        store.scan(0, 0)
