"""After the decision: payment, returned parts and deductions, chargebacks within the audit window, line amounts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from claims.domain.claim.commands import (
    ApplyDeduction,
    ChargeBack,
    PostPayment,
    RecordPartInspection,
    RecordPartReceived,
    RequestPartReturn,
)
from claims.domain.claim.decide import decide
from claims.domain.claim.events import (
    ChargebackIssued,
    ClaimEvent,
    ClaimPaid,
    DeductionApplied,
    LinePayment,
    PartInspected,
    PartReceived,
    PartReturnRequested,
)
from claims.domain.claim.values import ClaimStatus, DeductionReason, LineDecision
from claims.domain.errors import InvalidCommandError, PreconditionFailedError
from tests.unit.domain.claim_builders import (
    CAUSAL_PART,
    CLAIM_NUMBER,
    DEALER,
    approved_in_full,
    at,
    claim_context,
    claim_decided,
    claim_filed,
    claim_paid,
    given,
    line_decided,
    usd,
)

KEY = {"dealer_id": DEALER, "claim_number": CLAIM_NUMBER}
PAID_AT = at(2026, 4, 1)


def when(claim: Any, command: Any, now: Any = PAID_AT) -> list[ClaimEvent]:
    return decide(claim, command, claim_context(now=now))


def approved() -> tuple[ClaimEvent, ...]:
    return (claim_filed(), *approved_in_full())


def partially_approved() -> tuple[ClaimEvent, ...]:
    return (
        claim_filed(),
        line_decided(1, "462.50", "400.00", decision=LineDecision.ADJUST, adjusted=usd("62.50"), reason_code="TIME"),
        line_decided(2, "120.25"),
        claim_decided(ClaimStatus.PARTIALLY_APPROVED, approved_total=usd("520.25")),
    )


def pay(reference: str = "CR-555") -> PostPayment:
    return PostPayment(**KEY, credit_reference=reference)


def deduction(amount: str, reason: str = "NO_FAULT_FOUND", line_no: int = 2) -> ApplyDeduction:
    return ApplyDeduction.model_validate(KEY | {"line_no": line_no, "amount": usd(amount), "reason_code": reason})


def deducted(
    amount: str, line_total: str, reason: DeductionReason = DeductionReason.NO_FAULT_FOUND
) -> DeductionApplied:
    return DeductionApplied(
        line_no=2,
        amount=usd(amount),
        reason_code=reason,
        note=None,
        line_deducted=usd(line_total),
        applied_at=PAID_AT,
    )


def chargeback(amount: str, line_no: int = 1) -> ChargeBack:
    return ChargeBack.model_validate(
        KEY | {"line_no": line_no, "amount": usd(amount), "reason": "audit: no labour record"}
    )


# --- payment ------------------------------------------------------------------------------------


def test_an_approved_claim_is_paid_line_by_line_and_the_audit_window_opens() -> None:
    assert when(given(*approved()), pay()) == [claim_paid(paid_at=PAID_AT, audit_ends_on=date(2027, 1, 1))]


def test_a_partially_approved_claim_is_paid_what_was_approved() -> None:
    (paid,) = when(given(*partially_approved()), pay())
    assert isinstance(paid, ClaimPaid)
    assert paid.lines == (LinePayment(line_no=1, amount=usd("400.00")), LinePayment(line_no=2, amount=usd("120.25")))
    assert paid.total == usd("520.25")


def test_deductions_before_payment_reduce_what_is_paid() -> None:
    (paid,) = when(given(*approved(), deducted("20.25", "20.25")), pay())
    assert isinstance(paid, ClaimPaid)
    assert paid.total == usd("562.50")
    assert paid.lines[1] == LinePayment(line_no=2, amount=usd("100.00"))


def test_the_audit_window_ends_nine_months_after_payment_clamped_to_the_month_end() -> None:
    (paid,) = when(given(*approved()), pay(), now=at(2026, 5, 31))
    assert isinstance(paid, ClaimPaid)
    assert paid.audit_ends_on == date(2027, 2, 28)


@pytest.mark.parametrize(
    "history",
    [
        lambda: (claim_filed(),),
        lambda: (claim_filed(now=at(2026, 4, 4, 18)),),  # rejected by the filing deadline
    ],
)
def test_a_claim_that_is_not_approved_cannot_be_paid(history: Any) -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(*history()), pay())
    assert caught.value.reason == "CLAIM_NOT_APPROVED"


def test_posting_the_same_payment_again_changes_nothing_and_a_second_payment_is_refused() -> None:
    paid = given(*approved(), claim_paid())
    assert paid.status == ClaimStatus.PAID
    assert when(paid, pay()) == []
    with pytest.raises(PreconditionFailedError):
        when(paid, pay("CR-556"))


# --- line view ----------------------------------------------------------------------------------


def test_each_line_shows_claimed_approved_adjusted_deducted_and_paid() -> None:
    history = (*partially_approved(), deducted("20.25", "20.25"))
    claim = given(*history, *when(given(*history), pay()))
    labour_line, part_line = claim.lines()
    assert (
        labour_line.claimed,
        labour_line.approved,
        labour_line.adjusted,
        labour_line.deducted,
        labour_line.paid,
    ) == (
        usd("462.50"),
        usd("400.00"),
        usd("62.50"),
        usd("0.00"),
        usd("400.00"),
    )
    assert (part_line.claimed, part_line.approved, part_line.adjusted, part_line.deducted, part_line.paid) == (
        usd("120.25"),
        usd("120.25"),
        usd("0.00"),
        usd("20.25"),
        usd("100.00"),
    )
    assert labour_line.decision == LineDecision.ADJUST
    assert part_line.payable == usd("100.00")


def test_an_undecided_line_shows_zero_approved_and_paid() -> None:
    view = given(claim_filed()).line(1)
    assert view is not None
    assert (view.decision, view.approved, view.paid, view.charged_back) == (None, usd("0.00"), usd("0.00"), usd("0.00"))


# --- returned parts -----------------------------------------------------------------------------


def part_cmd(command: type[Any], **fields: Any) -> Any:
    return command.model_validate(KEY | {"line_no": 2} | fields)


def requested() -> PartReturnRequested:
    return PartReturnRequested(line_no=2, part_number=CAUSAL_PART, requested_at=at(2026, 3, 20))


def received() -> PartReceived:
    return PartReceived(line_no=2, received_at=at(2026, 3, 25))


def test_the_desk_asks_for_the_part_of_a_part_line() -> None:
    events = when(given(*approved()), part_cmd(RequestPartReturn))
    assert events == [PartReturnRequested(line_no=2, part_number=CAUSAL_PART, requested_at=PAID_AT)]
    assert when(given(*approved(), *events), part_cmd(RequestPartReturn)) == []


def test_only_parts_are_asked_back() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        when(given(*approved()), part_cmd(RequestPartReturn, line_no=1))
    assert caught.value.violations[0].field == "line_no"


def test_parts_are_not_asked_back_from_a_rejected_claim() -> None:
    with pytest.raises(PreconditionFailedError):
        when(given(claim_filed(now=at(2026, 4, 4, 18))), part_cmd(RequestPartReturn))


def test_a_part_not_asked_back_cannot_be_received() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(*approved()), part_cmd(RecordPartReceived))
    assert caught.value.reason == "PART_RETURN_NOT_REQUESTED"


def test_a_requested_part_is_received_once() -> None:
    claim = given(*approved(), requested())
    assert when(claim, part_cmd(RecordPartReceived)) == [PartReceived(line_no=2, received_at=PAID_AT)]
    assert when(given(*approved(), requested(), received()), part_cmd(RecordPartReceived)) == []


def test_a_part_is_inspected_after_it_arrives() -> None:
    inspect = part_cmd(RecordPartInspection, finding="coil tests good", inspected_by="lab-2")
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(*approved(), requested()), inspect)
    assert caught.value.reason == "PART_NOT_RECEIVED"
    events = when(given(*approved(), requested(), received()), inspect)
    assert events == [PartInspected(line_no=2, finding="coil tests good", inspected_by="lab-2", inspected_at=PAID_AT)]
    inspected = given(*approved(), requested(), received(), *events)
    part_return = inspected.part_return(2)
    assert part_return is not None
    assert (part_return.received_at, part_return.finding) == (at(2026, 3, 25), "coil tests good")
    assert when(inspected, inspect) == []
    with pytest.raises(PreconditionFailedError):
        when(inspected, part_cmd(RecordPartInspection, finding="coil open", inspected_by="lab-2"))


# --- deductions ---------------------------------------------------------------------------------


def test_a_deduction_is_applied_with_its_reason_code() -> None:
    assert when(given(*approved()), deduction("120.25")) == [deducted("120.25", "120.25")]


def test_deductions_add_up_to_at_most_the_approved_amount() -> None:
    claim = given(*approved(), deducted("100.00", "100.00"))
    assert when(claim, deduction("20.25")) == [deducted("20.25", "120.25")]
    with pytest.raises(InvalidCommandError) as caught:
        when(claim, deduction("20.26"))
    assert caught.value.violations[0].description == "only 20.25 USD of the line's approved amount is left to deduct"


def test_the_deduction_reasons_are_the_returned_part_list() -> None:
    assert [r.value for r in DeductionReason] == [
        "PART_CODE_MISMATCH",
        "NO_FAULT_FOUND",
        "PART_NOT_RETURNED",
        "NON_GENUINE_PART",
        "WRONG_SUPPLIER_CODE",
        "NOT_A_QUALITY_PROBLEM",
        "NOT_PRIMARY_FAILURE",
        "DAMAGED_IN_TRANSIT",
        "NO_PART_TAG",
        "MISSING_FAILURE_ANALYSIS",
        "FAILURE_INCONSISTENT",
        "ASSOCIATED_DEDUCTION",
        "OTHER",
    ]
    with pytest.raises(ValidationError):
        deduction("1.00", reason="CUSTOMER_ABUSE")


def test_part_not_returned_is_refused_once_the_part_arrived() -> None:
    assert when(given(*approved(), requested()), deduction("120.25", "PART_NOT_RETURNED"))
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(*approved(), requested(), received()), deduction("120.25", "PART_NOT_RETURNED"))
    assert caught.value.reason == "PART_RECEIVED"


def test_an_associated_labour_deduction_applies_to_a_labour_line() -> None:
    (event,) = when(given(*approved()), deduction("462.50", "ASSOCIATED_DEDUCTION", line_no=1))
    assert isinstance(event, DeductionApplied)
    assert (event.line_no, event.line_deducted) == (1, usd("462.50"))


def test_deductions_wait_for_the_decision() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(claim_filed()), deduction("1.00"))
    assert caught.value.reason == "CLAIM_NOT_APPROVED"


def test_a_deduction_is_in_the_claim_currency() -> None:
    command = ApplyDeduction.model_validate(
        KEY | {"line_no": 2, "amount": {"amount": "1.00", "currency": "EUR"}, "reason_code": "OTHER"}
    )
    with pytest.raises(InvalidCommandError):
        when(given(*approved()), command)


# --- chargebacks --------------------------------------------------------------------------------


def paid() -> tuple[ClaimEvent, ...]:
    return (*approved(), claim_paid(paid_at=PAID_AT, audit_ends_on=date(2027, 1, 1)))


def test_a_chargeback_on_the_last_day_of_the_audit_window_is_issued() -> None:
    events = when(given(*paid()), chargeback("100.00"), now=at(2027, 1, 1, 23))
    assert events == [
        ChargebackIssued(
            line_no=1,
            amount=usd("100.00"),
            reason="audit: no labour record",
            line_charged_back=usd("100.00"),
            issued_at=at(2027, 1, 1, 23),
        )
    ]
    view = given(*paid(), *events).line(1)
    assert view is not None
    assert (view.paid, view.charged_back) == (usd("462.50"), usd("100.00"))


def test_a_chargeback_the_day_after_the_audit_window_is_refused() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(*paid()), chargeback("100.00"), now=at(2027, 1, 2, 0))
    assert caught.value.reason == "AUDIT_WINDOW_CLOSED"
    assert caught.value.metadata["audit_ends_on"] == "2027-01-01"


def test_a_claim_not_yet_paid_cannot_be_charged_back() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(*approved()), chargeback("1.00"))
    assert caught.value.reason == "CLAIM_NOT_PAID"


def test_chargebacks_add_up_to_at_most_what_was_paid_on_the_line() -> None:
    first = when(given(*paid()), chargeback("400.00"))
    claim = given(*paid(), *first)
    assert when(claim, chargeback("62.50"))
    with pytest.raises(InvalidCommandError):
        when(claim, chargeback("62.51"))
