"""The pre-authorization rule: above the pack's thresholds a claim needs an approved, unexpired pre-authorization."""

from __future__ import annotations

from claims.domain.claim.context import ClaimContext, PreAuthThresholds
from claims.domain.claim.submission import ClaimDraft
from claims.domain.claim.trace import Finding, manual_review, passed, rejected
from claims.domain.preauth.state import PreAuthorization


def preauthorized_when_required(draft: ClaimDraft, ctx: ClaimContext) -> Finding:
    """Above any threshold (or for a type that always needs one) a valid pre-authorization must be named."""
    thresholds = ctx.policy.preauth
    needs = _why_required(draft, thresholds)
    limit = thresholds.amounts.get(draft.totals.total.currency)
    facts = {
        "claimed_total": str(draft.totals.total),
        "amount_threshold": "none" if limit is None else f"{limit} {draft.totals.total.currency}",
        "labour_hours": str(draft.labour_hours),
        "labour_hours_threshold": str(thresholds.labour_hours),
        "main_parts": str(draft.main_part_count),
        "main_part_threshold": str(thresholds.main_part_count),
        "required": "; ".join(needs) or "no",
        "preauth_number": draft.preauth_number or "none",
    }
    preauth = ctx.preauth if ctx.preauth and ctx.preauth.preauth_number == draft.preauth_number else None
    problem = _problem(draft, preauth)
    if needs and problem:
        return rejected(f"a pre-authorization is required ({'; '.join(needs)}) but {problem}", **facts)
    if limit is None and problem:
        return manual_review(
            f"the pack has no pre-authorization amount threshold in {draft.totals.total.currency}", **facts
        )
    return passed(**facts)


def _why_required(draft: ClaimDraft, thresholds: PreAuthThresholds) -> list[str]:
    needs = [f"{draft.claim_type.value} claims always need one"] if draft.claim_type in thresholds.always_for else []
    limit = thresholds.amounts.get(draft.totals.total.currency)
    if limit is not None and draft.totals.total.amount > limit:
        needs.append(f"claimed {draft.totals.total} is above {limit}")
    if draft.labour_hours > thresholds.labour_hours:
        needs.append(f"{draft.labour_hours} labour hours are above {thresholds.labour_hours}")
    if draft.main_part_count > thresholds.main_part_count:
        needs.append(f"{draft.main_part_count} main parts are above {thresholds.main_part_count}")
    return needs


def _problem(draft: ClaimDraft, preauth: PreAuthorization | None) -> str | None:
    """Why ``preauth`` does not authorize this claim, or None when it does."""
    if preauth is None:
        return "none was found" if draft.preauth_number else "none was named"
    if preauth.dealer_id != draft.dealer_id or preauth.vin != draft.vin:
        return f"{preauth.preauth_number} is for dealer {preauth.dealer_id}, vehicle {preauth.vin}"
    if preauth.ro_number != draft.ro_number:
        return f"{preauth.preauth_number} is for repair order {preauth.ro_number}, not {draft.ro_number}"
    if not preauth.approved:
        return f"{preauth.preauth_number} is {preauth.status.value}, not approved"
    if not preauth.covers(draft.repair_date):
        return f"{preauth.preauth_number} expired on {preauth.expires_on}, before the repair on {draft.repair_date}"
    if preauth.consumed_by not in (None, draft.claim_id):
        return f"{preauth.preauth_number} was used by claim {preauth.consumed_by}"
    limit = preauth.approved_amount or preauth.estimated_amount
    total = draft.totals.total
    if limit.currency != total.currency or total.amount > limit.amount:
        return f"the claimed {total} is above the {limit} {preauth.preauth_number} authorized"
    return None
