"""The kinds of streams the application reads and writes."""

from __future__ import annotations

from claims.application.commands import StreamType
from claims.domain.vehicle.state import Vehicle
from claims.domain.vehicle.state import evolve as evolve_vehicle

VEHICLES: StreamType[Vehicle] = StreamType("vehicle", evolve_vehicle)
