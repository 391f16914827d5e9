"""Pre-authorizations: requested, decided, consumed once by a claim, lapsed after their expiry date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from pydantic import ValidationError

from claims.domain.context import DecisionContext
from claims.domain.errors import AlreadyExistsError, InvalidCommandError, NotFoundError, PreconditionFailedError
from claims.domain.ids import preauth_id_for
from claims.domain.preauth.commands import (
    ConsumePreAuthorization,
    DecidePreAuthorization,
    ExpirePreAuthorization,
    RequestPreAuthorization,
)
from claims.domain.preauth.decide import decide
from claims.domain.preauth.events import (
    PreAuthorizationApproved,
    PreAuthorizationConsumed,
    PreAuthorizationExpired,
    PreAuthorizationRejected,
)
from claims.domain.preauth.state import PreAuthStatus
from tests.unit.domain.claim_builders import (
    DEALER,
    DESK,
    PREAUTH_NUMBER,
    RO_NUMBER,
    VIN,
    approved_preauth,
    at,
    given,
    preauth_approved,
    preauth_requested,
    usd,
)

NOW = at(2026, 3, 3)
CTX = DecisionContext(now=NOW)
KEY = {"dealer_id": DEALER, "preauth_number": PREAUTH_NUMBER}
CLAIM_ID = uuid4()


def request(**overrides: object) -> RequestPreAuthorization:
    fields = KEY | {
        "vin": VIN,
        "ro_number": RO_NUMBER,
        "estimated_amount": usd("2500.00"),
        "labour_hours": Decimal("9.5"),
        "main_part_count": 1,
        "reason": "transmission replacement",
    }
    return RequestPreAuthorization.model_validate(fields | overrides)


def approve(expires_on: date = date(2026, 3, 31), **overrides: object) -> DecidePreAuthorization:
    fields = KEY | {"decision": "APPROVE", "decided_by": DESK, "expires_on": expires_on}
    return DecidePreAuthorization.model_validate(fields | overrides)


def reject() -> DecidePreAuthorization:
    return DecidePreAuthorization(**KEY, decision="REJECT", decided_by=DESK, note="repair by campaign instead")


def consume(claim_id: object = CLAIM_ID, repair_date: date = date(2026, 3, 2)) -> ConsumePreAuthorization:
    return ConsumePreAuthorization.model_validate(KEY | {"claim_id": claim_id, "repair_date": repair_date})


def test_a_request_records_the_estimate_and_when_it_was_received() -> None:
    (requested,) = decide(None, request(), CTX)
    assert requested == preauth_requested(preauth_id=preauth_id_for(DEALER, PREAUTH_NUMBER), requested_at=NOW)


def test_a_request_number_is_used_once_per_dealer() -> None:
    with pytest.raises(AlreadyExistsError):
        decide(given(preauth_requested()), request(), CTX)


def test_deciding_an_unknown_request_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        decide(None, approve(), CTX)


def test_an_approval_records_its_expiry_and_defaults_to_the_estimate() -> None:
    assert decide(given(preauth_requested()), approve(), CTX) == [
        PreAuthorizationApproved(
            approved_amount=usd("2500.00"), expires_on=date(2026, 3, 31), decided_by=DESK, decided_at=NOW, note=None
        )
    ]


def test_an_approval_needs_an_expiry_date_and_a_rejection_a_note() -> None:
    with pytest.raises(ValidationError, match="expires"):
        DecidePreAuthorization(**KEY, decision="APPROVE", decided_by=DESK)
    with pytest.raises(ValidationError, match="says why"):
        DecidePreAuthorization(**KEY, decision="REJECT", decided_by=DESK)


def test_an_approval_cannot_expire_in_the_past() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        decide(given(preauth_requested()), approve(expires_on=date(2026, 3, 2)), CTX)
    assert caught.value.violations[0].field == "expires_on"


def test_an_approved_amount_is_in_the_estimate_currency() -> None:
    command = approve(approved_amount={"amount": "2000.00", "currency": "EUR"})
    with pytest.raises(InvalidCommandError):
        decide(given(preauth_requested()), command, CTX)


def test_a_rejection_is_recorded_with_its_note() -> None:
    assert decide(given(preauth_requested()), reject(), CTX) == [
        PreAuthorizationRejected(decided_by=DESK, decided_at=NOW, note="repair by campaign instead")
    ]


def test_deciding_twice_differently_is_refused_and_repeating_is_a_no_op() -> None:
    approved = approved_preauth()
    assert decide(approved, approve(), CTX) == []
    with pytest.raises(PreconditionFailedError) as caught:
        decide(approved, reject(), CTX)
    assert caught.value.reason == "PREAUTH_ALREADY_DECIDED"


def test_a_claim_consumes_an_approval() -> None:
    events = decide(approved_preauth(), consume(), CTX)
    assert events == [PreAuthorizationConsumed(claim_id=CLAIM_ID, repair_date=date(2026, 3, 2), consumed_at=NOW)]
    state = given(preauth_requested(), preauth_approved(), *events)
    assert (state.status, state.consumed_by) == (PreAuthStatus.CONSUMED, CLAIM_ID)


def test_consuming_twice_for_another_claim_is_refused() -> None:
    used = PreAuthorizationConsumed(claim_id=CLAIM_ID, repair_date=date(2026, 3, 2), consumed_at=NOW)
    consumed = given(preauth_requested(), preauth_approved(), used)
    with pytest.raises(PreconditionFailedError) as caught:
        decide(consumed, consume(claim_id=uuid4()), CTX)
    assert caught.value.reason == "PREAUTH_ALREADY_CONSUMED"
    assert decide(consumed, consume(), CTX) == []  # the same claim again, e.g. on resubmission


def test_a_request_not_approved_cannot_be_consumed() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        decide(given(preauth_requested()), consume(), CTX)
    assert caught.value.reason == "PREAUTH_NOT_APPROVED"


def test_an_approval_covers_a_repair_on_its_expiry_day_but_not_the_day_after() -> None:
    preauth = approved_preauth(expires_on=date(2026, 3, 2))
    assert decide(preauth, consume(repair_date=date(2026, 3, 2)), CTX)
    with pytest.raises(PreconditionFailedError) as caught:
        decide(preauth, consume(repair_date=date(2026, 3, 3)), CTX)
    assert caught.value.reason == "PREAUTH_EXPIRED"


def test_an_unused_approval_lapses_the_day_after_its_expiry() -> None:
    preauth = approved_preauth(expires_on=date(2026, 3, 31))
    with pytest.raises(PreconditionFailedError) as caught:
        decide(preauth, ExpirePreAuthorization(**KEY), DecisionContext(now=at(2026, 3, 31, 23)))
    assert caught.value.reason == "PREAUTH_NOT_YET_EXPIRED"
    events = decide(preauth, ExpirePreAuthorization(**KEY), DecisionContext(now=at(2026, 4, 1, 0)))
    assert events == [PreAuthorizationExpired(expires_on=date(2026, 3, 31), expired_at=at(2026, 4, 1, 0))]


def test_a_lapsed_approval_still_covers_a_repair_done_before_it_expired() -> None:
    lapsed = given(
        preauth_requested(),
        preauth_approved(),
        PreAuthorizationExpired(expires_on=date(2026, 3, 31), expired_at=at(2026, 4, 1)),
    )
    assert lapsed.status == PreAuthStatus.EXPIRED
    assert decide(lapsed, consume(repair_date=date(2026, 3, 30)), DecisionContext(now=at(2026, 4, 5)))
    assert decide(lapsed, ExpirePreAuthorization(**KEY), CTX) == []


def test_a_withdrawn_claims_preauthorization_is_released_once_and_only_by_that_claim() -> None:
    from claims.domain.preauth.commands import ReleasePreAuthorization
    from claims.domain.preauth.events import PreAuthorizationConsumed, PreAuthorizationReleased
    from claims.domain.preauth.state import evolve

    claim_id, other = uuid4(), uuid4()
    consumed = given(
        preauth_requested(),
        preauth_approved(),
        PreAuthorizationConsumed(claim_id=claim_id, repair_date=date(2026, 3, 2), consumed_at=NOW),
    )
    ref = KEY
    assert decide(consumed, ReleasePreAuthorization(**ref, claim_id=other), CTX) == []
    (released,) = decide(consumed, ReleasePreAuthorization(**ref, claim_id=claim_id), CTX)
    assert released == PreAuthorizationReleased(claim_id=claim_id, released_at=NOW)
    again = evolve(consumed, released)
    assert (again.status, again.consumed_by) == (PreAuthStatus.APPROVED, None)
    assert decide(again, ReleasePreAuthorization(**ref, claim_id=claim_id), CTX) == []
