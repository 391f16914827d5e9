"""What dealers and the desk ask of a claim: file, review, return, resubmit, appeal, withdraw, settle."""

from __future__ import annotations

from typing import Self

from pydantic import AwareDatetime, Field, model_validator

from claims.domain.base import Frozen
from claims.domain.claim.lines import LineItem, LineNo, PartLine, line_moneys
from claims.domain.claim.values import ClaimHeader, ClaimType, DeductionReason, LineDecision
from claims.domain.errors import FieldValueError
from claims.domain.preauth.commands import PositiveMoney
from claims.domain.values import Currency, Money, Reference, Text
from claims.domain.vehicle.commands import Identifier


class ClaimRef(Frozen):
    """The natural key every claim command names: the dealer and its claim number."""

    dealer_id: Reference
    claim_number: Reference


# The most lines one version of a claim may carry.
MAX_LINES = 99


class ClaimContent(ClaimRef):
    """What a dealer submits in each version: header, lines in one currency, the pre-authorization used."""

    header: ClaimHeader
    currency: Currency
    lines: tuple[LineItem, ...] = Field(min_length=1, max_length=MAX_LINES)
    preauth_number: Reference | None = None
    # What the dealer's system says the lines come to; when given, the engine's own sum must agree.
    stated_total: Money | None = None

    @model_validator(mode="after")
    def _consistent_lines(self) -> Self:
        numbers = [line.line_no for line in self.lines]
        if len(set(numbers)) != len(numbers):
            raise FieldValueError("lines", "each line has its own line number")
        for i, line in enumerate(self.lines):
            for name, money in line_moneys(line):
                if money.currency != self.currency:
                    raise FieldValueError(f"lines[{i}].{name}.currency", f"the claim is in {self.currency}")
        causal = [(i, line) for i, line in enumerate(self.lines) if isinstance(line, PartLine) and line.causal]
        if len(causal) > 1:
            raise FieldValueError(f"lines[{causal[1][0]}].causal", "a claim has one causal part")
        expected = self.header.defect.causal_part_number
        if causal and causal[0][1].part_number != expected:
            raise FieldValueError(f"lines[{causal[0][0]}].part_number", f"the defect's causal part is {expected}")
        return self


class FileClaim(ClaimContent):
    """File a claim for a closed repair order of this dealer."""

    claim_type: ClaimType
    ro_number: Reference
    vin: Identifier
    campaign_code: Reference | None = None

    @model_validator(mode="after")
    def _campaign(self) -> Self:
        if (self.claim_type == ClaimType.CAMPAIGN) != (self.campaign_code is not None):
            raise FieldValueError("campaign_code", "campaign claims, and only they, name a campaign")
        return self


class ResubmitClaim(ClaimContent):
    """Submit a corrected version of a returned claim."""


class DecideLine(ClaimRef):
    """The desk's decision on one line: approve, adjust to a lower amount, or reject, with a reason code."""

    line_no: LineNo
    decision: LineDecision
    decided_by: Reference
    approved_amount: PositiveMoney | None = None
    reason_code: Reference | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.decision == LineDecision.ADJUST) != (self.approved_amount is not None):
            raise FieldValueError("approved_amount", "an adjustment, and only an adjustment, names the approved amount")
        if self.decision != LineDecision.APPROVE and self.reason_code is None:
            raise FieldValueError("reason_code", f"a decision to {self.decision.value.lower()} gives a reason code")
        return self


class ReturnClaim(ClaimRef):
    """Send a claim under review back to the dealer for correction."""

    reasons: tuple[Text, ...] = Field(min_length=1, max_length=20)
    returned_by: Reference


class AppealClaim(ClaimRef):
    """The dealer contests a rejection (once, within the appeal window)."""

    grounds: Text


class WithdrawClaim(ClaimRef):
    """The dealer takes the claim back before it is paid."""

    reason: Text | None = None


class PostPayment(ClaimRef):
    """Record that the approved amounts (less deductions) were credited to the dealer."""

    credit_reference: Reference


class RequestPartReturn(ClaimRef):
    """Ask the dealer to send back the part of a part line."""

    line_no: LineNo


class RecordPartReceived(ClaimRef):
    """The returned part arrived."""

    line_no: LineNo


class RecordPartInspection(ClaimRef):
    """What the inspection of a returned part found."""

    line_no: LineNo
    finding: Text
    inspected_by: Reference


class ApplyDeduction(ClaimRef):
    """Deduct from a line's approved amount, with a reason from the returned-part deduction list."""

    line_no: LineNo
    amount: PositiveMoney
    reason_code: DeductionReason
    note: Text | None = None


class ChargeBack(ClaimRef):
    """After an audit, take back (part of) what was paid on a line, within the audit window."""

    line_no: LineNo
    amount: PositiveMoney
    reason: Text


class DeemApproval(ClaimRef):
    """The claim's statutory decision clock ran out undecided: approve it as the law deems (the timer sends this).

    ``commitment_code`` names the decision commitment; ``due_at`` is when its clock, started by the current
    version, runs out.
    """

    commitment_code: Reference
    due_at: AwareDatetime


ClaimCommand = (
    FileClaim
    | ResubmitClaim
    | DecideLine
    | ReturnClaim
    | AppealClaim
    | WithdrawClaim
    | PostPayment
    | RequestPartReturn
    | RecordPartReceived
    | RecordPartInspection
    | ApplyDeduction
    | ChargeBack
    | DeemApproval
)

__all__ = [
    "AppealClaim",
    "ApplyDeduction",
    "ChargeBack",
    "ClaimCommand",
    "ClaimContent",
    "ClaimRef",
    "DecideLine",
    "DeemApproval",
    "FileClaim",
    "PostPayment",
    "RecordPartInspection",
    "RecordPartReceived",
    "RequestPartReturn",
    "ResubmitClaim",
    "ReturnClaim",
    "WithdrawClaim",
]
