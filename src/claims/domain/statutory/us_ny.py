"""US-NY: New York new-car lemon law (GBL 198-a) and VAT 465 dealer-claim clocks."""

from __future__ import annotations

from decimal import Decimal

from claims.domain.statutory.pack import UNRESEARCHED_START, RulePack
from claims.domain.statutory.us_lemon import (
    DayCount,
    LemonParameters,
    MileageOffset,
    OffsetMilesAt,
    cumulative_days_out_of_service,
    same_defect_repairs,
    serious_safety_repairs,
)
from claims.domain.statutory.windows import Window, at_least
from claims.domain.values import DistanceUnit

US_NY_PARAMETERS = LemonParameters(
    statute="N.Y. GBL 198-a",
    window=Window(months=24, distance=Decimal(18_000), unit=DistanceUnit.MI),  # first 18,000 miles or 2 years
    safety_repairs=None,  # no safety-defect presumption in stored material
    same_defect_repairs=at_least(4),  # UNCONFIRMED: widely cited, not in any stored excerpt
    days_out_of_service=at_least(30),  # UNCONFIRMED: widely cited as "30 or more days"
    day_count=DayCount.CALENDAR_DATES,  # UNCONFIRMED, as for California
    direct_notice_required=False,  # UNCONFIRMED: no direct-notice condition in stored material
    offset=MileageOffset(
        free_miles=Decimal(12_000),
        divisor=Decimal(100_000),
        # UNCONFIRMED: miles of operation taken at the facts' date (the refund), since delivery.
        measured_at=OffsetMilesAt.AS_OF,
        citation="N.Y. GBL 198-a(c)",
    ),
    dealer_claim_decision_days=30,  # VAT 465
    dealer_claim_payment_days=30,
    dealer_claim_audit_months=12,
)

US_NY = RulePack[LemonParameters](
    pack_id="US-NY",
    version="1",
    title="New York General Business Law 198-a and Vehicle and Traffic Law 465",
    jurisdiction="US-NY",
    effective_from=UNRESEARCHED_START,
    parameters=US_NY_PARAMETERS,
    rules=(serious_safety_repairs, same_defect_repairs, cumulative_days_out_of_service),
)
