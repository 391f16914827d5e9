"""The engine's use cases, one short method each."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime

from claims.application import access
from claims.application.claim_feed import ClaimFeed, FeedMemory
from claims.application.claims import run_claim_command, run_preauth_command
from claims.application.commands import CommandRunner, StateCache, UnitOfWork
from claims.application.commitments import run_commitment_command
from claims.application.contracts import coverage_left, load_contract, missing_contract, run_contract_command
from claims.application.messages import CallContext, CommandResult
from claims.application.ports import EventStore
from claims.application.principal import SYSTEM, Principal, Role
from claims.application.state_at import StateAt, SubjectKind, state_at
from claims.application.statutory import StatutoryInputs, WhatIf, record_closed_visit, run_case_command
from claims.application.streams import CLAIMS, PREAUTHS, REPAIR_ORDERS, STATUTORY_CASES, VEHICLES
from claims.domain.claim.commands import ClaimCommand, FileClaim
from claims.domain.claim.context import ClaimPolicy
from claims.domain.claim.guards import existing as existing_claim
from claims.domain.claim.packs import CLAIMS_POLICY_2026_1
from claims.domain.claim.state import Claim
from claims.domain.commitment.commands import CommitmentCommand
from claims.domain.context import DecisionContext
from claims.domain.contract.commands import ContractCommand, SellContract
from claims.domain.contract.guards import existing as existing_contract
from claims.domain.contract.state import ServiceContract
from claims.domain.contract.views import RemainingCoverage
from claims.domain.errors import FieldViolation, InvalidCommandError, NotFoundError
from claims.domain.ids import (
    claim_id_for,
    commitment_breach_id_for,
    contract_id_for,
    preauth_id_for,
    repair_order_id_for,
    statutory_case_id_for,
    vehicle_id_for,
)
from claims.domain.preauth import decide as preauth_rules
from claims.domain.preauth.commands import PreAuthCommand, PreAuthRef, RequestPreAuthorization
from claims.domain.preauth.state import PreAuthorization
from claims.domain.repair_order import decide as repair_order
from claims.domain.repair_order.commands import (
    CloseRepairOrder,
    OpenRepairOrder,
    RepairOrderCommand,
    RepairOrderRef,
)
from claims.domain.repair_order.state import RepairOrder
from claims.domain.statutory.registry import find_pack, select_pack
from claims.domain.statutory.what_if import compare
from claims.domain.statutory_case.commands import StatutoryCaseCommand
from claims.domain.statutory_case.facts import case_facts
from claims.domain.statutory_case.state import StatutoryCase
from claims.domain.values import Distance
from claims.domain.vehicle import decide as vehicle
from claims.domain.vehicle.commands import RecordOdometerReading, RegisterVehicle, VehicleCommand
from claims.domain.vehicle.state import Vehicle
from claims.domain.vehicle.status import VehicleStatus, vehicle_status


class ClaimsApplication:
    """Entry point for every caller: adapters translate, this class does the work."""

    def __init__(
        self,
        store: EventStore,
        clock: Callable[[], datetime],
        *,
        policy: ClaimPolicy = CLAIMS_POLICY_2026_1,
        part_usage: Mapping[str, int] | None = None,
        statutory: StatutoryInputs | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        # Folded states shared by commands and reads: a read folds only the events written since the last one.
        self.states = StateCache()
        self.runner = CommandRunner(store, clock, self.states)
        # What the insurers' claim feeds derived from the log, shared by every feed of this process.
        self._feed_memory = FeedMemory()
        self.policy = policy
        self.part_usage = dict(part_usage or {})
        self.statutory = statutory or StatutoryInputs()
        # vin → the vehicle as first read, for desks' ownership checks: they read only its make, which registration
        # fixed, so it is kept (bounded) instead of read again on every call.
        self._for_desks: dict[str, Vehicle] = {}

    def handle_claim(self, call: CallContext, command: ClaimCommand) -> CommandResult:
        """File, correct, review, appeal, withdraw or settle a claim."""
        claim_id = claim_id_for(command.dealer_id, command.claim_number)
        if isinstance(command, FileClaim):
            access.require_acting_as(call.principal, Role.DEALER, command.dealer_id, "dealer_id")
        elif call.principal.role is not Role.SYSTEM:
            claim, _ = CLAIMS.replay(self.store, claim_id, self.states)
            if claim is None or not access.changes_dealer_resource(
                call.principal, claim.dealer_id, self._scope_vehicle(call.principal, claim.vin)
            ):
                existing_claim(None, command)  # the very NOT_FOUND a missing claim gives
        return self.runner.run(
            call, command, claim_id, lambda unit: run_claim_command(unit, command, self.policy, self.part_usage)
        )

    def get_claim(self, dealer_id: str, claim_number: str, principal: Principal = SYSTEM) -> tuple[Claim, int]:
        """A claim with every version and decision, and its version (NOT_FOUND when ``principal`` may not see it)."""
        state, version = CLAIMS.replay(self.store, claim_id_for(dealer_id, claim_number), self.states)
        if state is None or not self._sees_dealer_resource(principal, state.dealer_id, state.vin):
            raise NotFoundError(
                f"dealer {dealer_id} has no claim {claim_number}",
                metadata={"dealer_id": dealer_id, "claim_number": claim_number},
            )
        return state, version

    def handle_preauth(self, call: CallContext, command: PreAuthCommand) -> CommandResult:
        """Request, decide, consume or expire a pre-authorization."""
        preauth_id = preauth_id_for(command.dealer_id, command.preauth_number)
        if isinstance(command, RequestPreAuthorization):
            access.require_acting_as(call.principal, Role.DEALER, command.dealer_id, "dealer_id")
        elif call.principal.role is not Role.SYSTEM and isinstance(command, PreAuthRef):
            preauth, _ = PREAUTHS.replay(self.store, preauth_id, self.states)
            if preauth is None or not access.changes_dealer_resource(
                call.principal, preauth.dealer_id, self._scope_vehicle(call.principal, preauth.vin)
            ):
                preauth_rules.decide(None, command, DecisionContext(now=self.clock()))  # NOT_FOUND, as if missing
        return self.runner.run(call, command, preauth_id, lambda unit: run_preauth_command(unit, command))

    def get_preauth(
        self, dealer_id: str, preauth_number: str, principal: Principal = SYSTEM
    ) -> tuple[PreAuthorization, int]:
        """A pre-authorization and its version (NOT_FOUND when ``principal`` may not see it)."""
        state, version = PREAUTHS.replay(self.store, preauth_id_for(dealer_id, preauth_number), self.states)
        if state is None or not self._sees_dealer_resource(principal, state.dealer_id, state.vin):
            raise NotFoundError(
                f"dealer {dealer_id} has no pre-authorization {preauth_number}",
                metadata={"dealer_id": dealer_id, "preauth_number": preauth_number},
            )
        return state, version

    def handle_contract(self, call: CallContext, command: ContractCommand) -> CommandResult:
        """Sell (linked on its vehicle), cancel, transfer or expire a service contract."""
        contract_id = contract_id_for(command.insurer_id, command.contract_number)
        if isinstance(command, SellContract):
            access.require_acting_as(call.principal, Role.INSURER, command.insurer_id, "insurer_id")
        elif not access.changes_insurer_resource(call.principal, command.insurer_id):
            existing_contract(None, command)  # the very NOT_FOUND a missing contract gives
        return self.runner.run(call, command, contract_id, lambda unit: run_contract_command(unit, command))

    def get_contract(
        self, insurer_id: str, contract_number: str, principal: Principal = SYSTEM
    ) -> tuple[ServiceContract, int]:
        """A service contract with its paid claims, transfers and cancellation, and its version."""
        if not access.sees_insurer_resource(principal, insurer_id):
            raise missing_contract(insurer_id, contract_number)
        return load_contract(self.store, insurer_id, contract_number, self.states)

    def contract_coverage(
        self, contract: ServiceContract, on: date | None = None, odometer: Distance | None = None
    ) -> RemainingCoverage:
        """What ``contract`` has left on ``on`` (today by default) at ``odometer`` (the latest known by default)."""
        return coverage_left(self.store, contract, on or self.clock().date(), odometer, self.states)

    def claim_feed(self, insurer_id: str, after: int, principal: Principal = SYSTEM) -> ClaimFeed:
        """Changes to the claims under ``insurer_id``'s contracts, after log position ``after``; another insurer's
        feed is refused (PERMISSION_DENIED: the caller named the insurer, nothing about it is revealed)."""
        if not access.sees_insurer_resource(principal, insurer_id):
            access.require_acting_as(principal, Role.INSURER, insurer_id, "insurer_id")
        return ClaimFeed(self.store, insurer_id, after, self._feed_memory)

    def handle_vehicle(self, call: CallContext, command: VehicleCommand) -> CommandResult:
        """Register a vehicle, attach a coverage, record a reading or a transfer."""
        vehicle_id = vehicle_id_for(command.identifier)
        if isinstance(command, RegisterVehicle):
            if call.principal.role is Role.OEM_DESK:
                access.require_acting_as(call.principal, Role.OEM_DESK, command.manufacturer, "manufacturer")
            else:
                access.require_acting_as(call.principal, Role.DEALER, command.dealer_id, "dealer_id")
        elif call.principal.role is not Role.SYSTEM:
            known = self._vehicle(command.identifier)
            if known is None or not access.changes_vehicle(call.principal, known):
                vehicle.decide(None, command, DecisionContext(now=self.clock()))  # NOT_FOUND, as if missing

        def work(unit: UnitOfWork) -> None:
            state = unit.load(vehicle_id, VEHICLES)
            unit.record(vehicle_id, vehicle.decide(state, command, DecisionContext(now=unit.now)))

        return self.runner.run(call, command, vehicle_id, work)

    def handle_repair_order(self, call: CallContext, command: RepairOrderCommand) -> CommandResult:
        """Open, record work or a pause on, or close a repair order; intake and hand-back readings go on the vehicle."""
        ro_id = repair_order_id_for(command.dealer_id, command.ro_number)
        if isinstance(command, OpenRepairOrder):
            access.require_acting_as(call.principal, Role.DEALER, command.dealer_id, "dealer_id")
        elif isinstance(command, RepairOrderRef) and not access.changes_dealer_resource(
            call.principal, command.dealer_id, None
        ):
            repair_order.decide(None, command, DecisionContext(now=self.clock()))  # NOT_FOUND, as if missing

        def work(unit: UnitOfWork) -> None:
            ctx = DecisionContext(now=unit.now)
            order = unit.load(ro_id, REPAIR_ORDERS)
            events = repair_order.decide(order, command, ctx)
            unit.record(ro_id, events)
            reading = _odometer_reading(command, order)
            if reading is not None:
                vehicle_id = vehicle_id_for(reading.identifier)
                state = unit.load(vehicle_id, VEHICLES)
                with _as_repair_order_fields(command):
                    unit.record(vehicle_id, vehicle.decide(state, reading, ctx))
            closed = REPAIR_ORDERS.fold(order, events) if isinstance(command, CloseRepairOrder) and events else None
            if closed is not None:
                record_closed_visit(unit, closed, self.statutory)

        return self.runner.run(call, command, ro_id, work)

    def get_repair_order(
        self, dealer_id: str, ro_number: str, principal: Principal = SYSTEM
    ) -> tuple[RepairOrder, int]:
        """A repair order and its version (NOT_FOUND when ``principal`` may not see it)."""
        state, version = REPAIR_ORDERS.replay(self.store, repair_order_id_for(dealer_id, ro_number), self.states)
        if state is None or not self._sees_dealer_resource(principal, state.dealer_id, state.vin):
            raise NotFoundError(
                f"dealer {dealer_id} has no repair order {ro_number}",
                metadata={"dealer_id": dealer_id, "ro_number": ro_number},
            )
        return state, version

    def handle_commitment(self, call: CallContext, command: CommitmentCommand) -> CommandResult:
        """Record that a service commitment's clock ran out (once per run of the clock)."""
        breach_id = commitment_breach_id_for(command.commitment_code, command.subject_id, command.started_at)
        return self.runner.run(call, command, breach_id, lambda unit: run_commitment_command(unit, command))

    def handle_statutory_case(self, call: CallContext, command: StatutoryCaseCommand) -> CommandResult:
        """Record a direct notice, re-evaluate, or run a remedy on a vehicle's statutory case."""
        case_id = statutory_case_id_for(vehicle_id_for(command.vin))
        if call.principal.role is not Role.SYSTEM:
            self._visible_vehicle(command.vin, call.principal, access.changes_vehicle)
        return self.runner.run(call, command, case_id, lambda unit: run_case_command(unit, command, self.statutory))

    def get_statutory_case(self, vin: str, principal: Principal = SYSTEM) -> tuple[StatutoryCase, int]:
        """A vehicle's statutory case (visits, determinations with their traces, compensation, remedy)."""
        self._visible_vehicle(vin, principal, access.sees_vehicle)
        state, version = STATUTORY_CASES.replay(self.store, statutory_case_id_for(vehicle_id_for(vin)), self.states)
        if state is None:
            raise NotFoundError(
                f"{vin} has no statutory case (no repair with statutory facts yet)", metadata={"vin": vin}
            )
        return state, version

    def what_if(self, vin: str, pack_id: str, version: str, principal: Principal = SYSTEM) -> WhatIf:
        """The vehicle's stored history evaluated under another pack version, without writing anything."""
        vehicle = self._visible_vehicle(vin, principal, access.sees_vehicle)
        case, _ = STATUTORY_CASES.replay(self.store, statutory_case_id_for(vehicle.vehicle_id), self.states)
        today = self.clock().date()
        facts = case_facts(
            vehicle,
            case,
            max(today, vehicle.delivery_date),
            vehicle.odometer_on(today),
            self.statutory.usage_coefficient.get(vehicle.jurisdiction),
        )
        recorded = case.determination if case is not None else None
        current = (
            find_pack(recorded.pack_id, recorded.pack_version)
            if recorded
            else select_pack(vehicle.jurisdiction, vehicle.invoice_date)
        )
        other = find_pack(pack_id, version)
        if not other.covers(vehicle.jurisdiction):
            raise InvalidCommandError(
                [FieldViolation("pack_id", f"{pack_id} covers {other.jurisdiction}, not {vehicle.jurisdiction}")]
            )
        return WhatIf(current=current, other=other, differences=tuple(compare(facts, current, other)))

    def state_at(
        self,
        kind: SubjectKind | str,
        key: tuple[str, ...],
        at: datetime | None = None,
        version: int | None = None,
        principal: Principal = SYSTEM,
    ) -> StateAt:
        """An auditor's view: ``kind`` named by ``key`` as of ``version`` or as of recorded time ``at``, with the
        events that made it (NOT_FOUND when it had no events by then, or ``principal`` may not see it)."""
        return state_at(self.store, SubjectKind(kind), key, at, version, principal)

    def get_vehicle(
        self,
        identifier: str,
        on: date | None = None,
        odometer: Distance | None = None,
        principal: Principal = SYSTEM,
    ) -> tuple[VehicleStatus, int]:
        """A vehicle with its coverages evaluated on ``on`` (today by default), and its version."""
        state, version = VEHICLES.replay(self.store, vehicle_id_for(identifier), self.states)
        if state is None or not access.sees_vehicle(principal, state):
            raise NotFoundError(
                f"no vehicle or product {identifier} is registered", metadata={"identifier": identifier}
            )
        return vehicle_status(state, on or self.clock().date(), odometer), version

    def _vehicle(self, identifier: str) -> Vehicle | None:
        return VEHICLES.replay(self.store, vehicle_id_for(identifier), self.states)[0]

    def _scope_vehicle(self, principal: Principal, vin: str) -> Vehicle | None:
        """The vehicle ``vin`` as far as ``principal``'s scope needs it: an insurer's, by the contracts on it now; a
        desk's, by its make alone (``access`` reads nothing else for desks), which registration fixed, so the vehicle
        as first read serves; None for the others, whose scope is the dealer's id alone (no read)."""
        if principal.role is Role.INSURER:
            return self._vehicle(vin)
        if principal.role is not Role.OEM_DESK:
            return None
        kept = self._for_desks.get(vin)
        if kept is None:
            kept = self._vehicle(vin)
            if kept is None:
                return None
            if len(self._for_desks) >= MAX_KEPT_VEHICLES:
                self._for_desks.clear()
            self._for_desks[vin] = kept
        return kept

    def _sees_dealer_resource(self, principal: Principal, dealer_id: str, vin: str) -> bool:
        """Whether ``principal`` may read a dealer's claim, repair order or pre-authorization on ``vin``."""
        return access.sees_dealer_resource(principal, dealer_id, self._scope_vehicle(principal, vin))

    def _visible_vehicle(
        self, vin: str, principal: Principal, allowed: Callable[[Principal, Vehicle], bool]
    ) -> Vehicle:
        """The vehicle ``vin`` when ``principal`` is ``allowed`` it; otherwise the NOT_FOUND of an unknown one."""
        found = self._vehicle(vin)
        if found is None or not allowed(principal, found):
            raise NotFoundError(f"no vehicle or product {vin} is registered", metadata={"identifier": vin})
        return found


