"""The vehicle read model on SQLite and PostgreSQL: batched, exactly once, rows and position together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bench.history import write_history
from claims.adapters.persistence.database import Transaction
from claims.adapters.persistence.factory import Persistence
from claims.application.app import ClaimsApplication
from claims.application.messages import RecordedEvent
from claims.domain.values import DistanceUnit
from claims.projections.runner import ProjectionRunner
from claims.projections.vehicles import VehicleDirectory, VehicleProjection
from tests.builders import EU_VIN, VIN, at, attach_coverage, call, km, mi, record_reading, register_vehicle, transfer
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

    def handle_batch(self, tx: Transaction, events: Sequence[RecordedEvent]) -> None:
        super().handle_batch(tx, events)
        if any(event.topic == "claims.vehicle.OwnershipTransferred" for event in events):
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


class ReadsNothing(VehicleProjection):
    """Counts the reads the handler makes through its transaction."""

    reads = 0

    def handle_batch(self, tx: Transaction, events: Sequence[RecordedEvent]) -> None:
        counted = Counted(tx)
        super().handle_batch(counted, events)  # type: ignore[arg-type]
        self.reads += counted.reads


class Counted:
    def __init__(self, tx: Transaction) -> None:
        self._tx, self.dialect, self.reads = tx, tx.dialect, 0

    def execute(self, query: str, params: Any = None) -> None:
        self._tx.execute(query, params)

    def rows(self, query: str, params: Any = None) -> list[dict[str, Any]]:
        self.reads += 1
        return self._tx.rows(query, params)

    def insert_rows(self, table: str, columns: Any, rows: Any, *, on_conflict: str = "") -> None:
        self._tx.insert_rows(table, columns, rows, on_conflict=on_conflict)


@pytest.mark.parametrize("batch", [2, 500])  # 2: the readings are statements on the row; 500: folded in Python
def test_the_odometer_keeps_the_highest_reading_in_any_order_and_unit_without_reading_the_row(
    store: Persistence, clock: FixedClock, batch: int
) -> None:
    assert store.database is not None
    app = ClaimsApplication(store.events, clock)
    app.handle_vehicle(call(), register_vehicle())  # measured in miles, 12 at delivery
    app.handle_vehicle(call(), record_reading(mi(5000), at(2025, 9, 1)))
    app.handle_vehicle(call(), record_reading(mi("3000.5"), at(2025, 6, 1)))  # recorded later, dated earlier: lower
    app.handle_vehicle(call(), record_reading(km(8100), at(2025, 10, 1)))  # 5,033.1 miles: the highest
    last = app.handle_vehicle(call(), record_reading(km(8050), at(2025, 9, 15)))  # 5,002 miles: lower
    projection = ReadsNothing()
    runner = ProjectionRunner(store.events, store.database, [projection], batch_size=batch)
    runner.catch_up()
    assert projection.reads == 0
    with store.database.read() as tx:
        (row,) = tx.rows("SELECT odometer_value, odometer_unit, version, last_position FROM rm_vehicles")
    assert Decimal(str(row["odometer_value"])) == km(8100).to(DistanceUnit.MI)
    assert row["odometer_unit"] == "MI"
    touched = (row["version"], row["last_position"])
    assert touched == (5, store.events.position_of(last.stream_id, 5))  # the lower readings touched it too


def test_vehicles_registered_in_a_batch_and_folded_there_equal_those_written_event_by_event(
    store: Persistence, clock: FixedClock
) -> None:
    # Given the bench's mix of vehicles (registered, covered, read four times) and the seeded vehicles
    assert store.database is not None
    seed(ClaimsApplication(store.events, clock))
    write_history(store.events, 600)

    def projected(batch: int) -> list[list[Any]]:
        with store.database.write() as tx:  # type: ignore[union-attr]
            tx.execute("DELETE FROM rm_vehicle_coverages")
            tx.execute("DELETE FROM rm_vehicles")
            tx.execute("DELETE FROM projection_tracking")
        ProjectionRunner(store.events, store.database, [VehicleProjection()], batch_size=batch).catch_up()
        with store.database.read() as tx:  # type: ignore[union-attr]
            vehicles = tx.rows("SELECT * FROM rm_vehicles ORDER BY vehicle_id")
            coverages = tx.rows("SELECT * FROM rm_vehicle_coverages ORDER BY coverage_id")
        return [
            [{k: str(v) for k, v in r.items()} for r in vehicles],
            [{k: str(v) for k, v in r.items()} for r in coverages],
        ]

    # When it is projected one event a batch (every event a statement on its row) and 500 positions a batch
    # (most vehicles registered and folded within one batch)
    one_by_one, folded = projected(1), projected(500)
    # Then the rows are the same, value for value
    assert len(one_by_one[0]) > 20
    assert folded == one_by_one
