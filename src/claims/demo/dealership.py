"""A day at a US dealership: vehicles, repair orders and claims, through the public API only.

Every run uses its own dealer and vehicles, so it is safe to run again against the same server.
Dates are relative to today: repairs in the last days, claims filed within the filing deadline.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from claims.api.v1 import (
    claims_pb2,
    claims_pb2_grpc,
    repair_orders_pb2,
    repair_orders_pb2_grpc,
    vehicles_pb2,
    vehicles_pb2_grpc,
)
from claims.demo.credentials import Credentials
from claims.domain.vin import vin_check_digit

M = TypeVar("M", bound=Message)
DESK = "desk-ana"
MAKER = "GM"  # the manufacturer of the demo's US vehicles: its desk (oem_desk:GM) decides their claims


def make_vin(run: str, n: int, maker: str = "1G1ZD5ST") -> str:
    """A VIN with a valid check digit, unique to this run (``maker``: the first eight characters)."""
    body = f"{maker}0R{run}{n:02d}".ljust(17, "0")
    vin = body[:8] + "0" + body[9:]
    return vin[:8] + vin_check_digit(vin) + vin[9:]


def usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


def mi(value: int) -> dict[str, str]:
    return {"value": str(value), "unit": "DISTANCE_UNIT_MI"}


def parse(message: type[M], body: dict[str, Any]) -> M:
    return json_format.ParseDict(body, message())


@dataclass
class Day:
    """The dealership's day: who it is, when it is, the stubs it calls and what it saw."""

    channel: grpc.Channel
    credentials: Credentials = field(default_factory=Credentials)
    run: str = field(default_factory=lambda: secrets.token_hex(2).upper())
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.dealer = f"DEMO-{self.run}"
        self.vehicles = vehicles_pb2_grpc.VehicleServiceStub(self.channel)
        self.repair_orders = repair_orders_pb2_grpc.RepairOrderServiceStub(self.channel)
        self.claims = claims_pb2_grpc.ClaimServiceStub(self.channel)

    def at(self, days_ago: float, hour: int = 9) -> str:
        moment = (self.now - timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0)
        return moment.isoformat().replace("+00:00", "Z")

    @property
    def desk(self) -> str:
        return f"oem_desk:{MAKER}"

    def call(self, method: Callable[..., M], request: Message, principal: str | None = None) -> M:
        """Call as ``principal`` (default: the dealer)."""
        metadata = self.credentials.metadata(principal or f"dealer:{self.dealer}")
        return method(request, timeout=10, metadata=metadata)

    def note(self, text: str) -> None:
        self.notes.append(text)


def register(day: Day, vin: str, model: str) -> None:
    delivered = (day.now - timedelta(days=200)).date().isoformat()
    day.call(day.vehicles.RegisterVehicle, parse(vehicles_pb2.RegisterVehicleRequest, {
        "request_id": str(uuid.uuid4()), "identifier": vin, "model": model, "model_year": 2026, "jurisdiction": "US-CA",
        "manufacturer": MAKER,
        "dealer_id": day.dealer, "owner_ref": f"CUST-{vin[-4:]}", "invoice_date": delivered, "delivery_date": delivered,
        "price": usd("42000.00"), "odometer_at_delivery": mi(9),
    }))  # fmt: skip
    day.call(day.vehicles.AttachCoverage, parse(vehicles_pb2.AttachCoverageRequest, {
        "request_id": str(uuid.uuid4()), "identifier": vin, "code": "BASIC",
        "kind": "COVERAGE_KIND_MANUFACTURER_WARRANTY",
        "period": {"months": 36, "distance_limit": "36000", "distance_unit": "DISTANCE_UNIT_MI"},
        "start_rule": "START_RULE_DELIVERY_DATE",
        "component_groups": ["COMPONENT_GROUP_ENGINE", "COMPONENT_GROUP_BRAKES", "COMPONENT_GROUP_ELECTRICAL"],
    }))  # fmt: skip


