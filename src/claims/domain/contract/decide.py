"""``decide``: what a contract command results in, given the contract's state and the contract context."""

from __future__ import annotations

from datetime import timedelta

from claims.domain.calendar import last_day_of_period
from claims.domain.claim.lines import money, zero
from claims.domain.contract.commands import (
    CancelContract,
    ContractCommand,
    ExpireContract,
    RecordContractClaimPaid,
    SellContract,
    TransferContract,
)
from claims.domain.contract.context import ContractContext
from claims.domain.contract.events import (
    ContractCancelled,
    ContractClaimPaid,
    ContractEvent,
    ContractExpired,
    ContractSold,
    ContractTransferred,
)
from claims.domain.contract.guards import (
    check_date,
    check_odometer,
    existing,
    refuse,
    require_in_force,
    require_within_term,
)
from claims.domain.contract.refund import refund_statement
from claims.domain.contract.state import ServiceContract
from claims.domain.contract.values import ContractStatus, ExpiryReason
from claims.domain.errors import AlreadyExistsError, FieldViolation, InvalidCommandError
from claims.domain.ids import contract_id_for
from claims.domain.values import Distance


def decide(contract: ServiceContract | None, command: ContractCommand, ctx: ContractContext) -> list[ContractEvent]:
    """The events a command produces; raises when the request is impossible."""
    match command:
        case SellContract():
            return _sell(contract, command, ctx)
        case CancelContract():
            return _cancel(existing(contract, command), command, ctx)
        case TransferContract():
            return _transfer(existing(contract, command), command, ctx)
        case RecordContractClaimPaid():
            return _record_claim_paid(existing(contract, command), command, ctx)
        case ExpireContract():
            return _expire(existing(contract, command), command, ctx)


def _sell(contract: ServiceContract | None, command: SellContract, ctx: ContractContext) -> list[ContractEvent]:
    if contract is not None:
        raise AlreadyExistsError(
            f"insurer {command.insurer_id} already has a contract {command.contract_number}",
            metadata={"insurer_id": command.insurer_id, "contract_number": command.contract_number},
        )
    policy = ctx.policy
    free_look = _checked_free_look(command, ctx)
    sale = {name: value for name, value in command if name != "free_look_days"}
    start = command.odometer_at_sale
    return [
        ContractSold(
            **sale,
            contract_id=contract_id_for(command.insurer_id, command.contract_number),
            expires_on=last_day_of_period(command.sold_on, command.term_months),
            expiry_odometer=Distance(value=start.value + command.term_distance.value, unit=start.unit),
            free_look_days=free_look,
            free_look_ends_on=command.sold_on + timedelta(days=free_look),
            pack_id=policy.pack_id,
            pack_version=policy.version,
        )
    ]


def _checked_free_look(command: SellContract, ctx: ContractContext) -> int:
    """The free look the contract gives, once the sale is checked against the clock and the pack."""
    policy = ctx.policy
    if not (policy.covers(command.jurisdiction) and policy.in_force_on(command.sold_on)):
        raise ValueError(f"{policy.label} does not govern a sale in {command.jurisdiction} on {command.sold_on}")
    used = command.used_without_manufacturer_warranty
    free_look = policy.default_free_look_days(used) if command.free_look_days is None else command.free_look_days
    violations: list[FieldViolation] = []
    if command.sold_on > ctx.latest_local_date:
        violations.append(FieldViolation("sold_on", f"{command.sold_on.isoformat()} is in the future"))
    minimum = policy.minimum_free_look(used)
    if free_look < minimum:
        violations.append(
            FieldViolation("free_look_days", f"{policy.label} gives at least {minimum} days ({policy.free_look_basis})")
        )
    if command.price.currency not in policy.fee_cap.amounts:
        known = ", ".join(sorted(policy.fee_cap.amounts))
        violations.append(FieldViolation("price.currency", f"{policy.label} states its fee cap in {known} only"))
    if violations:
        raise InvalidCommandError(violations)
    return free_look


