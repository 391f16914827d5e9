"""Repair-order requests → domain commands."""

from __future__ import annotations

from typing import Any

from claims.adapters.grpc.mapping import (
    build,
    distance_fields,
    enum_name,
    has,
    present,
    refuse_too_many,
    timestamp_value,
)
from claims.api.v1 import repair_orders_pb2 as pb
from claims.api.v1 import vehicles_pb2
from claims.domain.repair_order.commands import CloseRepairOrder, OpenRepairOrder, RecordRepairPause, RecordRepairWork


def _ref(request: Any) -> dict[str, Any]:
    return {"dealer_id": request.dealer_id, "ro_number": request.ro_number}


def open_repair_order(request: pb.OpenRepairOrderRequest) -> OpenRepairOrder:
    return build(
        OpenRepairOrder,
        present(
            _ref(request)
            | {
                "vin": request.vin,
                "opened_at": timestamp_value(request.opened_at, has(request, "opened_at")),
                "odometer_in": distance_fields(request.odometer_in, has(request, "odometer_in")),
                "complaint": request.complaint,
            }
        ),
    )


def record_repair_work(request: pb.RecordRepairWorkRequest) -> RecordRepairWork:
    refuse_too_many(request, RecordRepairWork, "parts_replaced")
    parts = [
        present(
            {
                "part_number": p.part_number,
                "quantity": p.quantity,
                "removed_serial": p.removed_serial,
                "fitted_serial": p.fitted_serial,
                "supplier_code": p.supplier_code,
            }
        )
        for p in request.parts_replaced
    ]
    defect = present(
        {"causal_part_number": request.defect.causal_part_number, "failure_code": request.defect.failure_code}
    )
    return build(
        RecordRepairWork,
        present(
            _ref(request)
            | {
                "cause": request.cause,
                "correction": request.correction,
                "defect": defect if has(request, "defect") else None,
                "parts_replaced": parts,
                "statutory": statutory_fields(request.statutory) if has(request, "statutory") else None,
            }
        ),
    )


def statutory_fields(message: pb.StatutoryFacts) -> dict[str, Any]:
    """The statutory facts as the domain names them; unset enums and empty texts are left out."""
    return present(
        {
            "component_group": enum_name(message.component_group, vehicles_pb2.ComponentGroup, "COMPONENT_GROUP_"),
            "main_part": message.main_part,
            "serious_safety": message.serious_safety,
            "safety_failure": enum_name(message.safety_failure, pb.SafetyFailure, "SAFETY_FAILURE_"),
            "replaced_assembly": enum_name(message.replaced_assembly, vehicles_pb2.ComponentGroup, "COMPONENT_GROUP_"),
            "replaced_main_part": message.replaced_main_part,
            "wear_part": enum_name(message.wear_part, vehicles_pb2.WearPart, "WEAR_PART_"),
            "fault_remained": message.fault_remained,
            "minor_nonconformity": message.minor_nonconformity,
        }
    )


def record_repair_pause(request: pb.RecordRepairPauseRequest) -> RecordRepairPause:
    return build(
        RecordRepairPause,
        present(
            _ref(request)
            | {
                "kind": enum_name(request.kind, pb.PauseKind, "PAUSE_KIND_"),
                "started_at": timestamp_value(request.started_at, has(request, "started_at")),
                "ended_at": timestamp_value(request.ended_at, has(request, "ended_at")),
            }
        ),
    )


def close_repair_order(request: pb.CloseRepairOrderRequest) -> CloseRepairOrder:
    return build(
        CloseRepairOrder,
        present(
            _ref(request)
            | {
                "closed_at": timestamp_value(request.closed_at, has(request, "closed_at")),
                "odometer_out": distance_fields(request.odometer_out, has(request, "odometer_out")),
            }
        ),
    )
