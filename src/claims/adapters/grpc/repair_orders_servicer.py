"""RepairOrderService: proto → command → application → proto, nothing else."""

from __future__ import annotations

import grpc

from claims.adapters.grpc import repair_order_requests as requests
from claims.adapters.grpc.calls import call_context, expected_version
from claims.adapters.grpc.identity import current_principal
from claims.adapters.grpc.mapping import distance_to_proto, enum_number, mutation_result, plain, timestamp_to_proto
from claims.adapters.grpc.statutory_view import statutory_facts_to_proto
from claims.api.v1 import repair_orders_pb2 as pb
from claims.api.v1 import repair_orders_pb2_grpc as pb_grpc
from claims.application.app import ClaimsApplication
from claims.domain.repair_order.state import RepairOrder


class RepairOrderServicer(pb_grpc.RepairOrderServiceServicer):
    """Dealer-facing repair-order RPCs."""

    def __init__(self, app: ClaimsApplication) -> None:
        self._app = app

    def OpenRepairOrder(
        self, request: pb.OpenRepairOrderRequest, context: grpc.ServicerContext
    ) -> pb.OpenRepairOrderResponse:
        result = self._app.handle_repair_order(
            call_context(context, request.request_id), requests.open_repair_order(request)
        )
        return pb.OpenRepairOrderResponse(result=mutation_result(result))

    def RecordRepairWork(
        self, request: pb.RecordRepairWorkRequest, context: grpc.ServicerContext
    ) -> pb.RecordRepairWorkResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_repair_order(call, requests.record_repair_work(request))
        return pb.RecordRepairWorkResponse(result=mutation_result(result))

    def RecordRepairPause(
        self, request: pb.RecordRepairPauseRequest, context: grpc.ServicerContext
    ) -> pb.RecordRepairPauseResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_repair_order(call, requests.record_repair_pause(request))
        return pb.RecordRepairPauseResponse(result=mutation_result(result))

    def CloseRepairOrder(
        self, request: pb.CloseRepairOrderRequest, context: grpc.ServicerContext
    ) -> pb.CloseRepairOrderResponse:
        call = call_context(context, request.request_id, expected_version(request))
        command = requests.close_repair_order(request)
        result = self._app.handle_repair_order(call, command)
        # Read back what was written: the command's identifiers, as validated (whitespace trimmed), not the raw ones.
        order, _ = self._app.get_repair_order(command.dealer_id, command.ro_number)
        return pb.CloseRepairOrderResponse(
            result=mutation_result(result),
            repair_hours=plain(order.repair_hours) if order.repair_hours is not None else "",
            days_out_of_service=order.days_out_of_service or 0,
        )

    def GetRepairOrder(
        self, request: pb.GetRepairOrderRequest, context: grpc.ServicerContext
    ) -> pb.GetRepairOrderResponse:
        order, version = self._app.get_repair_order(request.dealer_id, request.ro_number, current_principal())
        return pb.GetRepairOrderResponse(repair_order=repair_order_to_proto(order, version))


def repair_order_to_proto(order: RepairOrder, version: int) -> pb.RepairOrder:
    work = order.work
    message = pb.RepairOrder(
        repair_order_id=str(order.repair_order_id),
        dealer_id=order.dealer_id,
        ro_number=order.ro_number,
        vin=order.vin,
        status=enum_number(order.status, pb.RepairOrderStatus, "REPAIR_ORDER_STATUS_"),
        opened_at=timestamp_to_proto(order.opened_at),
        odometer_in=distance_to_proto(order.odometer_in),
        complaint=order.complaint,
        pauses=[
            pb.RepairPause(
                kind=enum_number(p.kind, pb.PauseKind, "PAUSE_KIND_"),
                started_at=timestamp_to_proto(p.started_at),
                ended_at=timestamp_to_proto(p.ended_at),
            )
            for p in order.pauses
        ],
        days_out_of_service=order.days_out_of_service or 0,
        repair_hours=plain(order.repair_hours) if order.repair_hours is not None else "",
        excluded_hours=plain(order.excluded_hours) if order.excluded_hours is not None else "",
        version=version,
    )
    if work is not None:
        message.cause, message.correction = work.cause, work.correction
        message.defect.causal_part_number = work.defect.causal_part_number
        message.defect.failure_code = work.defect.failure_code
        message.parts_replaced.extend(
            pb.ReplacedPart(
                part_number=p.part_number,
                quantity=p.quantity,
                removed_serial=p.removed_serial or "",
                fitted_serial=p.fitted_serial or "",
                supplier_code=p.supplier_code or "",
            )
            for p in work.parts_replaced
        )
        if work.statutory is not None:
            message.statutory.CopyFrom(statutory_facts_to_proto(work.statutory))
    if order.closed_at is not None:
        message.closed_at.CopyFrom(timestamp_to_proto(order.closed_at))
    if order.odometer_out is not None:
        message.odometer_out.CopyFrom(distance_to_proto(order.odometer_out))
    return message
