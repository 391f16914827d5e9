"""Projections at one position share one scan, even with one that takes every event (the hash chain); each is
still handed only the events of its topics."""

from __future__ import annotations

from typing import Any

from claims.adapters.persistence.factory import Persistence
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

    def scan(self, after: int, limit: int, topics: Any = ()) -> Any:
        self.topics.append(tuple(sorted(topics)))
        return self._store.scan(after, limit, topics)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class Recording:
    """A projection, noting the topic of each event it was handed."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.seen: list[str] = []

    def handle(self, tx: Any, event: Any) -> None:
        self.seen.append(event.topic)
        self._inner.handle(tx, event)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_the_chain_and_a_topic_projection_share_one_scan_and_each_gets_its_events(
    sqlite_store: Persistence, clock: FixedClock
) -> None:
    # Given a vehicle registered and covered, and a runner of the vehicles projection and the chain at position 0
    assert sqlite_store.database is not None
    app = ClaimsApplication(sqlite_store.events, clock)
    app.handle_vehicle(call(), register_vehicle())
    app.handle_vehicle(call(), attach_coverage())
    spy = ScanSpy(sqlite_store.events)
    vehicles, chain = Recording(VehicleProjection()), Recording(ChainProjection())
    runner = ProjectionRunner(spy, sqlite_store.database, [vehicles, chain])  # type: ignore[arg-type, list-item]
    # When it runs a batch
    runner.run_once()
    # Then one scan of every event fed both; the vehicles projection saw only its topics, the chain every event
    assert spy.topics == [()]
    assert vehicles.topics is not None
    assert vehicles.seen
    assert set(vehicles.seen) <= set(vehicles.topics)
    everything = [r.topic for r in sqlite_store.events.read_all(0, 100)]
    assert chain.seen == everything
    assert len(everything) > len(vehicles.seen)
    assert runner.position("vehicles") == runner.position("chain") == sqlite_store.events.head_position()
