"""Requests for the replica test: per client a product, closed repair orders and three-line claims."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf import json_format

from claims.api.v1 import (
    claims_pb2,
    claims_pb2_grpc,
    repair_orders_pb2,
    repair_orders_pb2_grpc,
    vehicles_pb2,
    vehicles_pb2_grpc,
)

Call = Callable[[grpc.Channel, int, int], None]
NOW = datetime.now(UTC).replace(microsecond=0)


def _stamp(minute: int) -> str:
    """A moment two days ago, ``minute`` minutes on."""
    return (NOW - timedelta(days=2) + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z")


def _serial(run: str, client: int, n: int) -> str:
    return f"BENCH-{run}-{client:02d}-{n:05d}"


def _dealer(run: str, client: int) -> str:
    return f"B{run}{client:02d}"


def setup_call(run: str) -> Call:
    """Call n of client c registers product n with its coverage and a closed repair order RO-n for it."""

    def call(channel: grpc.Channel, client: int, n: int) -> None:
        serial, dealer = _serial(run, client, n), _dealer(run, client)
        sold = (NOW - timedelta(days=100)).date().isoformat()
        stub = vehicles_pb2_grpc.VehicleServiceStub(channel)
        stub.RegisterVehicle(json_format.ParseDict({
            "request_id": str(uuid.uuid4()), "identifier": serial, "identifier_kind": "IDENTIFIER_KIND_SERIAL",
            "model": "Bench", "jurisdiction": "EU-DE", "dealer_id": dealer, "owner_ref": "C1",
            "invoice_date": sold, "delivery_date": sold, "price": {"amount": "999.00", "currency": "EUR"},
            "odometer_at_delivery": {"value": "0", "unit": "DISTANCE_UNIT_HOURS"},
        }, vehicles_pb2.RegisterVehicleRequest()), timeout=30)  # fmt: skip
        stub.AttachCoverage(json_format.ParseDict({
            "request_id": str(uuid.uuid4()), "identifier": serial, "code": "BASIC",
            "kind": "COVERAGE_KIND_MANUFACTURER_WARRANTY", "period": {"months": 24},
            "start_rule": "START_RULE_DELIVERY_DATE", "component_groups": ["COMPONENT_GROUP_WHOLE_PRODUCT"],
        }, vehicles_pb2.AttachCoverageRequest()), timeout=30)  # fmt: skip
        ros = repair_orders_pb2_grpc.RepairOrderServiceStub(channel)
        ref = {"dealer_id": dealer, "ro_number": f"RO-{n}"}
        hours = {"value": str(n), "unit": "DISTANCE_UNIT_HOURS"}
        ros.OpenRepairOrder(json_format.ParseDict(ref | {"request_id": str(uuid.uuid4()), "vin": serial,
            "opened_at": _stamp(0), "odometer_in": hours, "complaint": "does not start"},
            repair_orders_pb2.OpenRepairOrderRequest()), timeout=30)  # fmt: skip
        ros.RecordRepairWork(json_format.ParseDict(ref | {"request_id": str(uuid.uuid4()), "cause": "worn relay",
            "correction": "replaced relay", "defect": {"causal_part_number": "RELAY-1", "failure_code": "E042"},
            "parts_replaced": [{"part_number": "RELAY-1", "quantity": 1}]},
            repair_orders_pb2.RecordRepairWorkRequest()), timeout=30)  # fmt: skip
        ros.CloseRepairOrder(json_format.ParseDict(ref | {"request_id": str(uuid.uuid4()), "closed_at": _stamp(90),
            "odometer_out": hours}, repair_orders_pb2.CloseRepairOrderRequest()), timeout=30)  # fmt: skip

    return call


def file_call(run: str) -> Call:
    """Call n of client c files a three-line claim for its repair order n (a product of its own)."""

    def call(channel: grpc.Channel, client: int, n: int) -> None:
        serial, dealer = _serial(run, client, n), _dealer(run, client)
        eur = "EUR"

        def money(amount: str) -> dict[str, str]:
            return {"amount": amount, "currency": eur}

        request = json_format.ParseDict({
            "request_id": str(uuid.uuid4()), "dealer_id": dealer, "claim_number": f"C-{n}",
            "claim_type": "CLAIM_TYPE_NORMAL_REPAIR", "ro_number": f"RO-{n}", "vin": serial, "currency": eur,
            "header": {"odometer": {"value": str(n), "unit": "DISTANCE_UNIT_HOURS"},
                       "defect": {"causal_part_number": "RELAY-1", "failure_code": "E042"},
                       "component_group": "COMPONENT_GROUP_WHOLE_PRODUCT", "complaint": "does not start",
                       "cause": "worn relay", "correction": "replaced relay"},
            "lines": [
                {"line_no": 1, "labour": {"operation_code": "ELE001", "hours": "0.5", "rate": money("90.00")}},
                {"line_no": 2, "part": {"part_number": "RELAY-1", "quantity": 1, "unit_price": money("12.50"),
                                        "causal": True}},
                {"line_no": 3, "other": {"kind": "OTHER_KIND_TRAVEL", "amount": money("20.00")}},
            ],
        }, claims_pb2.FileClaimRequest())  # fmt: skip
        claims_pb2_grpc.ClaimServiceStub(channel).FileClaim(request, timeout=30)

    return call
