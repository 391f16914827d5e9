"""Vehicle requests → domain commands."""

from __future__ import annotations

from typing import Any

from claims.adapters.grpc.mapping import (
    build,
    distance_fields,
    enum_name,
    has,
    money_fields,
    period_fields,
    present,
    refuse_too_many,
    timestamp_value,
)
from claims.api.v1 import vehicles_pb2 as pb
from claims.domain.errors import FieldViolation, InvalidCommandError
from claims.domain.vehicle.commands import AttachCoverage, RecordOdometerReading, RegisterVehicle, TransferOwnership


def register_vehicle(request: pb.RegisterVehicleRequest) -> RegisterVehicle:
    return build(
        RegisterVehicle,
        present(
            {
                "identifier": request.identifier,
                "identifier_kind": enum_name(request.identifier_kind, pb.IdentifierKind, "IDENTIFIER_KIND_"),
                "model": request.model,
                "model_year": request.model_year or None,
                "jurisdiction": request.jurisdiction,
                "dealer_id": request.dealer_id,
                "owner_ref": request.owner_ref,
                "invoice_date": request.invoice_date,
                "delivery_date": request.delivery_date,
                "price": money_fields(request.price, has(request, "price")),
                "odometer_at_delivery": distance_fields(
                    request.odometer_at_delivery, has(request, "odometer_at_delivery")
                ),
                "manufacturer": request.manufacturer,
            }
        ),
    )


def attach_coverage(request: pb.AttachCoverageRequest) -> AttachCoverage:
    refuse_too_many(request, AttachCoverage, "component_groups", "wear_parts")
    wear_parts: list[dict[str, Any]] = [
        present(
            {
                "part": enum_name(w.part, pb.WearPart, "WEAR_PART_"),
                "period": period_fields(w.period, w.HasField("period")),
            }
        )
        for w in request.wear_parts
    ]
    return build(
        AttachCoverage,
        present(
            {
                "identifier": request.identifier,
                "code": request.code,
                "kind": enum_name(request.kind, pb.CoverageKind, "COVERAGE_KIND_"),
                "period": period_fields(request.period, has(request, "period")),
                "start_rule": enum_name(request.start_rule, pb.StartRule, "START_RULE_"),
                "component_groups": [
                    enum_name(g, pb.ComponentGroup, "COMPONENT_GROUP_") or "UNSPECIFIED"
                    for g in request.component_groups
                ],
                "wear_parts": wear_parts,
            }
        ),
    )


def record_odometer_reading(request: pb.RecordOdometerReadingRequest) -> RecordOdometerReading:
    return build(
        RecordOdometerReading,
        present(
            {
                "identifier": request.identifier,
                "reading": distance_fields(request.reading, has(request, "reading")),
                "read_at": timestamp_value(request.read_at, has(request, "read_at")),
            }
        ),
    )


def transfer_ownership(request: pb.TransferOwnershipRequest) -> TransferOwnership:
    return build(
        TransferOwnership,
        present(
            {
                "identifier": request.identifier,
                "new_owner_ref": request.new_owner_ref,
                "transferred_on": request.transferred_on,
                "odometer": distance_fields(request.odometer, has(request, "odometer")),
            }
        ),
    )


def identifier(value: str) -> str:
    """A VIN or serial used to address a vehicle in a query."""
    if not 1 <= len(value) <= 64:
        raise InvalidCommandError(
            [FieldViolation("identifier", "required: the VIN or serial number (at most 64 characters)")]
        )
    return value
