"""US-CA: Song-Beverly / Tanner Act presumption (Civ. Code 1793.22(b)) and VC 3065 dealer-claim clocks."""

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
from claims.domain.statutory.windows import Window, at_least, more_than
from claims.domain.values import DistanceUnit

US_CA_PARAMETERS = LemonParameters(
    statute="Cal. Civ. Code 1793.22(b)",
    # UNCONFIRMED: "18,000 miles on the odometer" (not distance since delivery) is recalled statute wording,
    # not in stored material; with a delivery reading near zero the two agree.
    window=Window(months=18, distance=Decimal(18_000), unit=DistanceUnit.MI, odometer_from_zero=True),
    safety_repairs=at_least(2),
    same_defect_repairs=at_least(4),
    days_out_of_service=more_than(30),
    # UNCONFIRMED: "calendar days" counted as each date the vehicle was at the repairer.
    day_count=DayCount.CALENDAR_DATES,
    # Applies only where the manufacturer disclosed the duty clearly; the application decides that.
    direct_notice_required=True,
    offset=MileageOffset(
        free_miles=Decimal(0),
        divisor=Decimal(120_000),
        measured_at=OffsetMilesAt.FIRST_REPAIR_OF_DEFECT,
        citation="Cal. Civ. Code 1793.2(d)(2)(C)",
    ),
    dealer_claim_decision_days=30,  # VC 3065: deemed approved on the 30th day
    dealer_claim_payment_days=30,
    dealer_claim_audit_months=9,
)

US_CA = RulePack[LemonParameters](
    pack_id="US-CA",
    version="1",
    title="Song-Beverly Consumer Warranty Act (Tanner Act) and Vehicle Code 3065",
    jurisdiction="US-CA",
    effective_from=UNRESEARCHED_START,
    parameters=US_CA_PARAMETERS,
    rules=(serious_safety_repairs, same_defect_repairs, cumulative_days_out_of_service),
)
