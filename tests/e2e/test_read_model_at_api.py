"""AuditService.GetReadModelAt over a real channel, on SQLite and PostgreSQL: the claim list, the commitment clocks,
the compensation ledger and a statutory case as of position P answer what the live RPCs answered when the head was P
(captured then), after more was appended; by recorded time too; paging at P; and the refusals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
import pytest

from claims.api.v1 import audit_pb2 as pb
from claims.api.v1 import audit_pb2_grpc as pb_grpc
from claims.api.v1 import claims_pb2
from claims.api.v1 import statutory_pb2 as st
from tests.builders import CN_VIN
from tests.conftest import FixedClock
from tests.e2e.conftest import Api, rich_error
from tests.e2e.requests import claim_request, file_claim_request
from tests.e2e.test_commitment_api import COURTESY_REPAIR_OPENED, tick
from tests.e2e.test_statutory_api import registered, repair


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def history_api(request: pytest.FixtureRequest) -> Api:
    """A US claim's covered vehicle and closed repair order, on SQLite or PostgreSQL."""
    name = "claims_api" if request.param == "sqlite" else "pg_claims_api"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Live:
    """What the live RPCs answered at one head."""

    head: int
    claims: claims_pb2.ListClaimsResponse
    clocks: st.ListCommitmentsResponse
    ledger: st.ListCompensationResponse
    case: st.GetStatutoryCaseResponse


def live(api: Api) -> Live:
    head = api.head()
    return Live(
        head,
        api.claims.ListClaims(claims_pb2.ListClaimsRequest(min_position=head), timeout=5),
        api.statutory.ListCommitments(st.ListCommitmentsRequest(min_position=head), timeout=5),
        api.statutory.ListCompensation(st.ListCompensationRequest(min_position=head), timeout=5),
        api.statutory.GetStatutoryCase(st.GetStatutoryCaseRequest(vin=CN_VIN), timeout=5),
    )


def first_stretch(api: Api) -> Live:
    """Claim C-1001 filed; the CN vehicle repaired for 130 hours (a courtesy car owed): the live answers then."""
    api.claims.FileClaim(file_claim_request(), timeout=5)
    registered(api)
    repair(api, 1, COURTESY_REPAIR_OPENED, hours=130)
    return live(api)


def second_stretch(api: Api, clock: FixedClock) -> Live:
    """An hour later: C-1001 withdrawn, the timer's breaches booked, a second repair."""
    clock.advance(hours=1)
    api.claims.WithdrawClaim(claim_request(claims_pb2.WithdrawClaimRequest, reason="customer paid"), timeout=5)
    assert len(tick(api)) == 2
    repair(api, 2, COURTESY_REPAIR_OPENED.replace(day=12), hours=20)
    return live(api)


def audit(api: Api) -> pb_grpc.AuditServiceStub:
    return pb_grpc.AuditServiceStub(api.channel)


def at(api: Api, position: int | None = None, **read_model: Any) -> pb.GetReadModelAtResponse:
    request = pb.GetReadModelAtRequest(**read_model)
    if position is not None:
        request.position = position
    return audit(api).GetReadModelAt(request, timeout=10)  # type: ignore[no-any-return]


def test_each_read_model_at_p_answers_what_its_live_rpc_answered_when_the_head_was_p(
    history_api: Api, clock: FixedClock
) -> None:
    then = first_stretch(history_api)
    now = second_stretch(history_api, clock)
    assert now.head > then.head
    assert (now.claims.claims != then.claims.claims, now.ledger.entries != then.ledger.entries) == (True, True)
    assert now.clocks.clocks != then.clocks.clocks
    assert now.case != then.case
    p = then.head

    claims = at(history_api, p, claims=claims_pb2.ListClaimsRequest())
    clocks = at(history_api, p, commitments=st.ListCommitmentsRequest())
    ledger = at(history_api, p, compensation=st.ListCompensationRequest())
    case = at(history_api, p, statutory_case=st.GetStatutoryCaseRequest(vin=CN_VIN))

    assert (claims.position, claims.claims) == (p, then.claims)
    assert (clocks.position, clocks.commitments) == (p, then.clocks)
    assert (ledger.position, ledger.compensation) == (p, then.ledger)
    assert (case.position, case.statutory_case) == (p, then.case)
    assert claims.events_replayed > 0
    assert at(history_api, p, claims=claims_pb2.ListClaimsRequest()).events_replayed == 0  # from the cache
    head = at(history_api, now.head, compensation=st.ListCompensationRequest())
    assert head.compensation == now.ledger
    assert live(history_api) == now  # the live read models are as they were


