"""The topics a projection declares are all it handles: the runner reads nothing else for it, so an event of any
other topic must leave it with nothing to do. Checked for every registered projection and every event type."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from claims.application.messages import EventMetadata, RecordedEvent
from claims.domain.base import EVENT_TYPES
from claims.projections import registry
from tests.builders import at


class Untouched:
    """A transaction that notes every statement a handler sends (it answers reads with no rows)."""

    dialect = "postgresql"

    def __init__(self) -> None:
        self.statements: list[str] = []

    def execute(self, query: str, params: Any = None) -> None:
        self.statements.append(query)

    def rows(self, query: str, params: Any = None) -> list[dict[str, Any]]:
        self.statements.append(query)
        return []

    def insert_rows(self, table: str, columns: Any, rows: Any, *, on_conflict: str = "") -> None:
        if rows:  # no rows is no statement
            self.statements.append(f"INSERT INTO {table}")


def recorded(topic: str) -> RecordedEvent:
    # Fields unset: a handler that so much as looked inside would fail.
    event = EVENT_TYPES[topic].model_construct()
    meta = EventMetadata("tester", "req", "corr", "req", at(2026, 1, 1))
    return RecordedEvent(uuid.uuid4(), 1, topic, event, meta, position=1)


# A projection declaring ``None`` takes every event (the hash chain seals the whole log): nothing to check.
@pytest.mark.parametrize("name", [n for n in registry.names() if registry.create(n).topics is not None])
def test_a_projection_does_nothing_with_a_topic_it_does_not_declare(name: str) -> None:
    projection = registry.create(name)
    assert projection.topics, f"{name} declares the topics it handles"
    assert set(projection.topics) <= set(EVENT_TYPES), "each declared topic is a stored event's"
    others = sorted(set(EVENT_TYPES) - set(projection.topics))
    assert others
    for topic in others:
        tx = Untouched()
        projection.handle(tx, recorded(topic))  # type: ignore[arg-type]
        assert tx.statements == [], f"{name} handles {topic} but does not declare it"


def test_every_registered_projection_handles_something_declared() -> None:
    declared = {n: registry.create(n).topics for n in registry.names()}
    assert declared["vehicles"] == (
        "claims.vehicle.VehicleRegistered",
        "claims.vehicle.CoverageAttached",
        "claims.vehicle.OdometerRecorded",
        "claims.vehicle.OwnershipTransferred",
    )
    assert "claims.claim.ClaimFiled" in (declared["contracts"] or ())  # a claim is linked to its contract
    assert "claims.repair_order.RepairOrderClosed" in (declared["commitments"] or ())  # from the shipped commitments
