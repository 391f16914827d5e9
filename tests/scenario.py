"""Given / when / then helpers for the vehicle aggregate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from claims.domain.context import DecisionContext
from claims.domain.vehicle.commands import VehicleCommand
from claims.domain.vehicle.decide import decide
from claims.domain.vehicle.events import VehicleEvent
from claims.domain.vehicle.state import Vehicle, evolve

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def context(now: datetime = NOW) -> DecisionContext:
    return DecisionContext(now=now)


def given(*commands: VehicleCommand, now: datetime = NOW) -> Vehicle | None:
    """The state after deciding and applying each command in turn."""
    state: Vehicle | None = None
    for command in commands:
        for event in decide(state, command, context(now)):
            state = evolve(state, event)
    return state


def when(state: Vehicle | None, command: VehicleCommand, now: datetime = NOW) -> Sequence[VehicleEvent]:
    return decide(state, command, context(now))
