"""The engine's use cases, one short method each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from claims.application.commands import StreamHandler
from claims.application.messages import CallContext, CommandResult
from claims.application.ports import EventStore
from claims.domain.errors import NotFoundError
from claims.domain.ids import vehicle_id_for
from claims.domain.values import Distance
from claims.domain.vehicle import decide as vehicle_decide
from claims.domain.vehicle import state as vehicle_state
from claims.domain.vehicle.commands import (
    AttachCoverage,
    RecordOdometerReading,
    RegisterVehicle,
    TransferOwnership,
    VehicleCommand,
)
from claims.domain.vehicle.events import VehicleEvent
from claims.domain.vehicle.state import Vehicle
from claims.domain.vehicle.status import VehicleStatus, vehicle_status


class ClaimsApplication:
    """Entry point for every caller: adapters translate, this class does the work."""

    def __init__(self, store: EventStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self._vehicles: StreamHandler[Vehicle, VehicleCommand, VehicleEvent] = StreamHandler(
            store, clock, vehicle_state.evolve, vehicle_decide.decide
        )

    def register_vehicle(self, call: CallContext, command: RegisterVehicle) -> CommandResult:
        return self._vehicles.execute(call, vehicle_id_for(command.identifier), command)

    def attach_coverage(self, call: CallContext, command: AttachCoverage) -> CommandResult:
        return self._vehicles.execute(call, vehicle_id_for(command.identifier), command)

    def record_odometer_reading(self, call: CallContext, command: RecordOdometerReading) -> CommandResult:
        return self._vehicles.execute(call, vehicle_id_for(command.identifier), command)

    def transfer_ownership(self, call: CallContext, command: TransferOwnership) -> CommandResult:
        return self._vehicles.execute(call, vehicle_id_for(command.identifier), command)

    def get_vehicle(
        self, identifier: str, on: date | None = None, odometer: Distance | None = None
    ) -> tuple[VehicleStatus, int]:
        """A vehicle with its coverages evaluated on ``on`` (today by default), and its version."""
        vehicle, version = self._vehicles.load(vehicle_id_for(identifier))
        if vehicle is None:
            raise NotFoundError(
                f"no vehicle or product {identifier} is registered", metadata={"identifier": identifier}
            )
        return vehicle_status(vehicle, on or self.clock().date(), odometer), version
