"""PreAuthorizationService over a real channel, and the claims it lets through above the thresholds."""

from __future__ import annotations

import grpc
import pytest

from claims.api.v1 import claims_pb2
from claims.api.v1 import preauthorizations_pb2 as pb
from tests.conftest import FixedClock
from tests.e2e.conftest import Api, get_claim, rich_error
from tests.e2e.requests import decide_preauth_request, file_claim_request, labour_line, part_line, preauth_request, usd

# 462.50 of labour and a 1,450.00 causal part: 1,912.50 USD, above the pack's 1,500.00 threshold.
ABOVE_THRESHOLD = [labour_line(), part_line(unit_price=usd("1450.00"))]


def get_preauth(api: Api, number: str = "PA-1001") -> pb.PreAuthorization:
    request = pb.GetPreAuthorizationRequest(dealer_id="D042", preauth_number=number)
    return api.preauths.GetPreAuthorization(request, timeout=5).pre_authorization


def test_an_approved_pre_authorization_lets_a_claim_above_the_thresholds_through(claims_api: Api) -> None:
    requested = claims_api.preauths.RequestPreAuthorization(preauth_request(), timeout=5)
    assert get_preauth(claims_api).status == pb.PRE_AUTHORIZATION_STATUS_REQUESTED
    decided = claims_api.preauths.DecidePreAuthorization(
        decide_preauth_request(expected_version=requested.result.version), timeout=5
    )
    assert decided.result.version == 2
    claims_api.claims.FileClaim(file_claim_request(lines=ABOVE_THRESHOLD, preauth_number="PA-1001"), timeout=5)
    claim = get_claim(claims_api)
    check = next(r for r in claim.versions[0].trace.results if r.rule == "preauthorized_when_required")
    assert (claim.status, check.outcome, claim.versions[0].preauth_number) == (
        claims_pb2.CLAIM_STATUS_UNDER_REVIEW, claims_pb2.CHECK_OUTCOME_PASS, "PA-1001",
    )  # fmt: skip
    preauth = get_preauth(claims_api)
    assert (preauth.status, preauth.decision, preauth.expires_on, preauth.approved_amount.amount) == (
        pb.PRE_AUTHORIZATION_STATUS_CONSUMED, pb.PRE_AUTHORIZATION_DECISION_APPROVE, "2026-12-31", "2000.00",
    )  # fmt: skip
    assert (preauth.consumed_by, preauth.labour_hours) == (claim.claim_id, "2.5")


def test_a_claim_above_the_thresholds_without_one_is_rejected_with_the_rule_named(claims_api: Api) -> None:
    claims_api.claims.FileClaim(file_claim_request(lines=ABOVE_THRESHOLD), timeout=5)
    claim = get_claim(claims_api)
    check = next(r for r in claim.versions[0].trace.results if r.rule == "preauthorized_when_required")
    assert (claim.status, check.outcome, check.facts["preauth_number"]) == (
        claims_pb2.CLAIM_STATUS_REJECTED, claims_pb2.CHECK_OUTCOME_REJECT, "none",
    )  # fmt: skip
    assert check.reason.startswith("a pre-authorization is required (claimed 1912.50 USD is above 1500.00)")
    assert f"preauthorized_when_required: {check.reason}" in claim.versions[0].reasons
    assert claim.appeal_by == "2026-12-23"


def test_a_rejection_says_why_and_is_final(claims_api: Api) -> None:
    claims_api.preauths.RequestPreAuthorization(preauth_request(), timeout=5)
    head = claims_api.head()
    with pytest.raises(grpc.RpcError) as caught:
        claims_api.preauths.DecidePreAuthorization(decide_preauth_request("REJECT"), timeout=5)
    assert set(rich_error(caught.value).fields) == {"note"}
    assert claims_api.head() == head
    claims_api.preauths.DecidePreAuthorization(decide_preauth_request("REJECT", note="repair the coil only"), timeout=5)
    with pytest.raises(grpc.RpcError) as caught:
        claims_api.preauths.DecidePreAuthorization(decide_preauth_request(), timeout=5)
    error = rich_error(caught.value)
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PREAUTH_ALREADY_DECIDED")
    assert (get_preauth(claims_api).status, get_preauth(claims_api).note) == (
        pb.PRE_AUTHORIZATION_STATUS_REJECTED, "repair the coil only",
    )  # fmt: skip


def test_an_unused_approval_expires_only_after_its_day(claims_api: Api, clock: FixedClock) -> None:
    claims_api.preauths.RequestPreAuthorization(preauth_request(), timeout=5)
    claims_api.preauths.DecidePreAuthorization(decide_preauth_request(expires_on="2026-11-30"), timeout=5)
    expire = pb.ExpirePreAuthorizationRequest(request_id="x-1", dealer_id="D042", preauth_number="PA-1001")
    head = claims_api.head()
    with pytest.raises(grpc.RpcError) as caught:
        claims_api.preauths.ExpirePreAuthorization(expire, timeout=5)
    assert rich_error(caught.value).reason == "PREAUTH_NOT_YET_EXPIRED"
    assert claims_api.head() == head
    clock.advance(days=8)
    claims_api.preauths.ExpirePreAuthorization(
        pb.ExpirePreAuthorizationRequest(request_id="x-2", dealer_id="D042", preauth_number="PA-1001"), timeout=5
    )
    assert get_preauth(claims_api).status == pb.PRE_AUTHORIZATION_STATUS_EXPIRED


@pytest.mark.parametrize(
    ("request_", "fields"),
    [
        (preauth_request(estimated_amount=usd("-5.00")), {"estimated_amount"}),
        (preauth_request(labour_hours="-1", main_part_count=-1), {"labour_hours", "main_part_count"}),
        (preauth_request(vin="", reason=""), {"vin", "reason"}),
    ],
    ids=["negative estimate", "negative hours and parts", "missing vin and reason"],
)
def test_bad_requests_name_their_fields(
    claims_api: Api, request_: pb.RequestPreAuthorizationRequest, fields: set[str]
) -> None:
    head = claims_api.head()
    with pytest.raises(grpc.RpcError) as caught:
        claims_api.preauths.RequestPreAuthorization(request_, timeout=5)
    assert (rich_error(caught.value).code, set(rich_error(caught.value).fields)) == (
        grpc.StatusCode.INVALID_ARGUMENT, fields,
    )  # fmt: skip
    assert claims_api.head() == head


def test_an_approval_that_expired_yesterday_is_invalid(claims_api: Api) -> None:
    claims_api.preauths.RequestPreAuthorization(preauth_request(), timeout=5)
    with pytest.raises(grpc.RpcError) as caught:
        claims_api.preauths.DecidePreAuthorization(decide_preauth_request(expires_on="2026-11-22"), timeout=5)
    assert set(rich_error(caught.value).fields) == {"expires_on"}


def test_unknown_vehicles_and_pre_authorizations_are_not_found(claims_api: Api) -> None:
    for call in (
        lambda: claims_api.preauths.RequestPreAuthorization(preauth_request(vin="WVWZZZ1JZXW000009"), timeout=5),
        lambda: get_preauth(claims_api, "PA-9999"),
        lambda: claims_api.preauths.DecidePreAuthorization(decide_preauth_request(preauth_number="PA-9"), timeout=5),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            call()
        assert rich_error(caught.value).code == grpc.StatusCode.NOT_FOUND
