"""ClaimService refusals over a real channel: bad input named field by field, state and version conflicts.

Every refusal is checked to have stored nothing: the log's head position is unchanged.
"""

from __future__ import annotations

import threading
from typing import Any

import grpc
import pytest

from claims.api.v1 import claims_pb2 as pb
from tests.e2e.conftest import Api, get_claim, refused, rich_error
from tests.e2e.requests import (
    claim_header,
    claim_request,
    decide_request,
    file_claim_request,
    labour_line,
    part_line,
    usd,
)

EUR = {"amount": "120.25", "currency": "EUR"}
BAD_CLAIMS: list[tuple[str, dict[str, Any], set[str]]] = [
    ("a line in another currency", {"lines": [labour_line(), part_line(unit_price=EUR)]},
     {"lines[1].part.unit_price.currency"}),
    ("two lines with one number", {"lines": [labour_line(1), part_line(1)]}, {"lines"}),
    ("a causal part that is not the defect's", {"lines": [labour_line(), part_line(part_number="99999999")]},
     {"lines[1].part.part_number"}),
    ("a negative quantity", {"lines": [labour_line(), part_line(quantity=-2)]}, {"lines[1].part.quantity"}),
    ("negative hours", {"lines": [labour_line(hours="-1.5"), part_line()]}, {"lines[0].labour.hours"}),
    ("a bad labour op code", {"lines": [labour_line(operation_code="eng-1"), part_line()]},
     {"lines[0].labour.operation_code"}),
    ("a bad part number", {"lines": [labour_line(), part_line(part_number="p/n 1", causal=False)]},
     {"lines[1].part.part_number"}),
    ("a line with no item", {"lines": [labour_line(), {"line_no": 2}]}, {"lines[1].item"}),
    ("an unknown other kind", {"lines": [{"line_no": 1, "other": {"kind": 9, "amount": usd("95.00")}}]},
     {"lines[0].other.kind"}),
    ("no lines, header or type", {"lines": [], "header": None, "claim_type": None}, {"lines", "header", "claim_type"}),
    ("a campaign without its code", {"claim_type": "CLAIM_TYPE_CAMPAIGN"}, {"campaign_code"}),
]  # fmt: skip


@pytest.mark.parametrize(("case", "overrides", "fields"), BAD_CLAIMS, ids=[c[0] for c in BAD_CLAIMS])
def test_bad_claims_name_the_line_field_and_store_nothing(
    claims_api: Api, case: str, overrides: dict[str, Any], fields: set[str]
) -> None:
    error = refused(claims_api, claims_api.claims.FileClaim, file_claim_request(**overrides))
    assert (error.code, set(error.fields)) == (grpc.StatusCode.INVALID_ARGUMENT, fields), case


def test_a_claim_for_another_dealers_repair_order_is_not_found(claims_api: Api) -> None:
    error = refused(claims_api, claims_api.claims.FileClaim, file_claim_request(dealer_id="D077"))
    assert (error.code, error.metadata) == (grpc.StatusCode.NOT_FOUND, {"dealer_id": "D077", "ro_number": "RO-1001"})


def test_state_forbids_deciding_twice_paying_unapproved_and_resubmitting_unreturned(claims_api: Api) -> None:
    claims_api.claims.FileClaim(file_claim_request(), timeout=5)
    claims_api.claims.DecideClaimLine(decide_request(1), timeout=5)
    resubmit = claim_request(pb.ResubmitClaimRequest, header=claim_header(), currency="USD", lines=[labour_line()])
    cases = [
        (claims_api.claims.DecideClaimLine, decide_request(1, "REJECT", reason_code="X"), "LINE_ALREADY_DECIDED"),
        (claims_api.claims.PostClaimPayment, claim_request(pb.PostClaimPaymentRequest, credit_reference="CR-1"),
         "CLAIM_NOT_APPROVED"),
        (claims_api.claims.ResubmitClaim, resubmit, "CLAIM_NOT_RETURNED"),
    ]  # fmt: skip
    for call, request, reason in cases:
        error = refused(claims_api, call, request)
        assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, reason)
        assert error.preconditions[0].subject == "dealers/D042/claims/C-1001"


def test_a_retried_filing_is_answered_once(claims_api: Api) -> None:
    request = file_claim_request()
    first = claims_api.claims.FileClaim(request, timeout=5)
    head = claims_api.head()
    assert claims_api.claims.FileClaim(request, timeout=5) == first
    assert claims_api.head() == head


def test_two_desk_users_deciding_at_the_same_version_one_wins_the_other_is_aborted(claims_api: Api) -> None:
    claims_api.claims.FileClaim(file_claim_request(), timeout=5)
    version = get_claim(claims_api).version
    barrier, outcomes = threading.Barrier(2), []

    def decide(line_no: int) -> None:
        request = decide_request(line_no, decided_by=f"desk-{line_no}", expected_version=version)
        barrier.wait()
        try:
            claims_api.claims.DecideClaimLine(request, timeout=10)
            outcomes.append("ok")
        except grpc.RpcError as error:
            outcomes.append(rich_error(error).code.name)

    threads = [threading.Thread(target=decide, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ABORTED", "ok"]
    claim = get_claim(claims_api)
    assert (claim.version, len(claim.decisions)) == (version + 1, 1)


def test_bad_list_filters_are_invalid(claims_api: Api) -> None:
    for request, field in (
        (pb.ListClaimsRequest(filed_from="2026-13-01"), "filed_from"),
        (pb.ListClaimsRequest(filed_from="2026-11-20", filed_to="2026-11-01"), "filed_to"),
        (pb.ListClaimsRequest(status=99), "status"),  # type: ignore[arg-type]
    ):
        with pytest.raises(grpc.RpcError) as caught:
            claims_api.claims.ListClaims(request, timeout=5)
        assert set(rich_error(caught.value).fields) == {field}


def test_an_unknown_claim_is_not_found(claims_api: Api) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        get_claim(claims_api, "C-9999")
    assert rich_error(caught.value).code == grpc.StatusCode.NOT_FOUND
