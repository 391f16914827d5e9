"""AuditService.GetStateAt over a real channel: a claim as of its first version and as it stands now."""

from __future__ import annotations

import base64
import json

import grpc
import pytest

from claims.api.v1 import audit_pb2 as pb
from claims.api.v1 import audit_pb2_grpc as pb_grpc
from claims.api.v1 import claims_pb2
from claims.domain.ids import claim_id_for
from tests.conftest import FixedClock
from tests.e2e.conftest import Api
from tests.e2e.requests import claim_request, file_claim_request

CLAIM = pb.AuditClaimRef(dealer_id="D042", claim_number="C-1001")


def test_get_state_at_shows_a_claim_as_of_its_first_version_and_now(claims_api: Api, clock: FixedClock) -> None:
    claims_api.claims.FileClaim(file_claim_request(), timeout=5)
    filed_at = clock()
    clock.advance(hours=2)
    claims_api.claims.WithdrawClaim(claim_request(claims_pb2.WithdrawClaimRequest, reason="customer paid"), timeout=5)
    audit = pb_grpc.AuditServiceStub(claims_api.channel)

    first = audit.GetStateAt(pb.GetStateAtRequest(claim=CLAIM, version=1), timeout=5)
    now = audit.GetStateAt(pb.GetStateAtRequest(claim=CLAIM), timeout=5)
    at = pb.GetStateAtRequest(claim=CLAIM)
    at.recorded_at.FromDatetime(filed_at)
    as_filed = audit.GetStateAt(at, timeout=5)

    assert (first.kind, first.stream_id, first.version) == ("claim", str(claim_id_for("D042", "C-1001")), 1)
    assert json.loads(first.state_json)["status"] == "UNDER_REVIEW"
    assert [(e.version, e.topic) for e in first.events] == [(1, "claims.claim.ClaimFiled")]
    assert first.events[0].position > 0
    assert json.loads(first.events[0].payload_json)["claim_number"] == "C-1001"
    assert (now.version, json.loads(now.state_json)["status"]) == (2, "WITHDRAWN")
    assert [e.version for e in now.events] == [1, 2]
    assert now.events[1].position > now.events[0].position
    assert (as_filed.version, as_filed.state_json) == (1, first.state_json)


def test_get_state_at_is_not_found_before_the_first_event_and_for_unknown_subjects(
    claims_api: Api, clock: FixedClock
) -> None:
    audit = pb_grpc.AuditServiceStub(claims_api.channel)
    unknown = pb.GetStateAtRequest(claim=pb.AuditClaimRef(dealer_id="D042", claim_number="C-404"))
    with pytest.raises(grpc.RpcError) as caught:
        audit.GetStateAt(unknown, timeout=5)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    claims_api.claims.FileClaim(file_claim_request(), timeout=5)
    before = pb.GetStateAtRequest(claim=CLAIM)
    before.recorded_at.FromSeconds(0)
    with pytest.raises(grpc.RpcError) as caught:
        audit.GetStateAt(before, timeout=5)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as caught:
        audit.GetStateAt(pb.GetStateAtRequest(), timeout=5)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_get_state_at_pages_the_events_that_made_the_state(claims_api: Api, clock: FixedClock) -> None:
    claims_api.claims.FileClaim(file_claim_request(), timeout=5)
    clock.advance(hours=2)
    claims_api.claims.WithdrawClaim(claim_request(claims_pb2.WithdrawClaimRequest, reason="customer paid"), timeout=5)
    audit = pb_grpc.AuditServiceStub(claims_api.channel)
    whole = audit.GetStateAt(pb.GetStateAtRequest(claim=CLAIM), timeout=5)

    first = audit.GetStateAt(pb.GetStateAtRequest(claim=CLAIM, events_page_size=1), timeout=5)
    second = audit.GetStateAt(
        pb.GetStateAtRequest(claim=CLAIM, events_page_size=1, events_page_token=first.next_events_page_token), timeout=5
    )

    assert whole.next_events_page_token == ""
    assert [e.version for e in first.events] == [1]
    assert first.next_events_page_token
    assert (first.version, first.state_json) == (whole.version, whole.state_json)
    assert [e.version for e in second.events] == [2]
    assert second.next_events_page_token == ""
    assert list(first.events) + list(second.events) == list(whole.events)
    body, signature = first.next_events_page_token.rsplit(".", 1)
    assert json.loads(base64.urlsafe_b64decode(body))["v"] == 2
    forged = f"{body}.{'0' * len(signature)}"  # the same cursor, not signed by the server
    mistakes = [
        pb.GetStateAtRequest(claim=CLAIM, events_page_size=-1),
        pb.GetStateAtRequest(claim=CLAIM, events_page_token="not-a-token"),
        pb.GetStateAtRequest(claim=CLAIM, events_page_token=forged),
        pb.GetStateAtRequest(
            claim=pb.AuditClaimRef(dealer_id="D042", claim_number="C-2002"),
            events_page_token=first.next_events_page_token,
        ),
    ]
    for request in mistakes:
        with pytest.raises(grpc.RpcError) as caught:
            audit.GetStateAt(request, timeout=5)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, request
