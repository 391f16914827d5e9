"""What the fuzzer's server knows before the fuzzing starts: one of everything, through the public API.

A US-CA vehicle with coverage, its repair order RO-1001 worked and closed, claim C-1001 filed on it,
pre-authorization PA-1001 requested, contract SC-1001 sold by INS-1, and a CN vehicle under 三包 coverage.
Generated requests name these often (see ``fuzz.World``), so many reach the domain rather than NOT_FOUND.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from claims.api.v1 import (
    claims_pb2_grpc,
    contracts_pb2_grpc,
    preauthorizations_pb2_grpc,
    repair_orders_pb2_grpc,
    vehicles_pb2_grpc,
)
from tests.e2e.contract_requests import sell_request
from tests.e2e.requests import (
    ODOMETER_IN,
    RO_OPENED_AT,
    close_ro_request,
    cn_coverage_request,
    cn_register_request,
    coverage_request,
    file_claim_request,
    open_ro_request,
    preauth_request,
    register_request,
    work_request,
)


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
    ]
    outcomes: dict[str, str] = {}
    for name, call, request in steps:
        try:
            call(request, timeout=10)
            outcomes[name] = "OK"
        except grpc.RpcError as error:
            outcomes[name] = error.code().name  # type: ignore[attr-defined]
    return outcomes
