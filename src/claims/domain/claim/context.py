"""What a claim decision may know beyond its own stream: the policy pack and the facts the application read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from pydantic import Field

from claims.domain.base import Frozen
from claims.domain.calendar import add_months
from claims.domain.claim.submission import ClaimDraft
from claims.domain.claim.trace import Finding, RuleResult, RuleTrace
from claims.domain.claim.values import ClaimType
from claims.domain.context import DecisionContext
from claims.domain.errors import NotFoundError
from claims.domain.preauth.state import PreAuthorization
from claims.domain.repair_order.state import RepairOrder
from claims.domain.vehicle.state import Vehicle


class PreAuthThresholds(Frozen):
    """Claims strictly above any of these need an approved, unexpired pre-authorization."""

    amounts: dict[str, Decimal]
    labour_hours: Decimal = Field(ge=0)
    main_part_count: int = Field(ge=0)
    always_for: tuple[ClaimType, ...] = ()


ClaimRule = Callable[[ClaimDraft, "ClaimContext"], Finding]
"""A named check: looks at a draft and the context, returns a finding. Its ``__name__`` goes in the trace."""


class ClaimPolicy(Frozen):
    """A versioned pack of claim rules and their parameters; events record the pack id and version."""

    pack_id: str
    version: str
    filing_deadline_days: int = Field(ge=1)
    preauth: PreAuthThresholds
    decision_days: dict[str, int]
    appeal_window_days: int = Field(ge=1)
    audit_window_months: int = Field(ge=1)
    rules: tuple[ClaimRule, ...]

    def check(self, draft: ClaimDraft, ctx: ClaimContext) -> RuleTrace:
        """Run every rule in order; all of them run, so the trace shows every finding."""
        results = tuple(RuleResult(rule=rule.__name__, **dict(rule(draft, ctx))) for rule in self.rules)
        return RuleTrace(pack_id=self.pack_id, version=self.version, results=results)

    def decision_due_on(self, jurisdiction: str, received_on: date) -> date | None:
        """The day an undecided claim is deemed approved in ``jurisdiction``, if its law has such a clock."""
        days = self.decision_days.get(jurisdiction)
        return None if days is None else received_on + timedelta(days=days)

    def appeal_by(self, rejected_on: date) -> date:
        """The last day a rejection may be appealed."""
        return rejected_on + timedelta(days=self.appeal_window_days)

    def audit_ends_on(self, paid_on: date) -> date:
        """The last day a paid claim may be audited and charged back."""
        return add_months(paid_on, self.audit_window_months)


class ClaimedLine(Frozen):
    """A line some claim already makes: the duplicate check's key (dealer, RO number, line number)."""

    claim_id: UUID
    dealer_id: str
    ro_number: str
    line_no: int


class ClaimContext(DecisionContext):
    """The clock, the policy pack and what the application read for this decision.

    Filing and resubmission need ``vehicle`` and ``repair_order``; ``preauth`` is the one the claim
    names, if found; ``claimed_lines`` are lines of other claims that count for duplicates;
    ``part_usage`` is the most of each part number one vehicle of this model carries.
    ``dealer_jurisdiction`` sets the claim decision clock (the vehicle's jurisdiction when absent).
    """

    policy: ClaimPolicy
    vehicle: Vehicle | None = None
    repair_order: RepairOrder | None = None
    preauth: PreAuthorization | None = None
    claimed_lines: tuple[ClaimedLine, ...] = ()
    part_usage: dict[str, int] = Field(default_factory=dict)
    dealer_jurisdiction: str | None = None

    def known_vehicle(self) -> Vehicle:
        if self.vehicle is None:
            raise NotFoundError("the claim's vehicle is not registered")
        return self.vehicle

    def known_repair_order(self) -> RepairOrder:
        if self.repair_order is None:
            raise NotFoundError("the claim's repair order does not exist")
        return self.repair_order
