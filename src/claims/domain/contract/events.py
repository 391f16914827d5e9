"""What happened to a service contract. Events carry results: end date and odometer, refunds line by line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from claims.domain.base import DomainEvent, register_events
from claims.domain.contract.values import ExpiryReason, Payee, RefundLine, RefundRule, Requester
from claims.domain.values import Distance, Money
from claims.domain.vehicle.coverage_terms import ComponentGroup


class ContractSold(DomainEvent):
    """A service contract was sold: in force from ``sold_on`` through ``expires_on``, up to ``expiry_odometer``.

    ``free_look_days`` is the free look the contract gives (its own or the pack's default); the pack id
    and version name the cancellation rules the contract was sold under.
    """

    TOPIC = "claims.contract.ContractSold"

    contract_id: UUID
    insurer_id: str
    contract_number: str
    vin: str
    holder_ref: str
    jurisdiction: str
    sold_on: date
    price: Money
    term_months: int
    term_distance: Distance
    odometer_at_sale: Distance
    expires_on: date
    expiry_odometer: Distance
    deductible_per_visit: Money
    component_groups: tuple[ComponentGroup, ...]
    free_look_days: int
    free_look_ends_on: date
    used_without_manufacturer_warranty: bool
    cancellation_fee: Money | None
    lienholder_ref: str | None
    transferable: bool
    transfer_fee: Money | None
    pack_id: str
    pack_version: str


class ContractCancelled(DomainEvent):
    """The contract was cancelled; the refund is computed, explained line by line, and owed to ``payee``.

    ``refund_due_on`` is the last day to pay without the pack's late penalty (``late_penalty_per_month``
    of the amount outstanding, where the law sets one).
    """

    TOPIC = "claims.contract.ContractCancelled"

    cancelled_on: date
    odometer: Distance
    requested_by: Requester
    reason: str
    pack_id: str
    pack_version: str
    rule: RefundRule
    unused_share: Decimal
    claims_paid: Money
    lines: tuple[RefundLine, ...]
    refund: Money
    payee: Payee
    refund_due_on: date
    late_penalty_per_month: Decimal | None

    def line(self, label: str) -> RefundLine:
        """The statement line labelled ``label``."""
        found = next((line for line in self.lines if line.label == label), None)
        if found is None:
            raise KeyError(f"the refund statement has no line {label!r}")
        return found


class ContractTransferred(DomainEvent):
    """The contract passed to a new holder; ``fee`` is the contract's transfer fee (zero when it has none)."""

    TOPIC = "claims.contract.ContractTransferred"

    previous_holder_ref: str
    new_holder_ref: str
    transferred_on: date
    odometer: Distance
    fee: Money


class ContractClaimPaid(DomainEvent):
    """A claim under the contract was paid; ``claims_paid_total`` is what the contract has paid so far."""

    TOPIC = "claims.contract.ContractClaimPaid"

    claim_id: UUID
    amount: Money
    paid_on: date
    claims_paid_total: Money


class ContractExpired(DomainEvent):
    """The contract ended by time or by distance; ``expired_on`` is its first day out of force (as known)."""

    TOPIC = "claims.contract.ContractExpired"

    reason: ExpiryReason
    expired_on: date
    odometer: Distance | None


ContractEvent = ContractSold | ContractCancelled | ContractTransferred | ContractClaimPaid | ContractExpired

register_events(ContractSold, ContractCancelled, ContractTransferred, ContractClaimPaid, ContractExpired)
