"""The engine's use cases, one short method each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from claims.application.commands import CommandRunner, UnitOfWork
from claims.application.messages import CallContext, CommandResult
from claims.application.ports import EventStore
from claims.application.streams import VEHICLES
from claims.domain.context import DecisionContext
from claims.domain.errors import NotFoundError
from claims.domain.ids import vehicle_id_for
from claims.domain.values import Distance
from claims.domain.vehicle import decide as vehicle
from claims.domain.vehicle.commands import VehicleCommand
from claims.domain.vehicle.status import VehicleStatus, vehicle_status


class ClaimsApplication:
    """Entry point for every caller: adapters translate, this class does the work."""

    def __init__(self, store: EventStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self.runner = CommandRunner(store, clock)

    def handle_vehicle(self, call: CallContext, command: VehicleCommand) -> CommandResult:
        """Register a vehicle, attach a coverage, record a reading or a transfer."""
        vehicle_id = vehicle_id_for(command.identifier)

        def work(unit: UnitOfWork) -> None:
            state = unit.load(vehicle_id, VEHICLES)
            unit.record(vehicle_id, vehicle.decide(state, command, DecisionContext(now=unit.now)))

        return self.runner.run(call, command, vehicle_id, work)

    def get_vehicle(
        self, identifier: str, on: date | None = None, odometer: Distance | None = None
    ) -> tuple[VehicleStatus, int]:
        """A vehicle with its coverages evaluated on ``on`` (today by default), and its version."""
        state, version = VEHICLES.replay(self.store, vehicle_id_for(identifier))
        if state is None:
            raise NotFoundError(
                f"no vehicle or product {identifier} is registered", metadata={"identifier": identifier}
            )
        return vehicle_status(state, on or self.clock().date(), odometer), version
