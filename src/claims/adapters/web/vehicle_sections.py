"""What the vehicle page shows beside the vehicle: its repair orders, statutory case, commitment clocks and the
compensation owed on it. Each part is read only when the role table lets the principal call the RPC that serves it
(``None`` then, and on a store without read models); the application and the read models' scopes decide the rest."""

from __future__ import annotations

from dataclasses import dataclass

from claims.adapters.web.pages import PAGE_SIZE, REPAIR_ORDERS, STATUTORY, Console, may_call
from claims.application import access
from claims.application.principal import Principal, Role
from claims.domain.errors import NotFoundError
from claims.domain.repair_order.state import RepairOrder
from claims.domain.statutory_case.state import StatutoryCase
from claims.domain.vehicle.state import Vehicle
from claims.projections.commitment_queries import ClockFilter, ClockView, LedgerBalances, LedgerEntry, LedgerFilter


@dataclass(frozen=True)
class CaseSection:
    """The statutory case, or why there is none yet."""

    case: StatutoryCase | None
    version: int = 0
    missing: str = ""


@dataclass(frozen=True)
class LedgerSection:
    """The compensation booked on the vehicle: its balances and its first entries."""

    balances: LedgerBalances
    entries: list[LedgerEntry]


def repair_orders(console: Console, principal: Principal, vehicle: Vehicle) -> list[RepairOrder] | None:
    """The vehicle's repair orders the principal may see (a dealer: its own), as GetRepairOrder answers each."""
    if console.commitments is None or not may_call(principal, REPAIR_ORDERS + "GetRepairOrder"):
        return None
    found = []
    for subject in console.commitments.subjects_of_vehicle(vehicle.vehicle_id, "repair_order", PAGE_SIZE):
        try:
            found.append(console.app.get_repair_order(subject.dealer_id or "", subject.ref, principal)[0])
        except NotFoundError:
            continue  # another dealer's: not the principal's to see
    return sorted(found, key=lambda order: order.opened_at)


def statutory_case(console: Console, principal: Principal, vehicle: Vehicle) -> CaseSection | None:
    if not may_call(principal, STATUTORY + "GetStatutoryCase"):
        return None
    try:
        case, version = console.app.get_statutory_case(vehicle.identifier, principal)
    except NotFoundError as e:
        return CaseSection(None, missing=str(e))
    return CaseSection(case, version)


def clocks(console: Console, principal: Principal, vehicle: Vehicle) -> list[ClockView] | None:
    """The commitment clocks on the vehicle and its subjects, scoped as ListCommitments scopes them."""
    if console.commitments is None or not may_call(principal, STATUTORY + "ListCommitments"):
        return None
    scoped = ClockFilter(
        vehicle_id=vehicle.vehicle_id,
        dealer_id=access.narrowed(principal, Role.DEALER, "", "dealer_id"),
        manufacturer=access.manufacturer_scope(principal),
    )
    return console.commitments.clocks(scoped, after="", limit=PAGE_SIZE)


def compensation(console: Console, principal: Principal, vehicle: Vehicle) -> LedgerSection | None:
    """The compensation ledger on the vehicle, scoped as ListCompensation scopes it."""
    if console.commitments is None or not may_call(principal, STATUTORY + "ListCompensation"):
        return None
    scoped = LedgerFilter(
        vehicle_id=vehicle.vehicle_id,
        dealer_id=access.narrowed(principal, Role.DEALER, "", "dealer_id"),
        manufacturer=access.manufacturer_scope(principal),
    )
    entries = console.commitments.compensation_entries(scoped, after="", limit=PAGE_SIZE)
    return LedgerSection(console.commitments.compensation_balances(scoped), entries)


@dataclass(frozen=True)
class VehicleParts:
    """Every part; ``None`` where the principal's role may not read it or the store keeps no read model."""

    repair_orders: list[RepairOrder] | None
    case: CaseSection | None
    clocks: list[ClockView] | None
    ledger: LedgerSection | None


def sections(console: Console, principal: Principal, vehicle: Vehicle) -> VehicleParts:
    return VehicleParts(
        repair_orders=repair_orders(console, principal, vehicle),
        case=statutory_case(console, principal, vehicle),
        clocks=clocks(console, principal, vehicle),
        ledger=compensation(console, principal, vehicle),
    )
