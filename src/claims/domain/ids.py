"""Stable stream ids derived from natural keys, so uniqueness is the event store's primary key."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid5

VEHICLE_NAMESPACE = UUID("6f1d3c1e-58a5-4d5e-9a77-3a3c1f0e2b01")
COVERAGE_NAMESPACE = UUID("0b0e8a52-93c5-4c1f-8f55-7d1e9d3f6a02")


def vehicle_id_for(identifier: str) -> UUID:
    """The stream id of the vehicle or product with this VIN or serial number."""
    return uuid5(VEHICLE_NAMESPACE, f"/vehicles/{identifier}")


def coverage_id_for(vehicle_id: UUID, code: str) -> UUID:
    """The id of the coverage ``code`` on a vehicle."""
    return uuid5(COVERAGE_NAMESPACE, f"/vehicles/{vehicle_id}/coverages/{code}")


REPAIR_ORDER_NAMESPACE = UUID("0eed3b59-b9e9-44bc-ba69-4f1248b971ab")
CLAIM_NAMESPACE = UUID("9e7485ae-d0a1-4cbd-9708-d06d18c8b653")
PREAUTH_NAMESPACE = UUID("f215828e-91dd-4428-9113-a2a97a6e716d")


def repair_order_id_for(dealer_id: str, ro_number: str) -> UUID:
    """The stream id of a dealer's repair order: RO numbers are unique per dealer."""
    return uuid5(REPAIR_ORDER_NAMESPACE, f"/dealers/{dealer_id}/repair-orders/{ro_number}")


def claim_id_for(dealer_id: str, claim_number: str) -> UUID:
    """The stream id of a dealer's warranty claim: claim numbers are unique per dealer."""
    return uuid5(CLAIM_NAMESPACE, f"/dealers/{dealer_id}/claims/{claim_number}")


def preauth_id_for(dealer_id: str, preauth_number: str) -> UUID:
    """The stream id of a dealer's pre-authorization request."""
    return uuid5(PREAUTH_NAMESPACE, f"/dealers/{dealer_id}/pre-authorizations/{preauth_number}")


CONTRACT_NAMESPACE = UUID("1f026512-dacb-4f27-a549-e71cb0884d57")


def contract_id_for(insurer_id: str, contract_number: str) -> UUID:
    """The stream id of an insurer's service contract: contract numbers are unique per insurer."""
    return uuid5(CONTRACT_NAMESPACE, f"/insurers/{insurer_id}/contracts/{contract_number}")


STATUTORY_CASE_NAMESPACE = UUID("092b53da-001d-4c39-b90e-a61342b2df27")


def statutory_case_id_for(vehicle_id: UUID) -> UUID:
    """The stream id of a vehicle's statutory (三包 / lemon-law) case: one case per vehicle."""
    return uuid5(STATUTORY_CASE_NAMESPACE, f"/vehicles/{vehicle_id}/statutory-case")


COMMITMENT_NAMESPACE = UUID("5d0f1a7e-2c4b-4e8a-9f3d-6b1c2a4e8d17")


def commitment_breach_id_for(commitment_code: str, subject_id: UUID, started_at: datetime) -> UUID:
    """The stream of one run of a commitment's clock on a subject: its breach is recorded there, once.

    The start instant is written in UTC, so the id does not depend on the offset it was read back in.
    """
    started = started_at.astimezone(UTC).isoformat(timespec="microseconds")
    return uuid5(COMMITMENT_NAMESPACE, f"/commitments/{commitment_code}/subjects/{subject_id}/started/{started}")
