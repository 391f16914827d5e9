"""Projections at one position share one scan and one transaction; each is handed only the events of its topics,
and the hash chain, which reads the raw rows itself, is handed its stretch and makes the scan decode nothing for it."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bench.history import write_history
from claims.adapters.persistence.factory import Persistence
from claims.adapters.persistence.verify import verify_history
from claims.application.app import ClaimsApplication
from claims.projections.chain import ChainProjection
from claims.projections.runner import ProjectionRunner
from claims.projections.vehicles import VehicleProjection
from tests.builders import attach_coverage, call, register_vehicle
from tests.conftest import FixedClock


class ScanSpy:
    """The event store, noting the topics each scan asked for."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.topics: list[tuple[str, ...]] = []

    def scan(self, after: int, limit: int, topics: Any = (), *, read: bool = True) -> Any:
        self.topics.append(tuple(sorted(topics)))
        return self._store.scan(after, limit, topics, read=read)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class Recording:
    """A projection, noting the topic of each event it was handed."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.seen: list[str] = []
        self.stretches: list[tuple[int, int]] = []

    def handle(self, tx: Any, event: Any) -> None:
        self.seen.append(event.topic)
        self._inner.handle(tx, event)

    def handle_batch(self, tx: Any, events: Any) -> None:
        self.seen.extend(event.topic for event in events)
        self._inner.handle_batch(tx, events)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class RecordingStretches(Recording):
    """A projection of the raw rows, noting also each stretch it was handed."""

    def handle_stretch(self, tx: Any, after: int, end: int) -> None:
        self.stretches.append((after, end))
        self._inner.handle_stretch(tx, after, end)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Persistence:
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


def test_the_chain_and_a_topic_projection_share_one_scan_of_the_topics_and_the_chain_seals_its_stretch(
    store: Persistence, clock: FixedClock
) -> None:
    # Given a vehicle registered and covered, and a runner of the chain and the vehicles projection at position 0
    # (the chain first: on PostgreSQL its bulk insert runs in the batch's pipeline before the next projection's
    # tracking update, which must still read its own result)
    sqlite_store = store
    assert sqlite_store.database is not None
    app = ClaimsApplication(sqlite_store.events, clock)
    app.handle_vehicle(call(), register_vehicle())
    app.handle_vehicle(call(), attach_coverage())
    write_history(sqlite_store.events, 300)  # a batch of a few hundred rows for the chain's bulk insert
    head = sqlite_store.events.head_position()
    spy = ScanSpy(sqlite_store.events)
    vehicles, chain = Recording(VehicleProjection()), RecordingStretches(ChainProjection())
    runner = ProjectionRunner(spy, sqlite_store.database, [chain, vehicles])  # type: ignore[arg-type, list-item]
    # When it runs a batch
    runner.run_once()
    # Then one scan read the vehicles' topics only; the vehicles projection saw only those, the chain no event
    assert vehicles.topics is not None
    assert spy.topics == [tuple(sorted(set(vehicles.topics)))]
    assert vehicles.seen
    assert set(vehicles.seen) <= set(vehicles.topics)
    assert chain.seen == []
    # And the chain was handed the whole stretch and sealed every event in it, as the raw rows hash
    assert chain.stretches == [(0, head)]
    report = verify_history(sqlite_store.database)
    assert (report.intact, report.position, report.unsealed) == (True, head, 0)
    assert runner.position("vehicles") == runner.position("chain") == head


def test_a_batch_that_fails_in_one_projection_moves_none_of_the_projections_at_its_position(
    sqlite_store: Persistence, clock: FixedClock
) -> None:
    # Given a vehicle registered and a runner of the vehicles projection and a projection that fails
    assert sqlite_store.database is not None
    app = ClaimsApplication(sqlite_store.events, clock)
    app.handle_vehicle(call(), register_vehicle())
    runner = ProjectionRunner(sqlite_store.events, sqlite_store.database, [VehicleProjection(), Failing()])
    # When it runs a batch
    with pytest.raises(RuntimeError, match="read model bug"):
        runner.run_once()
    # Then the shared transaction rolled back: no projection moved, no vehicle row was written
    assert runner.positions() == {"vehicles": 0, "failing": 0}
    with sqlite_store.database.read() as tx:
        assert tx.rows("SELECT COUNT(*) AS n FROM rm_vehicles")[0]["n"] == 0


class Failing:
    """A projection whose handler raises (a bug in a read model)."""

    name = "failing"
    topics = None

    def handle(self, tx: Any, event: Any) -> None:
        raise RuntimeError("read model bug")


def test_a_runner_is_behind_only_after_a_batch_it_filled_so_its_loop_goes_on_at_once_only_then(
    sqlite_store: Persistence,
) -> None:
    # Given 300 events in the log and a runner of the chain with batches of 200
    assert sqlite_store.database is not None
    write_history(sqlite_store.events, 300)
    head = sqlite_store.events.head_position()
    runner = ProjectionRunner(sqlite_store.events, sqlite_store.database, [ChainProjection()], batch_size=200)
    # When it runs a batch, then it filled one and is behind
    assert runner.run_once() == 200
    assert runner.behind
    # When it runs the next, it took the rest (fewer than a batch) and is not behind
    assert runner.run_once() == head - 200
    assert not runner.behind
    # And with nothing left it is not behind either
    assert runner.run_once() == 0
    assert not runner.behind


def test_woken_the_runner_lingers_so_a_burst_of_appends_is_one_batch(
    sqlite_store: Persistence, clock: FixedClock
) -> None:
    # Given a runner of the chain following the log with a linger of 300 ms, woken by every append,
    # that has had its first look at the empty log
    assert sqlite_store.database is not None
    app = ClaimsApplication(sqlite_store.events, clock)
    spy, chain = ScanSpy(sqlite_store.events), RecordingStretches(ChainProjection())
    runner = ProjectionRunner(spy, sqlite_store.database, [chain])  # type: ignore[arg-type, list-item]
    sqlite_store.events.observe_appends(lambda _position: runner.wake())
    runner.start(interval=5.0, linger=0.3)
    try:
        deadline = time.monotonic() + 5.0
        while not spy.topics and time.monotonic() < deadline:
            time.sleep(0.01)
        assert spy.topics, "the runner's first pass never came"
        # When two commands are appended one right after the other
        app.handle_vehicle(call(), register_vehicle())
        app.handle_vehicle(call(), attach_coverage())
        head = sqlite_store.events.head_position()
        assert runner.wait_for("chain", head, timeout=5.0)
    finally:
        runner.stop()
    # Then the chain sealed both in one stretch: the second append joined the batch the first one woke
    assert chain.stretches == [(0, head)]
