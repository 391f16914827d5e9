"""Deemed approval: a claim undecided when its statutory decision clock runs out is approved by law."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from claims.domain.claim.commands import AppealClaim, DeemApproval, PostPayment, ResubmitClaim
from claims.domain.claim.decide import decide
from claims.domain.claim.events import ClaimDeemedApproved, ClaimEvent, ClaimPaid, LineApproval
from claims.domain.claim.state import Claim, evolve
from claims.domain.claim.values import ClaimStatus, LineDecision
from claims.domain.errors import InvalidCommandError, PreconditionFailedError
from tests.unit.domain.claim_builders import (
    CLAIM_NUMBER,
    DEALER,
    at,
    claim_context,
    claim_decided,
    claim_deemed_approved,
    claim_filed,
    given,
    header,
    labour,
    line_decided,
    usd,
)
from tests.unit.domain.test_claim_decide import rejected_history, returned_for_odometer

# Filed 2026-03-10 10:00 UTC in US-CA (VC 3065): the 30th day is 2026-04-09, and the desk may still decide
# until that day ends; the claim is deemed approved when it has ended undecided, "on the 30th day".
DAY_30_ENDS = datetime(2026, 4, 9, 23, 59, 59, 999999, tzinfo=UTC)
CA = "US-CA-CLAIM-DECISION"


def deem(**overrides: Any) -> DeemApproval:
    fields = {"dealer_id": DEALER, "claim_number": CLAIM_NUMBER, "commitment_code": CA, "due_at": DAY_30_ENDS}
    return DeemApproval.model_validate(fields | overrides)


def when(claim: Claim, command: Any, now: datetime) -> list[ClaimEvent]:
    return decide(claim, command, claim_context(now=now))


def reason(caught: pytest.ExceptionInfo[PreconditionFailedError]) -> str:
    return caught.value.reason


@pytest.mark.parametrize(
    ("now", "deemed"),
    [
        (at(2026, 4, 8, 23, 59), False),  # day 29
        (DAY_30_ENDS - timedelta(microseconds=1), False),  # day 30, still the desk's
        (DAY_30_ENDS, True),  # day 30 has run out
        (at(2026, 4, 10, 0, 1), True),  # a timer that ticks after midnight records the same approval
    ],
)
def test_a_california_claim_is_deemed_approved_only_once_its_30th_day_has_run_out(now: datetime, deemed: bool) -> None:
    claim = given(claim_filed())
    if not deemed:
        with pytest.raises(PreconditionFailedError) as caught:
            when(claim, deem(), now)
        assert reason(caught) == "DECISION_CLOCK_RUNNING"
        assert caught.value.metadata["due_at"] == DAY_30_ENDS.isoformat()
        return
    assert when(claim, deem(), now) == [claim_deemed_approved(deemed_at=now)]


def test_a_deemed_approved_claim_is_approved_at_its_claimed_amounts_and_can_be_paid() -> None:
    claim = given(claim_filed(), claim_deemed_approved())
    assert (claim.status, claim.deemed_approved_at, claim.appeal_by) == (ClaimStatus.APPROVED, DAY_30_ENDS, None)
    assert [(v.decision, v.reason_code, v.approved, v.payable) for v in claim.lines()] == [
        (LineDecision.APPROVE, "DEEMED_APPROVED", usd("462.50"), usd("462.50")),
        (LineDecision.APPROVE, "DEEMED_APPROVED", usd("120.25"), usd("120.25")),
    ]
    (paid,) = when(claim, PostPayment(dealer_id=DEALER, claim_number=CLAIM_NUMBER, credit_reference="CR-9"),
                   at(2026, 4, 20))  # fmt: skip
    assert isinstance(paid, ClaimPaid)
    assert paid.total == usd("582.75")


def test_lines_the_desk_decided_before_the_clock_ran_out_are_approved_as_claimed_too() -> None:
    claim = given(claim_filed(), line_decided(1, "462.50", "0.00", decision=LineDecision.REJECT, reason_code="NFF"))
    (deemed,) = when(claim, deem(), DAY_30_ENDS)
    assert isinstance(deemed, ClaimDeemedApproved)
    assert deemed.approved_total == usd("582.75")


def test_deeming_an_already_deemed_claim_again_changes_nothing() -> None:
    claim = given(claim_filed(), claim_deemed_approved())
    assert when(claim, deem(), at(2026, 4, 11)) == []
    paid = given(claim_filed(), claim_deemed_approved())
    paid = evolve(paid, when(paid, PostPayment(dealer_id=DEALER, claim_number=CLAIM_NUMBER, credit_reference="CR-9"),
                             at(2026, 4, 20))[0])  # fmt: skip
    assert when(paid, deem(), at(2026, 4, 21)) == []


def test_only_a_claim_under_review_is_deemed_approved() -> None:
    decided = given(claim_filed(), line_decided(1, "462.50"), line_decided(2, "120.25"), claim_decided())
    for claim in (decided, returned_for_odometer(), given(*rejected_history())):
        with pytest.raises(PreconditionFailedError) as caught:
            when(claim, deem(), at(2026, 5, 1))
        assert reason(caught) == "CLAIM_NOT_UNDER_REVIEW"


def test_an_appeal_runs_no_statutory_clock() -> None:
    appealed = given(*rejected_history())
    appealed = evolve(appealed, when(appealed, AppealClaim(dealer_id=DEALER, claim_number=CLAIM_NUMBER,
                                                           grounds="faulty coil"), at(2026, 3, 20))[0])  # fmt: skip
    with pytest.raises(PreconditionFailedError) as caught:
        when(appealed, deem(), at(2026, 5, 1))
    assert reason(caught) == "CLAIM_APPEALED"


def test_a_resubmission_restarts_the_clock_so_the_first_versions_due_time_no_longer_counts() -> None:
    returned = returned_for_odometer()
    resubmit = ResubmitClaim(dealer_id=DEALER, claim_number=CLAIM_NUMBER, header=header(), currency="USD",
                             lines=(labour(),))  # fmt: skip
    (resubmitted,) = decide(returned, resubmit, claim_context(now=at(2026, 3, 20, 8)))
    claim = evolve(returned, resubmitted)
    assert claim.status == ClaimStatus.UNDER_REVIEW
    with pytest.raises(PreconditionFailedError) as caught:
        when(claim, deem(), at(2026, 4, 25))
    assert reason(caught) == "DECISION_CLOCK_MISMATCH"
    restarted = datetime(2026, 4, 19, 23, 59, 59, 999999, tzinfo=UTC)  # 30 days after 2026-03-20
    assert caught.value.metadata["due_at"] == restarted.isoformat()
    (deemed,) = when(claim, deem(due_at=restarted), at(2026, 4, 25))
    assert isinstance(deemed, ClaimDeemedApproved)
    assert deemed.lines == (LineApproval(line_no=1, approved=usd("462.50")),)


def test_the_commitment_must_be_a_decision_clock_that_binds_the_claims_jurisdiction() -> None:
    claim = given(claim_filed())
    for code in ("NO-SUCH-CLOCK", "US-CA-CLAIM-PAYMENT"):
        with pytest.raises(InvalidCommandError) as invalid:
            when(claim, deem(commitment_code=code), at(2026, 5, 1))
        assert [v.field for v in invalid.value.violations] == ["commitment_code"]
    with pytest.raises(PreconditionFailedError) as caught:
        when(claim, deem(commitment_code="US-NY-CLAIM-DECISION"), at(2026, 5, 1))
    assert reason(caught) == "COMMITMENT_NOT_APPLICABLE"
