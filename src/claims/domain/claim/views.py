"""What each line of a claim shows: claimed, approved, adjusted, deducted, paid and charged back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from claims.domain.base import Frozen
from claims.domain.claim.lines import PricedLine, money, total, zero
from claims.domain.claim.values import DeductionReason, LineDecision
from claims.domain.values import Money


class LineDecisionRecord(Frozen):
    """The desk's decision on a line of the current version."""

    line_no: int
    decision: LineDecision
    approved: Money
    adjusted: Money
    reason_code: str | None
    decided_by: str
    decided_at: datetime


class Deduction(Frozen):
    line_no: int
    amount: Money
    reason_code: DeductionReason
    note: str | None
    applied_at: datetime


class Chargeback(Frozen):
    line_no: int
    amount: Money
    reason: str
    issued_at: datetime


class LineView(Frozen):
    """One line's amounts; ``payable`` is approved less deducted."""

    line_no: int
    kind: str
    claimed: Money
    decision: LineDecision | None
    reason_code: str | None
    approved: Money
    adjusted: Money
    deducted: Money
    payable: Money
    paid: Money
    charged_back: Money


def line_view(
    line: PricedLine,
    decision: LineDecisionRecord | None,
    deductions: Iterable[Deduction],
    paid: Money | None,
    chargebacks: Iterable[Chargeback],
) -> LineView:
    currency = line.claimed.currency
    approved = decision.approved if decision else zero(currency)
    deducted = total((d.amount for d in deductions if d.line_no == line.line_no), currency)
    return LineView(
        line_no=line.line_no,
        kind=line.item.kind,
        claimed=line.claimed,
        decision=decision.decision if decision else None,
        reason_code=decision.reason_code if decision else None,
        approved=approved,
        adjusted=decision.adjusted if decision else zero(currency),
        deducted=deducted,
        payable=money(max(approved.amount - deducted.amount, Decimal(0)), currency),
        paid=paid or zero(currency),
        charged_back=total((c.amount for c in chargebacks if c.line_no == line.line_no), currency),
    )
