"""Projections read only the topics they handle, on SQLite and PostgreSQL: the store filters in SQL, and a
projection still handles every event of its topics exactly once, in order, and its position still reaches
the head when the log around (and after) its events holds nothing it handles."""

from __future__ import annotations

import uuid

import pytest

from bench.history import unit_appends, write_history
from claims.adapters.persistence.database import Transaction
from claims.adapters.persistence.factory import Persistence
from claims.adapters.persistence.store import RecorderEventStore
from claims.application.messages import EventMetadata, NewEvent, RecordedEvent
from claims.domain.base import DomainEvent, register_events
from claims.projections import registry
from claims.projections.claims import ClaimProjection
from claims.projections.rebuild import rebuild
from claims.projections.runner import Projection, ProjectionRunner
from claims.projections.vehicles import VehicleProjection
from tests.builders import at


class Noise(DomainEvent):
    """An event no projection handles."""

    TOPIC = "tests.projection_topics.Noise"

    n: int


register_events(Noise)

META = EventMetadata("tester", "req", "corr", "req", at(2026, 1, 1))


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Persistence:
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


class Recording:
    """Feeds a projection and notes the position of every event it was given."""

    def __init__(self, inner: Projection) -> None:
        self.inner, self.name, self.topics = inner, inner.name, inner.topics
        self.seen: list[int] = []

    def handle(self, tx: Transaction, event: RecordedEvent) -> None:
        assert event.position is not None
        self.seen.append(event.position)
        self.inner.handle(tx, event)


def noise(store: Persistence, count: int) -> int:
    stream = uuid.uuid4()
    return store.events.append([NewEvent(stream, v, Noise(n=v), META) for v in range(1, count + 1)])


def interleaved(store: Persistence, commands: int = 33, run: int = 11) -> int:
    """Real commands (vehicle, repair order, claim events and request records), each followed by a run of
    ``run`` events nobody handles; the log ends with such a run. The head position."""
    appends = unit_appends()
    for _ in range(commands):
        store.events.append(next(appends))
        noise(store, run)
    return store.events.head_position()


def positions_of(store: Persistence, projection: Projection) -> list[int]:
    """Where the log holds the events of ``projection``'s topics, read the slow way (every event)."""
    assert projection.topics is not None
    return [e.position or 0 for e in store.events.read_all(0, 100_000) if e.topic in projection.topics]


def tracking(store: Persistence, name: str) -> int:
    assert store.database is not None
    with store.database.read() as tx:
        return int(
            tx.rows("SELECT position FROM projection_tracking WHERE projection = :n", {"n": name})[0]["position"]
        )


@pytest.mark.parametrize("batch_size", [1, 4, 10, 500])
def test_a_projection_handles_each_event_of_its_topics_once_in_order_and_reaches_the_head(
    store: Persistence, batch_size: int
) -> None:
    assert store.database is not None
    head = interleaved(store)
    vehicles, claims = Recording(VehicleProjection()), Recording(ClaimProjection())
    runner = ProjectionRunner(store.events, store.database, [vehicles, claims], batch_size=batch_size)
    assert runner.catch_up() == 2 * head  # every position passed, by both
    assert vehicles.seen == positions_of(store, vehicles)
    assert claims.seen == positions_of(store, claims)
    assert runner.positions() == {"vehicles": head, "claims": head}
    assert runner.run_once() == 0
    # What they wrote equals a replay of every event, unfiltered (what a rebuild does).
    for projection in (VehicleProjection(), ClaimProjection()):
        report = rebuild(store, projection, registry.tables_of(projection), swap=False)
        assert report.equal, report.difference


def test_batches_span_at_most_batch_size_positions_and_read_only_handled_events(store: Persistence) -> None:
    assert store.database is not None
    head = interleaved(store)
    batches: list[int] = []
    vehicles = Recording(VehicleProjection())
    runner = ProjectionRunner(store.events, store.database, [vehicles], batch_size=10)
    runner.on_progress(lambda _name, position: batches.append(position))
    runner.catch_up()
    assert batches == [*range(10, head, 10), head]  # empty stretches move the position on too
    scan = store.events.scan(0, head, VehicleProjection.topics)
    assert (scan.end, [e.position for e in scan.events]) == (head, vehicles.seen)
    assert {e.topic for e in scan.events} <= set(VehicleProjection.topics)


