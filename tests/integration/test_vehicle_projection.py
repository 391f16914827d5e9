"""The vehicle read model on SQLite and PostgreSQL: batched, exactly once, rows and position together."""

from __future__ import annotations

from datetime import date

import pytest

from claims.adapters.persistence.database import Transaction
from claims.adapters.persistence.factory import Persistence
from claims.application.app import ClaimsApplication
from claims.application.messages import RecordedEvent
from claims.projections.runner import ProjectionRunner
from claims.projections.vehicles import VehicleDirectory, VehicleProjection
from tests.builders import EU_VIN, VIN, at, attach_coverage, call, mi, record_reading, register_vehicle, transfer
from tests.conftest import FixedClock


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Persistence:
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


def seed(app: ClaimsApplication) -> int:
    app.handle_vehicle(call(), register_vehicle())
    app.handle_vehicle(call(), attach_coverage())
    app.handle_vehicle(call(), record_reading(mi(4000), at(2025, 8, 1)))
    app.handle_vehicle(call(), transfer(transferred_on=date(2026, 1, 5)))
    eu = register_vehicle(
        identifier=EU_VIN, jurisdiction="EU-DE", dealer_id="D777", price={"amount": "30000", "currency": "EUR"}
    )
    return app.handle_vehicle(call(), eu).position


def test_the_read_model_lists_vehicles_with_their_coverages(store: Persistence, clock: FixedClock) -> None:
    assert store.database is not None
    app = ClaimsApplication(store.events, clock)
    head = seed(app)
    runner = ProjectionRunner(store.events, store.database, [VehicleProjection()], batch_size=3)
    while runner.run_once():
        pass
    assert runner.position("vehicles") == head
    rows = VehicleDirectory(store.database).list(dealer_id="D042", jurisdiction="", after="", limit=10)
    assert [(r.identifier, r.owner_ref, r.coverage_count, r.version) for r in rows] == [(VIN, "CUST-2", 1, 4)]
    everyone = VehicleDirectory(store.database).list(dealer_id="", jurisdiction="", after="", limit=10)
    assert [r.identifier for r in everyone] == sorted([VIN, EU_VIN])


class FailsOnTransfer(VehicleProjection):
    """A projection that crashes in the middle of a batch."""

    def handle(self, tx: Transaction, event: RecordedEvent) -> None:
        super().handle(tx, event)
        if event.topic == "claims.vehicle.OwnershipTransferred":
            raise RuntimeError("crash mid-batch")


def test_a_batch_that_fails_leaves_neither_rows_nor_position(store: Persistence, clock: FixedClock) -> None:
    assert store.database is not None
    seed(ClaimsApplication(store.events, clock))
    crashing = ProjectionRunner(store.events, store.database, [FailsOnTransfer()], batch_size=100)
    with pytest.raises(RuntimeError):
        crashing.run_once()
    assert crashing.position("vehicles") == 0
    assert VehicleDirectory(store.database).list(dealer_id="", jurisdiction="", after="", limit=10) == []

    healthy = ProjectionRunner(store.events, store.database, [VehicleProjection()], batch_size=100)
    healthy.run_once()
    assert healthy.run_once() == 0  # nothing is processed twice
    rows = VehicleDirectory(store.database).list(dealer_id="", jurisdiction="", after="", limit=10)
    assert len(rows) == 2


def test_waiting_for_a_position_returns_once_the_runner_reaches_it(store: Persistence, clock: FixedClock) -> None:
    assert store.database is not None
    head = seed(ClaimsApplication(store.events, clock))
    runner = ProjectionRunner(store.events, store.database, [VehicleProjection()])
    assert not runner.wait_for("vehicles", head, timeout=0.1)
    runner.start(interval=0.01)
    try:
        assert runner.wait_for("vehicles", head, timeout=5)
    finally:
        runner.stop()
