"""What the fuzzer's server knows before the fuzzing starts: one of everything, through the public API.

A US-CA vehicle with coverage, its repair order RO-1001 worked and closed, claim C-1001 filed on it,
pre-authorization PA-1001 requested, contract SC-1001 sold by INS-1, and a CN vehicle under 三包 coverage.
Generated requests name these often (see ``fuzz.World``), so many reach the domain rather than NOT_FOUND.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf.message import Message

from claims.api.v1 import (
    claims_pb2,
    claims_pb2_grpc,
    contracts_pb2_grpc,
    preauthorizations_pb2_grpc,
    repair_orders_pb2_grpc,
    vehicles_pb2,
    vehicles_pb2_grpc,
)
from tests.builders import VIN
from tests.e2e.contract_requests import cancel_request, get_contract_request, sell_request, transfer_request
from tests.e2e.requests import (
    ODOMETER_IN,
    RO_OPENED_AT,
    claim_request,
    close_ro_request,
    cn_coverage_request,
    cn_register_request,
    coverage_request,
    decide_preauth_request,
    decide_request,
    file_claim_request,
    open_ro_request,
    preauth_request,
    reading_request,
    register_request,
    remedy_request,
    work_request,
)

# A product only the bystander reads: the fuzzer names none of its identifiers, so it must stay as registered
# (version 1), and reading it costs the same at the end of a run as at the start.
BYSTANDER_SERIAL = "SN-BYSTANDER-1"


def seed_world(channel: grpc.Channel) -> dict[str, str]:
    """Create the world; answers each step's outcome ("OK" or the refusal's code), in order."""
    vehicles = vehicles_pb2_grpc.VehicleServiceStub(channel)
    orders = repair_orders_pb2_grpc.RepairOrderServiceStub(channel)
    claims = claims_pb2_grpc.ClaimServiceStub(channel)
    preauths = preauthorizations_pb2_grpc.PreAuthorizationServiceStub(channel)
    insurer = contracts_pb2_grpc.InsurerServiceStub(channel)
    steps: list[tuple[str, Callable[..., Any], Any]] = [
        ("vehicle", vehicles.RegisterVehicle, register_request()),
        ("coverage", vehicles.AttachCoverage, coverage_request()),
        ("repair order", orders.OpenRepairOrder, open_ro_request(opened_at=RO_OPENED_AT, odometer_in=ODOMETER_IN)),
        ("repair work", orders.RecordRepairWork, work_request()),
        ("repair closed", orders.CloseRepairOrder, close_ro_request()),
        ("claim", claims.FileClaim, file_claim_request()),
        ("pre-authorization", preauths.RequestPreAuthorization, preauth_request(ro_number="RO-1002")),
        ("contract", insurer.SellContract, sell_request()),
        ("CN vehicle", vehicles.RegisterVehicle, cn_register_request()),
        ("CN coverage", vehicles.AttachCoverage, cn_coverage_request()),
        ("bystander's product", vehicles.RegisterVehicle, register_request(
            identifier=BYSTANDER_SERIAL, identifier_kind="IDENTIFIER_KIND_SERIAL", jurisdiction="EU-DE")),
    ]  # fmt: skip
    outcomes: dict[str, str] = {}
    for name, call, request in steps:
        try:
            call(request, timeout=10)
            outcomes[name] = "OK"
        except grpc.RpcError as error:
            outcomes[name] = error.code().name  # type: ignore[attr-defined]
    return outcomes


def _fresh(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6].upper()}"


def templates() -> dict[str, Callable[[], Message]]:
    """Valid requests (as far as the world allows) per request type: the fuzzer's "near-valid" cases start from
    one of these and damage a field or two, so boundary values reach the domain's deepest checks."""
    made: list[Callable[[], Message]] = [
        lambda: register_request(identifier=_fresh("SN-FUZZ-"), identifier_kind="IDENTIFIER_KIND_SERIAL",
                                 jurisdiction="EU-DE"),
        lambda: coverage_request(code=_fresh("COV-")),
        lambda: reading_request("15200", "2026-11-20T10:00:00Z"),
        lambda: open_ro_request(ro_number=_fresh("RO-"), opened_at=RO_OPENED_AT, odometer_in=ODOMETER_IN),
        lambda: work_request(),
        lambda: close_ro_request(),
        lambda: file_claim_request(claim_number=_fresh("C-")),
        lambda: decide_request(1),
        lambda: claim_request(claims_pb2.WithdrawClaimRequest, reason="fuzz"),
        lambda: claim_request(claims_pb2.PostClaimPaymentRequest, credit_reference="CR-1"),
        lambda: claims_pb2.GetClaimRequest(dealer_id="D042", claim_number="C-1001"),
        lambda: preauth_request(preauth_number=_fresh("PA-")),
        lambda: decide_preauth_request(),
        lambda: sell_request(contract_number=_fresh("SC-")),
        lambda: cancel_request("2026-11-23"),
        lambda: transfer_request(),
        lambda: get_contract_request(),
        lambda: remedy_request(),
        lambda: vehicles_pb2.GetVehicleRequest(identifier=VIN, as_of_date="2026-11-23"),
    ]  # fmt: skip
    return {maker().DESCRIPTOR.full_name: maker for maker in made}
