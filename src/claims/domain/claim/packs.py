"""The shipped claim policy packs. New behaviour is a new version; a released pack is never edited."""

from __future__ import annotations

from decimal import Decimal

from claims.domain.claim.context import ClaimPolicy, PreAuthThresholds
from claims.domain.claim.rules.coverage import coverage_in_force, odometer_plausible
from claims.domain.claim.rules.eligibility import filed_within_deadline, not_a_duplicate, part_quantity_within_usage
from claims.domain.claim.rules.preauth import preauthorized_when_required
from claims.domain.claim.values import ClaimType

# Filing limit and pre-authorization thresholds are illustrative OEM terms (CQZTDMS-style "claim
# validity days" and authorization rule items, DOMAIN.md §2e); the 30-day deemed-approval clocks
# are CA VC 3065 and NY VAT 465, the 9-month audit window CA VC 3065 (DOMAIN.md §1d).
CLAIMS_POLICY_2026_1 = ClaimPolicy(
    pack_id="claims-policy",
    version="2026.1",
    filing_deadline_days=30,
    preauth=PreAuthThresholds(
        amounts={"USD": Decimal("1500.00"), "EUR": Decimal("1500.00"), "CNY": Decimal("10000.00")},
        labour_hours=Decimal("8.0"),
        main_part_count=1,
        always_for=(ClaimType.GOODWILL,),
    ),
    decision_days={"US-CA": 30, "US-NY": 30},
    appeal_window_days=30,
    audit_window_months=9,
    rules=(
        coverage_in_force,
        filed_within_deadline,
        not_a_duplicate,
        odometer_plausible,
        part_quantity_within_usage,
        preauthorized_when_required,
    ),
)

POLICIES: dict[tuple[str, str], ClaimPolicy] = {(p.pack_id, p.version): p for p in (CLAIMS_POLICY_2026_1,)}


def policy(pack_id: str, version: str) -> ClaimPolicy:
    """The pack that decided an event, for replaying it."""
    try:
        return POLICIES[(pack_id, version)]
    except KeyError:
        raise LookupError(f"no claim policy pack {pack_id}/{version}") from None
