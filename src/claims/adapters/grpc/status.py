"""Errors become gRPC statuses with google.rpc details, here and nowhere else."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from claims.application.ports import ReadModelBehindError, StoreUnavailableError
from claims.application.read_at import PositionBeyondHeadError
from claims.domain.errors import (
    AlreadyExistsError,
    ConcurrentUpdateError,
    FieldViolation,
    InvalidCommandError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RequestIdReusedError,
)
from claims.projections.as_of import ReplayStoppedError

ERROR_DOMAIN = "claims.api.v1"

STATUS_BY_ERROR: dict[type[Exception], grpc.StatusCode] = {
    InvalidCommandError: grpc.StatusCode.INVALID_ARGUMENT,
    RequestIdReusedError: grpc.StatusCode.INVALID_ARGUMENT,
    NotFoundError: grpc.StatusCode.NOT_FOUND,
    PermissionDeniedError: grpc.StatusCode.PERMISSION_DENIED,
    AlreadyExistsError: grpc.StatusCode.ALREADY_EXISTS,
    PreconditionFailedError: grpc.StatusCode.FAILED_PRECONDITION,
    ConcurrentUpdateError: grpc.StatusCode.ABORTED,
    StoreUnavailableError: grpc.StatusCode.UNAVAILABLE,
    ReadModelBehindError: grpc.StatusCode.DEADLINE_EXCEEDED,
    PositionBeyondHeadError: grpc.StatusCode.OUT_OF_RANGE,
    ReplayStoppedError: grpc.StatusCode.DEADLINE_EXCEEDED,
}


def status_code_for(error: Exception) -> grpc.StatusCode | None:
    """The status for a known error, looked up along its class hierarchy; None when unknown."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return None


def _packed(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def rich_status(
    code: grpc.StatusCode, message: str, reason: str, metadata: dict[str, str], details: list[object]
) -> status_pb2.Status:
    """A google.rpc.Status carrying ErrorInfo first, then the given details."""
    info = error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN, metadata=metadata)
    return status_pb2.Status(
        code=getattr(code_pb2, code.name),
        message=message,
        details=[_packed(info), *(_packed(d) for d in details)],
    )


def status_for(error: Exception, code: grpc.StatusCode) -> status_pb2.Status:
    """The status for a known error, with BadRequest or PreconditionFailure where they apply."""
    details: list[object] = []
    reason = getattr(error, "reason", "UNAVAILABLE")
    metadata = dict(getattr(error, "metadata", {}))
    if isinstance(error, InvalidCommandError):
        details.append(bad_request(error.violations))
    elif isinstance(error, RequestIdReusedError):
        details.append(bad_request([FieldViolation("request_id", error.message)]))
    elif isinstance(error, PreconditionFailedError):
        details.append(
            error_details_pb2.PreconditionFailure(
                violations=[
                    error_details_pb2.PreconditionFailure.Violation(
                        type=v.type, subject=v.subject, description=v.description
                    )
                    for v in error.violations
                ]
            )
        )
    message = str(getattr(error, "message", error))
    if isinstance(error, StoreUnavailableError):
        reason, message = "STORE_UNAVAILABLE", "the store is unavailable; retry with the same request_id"
    return rich_status(code, message, reason, metadata, details)


def bad_request(violations: object) -> error_details_pb2.BadRequest:
    """BadRequest details naming each invalid field."""
    return error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in violations  # type: ignore[attr-defined]
        ]
    )
