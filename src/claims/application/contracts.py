"""Service contract use cases: a sale is noted on its vehicle, and a paid claim is recorded on the contract covering it.

A sale must name a registered vehicle; it is decided under the cancellation pack in force for its
jurisdiction and sale date, every later command under the pack the sale recorded. The sale links the
contract on the vehicle's stream in the same append, so paying a claim on that vehicle finds the
contracts that may cover it in the event store itself, in the same unit of work, with no index to keep.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from claims.application.commands import StateCache, UnitOfWork
from claims.application.ports import EventStore
from claims.application.streams import CONTRACTS, VEHICLES
from claims.domain.claim.state import Claim
from claims.domain.context import DecisionContext
from claims.domain.contract import decide as contract_rules
from claims.domain.contract.commands import ContractCommand, RecordContractClaimPaid, SellContract
from claims.domain.contract.context import ContractContext
from claims.domain.contract.guards import existing
from claims.domain.contract.packs import cancellation_policy, select_cancellation_policy
from claims.domain.contract.state import ServiceContract
from claims.domain.contract.views import RemainingCoverage, covers_repair, remaining_coverage
from claims.domain.errors import NotFoundError
from claims.domain.ids import contract_id_for, vehicle_id_for
from claims.domain.values import Distance, DistanceUnit
from claims.domain.vehicle import decide as vehicle_rules
from claims.domain.vehicle.commands import LinkServiceContract


def run_contract_command(unit: UnitOfWork, command: ContractCommand) -> None:
    """Decide a contract command under the right pack; a sale is also linked on its vehicle."""
    contract_id = contract_id_for(command.insurer_id, command.contract_number)
    contract = unit.load(contract_id, CONTRACTS)
    if isinstance(command, SellContract):
        _sell(unit, contract_id, contract, command)
        return
    current = existing(contract, command)
    unit.record(contract_id, contract_rules.decide(current, command, _context(unit, current)))


def _context(unit: UnitOfWork, contract: ServiceContract) -> ContractContext:
    """A later command is decided under the pack the sale recorded, whatever is in force today."""
    return ContractContext(now=unit.now, policy=cancellation_policy(contract.pack_id, contract.pack_version))


def _sell(unit: UnitOfWork, contract_id: UUID, contract: ServiceContract | None, command: SellContract) -> None:
    vehicle_id = vehicle_id_for(command.vin)
    vehicle = unit.load(vehicle_id, VEHICLES)
    if vehicle is None:
        raise NotFoundError(f"no vehicle {command.vin} is registered", metadata={"identifier": command.vin})
    policy = select_cancellation_policy(command.jurisdiction, command.sold_on)
    unit.record(contract_id, contract_rules.decide(contract, command, ContractContext(now=unit.now, policy=policy)))
    link = LinkServiceContract(
        identifier=command.vin,
        contract_id=contract_id,
        insurer_id=command.insurer_id,
        contract_number=command.contract_number,
    )
    unit.record(vehicle_id, vehicle_rules.decide(vehicle, link, DecisionContext(now=unit.now)))


def record_claim_paid(unit: UnitOfWork, claim: Claim) -> None:
    """Record a paid claim on the first contract sold on its vehicle that covers the repair: one contract pays."""
    payment = claim.payment
    if payment is None or payment.total.amount <= 0:
        return
    vehicle = unit.load(claim.vehicle_id, VEHICLES)
    if vehicle is None:
        return
    repair, paid_on = claim.current, payment.paid_at.date()
    for link in vehicle.contracts:
        contract = unit.load(link.contract_id, CONTRACTS)
        if contract is None or paid_on < contract.sold_on:
            continue
        header = repair.header
        if not covers_repair(contract, repair.repair_date, header.odometer, header.component_group, claim.currency):
            continue
        paid = RecordContractClaimPaid(
            insurer_id=link.insurer_id,
            contract_number=link.contract_number,
            claim_id=claim.claim_id,
            amount=payment.total,
            paid_on=paid_on,
        )
        unit.record(link.contract_id, contract_rules.decide(contract, paid, _context(unit, contract)))
        return


def load_contract(
    store: EventStore, insurer_id: str, contract_number: str, cache: StateCache | None = None
) -> tuple[ServiceContract, int]:
    """A contract and its version; NOT_FOUND when the insurer has no such contract."""
    state, version = CONTRACTS.replay(store, contract_id_for(insurer_id, contract_number), cache)
    if state is None:
        raise missing_contract(insurer_id, contract_number)
    return state, version


def missing_contract(insurer_id: str, contract_number: str) -> NotFoundError:
    """What a contract that does not exist (or that the caller may not see) answers."""
    return NotFoundError(
        f"insurer {insurer_id} has no contract {contract_number}",
        metadata={"insurer_id": insurer_id, "contract_number": contract_number},
    )


def coverage_left(
    store: EventStore,
    contract: ServiceContract,
    on: date,
    odometer: Distance | None,
    cache: StateCache | None = None,
) -> RemainingCoverage:
    """The contract evaluated on ``on``; without a reading, the latest the contract or its vehicle knows by then
    (the vehicle folded from ``cache``'s state on, when given)."""
    if odometer is None:
        odometer = contract.odometer_on(on)
        vehicle, _ = VEHICLES.replay(store, vehicle_id_for(contract.vin), cache)
        if vehicle is not None:
            seen = vehicle.odometer_on(on)
            hours = DistanceUnit.HOURS
            if (seen.unit == hours) == (odometer.unit == hours) and seen.to(odometer.unit) > odometer.value:
                odometer = seen
    return remaining_coverage(contract, on, odometer)
