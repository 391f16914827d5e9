"""VehicleService: proto → command → application → proto, nothing else."""

from __future__ import annotations

import grpc

from claims.adapters.grpc import mapping, vehicle_requests
from claims.adapters.grpc.calls import call_context, expected_version
from claims.adapters.grpc.identity import current_principal
from claims.adapters.grpc.mapping import mutation_result
from claims.adapters.grpc.paging import PageRequest, wait_for_position
from claims.api.v1 import vehicles_pb2 as pb
from claims.api.v1 import vehicles_pb2_grpc as pb_grpc
from claims.application import access
from claims.application.app import ClaimsApplication
from claims.application.principal import Role
from claims.domain.ids import coverage_id_for
from claims.domain.values import Distance
from claims.projections.runner import ProjectionRunner
from claims.projections.vehicles import VehicleDirectory


class VehicleServicer(pb_grpc.VehicleServiceServicer):
    """Dealer-facing vehicle RPCs."""

    def __init__(
        self, app: ClaimsApplication, directory: VehicleDirectory | None, runner: ProjectionRunner | None
    ) -> None:
        self._app, self._directory, self._runner = app, directory, runner

    def RegisterVehicle(
        self, request: pb.RegisterVehicleRequest, context: grpc.ServicerContext
    ) -> pb.RegisterVehicleResponse:
        call = call_context(context, request.request_id)
        result = self._app.handle_vehicle(call, vehicle_requests.register_vehicle(request))
        return pb.RegisterVehicleResponse(result=mutation_result(result))

    def AttachCoverage(
        self, request: pb.AttachCoverageRequest, context: grpc.ServicerContext
    ) -> pb.AttachCoverageResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_vehicle(call, vehicle_requests.attach_coverage(request))
        return pb.AttachCoverageResponse(
            result=mutation_result(result), coverage_id=str(coverage_id_for(result.stream_id, request.code))
        )

    def RecordOdometerReading(
        self, request: pb.RecordOdometerReadingRequest, context: grpc.ServicerContext
    ) -> pb.RecordOdometerReadingResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_vehicle(call, vehicle_requests.record_odometer_reading(request))
        return pb.RecordOdometerReadingResponse(result=mutation_result(result))

    def TransferOwnership(
        self, request: pb.TransferOwnershipRequest, context: grpc.ServicerContext
    ) -> pb.TransferOwnershipResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_vehicle(call, vehicle_requests.transfer_ownership(request))
        return pb.TransferOwnershipResponse(result=mutation_result(result))

    def GetVehicle(self, request: pb.GetVehicleRequest, context: grpc.ServicerContext) -> pb.GetVehicleResponse:
        on = mapping.parse_date(request.as_of_date, "as_of_date")
        fields = mapping.distance_fields(request.odometer, request.HasField("odometer"))
        odometer = mapping.build(Distance, fields, prefix="odometer.") if fields is not None else None
        identifier = vehicle_requests.identifier(request.identifier)
        status, version = self._app.get_vehicle(identifier, on, odometer, current_principal())
        return pb.GetVehicleResponse(vehicle=mapping.vehicle_to_proto(status, version))

    def ListVehicles(self, request: pb.ListVehiclesRequest, context: grpc.ServicerContext) -> pb.ListVehiclesResponse:
        assert self._directory is not None, "no read model on this store"
        assert self._runner is not None, "no projection runner on this store"
        page = PageRequest.parse(
            request.page_size, request.page_token, {"d": request.dealer_id, "j": request.jurisdiction}
        )
        principal = current_principal()
        insurer = access.insurer_scope(principal)
        wait_for_position(self._runner, "vehicles", request.min_position, context)
        if insurer is not None:  # an insurer's vehicles are those it sold a contract on: that read model too
            wait_for_position(self._runner, "contracts", request.min_position, context)
        rows = self._directory.list(
            dealer_id=access.narrowed(principal, Role.DEALER, request.dealer_id, "dealer_id"),
            jurisdiction=request.jurisdiction,
            after=page.after,
            limit=page.size + 1,
            manufacturer=access.manufacturer_scope(principal),
            insurer_id=insurer,
        )
        return pb.ListVehiclesResponse(
            vehicles=[
                pb.VehicleSummary(
                    vehicle_id=r.vehicle_id,
                    identifier=r.identifier,
                    identifier_kind=pb.IdentifierKind.Value("IDENTIFIER_KIND_" + r.identifier_kind),
                    model=r.model,
                    jurisdiction=r.jurisdiction,
                    dealer_id=r.dealer_id,
                    owner_ref=r.owner_ref,
                    delivery_date=r.delivery_date,
                    coverage_count=r.coverage_count,
                    version=r.version,
                    manufacturer=r.manufacturer,
                )
                for r in rows[: page.size]
            ],
            next_page_token=page.next_token(rows[page.size - 1].identifier) if len(rows) > page.size else "",
            position=self._runner.position("vehicles"),
        )
