"""The 三包 part of the demo: a Chinese car that becomes eligible for replacement or refund, and one whose
long repair owes courtesy-car compensation — both decided by the CN-2022 pack from repair orders alone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc

from claims.api.v1 import (
    repair_orders_pb2,
    repair_orders_pb2_grpc,
    statutory_pb2,
    statutory_pb2_grpc,
    vehicles_pb2,
    vehicles_pb2_grpc,
)
from claims.demo.credentials import Credentials, Metadata
from claims.demo.dealership import make_vin, parse

CN_MAKER = "LSVAM418"
CN_MANUFACTURER = "SAIC-VW"  # its desk (oem_desk:SAIC-VW) reads the cases and runs the what-if


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _register(channel: grpc.Channel, vin: str, dealer: str, now: datetime, metadata: Metadata) -> None:
    sold = (now - timedelta(days=200)).date().isoformat()
    stub = vehicles_pb2_grpc.VehicleServiceStub(channel)
    stub.RegisterVehicle(parse(vehicles_pb2.RegisterVehicleRequest, {
        "request_id": str(uuid.uuid4()), "identifier": vin, "model": "Lavida", "jurisdiction": "CN",
        "manufacturer": CN_MANUFACTURER, "dealer_id": dealer, "owner_ref": f"CUST-{vin[-4:]}",
        "invoice_date": sold, "delivery_date": sold,
        "price": {"amount": "100000.00", "currency": "CNY"},
        "odometer_at_delivery": {"value": "0", "unit": "DISTANCE_UNIT_KM"},
    }), timeout=10, metadata=metadata)  # fmt: skip
    stub.AttachCoverage(parse(vehicles_pb2.AttachCoverageRequest, {
        "request_id": str(uuid.uuid4()), "identifier": vin, "code": "CN-SANBAO", "kind": "COVERAGE_KIND_STATUTORY",
        "period": {"months": 24, "distance_limit": "50000", "distance_unit": "DISTANCE_UNIT_KM"},
        "start_rule": "START_RULE_DELIVERY_DATE",
        "component_groups": ["COMPONENT_GROUP_ENGINE", "COMPONENT_GROUP_TRANSMISSION"],
    }), timeout=10, metadata=metadata)  # fmt: skip


def _repair(channel: grpc.Channel, dealer: str, ro: str, vin: str, opened: datetime, hours: int, km: int,
            metadata: Metadata) -> None:  # fmt: skip
    stub = repair_orders_pb2_grpc.RepairOrderServiceStub(channel)
    ref = {"dealer_id": dealer, "ro_number": ro}
    odometer = {"value": str(km), "unit": "DISTANCE_UNIT_KM"}
    stub.OpenRepairOrder(parse(repair_orders_pb2.OpenRepairOrderRequest, ref | {
        "request_id": str(uuid.uuid4()), "vin": vin, "opened_at": _stamp(opened), "odometer_in": odometer,
        "complaint": "engine stalls when warm"}), timeout=10, metadata=metadata)  # fmt: skip
    stub.RecordRepairWork(parse(repair_orders_pb2.RecordRepairWorkRequest, ref | {
        "request_id": str(uuid.uuid4()), "cause": "injector sticks", "correction": "replaced injector",
        "defect": {"causal_part_number": "INJ-100", "failure_code": "P0201"},
        "statutory": {"component_group": "COMPONENT_GROUP_ENGINE", "main_part": "INJECTOR"},
    }), timeout=10, metadata=metadata)  # fmt: skip
    stub.CloseRepairOrder(parse(repair_orders_pb2.CloseRepairOrderRequest, ref | {
        "request_id": str(uuid.uuid4()), "closed_at": _stamp(opened + timedelta(hours=hours)), "odometer_out": odometer,
    }), timeout=10, metadata=metadata)  # fmt: skip


def _case(channel: grpc.Channel, vin: str, metadata: Metadata) -> statutory_pb2.StatutoryCase:
    stub = statutory_pb2_grpc.StatutoryServiceStub(channel)
    request = statutory_pb2.GetStatutoryCaseRequest(vin=vin)
    return stub.GetStatutoryCase(request, timeout=10, metadata=metadata).statutory_case


def sanbao_cases(channel: grpc.Channel, run: str, credentials: Credentials | None = None) -> Iterator[str]:
    """Play both Chinese cases and say what the pack decided."""
    credentials = credentials or Credentials()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    dealer = f"DEMO-CN-{run}"
    as_dealer = credentials.metadata(f"dealer:{dealer}")
    as_desk = credentials.metadata(f"oem_desk:{CN_MANUFACTURER}")
    eligible, courtesy = make_vin(run, 11, CN_MAKER), make_vin(run, 12, CN_MAKER)
    for vin in (eligible, courtesy):
        _register(channel, vin, dealer, now, as_dealer)
    for i in range(5):  # five repairs of one defect, four days each, twenty days apart
        _repair(
            channel, dealer, f"RO-E{i + 1}", eligible, now - timedelta(days=130 - 20 * i), 96, 2000 * (i + 1), as_dealer
        )
    _repair(channel, dealer, "RO-C1", courtesy, now - timedelta(days=10), 130, 3000, as_dealer)
    yield ""
    case = _case(channel, eligible, as_desk).determination
    entitled = ", ".join(str(statutory_pb2.Remedy.Name(r)).removeprefix("REMEDY_") for r in case.entitled)
    pack = f"{case.pack_id} v{case.pack_version}"
    yield f"三包 {eligible}: five repairs of one defect → entitled to {entitled} under {pack}"
    yield f"  rules fired: {', '.join(case.rules_fired)}"
    what_if = statutory_pb2_grpc.StatutoryServiceStub(channel).WhatIf(
        statutory_pb2.WhatIfRequest(vin=eligible, pack_id="CN-2013", pack_version="1"), timeout=10, metadata=as_desk
    )
    for difference in what_if.differences:
        yield f"  what-if under CN-2013: {difference.summary}"
    owed = _case(channel, courtesy, as_desk).compensations
    for c in owed:
        money = f"{c.amount.amount} {c.amount.currency}"
        yield f"三包 {courtesy}: a 130 h repair → courtesy car owed for {c.days_owed} day(s): {money}"
