"""RepairOrderService over a real channel: the lifecycle, derived repair time, and refusals."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import json_format

from claims.api.v1 import repair_orders_pb2 as pb
from claims.api.v1 import vehicles_pb2
from claims.api.v1.repair_orders_pb2_grpc import RepairOrderServiceStub
from tests.builders import VIN
from tests.e2e.conftest import Api, rich_error
from tests.e2e.requests import open_ro_request, register_request


@pytest.fixture
def stubs(api: Api) -> tuple[Api, RepairOrderServiceStub]:
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    return api, RepairOrderServiceStub(api.channel)


def close_request(closed_at: str, ro_number: str = "RO-1001", value: str = "5012") -> pb.CloseRepairOrderRequest:
    return json_format.ParseDict(
        {"request_id": f"close-{ro_number}-{closed_at}", "dealer_id": "D042", "ro_number": ro_number,
         "closed_at": closed_at, "odometer_out": {"value": value, "unit": "DISTANCE_UNIT_MI"}},
        pb.CloseRepairOrderRequest(),
    )  # fmt: skip


def test_a_repair_order_runs_from_open_to_close_with_days_derived(stubs: tuple[Api, RepairOrderServiceStub]) -> None:
    api, ros = stubs
    ros.OpenRepairOrder(open_ro_request(), timeout=5)
    work = json_format.ParseDict(
        {"request_id": "w-1", "dealer_id": "D042", "ro_number": "RO-1001", "cause": "cracked coil boot",
         "correction": "replaced ignition coil", "defect": {"causal_part_number": "12638824", "failure_code": "P0300"},
         "parts_replaced": [{"part_number": "12638824", "quantity": 1, "supplier_code": "DELPHI"}]},
        pb.RecordRepairWorkRequest(),
    )  # fmt: skip
    ros.RecordRepairWork(work, timeout=5)
    pause = json_format.ParseDict(
        {"request_id": "p-1", "dealer_id": "D042", "ro_number": "RO-1001",
         "kind": "PAUSE_KIND_WAITING_VIN_CUSTOMISED_PARTS",
         "started_at": "2025-06-03T08:00:00Z", "ended_at": "2025-06-04T08:00:00Z"},
        pb.RecordRepairPauseRequest(),
    )  # fmt: skip
    ros.RecordRepairPause(pause, timeout=5)
    # 130 h from opening, 24 h of them waiting for a VIN-customised part: 106 h → 5 statutory days.
    closed = ros.CloseRepairOrder(close_request("2025-06-07T18:00:00Z"), timeout=5)
    assert (closed.repair_hours, closed.days_out_of_service) == ("106", 5)
    order = ros.GetRepairOrder(pb.GetRepairOrderRequest(dealer_id="D042", ro_number="RO-1001"), timeout=5).repair_order
    assert (order.status, order.defect.failure_code, order.version) == (pb.REPAIR_ORDER_STATUS_CLOSED, "P0300", 4)
    readings = api.vehicles.GetVehicle(vehicles_pb2.GetVehicleRequest(identifier=VIN), timeout=5).vehicle.readings
    assert [r.reading.value for r in readings] == ["5000", "5012"]  # intake and hand-back are vehicle readings


def test_a_repair_order_for_an_unknown_vehicle_is_not_found(stubs: tuple[Api, RepairOrderServiceStub]) -> None:
    _, ros = stubs
    with pytest.raises(grpc.RpcError) as caught:
        ros.OpenRepairOrder(open_ro_request(vin="WVWZZZ1JZXW000009"), timeout=5)
    assert rich_error(caught.value).code == grpc.StatusCode.NOT_FOUND


def test_the_same_ro_number_twice_already_exists_and_an_intake_rollback_fails(
    stubs: tuple[Api, RepairOrderServiceStub],
) -> None:
    api, ros = stubs
    ros.OpenRepairOrder(open_ro_request(), timeout=5)
    with pytest.raises(grpc.RpcError) as caught:
        ros.OpenRepairOrder(open_ro_request(), timeout=5)
    assert rich_error(caught.value).code == grpc.StatusCode.ALREADY_EXISTS
    head = api.head()
    with pytest.raises(grpc.RpcError) as caught:
        ros.OpenRepairOrder(
            open_ro_request(
                "RO-1002", "2025-07-01T08:00:00Z", odometer_in={"value": "4000", "unit": "DISTANCE_UNIT_MI"}
            ),
            timeout=5,
        )
    error = rich_error(caught.value)
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "ODOMETER_ROLLBACK")
    assert api.head() == head  # neither the repair order nor the reading was stored


def test_a_closed_repair_order_takes_no_more_work_and_bad_fields_are_named(
    stubs: tuple[Api, RepairOrderServiceStub],
) -> None:
    _, ros = stubs
    ros.OpenRepairOrder(open_ro_request(), timeout=5)
    with pytest.raises(grpc.RpcError) as caught:
        ros.CloseRepairOrder(close_request("2025-06-01T08:00:00Z"), timeout=5)
    assert rich_error(caught.value).code == grpc.StatusCode.INVALID_ARGUMENT
    ros.CloseRepairOrder(close_request("2025-06-02T18:00:00Z"), timeout=5)
    bad_work = pb.RecordRepairWorkRequest(
        request_id="w-9", dealer_id="D042", ro_number="RO-1001", cause="x", correction="y"
    )
    bad_work.defect.causal_part_number, bad_work.defect.failure_code = "12638824", "P0300"
    with pytest.raises(grpc.RpcError) as caught:
        ros.RecordRepairWork(bad_work, timeout=5)
    assert rich_error(caught.value).code == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.RpcError) as caught:
        ros.RecordRepairWork(
            pb.RecordRepairWorkRequest(request_id="w-10", dealer_id="D042", ro_number="RO-1001"), timeout=5
        )
    assert {"cause", "correction", "defect"} <= set(rich_error(caught.value).fields)
