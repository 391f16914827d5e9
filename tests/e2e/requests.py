"""Valid requests with defaults; tests change only what they are about."""

from __future__ import annotations

import uuid
from typing import Any

from google.protobuf import json_format

from claims.api.v1 import vehicles_pb2 as pb
from tests.builders import VIN


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
    from claims.api.v1 import repair_orders_pb2

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
