"""Statutory-case requests → domain commands (and the queries' fields, validated)."""

from __future__ import annotations

from typing import Any

from claims.adapters.grpc.mapping import build, distance_fields, enum_name, has, money_fields, present, timestamp_value
from claims.api.v1 import statutory_pb2 as pb
from claims.domain.statutory_case.commands import (
    AnswerRemedy,
    CaseRef,
    DeliverRemedy,
    RecordDirectNotice,
    ReevaluateCase,
    RequestRemedy,
)
from claims.domain.values import Reference


class WhatIfQuery(CaseRef):
    """A vehicle and the pack version to evaluate its history under."""

    pack_id: Reference
    pack_version: Reference


def vin(value: str) -> str:
    """The VIN (or serial number) a query names."""
    return build(CaseRef, present({"vin": value})).vin


def what_if_query(request: pb.WhatIfRequest) -> WhatIfQuery:
    fields = {"vin": request.vin, "pack_id": request.pack_id, "pack_version": request.pack_version}
    return build(WhatIfQuery, present(fields))


def _ref(request: Any) -> dict[str, Any]:
    return {"vin": request.vin}


def record_direct_notice(request: pb.RecordDirectNoticeRequest) -> RecordDirectNotice:
    return build(RecordDirectNotice, present(_ref(request) | {"notified_on": request.notified_on}))


def reevaluate_case(request: pb.ReevaluateCaseRequest) -> ReevaluateCase:
    return build(ReevaluateCase, present(_ref(request)))


def request_remedy(request: pb.RequestRemedyRequest) -> RequestRemedy:
    fields = _ref(request) | {
        "remedy": enum_name(request.remedy, pb.CaseRemedy, "CASE_REMEDY_"),
        "requested_at": timestamp_value(request.requested_at, has(request, "requested_at")),
    }
    return build(RequestRemedy, present(fields))


def answer_remedy(request: pb.AnswerRemedyRequest) -> AnswerRemedy:
    fields = _ref(request) | {
        "accepted": request.accepted,
        "reason": request.reason,
        "answered_at": timestamp_value(request.answered_at, has(request, "answered_at")),
    }
    return build(AnswerRemedy, present(fields))


def deliver_remedy(request: pb.DeliverRemedyRequest) -> DeliverRemedy:
    fields = _ref(request) | {
        "delivered_on": request.delivered_on,
        "odometer": distance_fields(request.odometer, has(request, "odometer")),
        "replacement_vin": request.replacement_vin,
        "agreed_reduction": money_fields(request.agreed_reduction, has(request, "agreed_reduction")),
    }
    return build(DeliverRemedy, present(fields))