MAX_KEPT_VEHICLES = 10_000


@contextmanager
def _as_repair_order_fields(command: RepairOrderCommand) -> Iterator[None]:
    """Name a refused reading's fields as the repair-order request names them (opened_at, odometer_in, ...)."""
    opening = isinstance(command, OpenRepairOrder)
    renamed = {
        "read_at": "opened_at" if opening else "closed_at",
        "reading": "odometer_in" if opening else "odometer_out",
    }
    try:
        yield
    except InvalidCommandError as error:
        raise InvalidCommandError(
            [FieldViolation(_rename(v.field, renamed), v.description) for v in error.violations]
        ) from None


def _rename(field: str, renamed: Mapping[str, str]) -> str:
    head, dot, rest = field.partition(".")
    return renamed.get(head, head) + dot + rest


def _odometer_reading(command: RepairOrderCommand, order: RepairOrder | None) -> RecordOdometerReading | None:
    """The odometer at intake and at hand-back are readings of the vehicle as well."""
    match command:
        case OpenRepairOrder():
            return RecordOdometerReading(identifier=command.vin, reading=command.odometer_in, read_at=command.opened_at)
        case CloseRepairOrder() if order is not None:
            return RecordOdometerReading(identifier=order.vin, reading=command.odometer_out, read_at=command.closed_at)
        case _:
            return None
