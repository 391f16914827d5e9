"""Pre-authorization requests → domain commands."""

from __future__ import annotations

from typing import Any

from claims.adapters.grpc.mapping import build, enum_name, has, money_fields, present
from claims.api.v1 import preauthorizations_pb2 as pb
from claims.domain.preauth.commands import DecidePreAuthorization, ExpirePreAuthorization, RequestPreAuthorization


def _ref(request: Any) -> dict[str, Any]:
    return {"dealer_id": request.dealer_id, "preauth_number": request.preauth_number}


def request_preauthorization(request: pb.RequestPreAuthorizationRequest) -> RequestPreAuthorization:
    fields = _ref(request) | {
        "vin": request.vin,
        "ro_number": request.ro_number,
        "estimated_amount": money_fields(request.estimated_amount, has(request, "estimated_amount")),
        "labour_hours": request.labour_hours,
        "main_part_count": request.main_part_count,
        "reason": request.reason,
    }
    return build(RequestPreAuthorization, present(fields))


def decide_preauthorization(request: pb.DecidePreAuthorizationRequest) -> DecidePreAuthorization:
    fields = _ref(request) | {
        "decision": enum_name(request.decision, pb.PreAuthorizationDecision, "PRE_AUTHORIZATION_DECISION_"),
        "decided_by": request.decided_by,
        "expires_on": request.expires_on,
        "approved_amount": money_fields(request.approved_amount, has(request, "approved_amount")),
        "note": request.note,
    }
    return build(DecidePreAuthorization, present(fields))


def expire_preauthorization(request: pb.ExpirePreAuthorizationRequest) -> ExpirePreAuthorization:
    return build(ExpirePreAuthorization, present(_ref(request)))
