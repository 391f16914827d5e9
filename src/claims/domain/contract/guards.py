"""The refusals every contract decision shares: unknown contract, ended contract, implausible date or odometer."""

from __future__ import annotations

from datetime import date

from claims.domain.contract.commands import ContractRef
from claims.domain.contract.context import ContractContext
from claims.domain.contract.state import ServiceContract
from claims.domain.contract.values import ContractStatus
from claims.domain.errors import (
    FieldViolation,
    InvalidCommandError,
    NotFoundError,
    PreconditionFailedError,
)
from claims.domain.values import Distance, DistanceUnit


def existing(contract: ServiceContract | None, command: ContractRef) -> ServiceContract:
    if contract is None:
        raise NotFoundError(
            f"insurer {command.insurer_id} has no contract {command.contract_number}",
            metadata={"insurer_id": command.insurer_id, "contract_number": command.contract_number},
        )
    return contract


def refuse(contract: ServiceContract, reason: str, message: str, **metadata: str) -> PreconditionFailedError:
    """A refusal because of the contract's state, naming the contract and its status."""
    subject = f"insurers/{contract.insurer_id}/contracts/{contract.contract_number}"
    return PreconditionFailedError.refusal(
        reason, subject, message, contract_number=contract.contract_number, status=contract.status.value, **metadata
    )


def require_in_force(contract: ServiceContract, action: str) -> None:
    """Refuse anything but a claim payment on a contract that was cancelled or has expired."""
    match contract.status:
        case ContractStatus.CANCELLED if contract.cancellation is not None:
            on = contract.cancellation.cancelled_on.isoformat()
            raise refuse(contract, "CONTRACT_CANCELLED", f"the contract was cancelled on {on} and cannot be {action}")
        case ContractStatus.EXPIRED if contract.expiry is not None:
            on = contract.expiry.expired_on.isoformat()
            raise refuse(contract, "CONTRACT_EXPIRED", f"the contract expired on {on} and cannot be {action}")
        case _:
            return


def require_within_term(contract: ServiceContract, on: date, odometer: Distance, action: str) -> None:
    """Refuse when ``on`` is past the last day or ``odometer`` past the distance limit: the contract has run out."""
    unit = contract.expiry_odometer.unit
    if on > contract.expires_on:
        message = f"the contract ran out on {contract.expires_on.isoformat()} and cannot be {action}"
        raise refuse(contract, "CONTRACT_EXPIRED", message, expires_on=contract.expires_on.isoformat())
    if odometer.to(unit) > contract.expiry_odometer.value:
        message = f"the contract ran out at {contract.expiry_odometer} and cannot be {action}"
        raise refuse(contract, "CONTRACT_EXPIRED", message, expiry_odometer=str(contract.expiry_odometer))


def check_date(contract: ServiceContract, field: str, on: date, ctx: ContractContext, *, after: date) -> None:
    """A command's date lies between ``after`` (the sale or a later change) and today."""
    if on > ctx.latest_local_date:
        raise InvalidCommandError([FieldViolation(field, f"{on.isoformat()} is in the future")])
    if on < contract.sold_on:
        raise InvalidCommandError(
            [FieldViolation(field, f"{on.isoformat()} is before the sale on {contract.sold_on.isoformat()}")]
        )
    if on < after:
        raise InvalidCommandError(
            [FieldViolation(field, f"{on.isoformat()} is before the last change of holder on {after.isoformat()}")]
        )


def check_odometer(contract: ServiceContract, field: str, odometer: Distance, on: date) -> None:
    """A reading in the contract's kind of unit, not below the sale's nor any reading the contract knew by ``on``."""
    unit = contract.odometer_at_sale.unit
    if (odometer.unit == DistanceUnit.HOURS) != (unit == DistanceUnit.HOURS):
        raise InvalidCommandError([FieldViolation(f"{field}.unit", f"the contract measures usage in {unit}")])
    if odometer.to(unit) < contract.odometer_at_sale.value:
        raise InvalidCommandError(
            [FieldViolation(field, f"{odometer} is below the odometer at sale, {contract.odometer_at_sale}")]
        )
    known = contract.odometer_on(on)
    if odometer.to(unit) < known.to(unit):
        raise InvalidCommandError([FieldViolation(field, f"{odometer} is below the {known} recorded by {on}")])