def _cancel(contract: ServiceContract, command: CancelContract, ctx: ContractContext) -> list[ContractEvent]:
    require_in_force(contract, "cancelled")
    policy = ctx.policy
    if (policy.pack_id, policy.version) != (contract.pack_id, contract.pack_version):
        raise ValueError(f"the contract was sold under {contract.pack_id} v{contract.pack_version}, not {policy.label}")
    check_date(contract, "cancelled_on", command.cancelled_on, ctx, after=contract.last_changed_on)
    check_odometer(contract, "odometer", command.odometer, command.cancelled_on)
    require_within_term(contract, command.cancelled_on, command.odometer, "cancelled")
    refund = refund_statement(policy, contract, command.requested_by, command.cancelled_on, command.odometer)
    return [
        ContractCancelled(
            **command.model_dump(include={"cancelled_on", "requested_by", "reason"}),
            odometer=command.odometer,
            pack_id=policy.pack_id,
            pack_version=policy.version,
            claims_paid=contract.claims_paid,
            **dict(refund),
            late_penalty_per_month=policy.late_penalty_per_month,
        )
    ]


def _transfer(contract: ServiceContract, command: TransferContract, ctx: ContractContext) -> list[ContractEvent]:
    require_in_force(contract, "transferred")
    if not contract.transferable:
        raise refuse(contract, "CONTRACT_NOT_TRANSFERABLE", "the contract does not allow transfers")
    check_date(contract, "transferred_on", command.transferred_on, ctx, after=contract.last_changed_on)
    if command.new_holder_ref == contract.holder_ref:
        raise InvalidCommandError([FieldViolation("new_holder_ref", "the contract already belongs to this holder")])
    check_odometer(contract, "odometer", command.odometer, command.transferred_on)
    require_within_term(contract, command.transferred_on, command.odometer, "transferred")
    return [
        ContractTransferred(
            previous_holder_ref=contract.holder_ref,
            new_holder_ref=command.new_holder_ref,
            transferred_on=command.transferred_on,
            odometer=command.odometer,
            fee=contract.transfer_fee or zero(contract.currency),
        )
    ]


def _record_claim_paid(
    contract: ServiceContract, command: RecordContractClaimPaid, ctx: ContractContext
) -> list[ContractEvent]:
    known = contract.claim(command.claim_id)
    if known is not None:
        if (known.amount, known.paid_on) == (command.amount, command.paid_on):
            return []
        message = f"claim {command.claim_id} was recorded as paid {known.amount} on {known.paid_on.isoformat()}"
        raise refuse(contract, "CLAIM_ALREADY_RECORDED", message, claim_id=str(command.claim_id))
    if contract.status == ContractStatus.CANCELLED:
        raise refuse(contract, "CONTRACT_CANCELLED", "the contract was cancelled and its refund computed")
    if command.amount.currency != contract.currency:
        raise InvalidCommandError([FieldViolation("amount.currency", f"the contract is in {contract.currency}")])
    check_date(contract, "paid_on", command.paid_on, ctx, after=contract.sold_on)
    total = money(contract.claims_paid.amount + command.amount.amount, contract.currency)
    return [
        ContractClaimPaid(
            claim_id=command.claim_id, amount=command.amount, paid_on=command.paid_on, claims_paid_total=total
        )
    ]


def _expire(contract: ServiceContract, command: ExpireContract, ctx: ContractContext) -> list[ContractEvent]:
    if contract.status == ContractStatus.EXPIRED:
        return []
    require_in_force(contract, "expired")
    check_date(contract, "on", command.on, ctx, after=contract.sold_on)
    odometer = command.odometer
    if odometer is not None:
        check_odometer(contract, "odometer", odometer, command.on)
    if command.on > contract.expires_on:
        expired_on = contract.expires_on + timedelta(days=1)
        return [ContractExpired(reason=ExpiryReason.TIME, expired_on=expired_on, odometer=odometer)]
    if odometer is not None and odometer.to(contract.expiry_odometer.unit) > contract.expiry_odometer.value:
        return [ContractExpired(reason=ExpiryReason.DISTANCE, expired_on=command.on, odometer=odometer)]
    message = f"the contract is in force through {contract.expires_on.isoformat()} and up to {contract.expiry_odometer}"
    raise refuse(contract, "CONTRACT_IN_FORCE", message)