def test_projections_at_different_positions_each_get_exactly_their_events(store: Persistence) -> None:
    assert store.database is not None
    head = interleaved(store, commands=22, run=5)
    ahead = ProjectionRunner(store.events, store.database, [VehicleProjection()], batch_size=37)
    ahead.run_once()  # vehicles starts at 37, the others at 0
    vehicles, claims, contracts = (Recording(registry.create(n)) for n in ("vehicles", "claims", "contracts"))
    runner = ProjectionRunner(store.events, store.database, [vehicles, claims, contracts], batch_size=8)
    runner.catch_up()
    assert vehicles.seen == [p for p in positions_of(store, vehicles) if p > 37]
    assert claims.seen == positions_of(store, claims)
    assert contracts.seen == positions_of(store, contracts)  # its ClaimFiled events
    assert set(runner.positions().values()) == {head}


def fresh(store: Persistence) -> RecorderEventStore:
    """The same log through a store that has seen nothing committed yet (as in another process)."""
    return RecorderEventStore(store.events.recorder, store.events.position_of)


@pytest.mark.parametrize("when", ["before", "after"])
def test_an_event_appended_while_a_batch_is_read_is_never_passed_over(
    store: Persistence, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """A scan reads the head, then the events up to it. An append committed just before the head is read is
    in the batch; one committed just after lies beyond the batch's end, and the next batch handles it. (Read
    the other way round, events then head, the first would be passed over, never read; read without the
    head as a bound, the second would be handled twice.)"""
    assert store.database is not None
    head = write_history(store.events, 100)
    recorder = store.events.recorder
    real_head = recorder.max_notification_id
    late: list[int] = []
    appends = unit_appends()

    def head_with_an_append() -> int | None:
        if when == "before" and not late:
            late.append(store.events.append(next(appends)))  # a VehicleRegistered and its request record
        seen = real_head()
        if when == "after" and not late:
            late.append(store.events.append(next(appends)))
        return seen

    monkeypatch.setattr(recorder, "max_notification_id", head_with_an_append)
    vehicles = Recording(VehicleProjection())
    runner = ProjectionRunner(fresh(store), store.database, [vehicles], batch_size=1000)
    runner.run_once()
    (registered,) = [e.position for e in store.events.read_all(head, 10) if e.topic == VehicleProjection.topics[0]]
    if when == "before":
        assert vehicles.seen[-1] == registered
        assert tracking(store, "vehicles") == late[0]
    else:
        assert registered not in vehicles.seen
        assert tracking(store, "vehicles") == head < late[0]
    runner.catch_up()
    assert vehicles.seen == positions_of(store, vehicles)  # each once, none passed over
    assert vehicles.seen[-1] == registered
    assert tracking(store, "vehicles") == late[0]


def test_the_head_is_read_only_once_a_scan_reaches_what_the_store_knows_committed(
    store: Persistence, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert store.database is not None
    head = write_history(store.events, 100)
    recorder = store.events.recorder
    real_head = recorder.max_notification_id
    reads: list[int | None] = []
    monkeypatch.setattr(recorder, "max_notification_id", lambda: reads.append(real_head()) or reads[-1])
    # Another process's store: it reads the head once, then catches up to it without asking again.
    elsewhere = fresh(store)
    runner = ProjectionRunner(elsewhere, store.database, [VehicleProjection()], batch_size=10)
    runner.catch_up()
    assert tracking(store, "vehicles") == head
    assert reads == [head, head]  # at the start, and once there (nothing more)
    # This process's appends are known committed: the next batch reads no head; this store's head is stale...
    position = store.events.append(next(unit_appends()))
    in_process = ProjectionRunner(store.events, store.database, [VehicleProjection()], batch_size=10)
    assert in_process.run_once() == position - head
    assert reads == [head, head]
    # ... and the other store finds the new events once it reaches the head it knew.
    follower = ProjectionRunner(elsewhere, store.database, [ClaimProjection()], batch_size=1000)
    follower.catch_up()
    assert tracking(store, "claims") == position
    assert reads[2:] == [position, position]


def test_a_projection_that_takes_every_event_still_gets_every_event(store: Persistence) -> None:
    assert store.database is not None
    head = interleaved(store, commands=5, run=3)

    class Everything:
        name, topics = "everything", None

        def __init__(self) -> None:
            self.seen: list[int | None] = []

        def handle(self, tx: Transaction, event: RecordedEvent) -> None:
            self.seen.append(event.position)

    everything, vehicles = Everything(), Recording(VehicleProjection())
    runner = ProjectionRunner(store.events, store.database, [everything, vehicles], batch_size=7)
    runner.catch_up()
    assert everything.seen == [e.position for e in store.events.read_all(0, 100_000)]
    assert everything.seen[-1] == head
    assert vehicles.seen == positions_of(store, vehicles)


def test_a_projection_must_name_at_least_one_topic(store: Persistence) -> None:
    assert store.database is not None
    nothing = Recording(VehicleProjection())
    nothing.topics = ()
    with pytest.raises(ValueError, match="handles no topic"):
        ProjectionRunner(store.events, store.database, [nothing])
