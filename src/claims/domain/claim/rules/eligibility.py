"""Rules about the claim itself: filed in time, not a duplicate, quantities a vehicle can hold."""

from __future__ import annotations

from claims.domain.claim.context import ClaimContext
from claims.domain.claim.submission import ClaimDraft
from claims.domain.claim.trace import Finding, manual_review, passed, rejected, returned


def filed_within_deadline(draft: ClaimDraft, ctx: ClaimContext) -> Finding:
    """Filed no more than ``filing_deadline_days`` after the repair order closed (dates in the dealer's offset)."""
    closed = draft.repair_closed_at
    filed_on = ctx.now.astimezone(closed.tzinfo).date()
    days, limit = (filed_on - closed.date()).days, ctx.policy.filing_deadline_days
    facts = {
        "ro_closed_on": closed.date().isoformat(),
        "filed_on": filed_on.isoformat(),
        "days_after_close": str(days),
        "filing_deadline_days": str(limit),
    }
    if days > limit:
        return rejected(f"filed {days} days after the repair order closed; the limit is {limit}", **facts)
    return passed(**facts)


def not_a_duplicate(draft: ClaimDraft, ctx: ClaimContext) -> Finding:
    """No line is already claimed by another claim for the same dealer, RO number and line number."""
    taken = {
        c.line_no: c.claim_id
        for c in ctx.claimed_lines
        if c.dealer_id == draft.dealer_id and c.ro_number == draft.ro_number and c.claim_id != draft.claim_id
    }
    duplicates = sorted(line.line_no for line in draft.lines if line.line_no in taken)
    facts = {"dealer_id": draft.dealer_id, "ro_number": draft.ro_number}
    if duplicates:
        numbers = ", ".join(str(n) for n in duplicates)
        return returned(
            f"line(s) {numbers} of repair order {draft.ro_number} are already claimed",
            **facts,
            duplicate_lines=numbers,
            claimed_by=", ".join(sorted({str(taken[n]) for n in duplicates})),
        )
    return passed(**facts, lines=", ".join(str(line.line_no) for line in draft.lines))


def part_quantity_within_usage(draft: ClaimDraft, ctx: ClaimContext) -> Finding:
    """No part is claimed in a larger quantity than one vehicle carries."""
    quantities = draft.part_quantities
    facts = {p: f"{q} claimed, {ctx.part_usage.get(p, 'unknown')} per vehicle" for p, q in sorted(quantities.items())}
    over = sorted(p for p, q in quantities.items() if p in ctx.part_usage and q > ctx.part_usage[p])
    if over:
        return returned(f"more of {', '.join(over)} claimed than one vehicle carries", **facts)
    unknown = sorted(p for p in quantities if p not in ctx.part_usage)
    if unknown:
        return manual_review(f"no per-vehicle usage is known for {', '.join(unknown)}", **facts)
    return passed(**facts)
