"""The shipped service commitments (DOMAIN.md §1d, §1f) as data, and the API to evaluate them.

Event kinds are the stored events' topics (a test checks each is a registered event class's TOPIC).
"""

from __future__ import annotations

from decimal import Decimal

from claims.domain.statutory.clocks import (
    Breach,
    Commitment,
    Condition,
    DeemedOutcome,
    DueUnit,
    due_by,
    end_of_day,
    is_breached,
)
from claims.domain.statutory.cn_2022 import CN_2022_PARAMETERS as CN
from claims.domain.statutory.us_ca import US_CA_PARAMETERS as CA
from claims.domain.statutory.us_ny import US_NY_PARAMETERS as NY
from claims.domain.statutory.working_days import add_working_days
from claims.domain.values import Money

__all__ = [
    "COMMITMENTS",
    "Breach",
    "Commitment",
    "Condition",
    "DeemedOutcome",
    "DueUnit",
    "add_working_days",
    "commitment",
    "due_by",
    "end_of_day",
    "is_breached",
]


def _claim_decision(code: str, source: str, jurisdictions: tuple[str, ...], product_class: str, due: int) -> Commitment:
    return Commitment(
        code=code,
        description=f"decide a dealer warranty claim within {due} days or it is deemed approved",
        source=source,
        jurisdictions=jurisdictions,
        product_class=product_class,
        metric="dealer_claim_decision",
        start_on=("claims.claim.ClaimFiled", "claims.claim.ClaimResubmitted"),
        # A deemed approval is this clock's own consequence: it stops it, as a breach.
        stop_on=(
            "claims.claim.ClaimDecided",
            "claims.claim.ClaimReturned",
            "claims.claim.ClaimWithdrawn",
            "claims.claim.ClaimDeemedApproved",
        ),
        due=due,
        unit=DueUnit.CALENDAR_DAYS,
        breach=Breach(deemed=DeemedOutcome.APPROVED),
    )


_APPROVING = ("APPROVED", "PARTIALLY_APPROVED")


def _claim_payment(code: str, source: str, jurisdiction: str, due: int) -> Commitment:
    return Commitment(
        code=code,
        description=f"pay an approved dealer warranty claim within {due} days",
        source=source,
        jurisdictions=(jurisdiction,),
        product_class="MOTOR_VEHICLE",
        metric="dealer_claim_payment",
        start_on=("claims.claim.ClaimDecided", "claims.claim.ClaimDeemedApproved"),
        stop_on=("claims.claim.ClaimPaid", "claims.claim.ClaimWithdrawn"),
        # Only an approval, in full or in part, is to be paid.
        conditions=(Condition(topic="claims.claim.ClaimDecided", field="outcome", one_of=_APPROVING),),
        due=due,
        unit=DueUnit.CALENDAR_DAYS,
        breach=Breach(deemed=DeemedOutcome.OVERDUE),
    )


def _required(days: int | None) -> int:
    if days is None:
        raise TypeError("the CN-2022 pack states this deadline")
    return days


_CN_REQUESTED = ("claims.statutory_case.RemedyRequested",)

CN_ANSWER = Commitment(
    code="CN-REPLACE-REFUND-ANSWER",
    description="answer a replace/refund request, with reasons if refused",
    source="SAMR Order 43 Art. 28",
    jurisdictions=("CN",),
    product_class="MOTOR_VEHICLE",
    metric="replace_refund_answer",
    start_on=_CN_REQUESTED,
    stop_on=("claims.statutory_case.RemedyAnswered",),
    due=_required(CN.answer_working_days),
    unit=DueUnit.WORKING_DAYS,
    due_recorded_as="answer_due_on",
    breach=Breach(deemed=DeemedOutcome.OVERDUE),
)

