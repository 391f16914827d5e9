"""Stable stream ids derived from natural keys, so uniqueness is the event store's primary key."""

from __future__ import annotations

from uuid import UUID, uuid5

VEHICLE_NAMESPACE = UUID("6f1d3c1e-58a5-4d5e-9a77-3a3c1f0e2b01")
COVERAGE_NAMESPACE = UUID("0b0e8a52-93c5-4c1f-8f55-7d1e9d3f6a02")


def vehicle_id_for(identifier: str) -> UUID:
    """The stream id of the vehicle or product with this VIN or serial number."""
    return uuid5(VEHICLE_NAMESPACE, f"/vehicles/{identifier}")


def coverage_id_for(vehicle_id: UUID, code: str) -> UUID:
    """The id of the coverage ``code`` on a vehicle."""
    return uuid5(COVERAGE_NAMESPACE, f"/vehicles/{vehicle_id}/coverages/{code}")
