"""Claims as the domain holds them (and claim list rows) → proto messages."""

from __future__ import annotations

from datetime import datetime

from claims.adapters.grpc.mapping import (
    distance_to_proto,
    enum_number,
    money_to_proto,
    optional_day,
    optional_text,
    optional_timestamp,
    plain_decimal,
    timestamp_to_proto,
)
from claims.api.v1 import claims_pb2 as pb
from claims.api.v1 import common_pb2 as common
from claims.api.v1 import repair_orders_pb2, vehicles_pb2
from claims.domain.claim.lines import LabourLine, OtherLine, PartLine, PricedLine, SubletLine
from claims.domain.claim.state import Claim
from claims.domain.claim.submission import ClaimVersion
from claims.domain.claim.trace import RuleTrace
from claims.domain.claim.values import ClaimHeader
from claims.domain.claim.views import LineView
from claims.projections.claims import ClaimSummary


def _amount(value: str, currency: str) -> common.Money:
    return common.Money(amount=value, currency=currency)


def claim_to_proto(claim: Claim, version: int) -> pb.Claim:
    """The whole claim: every version with its trace, each line's amounts, decisions and settlement."""
    payment = claim.payment
    return pb.Claim(
        claim_id=str(claim.claim_id),
        dealer_id=claim.dealer_id,
        claim_number=claim.claim_number,
        claim_type=enum_number(claim.claim_type, pb.ClaimType, "CLAIM_TYPE_"),
        ro_number=claim.ro_number,
        repair_order_id=str(claim.repair_order_id),
        vin=claim.vin,
        vehicle_id=str(claim.vehicle_id),
        currency=claim.currency,
        campaign_code=optional_text(claim.campaign_code),
        jurisdiction=claim.jurisdiction,
        status=enum_number(claim.status, pb.ClaimStatus, "CLAIM_STATUS_"),
        versions=[version_to_proto(v) for v in claim.versions],
        lines=[line_view_to_proto(view) for view in claim.lines()],
        decisions=[
            pb.ClaimLineDecision(
                line_no=d.line_no,
                decision=enum_number(d.decision, pb.LineDecision, "LINE_DECISION_"),
                approved=money_to_proto(d.approved),
                adjusted=money_to_proto(d.adjusted),
                reason_code=optional_text(d.reason_code),
                decided_by=d.decided_by,
                decided_at=timestamp_to_proto(d.decided_at),
            )
            for d in claim.decisions
        ],
        part_returns=[
            pb.PartReturn(
                line_no=p.line_no,
                part_number=p.part_number,
                requested_at=timestamp_to_proto(p.requested_at),
                received_at=optional_timestamp(p.received_at),
                inspected_at=optional_timestamp(p.inspected_at),
                inspected_by=optional_text(p.inspected_by),
                finding=optional_text(p.finding),
            )
            for p in claim.part_returns
        ],
        payment=None
        if payment is None
        else pb.ClaimPayment(
            credit_reference=payment.credit_reference,
            lines=[pb.LinePayment(line_no=p.line_no, amount=money_to_proto(p.amount)) for p in payment.lines],
            total=money_to_proto(payment.total),
            paid_at=timestamp_to_proto(payment.paid_at),
            audit_ends_on=payment.audit_ends_on.isoformat(),
        ),
        deductions=[
            pb.Deduction(
                line_no=d.line_no,
                amount=money_to_proto(d.amount),
                reason_code=enum_number(d.reason_code, pb.DeductionReason, "DEDUCTION_REASON_"),
                note=optional_text(d.note),
                applied_at=timestamp_to_proto(d.applied_at),
            )
            for d in claim.deductions
        ],
        chargebacks=[
            pb.Chargeback(
                line_no=c.line_no,
                amount=money_to_proto(c.amount),
                reason=c.reason,
                issued_at=timestamp_to_proto(c.issued_at),
            )
            for c in claim.chargebacks
        ],
        appeal_by=optional_day(claim.appeal_by),
        appealed=claim.appealed,
        version=version,
    )


