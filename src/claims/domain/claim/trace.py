"""What automatic checks found, and where the findings send the claim."""

from __future__ import annotations

from collections.abc import Iterable

from claims.domain.base import Frozen
from claims.domain.claim.values import CheckOutcome, ClaimStatus


class Finding(Frozen):
    """One check's outcome with the facts it used (as text, so auditors can read them as recorded)."""

    outcome: CheckOutcome
    facts: dict[str, str]
    reason: str | None = None


def passed(**facts: str) -> Finding:
    return Finding(outcome=CheckOutcome.PASS, facts=facts)


def rejected(reason: str, **facts: str) -> Finding:
    return Finding(outcome=CheckOutcome.REJECT, facts=facts, reason=reason)


def returned(reason: str, **facts: str) -> Finding:
    return Finding(outcome=CheckOutcome.RETURN, facts=facts, reason=reason)


def manual_review(reason: str, **facts: str) -> Finding:
    return Finding(outcome=CheckOutcome.MANUAL_REVIEW, facts=facts, reason=reason)


class RuleResult(Frozen):
    """A named rule's finding, as recorded in the rule trace."""

    rule: str
    outcome: CheckOutcome
    facts: dict[str, str]
    reason: str | None = None


class RuleTrace(Frozen):
    """Which policy pack ran, and each rule's result in the pack's order."""

    pack_id: str
    version: str
    results: tuple[RuleResult, ...]

    @property
    def routed_to(self) -> ClaimStatus:
        return route(r.outcome for r in self.results)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the claim did not simply pass, rule by rule."""
        return tuple(f"{r.rule}: {r.reason}" for r in self.results if r.outcome != CheckOutcome.PASS and r.reason)


def route(outcomes: Iterable[CheckOutcome]) -> ClaimStatus:
    """Any REJECT rejects; else any RETURN returns for correction; else the claim awaits the desk."""
    seen = set(outcomes)
    if CheckOutcome.REJECT in seen:
        return ClaimStatus.REJECTED
    if CheckOutcome.RETURN in seen:
        return ClaimStatus.RETURNED
    return ClaimStatus.UNDER_REVIEW
