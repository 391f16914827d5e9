"""Valid requests with defaults; tests change only what they are about."""

from __future__ import annotations

import uuid
from typing import Any

from google.protobuf import json_format

from claims.api.v1 import claims_pb2, preauthorizations_pb2, repair_orders_pb2, statutory_pb2
from claims.api.v1 import vehicles_pb2 as pb
from tests.builders import CN_VIN, VIN


def register_request(**overrides: Any) -> pb.RegisterVehicleRequest:
    body: dict[str, Any] = {
        "request_id": str(uuid.uuid4()),
        "identifier": VIN,
        "model": "Tahoe LT",
        "model_year": 2025,
        "jurisdiction": "US-CA",
        "dealer_id": "D042",
        "owner_ref": "CUST-1",
        "invoice_date": "2025-01-10",
        "delivery_date": "2025-01-12",
        "price": {"amount": "40000.00", "currency": "USD"},
        "odometer_at_delivery": {"value": "12", "unit": "DISTANCE_UNIT_MI"},
    }
    body.update(overrides)
    return json_format.ParseDict({k: v for k, v in body.items() if v is not None}, pb.RegisterVehicleRequest())


def coverage_request(**overrides: Any) -> pb.AttachCoverageRequest:
    body: dict[str, Any] = {
        "request_id": str(uuid.uuid4()),
        "identifier": VIN,
        "code": "BASIC",
        "kind": "COVERAGE_KIND_MANUFACTURER_WARRANTY",
        "period": {"months": 36, "distance_limit": "36000", "distance_unit": "DISTANCE_UNIT_MI"},
        "start_rule": "START_RULE_DELIVERY_DATE",
        "component_groups": ["COMPONENT_GROUP_ENGINE", "COMPONENT_GROUP_BRAKES"],
        "wear_parts": [
            {
                "part": "WEAR_PART_BRAKE_LININGS",
                "period": {"months": 12, "distance_limit": "12000", "distance_unit": "DISTANCE_UNIT_MI"},
            }
        ],
    }
    body.update(overrides)
    return json_format.ParseDict({k: v for k, v in body.items() if v is not None}, pb.AttachCoverageRequest())


def reading_request(value: str, read_at: str, **overrides: Any) -> pb.RecordOdometerReadingRequest:
    body: dict[str, Any] = {
        "request_id": str(uuid.uuid4()),
        "identifier": VIN,
        "reading": {"value": value, "unit": "DISTANCE_UNIT_MI"},
        "read_at": read_at,
    }
    body.update(overrides)
    return json_format.ParseDict(body, pb.RecordOdometerReadingRequest())


def open_ro_request(ro_number: str = "RO-1001", opened_at: str = "2025-06-02T08:00:00Z", **overrides: Any) -> Any:
    body: dict[str, Any] = {
        "request_id": str(uuid.uuid4()),
        "dealer_id": "D042",
        "ro_number": ro_number,
        "vin": VIN,
        "opened_at": opened_at,
        "odometer_in": {"value": "5000", "unit": "DISTANCE_UNIT_MI"},
        "complaint": "engine misfires under load",
    }
    body.update(overrides)
    return json_format.ParseDict(
        {k: v for k, v in body.items() if v is not None}, repair_orders_pb2.OpenRepairOrderRequest()
    )


# --- repair order worked and closed, claims and pre-authorizations -------------------------------

RO_OPENED_AT = "2026-11-16T08:00:00Z"  # a week before the tests' clock (2026-11-23T09:30Z)
RO_CLOSED_AT = "2026-11-18T17:00:00Z"  # five days before it: well inside the 30-day filing limit
ODOMETER_IN = {"value": "15100", "unit": "DISTANCE_UNIT_MI"}
CAUSAL_PART = "12638824"


def _parse(message: Any, body: dict[str, Any]) -> Any:
    return json_format.ParseDict({k: v for k, v in body.items() if v is not None}, message)


def work_request(**overrides: Any) -> Any:
    body: dict[str, Any] = {
        "request_id": str(uuid.uuid4()), "dealer_id": "D042", "ro_number": "RO-1001",
        "cause": "cracked coil boot", "correction": "replaced ignition coil",
        "defect": {"causal_part_number": CAUSAL_PART, "failure_code": "P0300"},
        "parts_replaced": [{"part_number": CAUSAL_PART, "quantity": 1}],
    }  # fmt: skip
    return _parse(repair_orders_pb2.RecordRepairWorkRequest(), body | overrides)


def close_ro_request(**overrides: Any) -> Any:
    body: dict[str, Any] = {
        "request_id": str(uuid.uuid4()), "dealer_id": "D042", "ro_number": "RO-1001", "closed_at": RO_CLOSED_AT,
        "odometer_out": {"value": "15104", "unit": "DISTANCE_UNIT_MI"},
    }  # fmt: skip
    return _parse(repair_orders_pb2.CloseRepairOrderRequest(), body | overrides)


def usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


def labour_line(line_no: int = 1, **item: Any) -> dict[str, Any]:
    """2.5 h × 185.00 = 462.50."""
    return {"line_no": line_no, "labour": {"operation_code": "ENG001", "hours": "2.5", "rate": usd("185.00")} | item}


