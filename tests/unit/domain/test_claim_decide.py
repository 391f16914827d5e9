"""Claims: filed against a closed repair order, reviewed line by line, returned, resubmitted, appealed, withdrawn."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from claims.domain.claim.commands import AppealClaim, DecideLine, ResubmitClaim, ReturnClaim, WithdrawClaim
from claims.domain.claim.decide import decide
from claims.domain.claim.events import (
    ClaimAppealed,
    ClaimDecided,
    ClaimEvent,
    ClaimFiled,
    ClaimLineDecided,
    ClaimResubmitted,
    ClaimReturned,
    ClaimWithdrawn,
)
from claims.domain.claim.lines import ClaimTotals
from claims.domain.claim.values import ClaimStatus, LineDecision
from claims.domain.errors import AlreadyExistsError, InvalidCommandError, NotFoundError, PreconditionFailedError
from claims.domain.ids import claim_id_for, repair_order_id_for, vehicle_id_for
from tests.unit.domain.claim_builders import (
    CLAIM_NUMBER,
    DEALER,
    DESK,
    NOW,
    RO_NUMBER,
    VIN,
    approved_in_full,
    at,
    claim_context,
    claim_decided,
    claim_filed,
    claim_paid,
    file_claim,
    given,
    header,
    labour,
    line_decided,
    mi,
    other,
    part,
    ro_opened,
    sublet,
    usd,
    vehicle,
)

KEY = {"dealer_id": DEALER, "claim_number": CLAIM_NUMBER}
LATER = at(2026, 3, 12)


def when(claim: Any, command: Any, **context: Any) -> list[ClaimEvent]:
    return decide(claim, command, claim_context(**({"now": LATER} | context)))


def decide_line(line_no: int, decision: str = "APPROVE", **overrides: Any) -> DecideLine:
    return DecideLine.model_validate(KEY | {"line_no": line_no, "decision": decision, "decided_by": DESK} | overrides)


def under_review() -> Any:
    return given(claim_filed())


def returned_for_odometer() -> Any:
    """Filed with an odometer below the RO intake reading: returned for correction."""
    return given(claim_filed(file_claim(header=header(odometer=mi(15000)))))


def rejected_history() -> tuple[ClaimEvent, ...]:
    """Filed, then every line rejected by the desk on 2026-03-12: appealable until 2026-04-11."""
    return (
        claim_filed(),
        line_decided(1, "462.50", "0.00", decision=LineDecision.REJECT, reason_code="NFF"),
        line_decided(2, "120.25", "0.00", decision=LineDecision.REJECT, reason_code="NFF"),
        claim_decided(ClaimStatus.REJECTED, approved_total=usd("0.00"), decided_at=LATER, appeal_by=date(2026, 4, 11)),
    )


# --- filing -------------------------------------------------------------------------------------


def test_filing_derives_line_amounts_and_totals_and_records_the_header() -> None:
    command = file_claim(lines=(labour(), part(), sublet(), other()))
    (filed,) = decide(None, command, claim_context())
    assert isinstance(filed, ClaimFiled)
    assert (filed.claim_id, filed.repair_order_id, filed.vehicle_id) == (
        claim_id_for(DEALER, CLAIM_NUMBER),
        repair_order_id_for(DEALER, RO_NUMBER),
        vehicle_id_for(VIN),
    )
    version = filed.version
    assert [line.claimed for line in version.lines] == [usd("462.50"), usd("120.25"), usd("80.00"), usd("95.00")]
    assert version.totals == ClaimTotals(
        labour=usd("462.50"), parts=usd("120.25"), sublet=usd("80.00"), other=usd("95.00"), total=usd("757.75")
    )
    assert (version.version_no, version.header, version.repair_date) == (1, header(), date(2026, 3, 2))
    assert version.repair_closed_at == at(2026, 3, 4, 17)


def test_labour_amounts_are_rounded_half_up_to_the_cent() -> None:
    (filed,) = decide(None, file_claim(lines=(labour(hours=Decimal("0.3"), rate=usd("33.35")),)), claim_context())
    assert isinstance(filed, ClaimFiled)
    assert filed.version.lines[0].claimed == usd("10.01")  # 10.005


def test_a_clean_claim_awaits_the_desk_with_its_decision_clock() -> None:
    state = given(claim_filed())
    assert state.status == ClaimStatus.UNDER_REVIEW
    assert state.current.received_at == NOW
    assert state.current.decision_due_on == date(2026, 4, 9)  # US-CA: deemed approved on the 30th day
    assert state.appeal_by is None


def test_new_york_has_the_same_clock_and_other_jurisdictions_none() -> None:
    ny = claim_filed(vehicle=vehicle(jurisdiction="US-NY"))
    assert ny.version.decision_due_on == date(2026, 4, 9)
    assert claim_filed(vehicle=vehicle(jurisdiction="US-TX")).version.decision_due_on is None
    assert claim_filed(dealer_jurisdiction="CN").version.decision_due_on is None
    assert claim_filed(dealer_jurisdiction="CN").jurisdiction == "CN"


def test_a_claim_the_checks_reject_is_rejected_at_once_with_an_appeal_deadline() -> None:
    filed = claim_filed(now=at(2026, 4, 4, 18))  # 31 days after the RO closed
    assert filed.version.routed_to == ClaimStatus.REJECTED
    assert filed.appeal_by == date(2026, 5, 4)
    assert filed.version.reasons == (
        "filed_within_deadline: filed 31 days after the repair order closed; the limit is 30",
    )
    assert given(filed).status == ClaimStatus.REJECTED


def test_a_claim_number_is_used_once_per_dealer() -> None:
    with pytest.raises(AlreadyExistsError):
        when(under_review(), file_claim())


def test_a_claim_for_an_open_repair_order_is_refused() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        decide(None, file_claim(), claim_context(repair_order=given(ro_opened())))
    assert caught.value.reason == "REPAIR_ORDER_OPEN"


def test_a_claim_for_an_unknown_repair_order_or_vehicle_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        decide(None, file_claim(), claim_context(repair_order=None))
    with pytest.raises(NotFoundError):
        decide(None, file_claim(ro_number="RO-9999"), claim_context())
    with pytest.raises(NotFoundError):
        decide(None, file_claim(), claim_context(vehicle=None))
    with pytest.raises(NotFoundError):
        decide(None, file_claim(), claim_context(vehicle=vehicle(identifier="1FTFW1ET5DFC10312")))


def test_a_claim_naming_another_vehicle_than_its_repair_order_is_invalid() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        decide(None, file_claim(vin="1FTFW1ET5DFC10312"), claim_context())
    assert caught.value.violations[0].field == "vin"


def test_an_odometer_in_hours_for_a_vehicle_measured_in_miles_is_invalid() -> None:
    odometer = {"value": "100", "unit": "HOURS"}
    with pytest.raises(InvalidCommandError) as caught:
        decide(None, file_claim(header=header(odometer=odometer)), claim_context())
    assert caught.value.violations[0].field == "header.odometer.unit"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lines": ()}, "at least 1 item"),
        ({"lines": (labour(), labour())}, "own line number"),
        ({"lines": (labour(rate={"amount": "185.00", "currency": "EUR"}),)}, "claim is in USD"),
        ({"lines": (labour(), part(), part(3))}, "one causal part"),
        ({"lines": (part(part_number="99999-XYZ"),)}, "causal part is 12345-ABC"),
        ({"claim_type": "CAMPAIGN"}, "campaign"),
        ({"campaign_code": "RC-1"}, "campaign"),
    ],
)
def test_malformed_claims_are_refused_before_any_decision(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        file_claim(**overrides)


@pytest.mark.parametrize(
    "line",
    [
        lambda: labour(operation_code="ENG01"),
        lambda: labour(operation_code="eng001"),
        lambda: labour(hours=Decimal(0)),
        lambda: part(quantity=0),
        lambda: part(quantity=Decimal("1.5")),
        lambda: part(part_number="ab"),
        lambda: other(other_kind="MEALS"),
        lambda: sublet(amount=usd("0.00")),
    ],
)
def test_malformed_lines_are_refused(line: Any) -> None:
    with pytest.raises(ValidationError):
        line()


# --- desk review --------------------------------------------------------------------------------


def test_approving_one_line_leaves_the_claim_under_review() -> None:
    events = when(under_review(), decide_line(1))
    assert events == [line_decided(1, "462.50", decided_at=LATER)]
    assert given(claim_filed(), *events).status == ClaimStatus.UNDER_REVIEW


def test_approving_every_line_in_full_approves_the_claim() -> None:
    claim = given(claim_filed(), line_decided(1, "462.50"))
    events = when(claim, decide_line(2))
    assert events == [line_decided(2, "120.25", decided_at=LATER), claim_decided(decided_at=LATER)]
    assert given(claim_filed(), line_decided(1, "462.50"), *events).status == ClaimStatus.APPROVED


def test_an_adjustment_records_the_approved_amount_and_what_it_took_off() -> None:
    events = when(under_review(), decide_line(1, "ADJUST", approved_amount=usd("400.00"), reason_code="LABOUR_TIME"))
    (decided,) = events
    assert isinstance(decided, ClaimLineDecided)
    assert (decided.approved, decided.adjusted, decided.reason_code) == (usd("400.00"), usd("62.50"), "LABOUR_TIME")


def test_an_adjusted_line_makes_the_claim_partially_approved() -> None:
    claim = given(claim_filed(), line_decided(2, "120.25"))
    events = when(claim, decide_line(1, "ADJUST", approved_amount=usd("400.00"), reason_code="LABOUR_TIME"))
    decided = events[-1]
    assert isinstance(decided, ClaimDecided)
    assert (decided.outcome, decided.approved_total, decided.appeal_by) == (
        ClaimStatus.PARTIALLY_APPROVED,
        usd("520.25"),
        None,
    )


def test_one_rejected_line_among_approved_ones_makes_the_claim_partially_approved() -> None:
    claim = given(claim_filed(), line_decided(1, "462.50"))
    decided = when(claim, decide_line(2, "REJECT", reason_code="NOT_COVERED"))[-1]
    assert isinstance(decided, ClaimDecided)
    assert (decided.outcome, decided.approved_total) == (ClaimStatus.PARTIALLY_APPROVED, usd("462.50"))


def test_rejecting_every_line_rejects_the_claim_with_an_appeal_deadline() -> None:
    claim = given(claim_filed(), line_decided(1, "462.50", "0.00", decision=LineDecision.REJECT, reason_code="NFF"))
    decided = when(claim, decide_line(2, "REJECT", reason_code="NFF"))[-1]
    assert decided == claim_decided(
        ClaimStatus.REJECTED, approved_total=usd("0.00"), decided_at=LATER, appeal_by=date(2026, 4, 11)
    )


def test_deciding_a_line_twice_is_refused() -> None:
    claim = given(claim_filed(), line_decided(1, "462.50"))
    with pytest.raises(PreconditionFailedError) as caught:
        when(claim, decide_line(1, "REJECT", reason_code="NFF"))
    assert caught.value.reason == "LINE_ALREADY_DECIDED"


def test_deciding_an_unknown_line_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        when(under_review(), decide_line(9))


def test_an_adjustment_approves_less_than_was_claimed() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        when(under_review(), decide_line(1, "ADJUST", approved_amount=usd("462.50"), reason_code="X"))
    assert caught.value.violations[0].field == "approved_amount"
    with pytest.raises(InvalidCommandError):
        when(
            under_review(),
            decide_line(1, "ADJUST", approved_amount={"amount": "1", "currency": "EUR"}, reason_code="X"),
        )


def test_adjust_and_reject_need_a_reason_code_and_only_adjust_names_an_amount() -> None:
    with pytest.raises(ValidationError, match="reason code"):
        decide_line(1, "REJECT")
    with pytest.raises(ValidationError, match="approved amount"):
        decide_line(1, "ADJUST", reason_code="X")
    with pytest.raises(ValidationError, match="approved amount"):
        decide_line(1, "APPROVE", approved_amount=usd("1.00"))


def test_lines_are_decided_only_while_the_claim_is_under_review() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(claim_filed(), *approved_in_full()), decide_line(1))
    assert caught.value.reason == "CLAIM_NOT_UNDER_REVIEW"


def test_commands_for_an_unknown_claim_are_not_found() -> None:
    with pytest.raises(NotFoundError):
        when(None, decide_line(1))


# --- return and resubmission --------------------------------------------------------------------


def return_claim() -> ReturnClaim:
    return ReturnClaim(**KEY, reasons=("attach the diagnostic printout",), returned_by=DESK)


def resubmit(**overrides: Any) -> ResubmitClaim:
    fields = KEY | {"header": header(), "currency": "USD", "lines": (labour(), part())}
    return ResubmitClaim.model_validate(fields | overrides)


def test_the_desk_returns_a_claim_under_review_for_correction() -> None:
    events = when(under_review(), return_claim())
    assert events == [ClaimReturned(reasons=("attach the diagnostic printout",), returned_by=DESK, returned_at=LATER)]
    assert given(claim_filed(), *events).status == ClaimStatus.RETURNED


def test_only_a_claim_under_review_can_be_returned() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(claim_filed(), *approved_in_full()), return_claim())
    assert caught.value.reason == "CLAIM_NOT_UNDER_REVIEW"


def test_a_claim_the_checks_return_records_why() -> None:
    claim = returned_for_odometer()
    assert claim.status == ClaimStatus.RETURNED
    assert claim.current.reasons[0].startswith("odometer_plausible: odometer 15000 MI is lower than the reading")


def test_a_corrected_resubmission_is_a_new_version_checked_again_and_earlier_versions_stay() -> None:
    claim = returned_for_odometer()
    (resubmitted,) = when(claim, resubmit())
    assert isinstance(resubmitted, ClaimResubmitted)
    assert resubmitted.version.version_no == 2
    assert resubmitted.version.routed_to == ClaimStatus.UNDER_REVIEW
    assert resubmitted.version.received_at == LATER
    state = given(claim_filed(file_claim(header=header(odometer=mi(15000)))), resubmitted)
    assert state.status == ClaimStatus.UNDER_REVIEW
    assert [v.version_no for v in state.versions] == [1, 2]
    assert state.versions[0].header.odometer == mi(15000)
    assert state.versions[0].trace.routed_to == ClaimStatus.RETURNED
    assert state.current.header.odometer == mi(15100)


def test_a_resubmission_that_still_fails_is_returned_again() -> None:
    (resubmitted,) = when(returned_for_odometer(), resubmit(header=header(odometer=mi(15001))))
    assert isinstance(resubmitted, ClaimResubmitted)
    assert resubmitted.version.routed_to == ClaimStatus.RETURNED


def test_a_resubmission_keeps_the_claim_currency() -> None:
    eur = {"amount": "185.00", "currency": "EUR"}
    with pytest.raises(InvalidCommandError) as caught:
        when(returned_for_odometer(), resubmit(currency="EUR", lines=(labour(rate=eur),)))
    assert caught.value.violations[0].field == "currency"


def test_only_a_returned_claim_can_be_resubmitted() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(under_review(), resubmit())
    assert caught.value.reason == "CLAIM_NOT_RETURNED"


def test_decisions_made_before_a_return_do_not_carry_over_to_the_next_version() -> None:
    partly_decided = (claim_filed(), line_decided(1, "462.50"))
    returned = when(given(*partly_decided), return_claim())
    assert given(*partly_decided).decisions != ()
    assert given(*partly_decided, *returned).decisions == ()


# --- appeal -------------------------------------------------------------------------------------


def appeal() -> AppealClaim:
    return AppealClaim(**KEY, grounds="the coil was tested faulty; report attached")


def test_a_rejection_appealed_on_the_last_day_goes_back_to_the_desk_with_lines_undecided() -> None:
    claim = given(*rejected_history())
    events = when(claim, appeal(), now=at(2026, 4, 11, 23))
    assert events == [
        ClaimAppealed(grounds="the coil was tested faulty; report attached", appealed_at=at(2026, 4, 11, 23))
    ]
    state = given(*rejected_history(), *events)
    assert (state.status, state.decisions, state.appealed) == (ClaimStatus.UNDER_REVIEW, (), True)


def test_an_appeal_the_day_after_the_window_is_refused() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(*rejected_history()), appeal(), now=at(2026, 4, 12, 0))
    assert caught.value.reason == "APPEAL_WINDOW_CLOSED"
    assert caught.value.metadata["appeal_by"] == "2026-04-11"


def test_a_claim_is_appealed_once() -> None:
    appealed = given(*rejected_history(), ClaimAppealed(grounds="g", appealed_at=at(2026, 3, 20)))
    rejected_again = given(
        *rejected_history(),
        ClaimAppealed(grounds="g", appealed_at=at(2026, 3, 20)),
        line_decided(1, "462.50", "0.00", decision=LineDecision.REJECT, reason_code="NFF"),
        line_decided(2, "120.25", "0.00", decision=LineDecision.REJECT, reason_code="NFF"),
        claim_decided(ClaimStatus.REJECTED, approved_total=usd("0.00"), appeal_by=date(2026, 4, 25)),
    )
    assert appealed.status == ClaimStatus.UNDER_REVIEW
    with pytest.raises(PreconditionFailedError) as caught:
        when(rejected_again, appeal(), now=at(2026, 3, 30))
    assert caught.value.reason == "ALREADY_APPEALED"


def test_a_claim_rejected_by_the_checks_can_be_appealed() -> None:
    claim = given(claim_filed(now=at(2026, 4, 4, 18)))
    assert when(claim, appeal(), now=at(2026, 5, 4, 12))


def test_only_a_rejected_claim_can_be_appealed() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(under_review(), appeal())
    assert caught.value.reason == "CLAIM_NOT_REJECTED"


# --- withdrawal ---------------------------------------------------------------------------------


def withdraw() -> WithdrawClaim:
    return WithdrawClaim(**KEY, reason="customer paid")


@pytest.mark.parametrize(
    "history",
    [
        lambda: (claim_filed(),),
        lambda: (claim_filed(), *approved_in_full()),
        rejected_history,
    ],
)
def test_a_claim_can_be_withdrawn_before_payment(history: Any) -> None:
    claim = given(*history())
    events = when(claim, withdraw())
    assert events == [ClaimWithdrawn(reason="customer paid", previous_status=claim.status, withdrawn_at=LATER)]
    assert given(*history(), *events).status == ClaimStatus.WITHDRAWN


def test_withdrawing_twice_changes_nothing() -> None:
    claim = given(
        claim_filed(), ClaimWithdrawn(reason=None, previous_status=ClaimStatus.UNDER_REVIEW, withdrawn_at=LATER)
    )
    assert when(claim, withdraw()) == []


def test_a_paid_claim_cannot_be_withdrawn() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(claim_filed(), *approved_in_full(), claim_paid()), withdraw())
    assert caught.value.reason == "CLAIM_PAID"


def test_a_stated_total_that_the_lines_do_not_add_up_to_is_invalid_and_a_matching_one_files() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        decide(None, file_claim(stated_total=usd("582.74")), claim_context())
    assert [(v.field, v.description) for v in caught.value.violations] == [
        ("stated_total", "the lines add up to 582.75 USD, not 582.74 USD")
    ]
    assert decide(None, file_claim(stated_total=usd("582.75")), claim_context())