CN_COMPLETION = Commitment(
    code="CN-REPLACE-REFUND-COMPLETION",
    description="complete a replacement or refund and issue the 换车/退车证明",
    source="SAMR Order 43 Art. 28",
    jurisdictions=("CN",),
    product_class="MOTOR_VEHICLE",
    metric="replace_refund_completion",
    start_on=_CN_REQUESTED,
    # Delivered, or refused: a refused request has nothing left to complete.
    stop_on=("claims.statutory_case.RemedyDelivered", "claims.statutory_case.RemedyAnswered"),
    conditions=(Condition(topic="claims.statutory_case.RemedyAnswered", field="accepted", one_of=(False,)),),
    # Delay the consumer causes does not count against the seller (Art. 28); no event records it yet, so
    # the clock has no pause: pause_on / resume_on take those events' topics once they exist.
    due=_required(CN.completion_working_days),
    unit=DueUnit.WORKING_DAYS,
    due_recorded_as="completion_due_on",
    breach=Breach(deemed=DeemedOutcome.REFUND_MAY_BE_DEMANDED),
)

CN_COURTESY_CAR = Commitment(
    code="CN-COURTESY-CAR",
    description=f"a single repair over {CN.courtesy_car_after_days} days owes a courtesy car from the next day",
    source="SAMR Order 43 Art. 21, 40",
    jurisdictions=("CN",),
    product_class="MOTOR_VEHICLE",
    metric="single_repair_time",
    start_on=("claims.repair_order.RepairOrderOpened",),
    stop_on=("claims.repair_order.RepairOrderClosed",),  # waiting for parts counts (Art. 21): no pause
    due=CN.courtesy_car_after_days * 24,  # Art. 40: more than 5 × 24 h is day 6
    unit=DueUnit.HOURS,
    breach=Breach(deemed=DeemedOutcome.COURTESY_CAR_OWED),
)

SELLER_REPAIR_48H = Commitment(
    code="SELLER-REPAIR-48H",
    description="repair done within 48 hours or a fixed compensation",
    source="seller's own promise (illustrative amount)",
    jurisdictions=("CN",),  # where the seller made it: the amount is in CNY
    product_class="ANY",
    metric="repair_turnaround",
    start_on=("claims.repair_order.RepairOrderOpened",),
    stop_on=("claims.repair_order.RepairOrderClosed",),
    due=48,
    unit=DueUnit.HOURS,
    breach=Breach(compensation=Money(amount=Decimal("200.00"), currency="CNY")),
)

EQUIPMENT_SOURCES = "Cal. BPC 22903.3; Okla. Stat. 15-245A.5; Tex. Bus. & Com. Code 57.253"

COMMITMENTS: tuple[Commitment, ...] = (
    _claim_decision("US-CA-CLAIM-DECISION", "Cal. Veh. Code 3065", ("US-CA",), "MOTOR_VEHICLE",
                    CA.dealer_claim_decision_days),
    _claim_decision("US-NY-CLAIM-DECISION", "N.Y. Veh. & Traf. Law 465", ("US-NY",), "MOTOR_VEHICLE",
                    NY.dealer_claim_decision_days),
    _claim_decision("US-EQUIPMENT-CLAIM-DECISION", EQUIPMENT_SOURCES, ("US-CA", "US-OK", "US-TX"), "EQUIPMENT", 45),
    _claim_payment("US-CA-CLAIM-PAYMENT", "Cal. Veh. Code 3065", "US-CA", CA.dealer_claim_payment_days),
    _claim_payment("US-NY-CLAIM-PAYMENT", "N.Y. Veh. & Traf. Law 465", "US-NY", NY.dealer_claim_payment_days),
    CN_ANSWER,
    CN_COMPLETION,
    CN_COURTESY_CAR,
    SELLER_REPAIR_48H,
)  # fmt: skip


def commitment(code: str) -> Commitment:
    """The shipped commitment named ``code``."""
    try:
        return next(c for c in COMMITMENTS if c.code == code)
    except StopIteration:
        raise KeyError(f"no commitment {code!r}") from None