def part_line(line_no: int = 2, **item: Any) -> dict[str, Any]:
    """The causal part, to be returned: 1 × 120.25."""
    fields = {"part_number": CAUSAL_PART, "quantity": 1, "unit_price": usd("120.25"), "causal": True,
              "return_required": True}  # fmt: skip
    return {"line_no": line_no, "part": fields | item}


def claim_header(**overrides: Any) -> dict[str, Any]:
    return {
        "odometer": ODOMETER_IN,
        "defect": {"causal_part_number": CAUSAL_PART, "failure_code": "P0300"},
        "component_group": "COMPONENT_GROUP_ENGINE",
        "complaint": "engine misfires under load",
        "cause": "cracked coil boot",
        "correction": "replaced ignition coil",
    } | overrides


def file_claim_request(**overrides: Any) -> Any:
    """A NORMAL_REPAIR claim C-1001 on RO-1001: labour 462.50 + causal part 120.25 = 582.75 USD."""
    body: dict[str, Any] = {
        "request_id": str(uuid.uuid4()), "dealer_id": "D042", "claim_number": "C-1001",
        "claim_type": "CLAIM_TYPE_NORMAL_REPAIR", "ro_number": "RO-1001", "vin": VIN, "header": claim_header(),
        "currency": "USD", "lines": [labour_line(), part_line()],
    }  # fmt: skip
    return _parse(claims_pb2.FileClaimRequest(), body | overrides)


def claim_request(message: type[Any], claim_number: str = "C-1001", **fields: Any) -> Any:
    """Any claim mutation: a fresh request id, dealer D042, the claim number, then ``fields``."""
    body = {"request_id": str(uuid.uuid4()), "dealer_id": "D042", "claim_number": claim_number} | fields
    return _parse(message(), body)


def decide_request(line_no: int, decision: str = "APPROVE", claim_number: str = "C-1001", **fields: Any) -> Any:
    body = {"line_no": line_no, "decision": f"LINE_DECISION_{decision}", "decided_by": "desk-7"} | fields
    return claim_request(claims_pb2.DecideClaimLineRequest, claim_number, **body)


def preauth_request(**overrides: Any) -> Any:
    body: dict[str, Any] = {
        "request_id": str(uuid.uuid4()), "dealer_id": "D042", "preauth_number": "PA-1001", "vin": VIN,
        "ro_number": "RO-1001", "estimated_amount": usd("2000.00"), "labour_hours": "2.5", "main_part_count": 0,
        "reason": "ignition coil and harness replacement",
    }  # fmt: skip
    return _parse(preauthorizations_pb2.RequestPreAuthorizationRequest(), body | overrides)


def decide_preauth_request(decision: str = "APPROVE", **overrides: Any) -> Any:
    body: dict[str, Any] = {
        "request_id": str(uuid.uuid4()), "dealer_id": "D042", "preauth_number": "PA-1001",
        "decision": f"PRE_AUTHORIZATION_DECISION_{decision}", "decided_by": "desk-7",
        "expires_on": "2026-12-31" if decision == "APPROVE" else None,
    }  # fmt: skip
    return _parse(preauthorizations_pb2.DecidePreAuthorizationRequest(), body | overrides)


# --- statutory cases: a CN vehicle sold in 2026 ---------------------------------------------------

CN_SOLD_ON = "2026-03-02"
CN_DEALER = "D-CN-1"


def cny(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


def km(value: int | str) -> dict[str, str]:
    return {"value": str(value), "unit": "DISTANCE_UNIT_KM"}


def cn_register_request(**overrides: Any) -> pb.RegisterVehicleRequest:
    """A ¥100,000 car sold and delivered in China on 2026-03-02 at 0 km."""
    body: dict[str, Any] = {
        "identifier": CN_VIN, "model": "Qin PLUS", "model_year": 2026, "jurisdiction": "CN", "dealer_id": CN_DEALER,
        "invoice_date": CN_SOLD_ON, "delivery_date": CN_SOLD_ON, "price": cny("100000.00"),
        "odometer_at_delivery": km(0),
    }  # fmt: skip
    return register_request(**body | overrides)


def cn_coverage_request(**overrides: Any) -> pb.AttachCoverageRequest:
    """The statutory 三包有效期: 2 years or 50,000 km from delivery."""
    body: dict[str, Any] = {
        "identifier": CN_VIN, "code": "CN-SANBAO", "kind": "COVERAGE_KIND_STATUTORY",
        "period": {"months": 24, "distance_limit": "50000", "distance_unit": "DISTANCE_UNIT_KM"},
        "component_groups": ["COMPONENT_GROUP_ENGINE", "COMPONENT_GROUP_TRANSMISSION"], "wear_parts": None,
    }  # fmt: skip
    return coverage_request(**body | overrides)


def statutory_request(message: type[Any], **fields: Any) -> Any:
    """Any statutory-case mutation: a fresh request id, the CN vehicle, then ``fields``."""
    return _parse(message(), {"request_id": str(uuid.uuid4()), "vin": CN_VIN} | fields)


def remedy_request(remedy: str = "REFUND", requested_at: str = "2026-11-23T08:00:00Z", **fields: Any) -> Any:
    body = {"remedy": f"CASE_REMEDY_{remedy}", "requested_at": requested_at} | fields
    return statutory_request(statutory_pb2.RequestRemedyRequest, **body)
