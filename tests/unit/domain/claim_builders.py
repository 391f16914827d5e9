"""Builders for repair orders, pre-authorizations and claims: sensible defaults, override what the test is about."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, overload
from uuid import uuid4

from claims.domain.calendar import last_day_of_period
from claims.domain.claim import decide as claim_decide
from claims.domain.claim.commands import FileClaim
from claims.domain.claim.context import ClaimContext
from claims.domain.claim.events import (
    ClaimDecided,
    ClaimDeemedApproved,
    ClaimEvent,
    ClaimFiled,
    ClaimLineDecided,
    ClaimPaid,
    LineApproval,
    LinePayment,
)
from claims.domain.claim.lines import LabourLine, OtherLine, PartLine, SubletLine
from claims.domain.claim.packs import CLAIMS_POLICY_2026_1
from claims.domain.claim.state import Claim
from claims.domain.claim.state import evolve as evolve_claim
from claims.domain.claim.trace import RuleResult
from claims.domain.claim.values import ClaimHeader, ClaimStatus, LineDecision
from claims.domain.ids import coverage_id_for, repair_order_id_for, vehicle_id_for
from claims.domain.preauth.events import PreAuthEvent, PreAuthorizationApproved, PreAuthorizationRequested
from claims.domain.preauth.state import PreAuthorization
from claims.domain.preauth.state import evolve as evolve_preauth
from claims.domain.repair_order.events import (
    RepairOrderClosed,
    RepairOrderEvent,
    RepairOrderOpened,
    RepairWorkRecorded,
)
from claims.domain.repair_order.state import RepairOrder
from claims.domain.repair_order.state import evolve as evolve_repair_order
from claims.domain.repair_order.values import DefectKey, ReplacedPart, StatutoryFacts
from claims.domain.values import Distance, DistanceUnit, Money
from claims.domain.vehicle.coverage_terms import Coverage, CoverageKind, Period, StartRule
from claims.domain.vehicle.events import CoverageAttached, OdometerRecorded, VehicleEvent, VehicleRegistered
from claims.domain.vehicle.state import Vehicle
from claims.domain.vehicle.state import evolve as evolve_vehicle

VIN = "1M8GDM9AXKP042788"
DEALER = "D042"
RO_NUMBER = "RO-1001"
CLAIM_NUMBER = "C-1001"
PREAUTH_NUMBER = "PA-1001"
CAUSAL_PART = "12345-ABC"
DESK = "desk-7"

OPENED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLOSED_AT = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)
REPAIR_DATE = OPENED_AT.date()
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def mi(value: int | str) -> Distance:
    return Distance(value=Decimal(value), unit=DistanceUnit.MI)


def km(value: int | str) -> Distance:
    return Distance(value=Decimal(value), unit=DistanceUnit.KM)


# --- given / when -------------------------------------------------------------------------------

_EVOLVERS: tuple[tuple[Any, Callable[[Any, Any], Any]], ...] = (
    (VehicleEvent, evolve_vehicle),
    (RepairOrderEvent, evolve_repair_order),
    (PreAuthEvent, evolve_preauth),
    (ClaimEvent, evolve_claim),
)


@overload
def given(*events: ClaimEvent) -> Claim: ...
@overload
def given(*events: RepairOrderEvent) -> RepairOrder: ...
@overload
def given(*events: PreAuthEvent) -> PreAuthorization: ...
@overload
def given(*events: VehicleEvent) -> Vehicle: ...
def given(*events: Any) -> Any:
    """The state after folding ``evolve`` over ``events`` (all of one aggregate)."""
    state: Any = None
    for event in events:
        evolve = next(fn for types, fn in _EVOLVERS if isinstance(event, types))
        state = evolve(state, event)
    return state


# --- vehicle ------------------------------------------------------------------------------------


def vehicle_registered(**overrides: Any) -> VehicleRegistered:
    fields: dict[str, Any] = {
        "vehicle_id": vehicle_id_for(VIN),
        "identifier": VIN,
        "identifier_kind": "VIN",
        "model": "Tahoe LT",
        "model_year": 2025,
        "jurisdiction": "US-CA",
        "dealer_id": DEALER,
        "owner_ref": "CUST-1",
        "invoice_date": date(2025, 1, 10),
        "delivery_date": date(2025, 1, 12),
        "price": usd("40000.00"),
        "odometer_at_delivery": mi(12),
    }
    return VehicleRegistered.model_validate(fields | overrides)


def coverage_attached(
    code: str = "BASIC",
    *,
    months: int = 36,
    distance_limit: int | None = 36000,
    starts_on: date = date(2025, 1, 12),
    start_odometer: Distance | None = None,
    groups: tuple[str, ...] = ("ENGINE", "BRAKES", "ELECTRICAL"),
) -> CoverageAttached:
    period = Period(
        months=months,
        distance_limit=None if distance_limit is None else Decimal(distance_limit),
        distance_unit=DistanceUnit.MI,
    )
    coverage = Coverage.model_validate(
        {
            "coverage_id": coverage_id_for(vehicle_id_for(VIN), code),
            "code": code,
            "kind": CoverageKind.MANUFACTURER_WARRANTY,
            "period": period,
            "start_rule": StartRule.DELIVERY_DATE,
            "starts_on": starts_on,
            "ends_on": last_day_of_period(starts_on, months),
            "start_odometer": start_odometer or mi(12),
            "component_groups": groups,
            "wear_parts": (),
        }
    )
    return CoverageAttached(coverage=coverage)


def reading(value: Distance, read_at: datetime) -> OdometerRecorded:
    return OdometerRecorded(reading=value, read_at=read_at)


def vehicle(*events: VehicleEvent, coverages: tuple[CoverageAttached, ...] | None = None, **overrides: Any) -> Vehicle:
    """A registered vehicle with the BASIC coverage (or ``coverages``), then ``events``."""
    attached = (coverage_attached(),) if coverages is None else coverages
    return given(vehicle_registered(**overrides), *attached, *events)


# --- repair order -------------------------------------------------------------------------------


def ro_opened(**overrides: Any) -> RepairOrderOpened:
    fields: dict[str, Any] = {
        "repair_order_id": repair_order_id_for(DEALER, RO_NUMBER),
        "dealer_id": DEALER,
        "ro_number": RO_NUMBER,
        "vin": VIN,
        "vehicle_id": vehicle_id_for(VIN),
        "opened_at": OPENED_AT,
        "odometer_in": mi(15100),
        "complaint": "engine misfires at idle",
    }
    return RepairOrderOpened.model_validate(fields | overrides)


def work_recorded(**overrides: Any) -> RepairWorkRecorded:
    fields: dict[str, Any] = {
        "cause": "ignition coil open circuit",
        "correction": "replaced ignition coil",
        "defect": DefectKey(causal_part_number=CAUSAL_PART, failure_code="P0300"),
        "parts_replaced": (ReplacedPart(part_number=CAUSAL_PART, quantity=1, removed_serial="SN-OLD-1"),),
    }
    return RepairWorkRecorded.model_validate(fields | overrides)


def ro_closed(**overrides: Any) -> RepairOrderClosed:
    fields: dict[str, Any] = {
        "closed_at": CLOSED_AT,
        "odometer_out": mi(15104),
        "repair_hours": Decimal("56.00"),
        "excluded_hours": Decimal("0.00"),
        "days_out_of_service": 3,
    }
    return RepairOrderClosed.model_validate(fields | overrides)


def repair_order(**closed: Any) -> RepairOrder:
    """A closed repair order with its work recorded."""
    return given(ro_opened(), work_recorded(), ro_closed(**closed))


# --- pre-authorization --------------------------------------------------------------------------


def preauth_requested(**overrides: Any) -> PreAuthorizationRequested:
    fields: dict[str, Any] = {
        "preauth_id": uuid4(),
        "dealer_id": DEALER,
        "preauth_number": PREAUTH_NUMBER,
        "vin": VIN,
        "vehicle_id": vehicle_id_for(VIN),
        "ro_number": RO_NUMBER,
        "estimated_amount": usd("2500.00"),
        "labour_hours": Decimal("9.5"),
        "main_part_count": 1,
        "reason": "transmission replacement",
        "requested_at": at(2026, 3, 2, 10),
    }
    return PreAuthorizationRequested.model_validate(fields | overrides)


def preauth_approved(**overrides: Any) -> PreAuthorizationApproved:
    fields: dict[str, Any] = {
        "approved_amount": usd("2500.00"),
        "expires_on": date(2026, 3, 31),
        "decided_by": DESK,
        "decided_at": at(2026, 3, 2, 14),
        "note": None,
    }
    return PreAuthorizationApproved.model_validate(fields | overrides)


def approved_preauth(**approval: Any) -> PreAuthorization:
    return given(preauth_requested(), preauth_approved(**approval))


# --- claim --------------------------------------------------------------------------------------


def header(**overrides: Any) -> ClaimHeader:
    fields: dict[str, Any] = {
        "odometer": mi(15100),
        "defect": DefectKey(causal_part_number=CAUSAL_PART, failure_code="P0300"),
        "component_group": "ENGINE",
        "complaint": "engine misfires at idle",
        "cause": "ignition coil open circuit",
        "correction": "replaced ignition coil",
    }
    return ClaimHeader.model_validate(fields | overrides)


def labour(line_no: int = 1, **overrides: Any) -> LabourLine:
    fields: dict[str, Any] = {
        "line_no": line_no,
        "operation_code": "ENG001",
        "hours": Decimal("2.5"),
        "rate": usd("185.00"),
    }
    return LabourLine.model_validate(fields | overrides)


def part(line_no: int = 2, **overrides: Any) -> PartLine:
    fields: dict[str, Any] = {
        "line_no": line_no,
        "part_number": CAUSAL_PART,
        "quantity": 1,
        "unit_price": usd("120.25"),
        "causal": True,
        "return_required": True,
        "supplier_code": "SUP-9",
    }
    return PartLine.model_validate(fields | overrides)


def sublet(line_no: int = 3, **overrides: Any) -> SubletLine:
    fields: dict[str, Any] = {"line_no": line_no, "description": "windscreen calibration", "amount": usd("80.00")}
    return SubletLine.model_validate(fields | overrides)


def other(line_no: int = 4, **overrides: Any) -> OtherLine:
    fields: dict[str, Any] = {"line_no": line_no, "other_kind": "TOWING", "amount": usd("95.00")}
    return OtherLine.model_validate(fields | overrides)


def file_claim(**overrides: Any) -> FileClaim:
    """A NORMAL_REPAIR claim of 2.5 h × 185.00 labour and one causal part at 120.25: 582.75 USD."""
    fields: dict[str, Any] = {
        "dealer_id": DEALER,
        "claim_number": CLAIM_NUMBER,
        "claim_type": "NORMAL_REPAIR",
        "ro_number": RO_NUMBER,
        "vin": VIN,
        "header": header(),
        "currency": "USD",
        "lines": (labour(), part()),
    }
    return FileClaim.model_validate(fields | overrides)


def claim_context(**overrides: Any) -> ClaimContext:
    fields: dict[str, Any] = {
        "now": NOW,
        "policy": CLAIMS_POLICY_2026_1,
        "vehicle": vehicle(reading(mi(15100), OPENED_AT), reading(mi(15104), CLOSED_AT)),
        "repair_order": repair_order(),
        "part_usage": {CAUSAL_PART: 4},
    }
    return ClaimContext.model_validate(fields | overrides)


def claim_filed(command: FileClaim | None = None, **context: Any) -> ClaimFiled:
    """The ClaimFiled event the default (or given) filing produces in the default (or given) context."""
    event = claim_decide.decide(None, command or file_claim(), claim_context(**context))[0]
    assert isinstance(event, ClaimFiled)
    return event


def finding(events: list[ClaimEvent], rule: str) -> RuleResult:
    """The recorded result of ``rule`` in the filing or resubmission event."""
    version = events[0].version  # type: ignore[union-attr]
    return next(r for r in version.trace.results if r.rule == rule)


def line_decided(line_no: int, claimed: str, approved: str | None = None, **overrides: Any) -> ClaimLineDecided:
    fields: dict[str, Any] = {
        "line_no": line_no,
        "decision": LineDecision.APPROVE,
        "claimed": usd(claimed),
        "approved": usd(approved or claimed),
        "adjusted": usd("0.00"),
        "reason_code": None,
        "decided_by": DESK,
        "decided_at": at(2026, 3, 12),
    }
    return ClaimLineDecided.model_validate(fields | overrides)


def claim_decided(outcome: ClaimStatus = ClaimStatus.APPROVED, **overrides: Any) -> ClaimDecided:
    fields: dict[str, Any] = {
        "outcome": outcome,
        "claimed_total": usd("582.75"),
        "approved_total": usd("582.75"),
        "decided_at": at(2026, 3, 12),
        "appeal_by": None,
    }
    return ClaimDecided.model_validate(fields | overrides)


def approved_in_full() -> tuple[ClaimEvent, ...]:
    return line_decided(1, "462.50"), line_decided(2, "120.25"), claim_decided()


def claim_paid(**overrides: Any) -> ClaimPaid:
    fields: dict[str, Any] = {
        "credit_reference": "CR-555",
        "lines": (LinePayment(line_no=1, amount=usd("462.50")), LinePayment(line_no=2, amount=usd("120.25"))),
        "total": usd("582.75"),
        "paid_at": at(2026, 4, 1),
        "audit_ends_on": date(2027, 1, 1),
    }
    return ClaimPaid.model_validate(fields | overrides)


def claim_deemed_approved(**overrides: Any) -> ClaimDeemedApproved:
    """The default claim (582.75 USD, filed 2026-03-10 in US-CA) deemed approved when its 30th day ran out."""
    due_at = datetime(2026, 4, 9, 23, 59, 59, 999999, tzinfo=UTC)
    fields: dict[str, Any] = {
        "commitment_code": "US-CA-CLAIM-DECISION",
        "statute": "Cal. Veh. Code 3065",
        "reason_code": "DEEMED_APPROVED",
        "lines": (LineApproval(line_no=1, approved=usd("462.50")), LineApproval(line_no=2, approved=usd("120.25"))),
        "claimed_total": usd("582.75"),
        "approved_total": usd("582.75"),
        "due_at": due_at,
        "deemed_at": due_at,
    }
    return ClaimDeemedApproved.model_validate(fields | overrides)


def statutory_facts(**overrides: Any) -> StatutoryFacts:
    """An engine repair with no safety issue, nothing replaced at assembly or main-part level."""
    fields: dict[str, Any] = {"component_group": "ENGINE"}
    return StatutoryFacts.model_validate(fields | overrides)
