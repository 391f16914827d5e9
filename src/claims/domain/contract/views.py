"""The insurer's contract read: whether a contract is in force on a date at a reading, and what it has left."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from claims.domain.base import Frozen
from claims.domain.contract.guards import check_odometer
from claims.domain.contract.share import unused_share
from claims.domain.contract.state import ServiceContract
from claims.domain.contract.values import ContractStatus, ExpiryReason
from claims.domain.values import Distance, DistanceUnit, Money
from claims.domain.vehicle.coverage_terms import ComponentGroup


class Standing(StrEnum):
    """Why a contract is, or is not, in force on a date at a reading."""

    IN_FORCE = "IN_FORCE"
    NOT_STARTED = "NOT_STARTED"
    EXPIRED_BY_TIME = "EXPIRED_BY_TIME"
    EXPIRED_BY_DISTANCE = "EXPIRED_BY_DISTANCE"
    CANCELLED = "CANCELLED"


class RemainingCoverage(Frozen):
    """A contract evaluated on a date at a reading.

    ``unused_share`` is the lesser of the time and distance shares left: what a pro rata refund on
    that day would start from. A cancelled or expired contract has nothing left.
    """

    contract_id: UUID
    contract_number: str
    vin: str
    holder_ref: str
    on: date
    odometer: Distance
    standing: Standing
    expires_on: date
    expiry_odometer: Distance
    term_days: int
    days_remaining: int
    distance_remaining: Distance
    unused_share: Decimal
    component_groups: tuple[ComponentGroup, ...]
    deductible_per_visit: Money
    claims_paid: Money

    @property
    def in_force(self) -> bool:
        return self.standing == Standing.IN_FORCE


def standing(contract: ServiceContract, on: date, odometer: Distance) -> Standing:
    """Cancellation and recorded expiry first (from their dates on), then the term's own limits."""
    if contract.cancellation is not None and on >= contract.cancellation.cancelled_on:
        return Standing.CANCELLED
    if contract.expiry is not None and on >= contract.expiry.expired_on:
        by_time = contract.expiry.reason == ExpiryReason.TIME
        return Standing.EXPIRED_BY_TIME if by_time else Standing.EXPIRED_BY_DISTANCE
    if on < contract.sold_on:
        return Standing.NOT_STARTED
    if on > contract.expires_on:
        return Standing.EXPIRED_BY_TIME
    if odometer.to(contract.expiry_odometer.unit) > contract.expiry_odometer.value:
        return Standing.EXPIRED_BY_DISTANCE
    return Standing.IN_FORCE


def remaining_coverage(contract: ServiceContract, on: date, odometer: Distance | None = None) -> RemainingCoverage:
    """Evaluate the contract on ``on``; without a reading, the latest the contract knows by then is used."""
    reading = contract.odometer_on(on) if odometer is None else odometer
    check_odometer(contract, "odometer", reading, on)
    state = standing(contract, on, reading)
    left = unused_share(contract, on, reading)
    ended = state not in (Standing.IN_FORCE, Standing.NOT_STARTED)
    unit = contract.term_distance.unit
    return RemainingCoverage(
        **contract.model_dump(
            include={"contract_id", "contract_number", "vin", "holder_ref", "expires_on", "component_groups"}
        ),
        on=on,
        odometer=reading,
        standing=state,
        expiry_odometer=contract.expiry_odometer,
        term_days=left.term_days,
        days_remaining=0 if ended else left.days_remaining,
        distance_remaining=Distance(value=Decimal(0) if ended else left.distance_remaining, unit=unit),
        unused_share=Decimal(0) if ended else left.share,
        deductible_per_visit=contract.deductible_per_visit,
        claims_paid=contract.claims_paid,
    )


def covers_repair(
    contract: ServiceContract, on: date, odometer: Distance, group: ComponentGroup, currency: str
) -> bool:
    """Whether a repair on ``on`` at ``odometer`` on ``group``, paid in ``currency``, falls under the contract.

    The contract is still in force (neither cancelled nor recorded as expired), it was in force on the repair
    day at that reading, it covers the component group and is priced in the same currency.
    """
    if contract.status != ContractStatus.IN_FORCE or currency != contract.currency:
        return False
    if (odometer.unit == DistanceUnit.HOURS) != (contract.expiry_odometer.unit == DistanceUnit.HOURS):
        return False
    return standing(contract, on, odometer) == Standing.IN_FORCE and group in contract.component_groups
