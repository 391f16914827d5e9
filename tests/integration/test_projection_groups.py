"""A projection that takes every event (the hash chain) scans apart, so the others keep their topic filter."""

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


def test_the_chain_does_not_widen_the_vehicle_projections_scan(sqlite_store: Persistence, clock: FixedClock) -> None:
    assert sqlite_store.database is not None
    app = ClaimsApplication(sqlite_store.events, clock)
    app.handle_vehicle(call(), register_vehicle())
    app.handle_vehicle(call(), attach_coverage())
    spy = ScanSpy(sqlite_store.events)
    vehicles = VehicleProjection()
    runner = ProjectionRunner(spy, sqlite_store.database, [vehicles, ChainProjection()])  # type: ignore[arg-type]
    runner.run_once()
    assert vehicles.topics is not None
    assert sorted(spy.topics) == sorted([(), tuple(sorted(vehicles.topics))])
    assert runner.position("vehicles") == runner.position("chain") == sqlite_store.events.head_position()
