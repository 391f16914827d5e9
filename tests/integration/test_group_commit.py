"""Group commit on SQLite and PostgreSQL: concurrent appends share a transaction, yet each is its own command."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from bench.history import write_history
from claims.adapters.persistence.factory import Persistence, StoreLocation, open_store
from claims.adapters.persistence.group_commit import GroupCommitSettings
from claims.adapters.persistence.migrations import apply_migrations
from claims.application.messages import NewEvent
from claims.application.ports import StoreUnavailableError, StreamConflictError
from tests.conftest import MIGRATIONS, POSTGRES_DSN, sqlite_location
from tests.integration.test_event_store_contract import Tagged, note

# Long enough that every writer of a test joins the one batch; a full batch is written at once.
GATHER = GroupCommitSettings(window_seconds=5.0, max_batch=3, always_wait=True)


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> StoreLocation:
    found = sqlite_location(tmp_path) if request.param == "sqlite" else request.getfixturevalue("postgres_schema")
    apply_migrations(found, MIGRATIONS)
    return found


@pytest.fixture
def gathering_store(location: StoreLocation) -> Iterator[Persistence]:
    store = open_store(location, GATHER)
    yield store
    store.close()


def concurrently(*calls: Callable[[], int]) -> list[int | Exception]:
    """Run each call on its own thread; its position or the exception it raised, in call order."""
    outcomes: list[int | Exception] = [Exception("did not run")] * len(calls)

    def run(i: int) -> None:
        try:
            outcomes[i] = calls[i]()
        except Exception as e:  # noqa: BLE001 - the outcome under test
            outcomes[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_concurrent_appends_commit_together_and_each_gets_its_own_positions(gathering_store: Persistence) -> None:
    # given three writers and a committer that gathers three appends into one transaction
    batches: list[int] = []
    gathering_store.events.observe_commits(batches.append)
    streams = [uuid.uuid4() for _ in range(3)]

    # when they append at once (two events, one event, three events)
    outcomes = concurrently(
        lambda: gathering_store.events.append([note(streams[0], 1, "a1"), note(streams[0], 2, "a2")]),
        lambda: gathering_store.events.append([note(streams[1], 1, "b1")]),
        lambda: gathering_store.events.append([note(streams[2], v, f"c{v}") for v in (1, 2, 3)]),
    )

    # then one transaction held all three, and each caller got the position of its own last event
    assert batches == [3]
    assert all(isinstance(o, int) for o in outcomes)
    for stream, outcome in zip(streams, outcomes, strict=True):
        last = gathering_store.events.load(stream)[-1]
        assert gathering_store.events.position_of(stream, last.version) == outcome
    positions = [r.position or 0 for r in gathering_store.events.read_all(0, 100)]
    assert len(positions) == 6
    assert positions == sorted(positions)


def test_a_conflict_fails_only_its_own_command_and_the_rest_of_the_batch_commits(
    location: StoreLocation, gathering_store: Persistence
) -> None:
    # given a stream already at version 1
    taken, fresh, shared = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    other_replica = open_store(location)
    other_replica.events.append([note(taken, 1, "first")])
    other_replica.close()
    batches: list[int] = []
    gathering_store.events.observe_commits(batches.append)

    # when one batch holds a stale write to it, a good write, and a write that also claims an unrelated stream
    outcomes = concurrently(
        lambda: gathering_store.events.append([note(shared, 1, "mine"), note(taken, 1, "stale")]),
        lambda: gathering_store.events.append([note(fresh, 1, "good")]),
        lambda: gathering_store.events.append([note(shared, 1, "other")]),
    )

    # then only the stale command failed, as a conflict, and nothing of it was stored
    assert batches == [3]
    assert isinstance(outcomes[0], StreamConflictError)
    assert isinstance(outcomes[1], int)
    assert isinstance(outcomes[2], int)
    assert [r.event.body for r in gathering_store.events.load(taken)] == ["first"]  # type: ignore[attr-defined]
    assert [r.event.body for r in gathering_store.events.load(shared)] == ["other"]  # type: ignore[attr-defined]
    assert [r.event.body for r in gathering_store.events.load(fresh)] == ["good"]  # type: ignore[attr-defined]


def test_two_commands_of_one_batch_writing_the_same_version_admit_exactly_one(gathering_store: Persistence) -> None:
    # given one new stream
    stream = uuid.uuid4()

    # when three commands of one batch each write its version 1
    outcomes = concurrently(*(lambda i=i: gathering_store.events.append([note(stream, 1, str(i))]) for i in range(3)))

    # then exactly one committed and the other two are conflicts
    assert sorted(type(o).__name__ for o in outcomes) == ["StreamConflictError", "StreamConflictError", "int"]
    winner = next(o for o in outcomes if isinstance(o, int))
    assert gathering_store.events.position_of(stream, 1) == winner
    assert len(gathering_store.events.load(stream)) == 1


def _refuse_topic(location: StoreLocation, topic: str) -> None:
    """Make the database itself fail every insert of ``topic`` (not a conflict: an error of the store)."""
    if location.backend == "sqlite":
        assert location.sqlite_path is not None
        with sqlite3.connect(location.sqlite_path) as conn:
            # The trigger names a table that does not exist: the insert fails with an operational error.
            conn.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON stored_events WHEN NEW.topic = '{topic}' "
                "BEGIN INSERT INTO no_such_table VALUES (1); END"
            )
        return
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{location.schema}"')
        conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'store refuses'; END $$"
        )
        conn.execute(
            f"CREATE TRIGGER refuse BEFORE INSERT ON claims_events FOR EACH ROW "
            f"WHEN (NEW.topic = '{topic}') EXECUTE FUNCTION refuse()"
        )


def test_a_store_failure_fails_every_command_of_the_batch_and_writes_nothing(
    location: StoreLocation, gathering_store: Persistence
) -> None:
    # given a store that fails on one topic
    _refuse_topic(location, Tagged.TOPIC)
    streams = [uuid.uuid4() for _ in range(3)]
    before = gathering_store.events.head_position()

    # when a batch holds two good commands and one the store fails on
    failing = NewEvent(streams[2], 1, Tagged(tag="x"), note(streams[2], 1).metadata)
    outcomes = concurrently(
        lambda: gathering_store.events.append([note(streams[0], 1)]),
        lambda: gathering_store.events.append([note(streams[1], 1)]),
        lambda: gathering_store.events.append([failing]),
    )

    # then all three fail as unavailable, and nothing of the batch is in the log
    assert all(isinstance(o, StoreUnavailableError) for o in outcomes), outcomes
    assert gathering_store.events.read_all(before, 100) == []
    assert all(gathering_store.events.load(s) == [] for s in streams)


@pytest.mark.parametrize("settings", [GroupCommitSettings(window_seconds=60.0, max_batch=1), GroupCommitSettings(60.0)])
def test_a_lone_writer_waits_for_nobody(location: StoreLocation, settings: GroupCommitSettings) -> None:
    # given a committer with a minute's window, whose batch is full at one append, or that waits only under load
    store = open_store(location, settings)
    batches: list[int] = []
    store.events.observe_commits(batches.append)
    try:
        # when one writer appends three times in a row
        positions = [store.events.append([note(uuid.uuid4(), 1)]) for _ in range(3)]
        # then each append was committed alone, at once (else the test would take minutes), and is readable
        assert batches == [1, 1, 1]
        assert [r.position for r in store.events.read_all(positions[0] - 1, 10)] == positions
    finally:
        store.close()


def test_an_append_after_close_is_refused(location: StoreLocation) -> None:
    store = open_store(location)
    store.events.append([note(uuid.uuid4(), 1)])
    store.close()
    with pytest.raises(StoreUnavailableError):
        store.events.append([note(uuid.uuid4(), 1)])


# --- PostgreSQL: readers tailing the log never pass over an event that commits late ---


def _wait_for_position_drawn(location: StoreLocation, after: int) -> None:
    """Until an insert in flight has drawn a position beyond ``after`` (sequences are not transactional)."""
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        for _ in range(3000):
            drawn = conn.execute(
                f'SELECT last_value FROM "{location.schema}".claims_events_notification_id_seq'
            ).fetchone()
            if drawn and drawn[0] > after:
                return
            time.sleep(0.01)
    raise AssertionError("the slow insert never drew its position")


def test_a_tailing_reader_never_skips_an_event_whose_commit_is_slow(postgres_schema: StoreLocation) -> None:
    """A fast commit, a slow one, a fast one, from two replicas: the reader sees every position, in order."""
    # given two replicas and a reader on one schema, and a database that holds one topic's insert for a second
    apply_migrations(postgres_schema, MIGRATIONS)
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{postgres_schema.schema}"')
        conn.execute(
            "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(1); RETURN NEW; END $$"
        )
        conn.execute(
            f"CREATE TRIGGER slow BEFORE INSERT ON claims_events FOR EACH ROW "
            f"WHEN (NEW.topic = '{Tagged.TOPIC}') EXECUTE FUNCTION slow()"
        )
    first, second, reader = (open_store(postgres_schema) for _ in range(3))
    seen: list[int] = []
    stop = threading.Event()

    def tail() -> None:
        after = 0
        while not stop.is_set() or after < reader.events.head_position():
            scan = reader.events.scan(after, 100)
            seen.extend(r.position for r in scan.events if r.position is not None)
            after = scan.end

    tailing = threading.Thread(target=tail)
    tailing.start()
    try:
        # when replica 1 commits fast, replica 2 starts a slow commit, and replica 1 commits fast during it
        fast_before = first.events.append([note(uuid.uuid4(), 1, "fast before")])
        slow_stream = uuid.uuid4()
        slow = threading.Thread(
            target=lambda: second.events.append(
                [NewEvent(slow_stream, 1, Tagged(tag="slow"), note(slow_stream, 1).metadata)]
            )
        )
        slow.start()
        _wait_for_position_drawn(postgres_schema, fast_before)  # the slow insert sleeps inside its transaction
        fast_after = first.events.append([note(uuid.uuid4(), 1, "fast after")])
        slow.join(timeout=30)
    finally:
        stop.set()
        tailing.join(timeout=30)
        for store in (first, second, reader):
            store.close()

    # then the fast commit waited for the slow one (positions commit in order), and the reader saw all three in order
    slow_position = [p for p in seen if p not in (fast_before, fast_after)]
    assert len(slow_position) == 1
    assert fast_before < slow_position[0] < fast_after
    assert seen == [fast_before, slow_position[0], fast_after]


# --- Events this process appended are read back as appended, equal to what decoding the rows gives ---


def test_the_log_read_by_the_appending_store_equals_the_log_decoded_from_the_rows(location: StoreLocation) -> None:
    # given a realistic history (vehicles, repair orders, claims, decisions, ...) appended through one store
    writer = open_store(location)
    head = write_history(writer.events, 400, batch=7)
    # when it and a fresh store (another replica, which decodes every row) read the log
    reader = open_store(location)
    try:
        mine, decoded = writer.events.read_all(0, head), reader.events.read_all(0, head)
        scanned = writer.events.scan(0, head)
        # then both see the same events, field for field
        assert len(mine) == head
        assert mine == decoded
        assert scanned.events == reader.events.scan(0, head).events
    finally:
        writer.close()
        reader.close()
