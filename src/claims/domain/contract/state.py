"""A service contract as its history says it is, and ``evolve``, which only copies facts from events."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from claims.domain.base import Frozen
from claims.domain.claim.lines import zero
from claims.domain.contract.events import (
    ContractCancelled,
    ContractClaimPaid,
    ContractEvent,
    ContractExpired,
    ContractSold,
    ContractTransferred,
)
from claims.domain.contract.values import ContractStatus, ExpiryReason, Payee, RefundLine, RefundRule, Requester
from claims.domain.values import Distance, Money
from claims.domain.vehicle.coverage_terms import ComponentGroup


class ContractTransfer(Frozen):
    """One change of holder."""

    previous_holder_ref: str
    new_holder_ref: str
    transferred_on: date
    odometer: Distance
    fee: Money


class PaidClaim(Frozen):
    """A claim the contract paid."""

    claim_id: UUID
    amount: Money
    paid_on: date


class Cancellation(Frozen):
    """How the contract ended when it was cancelled, with the refund statement line by line as recorded."""

    cancelled_on: date
    odometer: Distance
    requested_by: Requester
    reason: str
    rule: RefundRule
    unused_share: Decimal
    lines: tuple[RefundLine, ...]
    refund: Money
    payee: Payee
    refund_due_on: date
    late_penalty_per_month: Decimal | None


class Expiry(Frozen):
    reason: ExpiryReason
    expired_on: date
    odometer: Distance | None


class ServiceContract(Frozen):
    """The current state of one service contract."""

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
    claims_paid: Money
    status: ContractStatus = ContractStatus.IN_FORCE
    claims: tuple[PaidClaim, ...] = ()
    transfers: tuple[ContractTransfer, ...] = ()
    cancellation: Cancellation | None = None
    expiry: Expiry | None = None

    @property
    def currency(self) -> str:
        return self.price.currency

    def claim(self, claim_id: UUID) -> PaidClaim | None:
        return next((c for c in self.claims if c.claim_id == claim_id), None)

    def readings(self) -> tuple[tuple[date, Distance], ...]:
        """The odometer readings the contract knows, with their dates: at sale and at each transfer."""
        return ((self.sold_on, self.odometer_at_sale), *((t.transferred_on, t.odometer) for t in self.transfers))

    def odometer_on(self, on: date) -> Distance:
        """The latest reading the contract knows on or before ``on`` (the sale's at least)."""
        known = [reading for day, reading in self.readings() if day <= on]
        return known[-1] if known else self.odometer_at_sale

    @property
    def last_changed_on(self) -> date:
        """The sale date or the latest transfer's, whichever is later."""
        return max([self.sold_on, *(t.transferred_on for t in self.transfers)])


def evolve(contract: ServiceContract | None, event: ContractEvent) -> ServiceContract:
    """Apply one event. Never raises for business reasons, never reads a clock."""
    match event:
        case ContractSold():
            return ServiceContract(**dict(event), claims_paid=zero(event.price.currency))
        case ContractClaimPaid(claim_id=claim_id, amount=amount, paid_on=paid_on, claims_paid_total=total):
            current = _existing(contract)
            claim = PaidClaim(claim_id=claim_id, amount=amount, paid_on=paid_on)
            return current.model_copy(update={"claims": (*current.claims, claim), "claims_paid": total})
        case ContractTransferred():
            current = _existing(contract)
            transfer = ContractTransfer(**dict(event))
            return current.model_copy(
                update={"holder_ref": event.new_holder_ref, "transfers": (*current.transfers, transfer)}
            )
        case ContractCancelled():
            cancellation = Cancellation(**{name: getattr(event, name) for name in Cancellation.model_fields})
            update = {"status": ContractStatus.CANCELLED, "cancellation": cancellation}
            return _existing(contract).model_copy(update=update)
        case ContractExpired():
            expiry = Expiry(**dict(event))
            return _existing(contract).model_copy(update={"status": ContractStatus.EXPIRED, "expiry": expiry})


def _existing(contract: ServiceContract | None) -> ServiceContract:
    if contract is None:
        raise ValueError("history starts with an event other than ContractSold")
    return contract