def repair(day: Day, ro: str, vin: str, odometer: int, part: str, code: str) -> None:
    ref = {"dealer_id": day.dealer, "ro_number": ro}
    day.call(day.repair_orders.OpenRepairOrder, parse(repair_orders_pb2.OpenRepairOrderRequest, ref | {
        "request_id": str(uuid.uuid4()), "vin": vin, "opened_at": day.at(4),
        "odometer_in": mi(odometer), "complaint": "check engine light, rough idle",
    }))  # fmt: skip
    day.call(day.repair_orders.RecordRepairWork, parse(repair_orders_pb2.RecordRepairWorkRequest, ref | {
        "request_id": str(uuid.uuid4()), "cause": "failed component", "correction": "replaced component",
        "defect": {"causal_part_number": part, "failure_code": code},
        "parts_replaced": [{"part_number": part, "quantity": 1, "supplier_code": "SUP-1"}],
    }))  # fmt: skip
    day.call(day.repair_orders.CloseRepairOrder, parse(repair_orders_pb2.CloseRepairOrderRequest, ref | {
        "request_id": str(uuid.uuid4()), "closed_at": day.at(2, 17),
        "odometer_out": mi(odometer + 3),
    }))  # fmt: skip


def claim_body(day: Day, number: str, ro: str, vin: str, odometer: int, part: str, code: str) -> dict[str, Any]:
    return {
        "request_id": str(uuid.uuid4()), "dealer_id": day.dealer, "claim_number": number,
        "claim_type": "CLAIM_TYPE_NORMAL_REPAIR", "ro_number": ro, "vin": vin, "currency": "USD",
        "header": {"odometer": mi(odometer),
                   "defect": {"causal_part_number": part, "failure_code": code},
                   "component_group": "COMPONENT_GROUP_ENGINE", "complaint": "check engine light, rough idle",
                   "cause": "failed component", "correction": "replaced component"},
        "lines": [
            {"line_no": 1, "labour": {"operation_code": "ENG001", "hours": "1.8", "rate": usd("185.00")}},
            {"line_no": 2, "part": {"part_number": part, "quantity": 1, "unit_price": usd("212.40"), "causal": True,
                                    "return_required": True, "supplier_code": "SUP-1"}},
        ],
    }  # fmt: skip


def file(day: Day, body: dict[str, Any]) -> str:
    day.call(day.claims.FileClaim, parse(claims_pb2.FileClaimRequest, body))
    return status(day, body["claim_number"])


def claim(day: Day, number: str) -> claims_pb2.Claim:
    request = claims_pb2.GetClaimRequest(dealer_id=day.dealer, claim_number=number)
    return day.call(day.claims.GetClaim, request).claim


def status(day: Day, number: str) -> str:
    return str(claims_pb2.ClaimStatus.Name(claim(day, number).status)).removeprefix("CLAIM_STATUS_")


def decide(day: Day, number: str, line_no: int, decision: str, **extra: Any) -> None:
    body = {"request_id": str(uuid.uuid4()), "dealer_id": day.dealer, "claim_number": number, "line_no": line_no,
            "decision": f"LINE_DECISION_{decision}", "decided_by": DESK} | extra  # fmt: skip
    day.call(day.claims.DecideClaimLine, parse(claims_pb2.DecideClaimLineRequest, body), day.desk)


def simple(
    day: Day, method: Callable[..., Any], message: type[M], number: str, by: str | None = None, **fields: Any
) -> None:
    """A claim step by the dealer, or ``by`` another principal (the desk)."""
    body = {"request_id": str(uuid.uuid4()), "dealer_id": day.dealer, "claim_number": number} | fields
    day.call(method, parse(message, body), by)


def play(day: Day, before_claims: Callable[[list[str]], str] | None = None) -> Iterator[str]:
    """Run the day; yield one line per thing that happened (``before_claims`` may add a step, e.g. a contract sale)."""
    vins = [make_vin(day.run, n) for n in range(1, 5)]
    for vin, model in zip(vins, ("Equinox LT", "Silverado 1500", "Bolt EUV", "Tahoe Z71"), strict=True):
        register(day, vin, model)
    yield f"dealer {day.dealer}: registered {len(vins)} vehicles with a 36-month / 36,000-mile warranty"
    parts = [("12638824", "P0300"), ("24263849", "P0171"), ("84112233", "P0420"), ("12345-ABC", "P0128")]
    for i, (vin, (part, code)) in enumerate(zip(vins, parts, strict=True), start=1):
        repair(day, f"RO-{i}", vin, 5000 * i, part, code)
    yield "opened, worked and closed 4 repair orders (intake and hand-back odometers recorded on each vehicle)"
    if before_claims is not None:
        yield before_claims(vins)
    yield from _claims(day, vins, parts)


