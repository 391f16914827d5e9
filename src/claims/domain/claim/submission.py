"""One submitted version of a claim: what the checks look at, and what the claim keeps of it."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from claims.domain.base import Frozen
from claims.domain.claim.lines import ClaimTotals, LabourLine, PartLine, PricedLine
from claims.domain.claim.trace import RuleTrace
from claims.domain.claim.values import ClaimHeader, ClaimStatus, ClaimType


class Submission(Frozen):
    """What the dealer submitted in one version, priced, with the repair dates of its repair order."""

    version_no: int
    header: ClaimHeader
    repair_opened_at: datetime
    repair_closed_at: datetime
    lines: tuple[PricedLine, ...]
    totals: ClaimTotals
    preauth_number: str | None

    @property
    def repair_date(self) -> date:
        """The day the repair was agreed (the RO's opening day, in the dealer's offset)."""
        return self.repair_opened_at.date()

    @property
    def labour_hours(self) -> Decimal:
        return sum((line.item.hours for line in self.lines if isinstance(line.item, LabourLine)), Decimal(0))

    @property
    def part_quantities(self) -> dict[str, int]:
        """Quantity claimed per part number."""
        counts: Counter[str] = Counter()
        for line in self.lines:
            if isinstance(line.item, PartLine):
                counts[line.item.part_number] += line.item.quantity
        return dict(counts)

    @property
    def main_part_count(self) -> int:
        return sum(line.item.quantity for line in self.lines if isinstance(line.item, PartLine) and line.item.main_part)

    def line(self, line_no: int) -> PricedLine | None:
        return next((line for line in self.lines if line.line_no == line_no), None)


class ClaimDraft(Submission):
    """A submission with the claim's identity: what the automatic checks are run on."""

    claim_id: UUID
    claim_type: ClaimType
    dealer_id: str
    ro_number: str
    vin: str

    def submission(self) -> Submission:
        return Submission(**{name: getattr(self, name) for name in Submission.model_fields})


class ClaimVersion(Submission):
    """A submission as received: when, its decision clock, the checks' trace and where they sent it."""

    received_at: datetime
    decision_due_on: date | None
    trace: RuleTrace
    routed_to: ClaimStatus
    reasons: tuple[str, ...]