def version_to_proto(version: ClaimVersion) -> pb.ClaimVersion:
    t = version.totals
    return pb.ClaimVersion(
        version_no=version.version_no,
        header=header_to_proto(version.header),
        repair_opened_at=timestamp_to_proto(version.repair_opened_at),
        repair_closed_at=timestamp_to_proto(version.repair_closed_at),
        lines=[
            pb.PricedClaimLine(line=line_to_proto(line), claimed=money_to_proto(line.claimed)) for line in version.lines
        ],
        totals=pb.ClaimTotals(
            labour=money_to_proto(t.labour),
            parts=money_to_proto(t.parts),
            sublet=money_to_proto(t.sublet),
            other=money_to_proto(t.other),
            total=money_to_proto(t.total),
        ),
        preauth_number=optional_text(version.preauth_number),
        received_at=timestamp_to_proto(version.received_at),
        decision_due_on=optional_day(version.decision_due_on),
        routed_to=enum_number(version.routed_to, pb.ClaimStatus, "CLAIM_STATUS_"),
        reasons=list(version.reasons),
        trace=trace_to_proto(version.trace),
    )


def trace_to_proto(trace: RuleTrace) -> pb.RuleTrace:
    return pb.RuleTrace(
        pack_id=trace.pack_id,
        pack_version=trace.version,
        results=[
            pb.RuleResult(
                rule=r.rule,
                outcome=enum_number(r.outcome, pb.CheckOutcome, "CHECK_OUTCOME_"),
                facts=r.facts,
                reason=optional_text(r.reason),
            )
            for r in trace.results
        ],
    )


def header_to_proto(header: ClaimHeader) -> pb.ClaimHeader:
    return pb.ClaimHeader(
        odometer=distance_to_proto(header.odometer),
        defect=repair_orders_pb2.DefectKey(
            causal_part_number=header.defect.causal_part_number, failure_code=header.defect.failure_code
        ),
        component_group=enum_number(header.component_group, vehicles_pb2.ComponentGroup, "COMPONENT_GROUP_"),
        complaint=header.complaint,
        cause=header.cause,
        correction=header.correction,
    )


def line_to_proto(line: PricedLine) -> pb.ClaimLine:
    match line.item:
        case LabourLine() as i:
            labour = pb.LabourItem(
                operation_code=i.operation_code, hours=plain_decimal(i.hours), rate=money_to_proto(i.rate)
            )
            return pb.ClaimLine(line_no=i.line_no, labour=labour)
        case PartLine() as i:
            part = pb.PartItem(
                part_number=i.part_number,
                quantity=i.quantity,
                unit_price=money_to_proto(i.unit_price),
                causal=i.causal,
                main_part=i.main_part,
                return_required=i.return_required,
                supplier_code=optional_text(i.supplier_code),
            )
            return pb.ClaimLine(line_no=i.line_no, part=part)
        case SubletLine() as i:
            sublet = pb.SubletItem(description=i.description, amount=money_to_proto(i.amount))
            return pb.ClaimLine(line_no=i.line_no, sublet=sublet)
        case OtherLine() as i:
            kind = enum_number(i.other_kind, pb.OtherKind, "OTHER_KIND_")
            return pb.ClaimLine(line_no=i.line_no, other=pb.OtherItem(kind=kind, amount=money_to_proto(i.amount)))


def line_view_to_proto(view: LineView) -> pb.ClaimLineView:
    return pb.ClaimLineView(
        line_no=view.line_no,
        kind=pb.ClaimLineKind.Value("CLAIM_LINE_KIND_" + view.kind),
        claimed=money_to_proto(view.claimed),
        decision=pb.LINE_DECISION_UNSPECIFIED
        if view.decision is None
        else enum_number(view.decision, pb.LineDecision, "LINE_DECISION_"),
        reason_code=optional_text(view.reason_code),
        approved=money_to_proto(view.approved),
        adjusted=money_to_proto(view.adjusted),
        deducted=money_to_proto(view.deducted),
        payable=money_to_proto(view.payable),
        paid=money_to_proto(view.paid),
        charged_back=money_to_proto(view.charged_back),
    )


def summary_to_proto(row: ClaimSummary) -> pb.ClaimSummary:
    return pb.ClaimSummary(
        claim_id=row.claim_id,
        dealer_id=row.dealer_id,
        claim_number=row.claim_number,
        claim_type=pb.ClaimType.Value("CLAIM_TYPE_" + row.claim_type),
        vin=row.vin,
        ro_number=row.ro_number,
        status=pb.ClaimStatus.Value("CLAIM_STATUS_" + row.status),
        claimed_total=_amount(row.claimed_total, row.currency),
        approved_total=_amount(row.approved_total, row.currency),
        paid_total=_amount(row.paid_total, row.currency),
        filed_at=timestamp_to_proto(datetime.fromisoformat(row.filed_at)),
        decision_due_on=optional_text(row.decision_due_on),
        version=row.version,
    )
