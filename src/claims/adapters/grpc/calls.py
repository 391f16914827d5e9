"""Who is calling and which request this is, from the call's metadata and the request's ids."""

from __future__ import annotations

import re
import uuid
from typing import Any

import grpc

from claims.adapters.grpc.identity import current_principal
from claims.application.messages import CallContext
from claims.application.principal import Role
from claims.domain.errors import FieldViolation, InvalidCommandError
from claims.logs import current_call

ACTOR_HEADER = "x-claims-actor"
CORRELATION_HEADER = "x-correlation-id"
REQUEST_ID_HEADER = "x-request-id"  # names a read in the logs (a mutation's request_id field does that)
_REQUEST_ID = re.compile(r"^[\x21-\x7e]{1,128}$")


def check_request_id(request_id: str) -> None:
    """INVALID_ARGUMENT unless ``request_id`` is 1 to 128 printable ASCII characters without spaces."""
    if not _REQUEST_ID.match(request_id):
        raise InvalidCommandError(
            [
                FieldViolation(
                    "request_id", "required: 1 to 128 printable ASCII characters without spaces (a UUID is best)"
                )
            ]
        )


def call_context(context: grpc.ServicerContext, request_id: str, expected_version: int | None = None) -> CallContext:
    """The call's identity. With authentication on, the principal the auth interceptor bound, and the actor
    recorded in the events names it and the credential (``dealer:D-100 via key:0f3a...``); with it off (every
    call is SYSTEM) the actor is what the caller names itself in ``x-claims-actor``."""
    check_request_id(request_id)
    if expected_version is not None and expected_version < 0:
        raise InvalidCommandError([FieldViolation("expected_version", "must not be negative")])
    headers = {k: v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}
    principal = current_principal()
    if principal.role is Role.SYSTEM:
        actor = headers.get(ACTOR_HEADER, "anonymous")[:128] or "anonymous"
    else:
        actor = f"{principal.name} via {principal.identity}"[:256]
    bound = current_call()  # the id the call's log records carry, so logs and stored events agree
    correlation = headers.get(CORRELATION_HEADER, "")[:128] or (bound.correlation_id if bound else str(uuid.uuid4()))
    return CallContext(
        actor=actor,
        request_id=request_id,
        correlation_id=correlation,
        expected_version=expected_version,
        principal=principal,
    )


def expected_version(request: Any) -> int | None:
    """The request's optional ``expected_version``, None when unset."""
    return int(request.expected_version) if request.HasField("expected_version") else None