def _claims(day: Day, vins: list[str], parts: list[tuple[str, str]]) -> Iterator[str]:
    first = claim_body(day, "C-1", "RO-1", vins[0], 5000, *parts[0])
    yield f"C-1 filed: {file(day, first)}"
    again = day.call(day.claims.FileClaim, parse(claims_pb2.FileClaimRequest, first))
    yield f"C-1 sent again with the same request id: answered once (position {again.result.position})"
    for line in (1, 2):
        decide(day, "C-1", line, "APPROVE")
    desk = day.desk
    simple(day, day.claims.RequestPartReturn, claims_pb2.RequestPartReturnRequest, "C-1", desk, line_no=2)
    simple(day, day.claims.RecordPartReceived, claims_pb2.RecordPartReceivedRequest, "C-1", desk, line_no=2)
    simple(day, day.claims.RecordPartInspection, claims_pb2.RecordPartInspectionRequest, "C-1", desk, line_no=2,
           finding="coil tested within specification", inspected_by="lab-1")  # fmt: skip
    simple(day, day.claims.ApplyDeduction, claims_pb2.ApplyDeductionRequest, "C-1", desk, line_no=2,
           amount=usd("212.40"), reason_code="DEDUCTION_REASON_NO_FAULT_FOUND")  # fmt: skip
    simple(day, day.claims.PostClaimPayment, claims_pb2.PostClaimPaymentRequest, "C-1", desk,
           credit_reference=f"CR-{day.run}-1")  # fmt: skip
    yield f"C-1 approved, part returned and found without fault (deducted), paid: {status(day, 'C-1')}"

    wrong = claim_body(day, "C-2", "RO-2", vins[1], 4000, *parts[1])  # below the intake reading of 10,000
    yield f"C-2 filed with a mistyped odometer: {file(day, wrong)} ({_reason(claim(day, 'C-2'))})"
    fixed = claim_body(day, "C-2", "RO-2", vins[1], 10000, *parts[1])
    simple(day, day.claims.ResubmitClaim, claims_pb2.ResubmitClaimRequest, "C-2", header=fixed["header"],
           currency="USD", lines=fixed["lines"])  # fmt: skip
    yield f"C-2 corrected and resubmitted as version 2: {status(day, 'C-2')}"

    duplicate = claim_body(day, "C-3", "RO-1", vins[0], 5000, *parts[0])
    yield f"C-3 states RO-1's lines again: {file(day, duplicate)} ({_reason(claim(day, 'C-3'))})"

    yield f"C-4 filed: {file(day, claim_body(day, 'C-4', 'RO-3', vins[2], 15000, *parts[2]))}"
    decide(day, "C-4", 1, "APPROVE")
    decide(
        day, "C-4", 2, "ADJUST", approved_amount={"amount": "150.00", "currency": "USD"}, reason_code="PRICE_ABOVE_LIST"
    )
    yield f"C-4 labour approved, part adjusted to list price: {status(day, 'C-4')}"


def _reason(message: claims_pb2.Claim) -> str:
    reasons = list(message.versions[-1].reasons)
    return reasons[0] if reasons else "no reason recorded"


def summary(day: Day) -> Iterator[str]:
    yield ""
    yield f"{'claim':<6}{'status':<20}{'claimed':>10}{'approved':>10}{'deducted':>10}{'paid':>10}"
    for number in ("C-1", "C-2", "C-3", "C-4"):
        c = claim(day, number)
        total = {
            k: sum(float(getattr(line, k).amount or 0) for line in c.lines)
            for k in ("claimed", "approved", "deducted", "paid")
        }
        state = str(claims_pb2.ClaimStatus.Name(c.status)).removeprefix("CLAIM_STATUS_")
        yield f"{number:<6}{state:<20}" + "".join(
            f"{total[k]:>10.2f}" for k in ("claimed", "approved", "deducted", "paid")
        )