def test_a_recorded_moment_answers_as_of_the_log_recorded_by_then(history_api: Api, clock: FixedClock) -> None:
    filed_at = clock()
    then = first_stretch(history_api)
    second_stretch(history_api, clock)
    request = pb.GetReadModelAtRequest(claims=claims_pb2.ListClaimsRequest(dealer_id="D042"))
    request.recorded_at.FromDatetime(filed_at)
    answer = audit(history_api).GetReadModelAt(request, timeout=10)
    assert (answer.position, list(answer.claims.claims)) == (then.head, list(then.claims.claims))
    assert [c.status for c in answer.claims.claims] == [claims_pb2.CLAIM_STATUS_UNDER_REVIEW]


def test_pages_at_p_follow_the_live_order_and_their_tokens_belong_to_p(api: Api, clock: FixedClock) -> None:
    registered(api)
    repair(api, 1, COURTESY_REPAIR_OPENED, hours=130)
    then = live(api)
    repair(api, 2, COURTESY_REPAIR_OPENED.replace(day=12), hours=20)
    pages, token = [], ""
    while True:
        page = at(api, then.head, commitments=st.ListCommitmentsRequest(page_size=1, page_token=token)).commitments
        pages += page.clocks
        token = page.next_page_token
        if not token:
            break
    assert pages == list(then.clocks.clocks)
    assert len(pages) == 2
    first = at(api, then.head, commitments=st.ListCommitmentsRequest(page_size=1)).commitments.next_page_token
    elsewhere = pb.GetReadModelAtRequest(position=api.head(), commitments=st.ListCommitmentsRequest(page_token=first))
    live_token = api.statutory.ListCommitments(st.ListCommitmentsRequest(page_size=1), timeout=5).next_page_token
    from_live = pb.GetReadModelAtRequest(
        position=then.head, commitments=st.ListCommitmentsRequest(page_token=live_token)
    )
    for request in (elsewhere, from_live):
        refused = refusal(api, request)
        assert (refused.code, refused.fields.keys()) == (grpc.StatusCode.INVALID_ARGUMENT, {"commitments.page_token"})


def refusal(api: Api, request: pb.GetReadModelAtRequest) -> Any:
    with pytest.raises(grpc.RpcError) as caught:
        audit(api).GetReadModelAt(request, timeout=10)
    return rich_error(caught.value)


def at_1(**read_model: Any) -> pb.GetReadModelAtRequest:
    return pb.GetReadModelAtRequest(position=1, **read_model)


def test_refusals_are_precise(claims_api: Api) -> None:
    claims_api.claims.FileClaim(file_claim_request(), timeout=5)
    head = claims_api.head()
    every = claims_pb2.ListClaimsRequest()

    beyond = refusal(claims_api, pb.GetReadModelAtRequest(position=head + 1, claims=every))
    assert (beyond.code, beyond.reason, beyond.metadata) == (
        grpc.StatusCode.OUT_OF_RANGE, "POSITION_BEYOND_HEAD", {"position": str(head + 1), "head": str(head)},
    )  # fmt: skip
    cases = [
        (pb.GetReadModelAtRequest(position=1), {"read_model"}),
        (pb.GetReadModelAtRequest(claims=every), {"as_of"}),
        (pb.GetReadModelAtRequest(position=-1, claims=every), {"position"}),
        (at_1(claims=claims_pb2.ListClaimsRequest(filed_from="May")), {"claims.filed_from"}),
        (at_1(claims=claims_pb2.ListClaimsRequest(page_size=-1)), {"claims.page_size"}),
        (at_1(commitments=st.ListCommitmentsRequest(ro_number="RO-1")), {"commitments.dealer_id"}),
        (at_1(statutory_case=st.GetStatutoryCaseRequest()), {"statutory_case.vin"}),
    ]  # fmt: skip
    for request, fields in cases:
        refused = refusal(claims_api, request)
        assert (refused.code, refused.fields.keys()) == (grpc.StatusCode.INVALID_ARGUMENT, fields), request
    # Known now, not yet at position 1: NOT_FOUND, as the live RPCs say it.
    unknown_then = [
        at_1(commitments=st.ListCommitmentsRequest(dealer_id="D042", claim_number="C-1001")),
        at_1(statutory_case=st.GetStatutoryCaseRequest(vin=CN_VIN)),
    ]  # fmt: skip
    for request in unknown_then:
        assert refusal(claims_api, request).code == grpc.StatusCode.NOT_FOUND
