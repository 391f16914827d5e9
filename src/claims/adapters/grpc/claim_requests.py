"""Claim requests → domain commands (and list filters), every invalid field named by its proto path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from claims.adapters.grpc.claim_lines import build_with_lines, header_fields, line_fields
from claims.adapters.grpc.mapping import build, enum_name, has, money_fields, parse_date, present, refuse_too_many
from claims.api.v1 import claims_pb2 as pb
from claims.domain.claim.commands import (
    AppealClaim,
    ApplyDeduction,
    ChargeBack,
    DecideLine,
    FileClaim,
    PostPayment,
    RecordPartInspection,
    RecordPartReceived,
    RequestPartReturn,
    ResubmitClaim,
    ReturnClaim,
    WithdrawClaim,
)
from claims.domain.errors import FieldViolation, InvalidCommandError


def _ref(request: Any) -> dict[str, Any]:
    return {"dealer_id": request.dealer_id, "claim_number": request.claim_number}


def _content(request: pb.FileClaimRequest | pb.ResubmitClaimRequest) -> dict[str, Any]:
    refuse_too_many(request, FileClaim, "lines")
    return _ref(request) | {
        "header": header_fields(request.header, has(request, "header")),
        "currency": request.currency,
        "lines": [line_fields(line) for line in request.lines],
        "preauth_number": request.preauth_number,
        "stated_total": money_fields(request.stated_total, has(request, "stated_total")),
    }


def file_claim(request: pb.FileClaimRequest) -> FileClaim:
    fields = _content(request) | {
        "claim_type": enum_name(request.claim_type, pb.ClaimType, "CLAIM_TYPE_"),
        "ro_number": request.ro_number,
        "vin": request.vin,
        "campaign_code": request.campaign_code,
    }
    return build_with_lines(FileClaim, present(fields), request.lines)


def resubmit_claim(request: pb.ResubmitClaimRequest) -> ResubmitClaim:
    return build_with_lines(ResubmitClaim, present(_content(request)), request.lines)


def decide_line(request: pb.DecideClaimLineRequest) -> DecideLine:
    fields = _ref(request) | {
        "line_no": request.line_no or None,
        "decision": enum_name(request.decision, pb.LineDecision, "LINE_DECISION_"),
        "decided_by": request.decided_by,
        "approved_amount": money_fields(request.approved_amount, has(request, "approved_amount")),
        "reason_code": request.reason_code,
    }
    return build(DecideLine, present(fields))


def return_claim(request: pb.ReturnClaimRequest) -> ReturnClaim:
    refuse_too_many(request, ReturnClaim, "reasons")
    fields = _ref(request) | {"reasons": list(request.reasons), "returned_by": request.returned_by}
    return build(ReturnClaim, present(fields))


def appeal_claim(request: pb.AppealClaimRequest) -> AppealClaim:
    return build(AppealClaim, present(_ref(request) | {"grounds": request.grounds}))


def withdraw_claim(request: pb.WithdrawClaimRequest) -> WithdrawClaim:
    return build(WithdrawClaim, present(_ref(request) | {"reason": request.reason}))


def post_payment(request: pb.PostClaimPaymentRequest) -> PostPayment:
    return build(PostPayment, present(_ref(request) | {"credit_reference": request.credit_reference}))


def request_part_return(request: pb.RequestPartReturnRequest) -> RequestPartReturn:
    return build(RequestPartReturn, present(_ref(request) | {"line_no": request.line_no or None}))


def record_part_received(request: pb.RecordPartReceivedRequest) -> RecordPartReceived:
    return build(RecordPartReceived, present(_ref(request) | {"line_no": request.line_no or None}))


def record_part_inspection(request: pb.RecordPartInspectionRequest) -> RecordPartInspection:
    fields = _ref(request) | {
        "line_no": request.line_no or None,
        "finding": request.finding,
        "inspected_by": request.inspected_by,
    }
    return build(RecordPartInspection, present(fields))


def apply_deduction(request: pb.ApplyDeductionRequest) -> ApplyDeduction:
    fields = _ref(request) | {
        "line_no": request.line_no or None,
        "amount": money_fields(request.amount, has(request, "amount")),
        "reason_code": enum_name(request.reason_code, pb.DeductionReason, "DEDUCTION_REASON_"),
        "note": request.note,
    }
    return build(ApplyDeduction, present(fields))


def charge_back(request: pb.ChargeBackClaimRequest) -> ChargeBack:
    fields = _ref(request) | {
        "line_no": request.line_no or None,
        "amount": money_fields(request.amount, has(request, "amount")),
        "reason": request.reason,
    }
    return build(ChargeBack, present(fields))


@dataclass(frozen=True)
class ClaimQuery:
    """ListClaims' filters, validated; ``token_filters`` binds a page token to them."""

    dealer_id: str
    vin: str
    status: str
    filed_from: date | None
    filed_to: date | None

    @property
    def token_filters(self) -> dict[str, str]:
        return {"d": self.dealer_id, "v": self.vin, "s": self.status, "f": str(self.filed_from or ""),
                "t": str(self.filed_to or "")}  # fmt: skip


def claim_query(request: pb.ListClaimsRequest) -> ClaimQuery:
    status = enum_name(request.status, pb.ClaimStatus, "CLAIM_STATUS_") or ""
    if status.startswith("UNKNOWN_"):
        raise InvalidCommandError([FieldViolation("status", f"{request.status} is not a ClaimStatus")])
    query = ClaimQuery(
        dealer_id=request.dealer_id,
        vin=request.vin,
        status=status,
        filed_from=parse_date(request.filed_from, "filed_from"),
        filed_to=parse_date(request.filed_to, "filed_to"),
    )
    if query.filed_from and query.filed_to and query.filed_to < query.filed_from:
        raise InvalidCommandError([FieldViolation("filed_to", "on or after filed_from")])
    return query
