"""InsurerService over a real channel: contracts sold, cancelled, transferred; claims under them, read and watched."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import grpc
import pytest

from claims.api.v1 import claims_pb2
from claims.api.v1 import contracts_pb2 as pb
from tests.e2e.conftest import Api, get_claim, refused, rich_error
from tests.e2e.contract_requests import (
    CONTRACT,
    DAY_30,
    DAY_31,
    INSURER,
    cancel_request,
    get_contract_request,
    mi,
    sell_request,
    transfer_request,
)
from tests.e2e.requests import claim_request, decide_request, file_claim_request, labour_line, part_line, usd


def pay_claim(api: Api, claim_number: str = "C-1001", first_line: int = 1) -> int:
    """File a claim (582.75 USD on the engine), approve both lines and pay it; the payment's position."""
    lines = [labour_line(first_line), part_line(first_line + 1)]
    api.claims.FileClaim(file_claim_request(claim_number=claim_number, lines=lines), timeout=5)
    for line_no in (first_line, first_line + 1):
        api.claims.DecideClaimLine(decide_request(line_no, claim_number=claim_number), timeout=5)
    payment = claim_request(claims_pb2.PostClaimPaymentRequest, claim_number, credit_reference=f"CR-{claim_number}")
    return int(api.claims.PostClaimPayment(payment, timeout=5).result.position)


def statement(refund: pb.ContractRefund) -> dict[str, Decimal]:
    return {line.label: Decimal(line.amount) for line in refund.lines}


def test_a_sold_contract_reads_back_with_what_it_has_left(claims_api: Api) -> None:
    sold = claims_api.insurer.SellContract(sell_request(), timeout=5)
    assert (sold.result.version, sold.expires_on, sold.free_look_ends_on) == (1, "2031-10-22", DAY_30)
    assert (sold.pack_id, sold.expiry_odometer.value) == ("sc-cancellation-us-tx", "114000")
    read = claims_api.insurer.GetContract(get_contract_request(), timeout=5)
    contract, left = read.contract, read.remaining_coverage
    assert (contract.status, contract.version, contract.free_look_days) == (pb.CONTRACT_STATUS_IN_FORCE, 1, 30)
    assert (contract.deductible_per_visit.amount, contract.claims_paid.amount) == ("100.00", "0.00")
    # Today is day 31: 1,795 of 1,826 days left; the vehicle's hand-back reading (15,104 mi) is the latest known.
    assert (left.standing, left.in_force, left.days_remaining, left.term_days) == (
        pb.CONTRACT_STANDING_IN_FORCE, True, 1795, 1826,
    )  # fmt: skip
    assert (left.odometer.value, left.distance_remaining.value) == ("15104", "98896")


def test_a_texas_cancellation_on_day_30_refunds_everything_and_on_day_31_pro_rata_less_the_fee(
    claims_api: Api,
) -> None:
    for number in ("SC-30", "SC-31"):
        claims_api.insurer.SellContract(sell_request(number), timeout=5)
    day_30 = claims_api.insurer.CancelContract(cancel_request(DAY_30, "SC-30"), timeout=5).refund
    assert (day_30.rule, day_30.refund.amount, day_30.payee_ref) == (
        pb.CONTRACT_REFUND_RULE_FREE_LOOK,
        "2000.00",
        "CUST-1",
    )
    assert statement(day_30) == {"price": 2000, "unused share": 2000, "claims paid": 0, "cancellation fee": 0,
                                 "refund": 2000}  # fmt: skip
    assert "inside the 30-day free look" in day_30.lines[1].explanation
    request = cancel_request(DAY_31, "SC-31")
    day_31 = claims_api.insurer.CancelContract(request, timeout=5)
    refund = day_31.refund
    # 2,000.00 × 1,795 / 1,826 = 1,966.046002… − 50.00 fee = 1,916.046002… → 1,916.05, due in 45 days.
    assert (refund.rule, refund.refund.amount, refund.refund_due_on) == (
        pb.CONTRACT_REFUND_RULE_PRO_RATA, "1916.05", "2027-01-07",
    )  # fmt: skip
    assert statement(refund)["cancellation fee"] == -50
    assert "1,795/1,826 days (98.30 %)" in refund.lines[1].explanation
    assert "1304.1581" in refund.lines[-1].explanation
    head = claims_api.head()
    again = claims_api.insurer.CancelContract(request, timeout=5)  # a retry answers the same statement
    assert (again, claims_api.head()) == (day_31, head)
    cancelled = claims_api.insurer.GetContract(get_contract_request("SC-31"), timeout=5).contract
    assert (cancelled.status, cancelled.cancellation.refund) == (pb.CONTRACT_STATUS_CANCELLED, refund)


def test_a_transfer_is_refused_unless_the_contract_allows_it(claims_api: Api) -> None:
    claims_api.insurer.SellContract(sell_request(), timeout=5)
    error = refused(claims_api, claims_api.insurer.TransferContract, transfer_request())
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CONTRACT_NOT_TRANSFERABLE")
    assert error.preconditions[0].subject == f"insurers/{INSURER}/contracts/{CONTRACT}"
    claims_api.insurer.SellContract(
        sell_request("SC-T", transferable=True, transfer_fee={"amount": "25.00", "currency": "USD"}), timeout=5
    )
    moved = claims_api.insurer.TransferContract(transfer_request("SC-T"), timeout=5)
    assert (moved.result.version, moved.fee.amount) == (2, "25.00")
    contract = claims_api.insurer.GetContract(get_contract_request("SC-T"), timeout=5).contract
    assert (contract.holder_ref, [t.previous_holder_ref for t in contract.transfers]) == ("CUST-2", ["CUST-1"])


def test_a_paid_claim_is_charged_to_the_contract_and_read_right_after_the_write(claims_api: Api) -> None:
    claims_api.insurer.SellContract(sell_request(), timeout=5)
    paid_at = pay_claim(claims_api)
    # Read-your-writes: the read models are waited for up to the payment's position.
    listed = claims_api.insurer.ListContractClaims(
        pb.ListContractClaimsRequest(insurer_id=INSURER, min_position=paid_at), timeout=5
    )
    assert listed.position >= paid_at
    (row,) = listed.claims
    assert (row.claim_number, row.status, row.paid_total.amount, row.HasField("paid_at")) == (
        "C-1001", claims_pb2.CLAIM_STATUS_PAID, "582.75", True,
    )  # fmt: skip
    (share,) = row.contracts
    assert (share.contract_number, share.deductible_per_visit.amount, share.paid.amount) == (
        CONTRACT,
        "100.00",
        "582.75",
    )
    status = claims_api.insurer.GetClaimStatus(
        pb.GetClaimStatusRequest(insurer_id=INSURER, claim_id=row.claim_id, min_position=paid_at), timeout=5
    ).claim
    assert (status.claim_id, status.approved_total.amount, status.contracts) == (
        get_claim(claims_api).claim_id, "582.75", row.contracts,
    )  # fmt: skip
    contract = claims_api.insurer.GetContract(get_contract_request(), timeout=5).contract
    assert [(c.claim_id, c.amount.amount) for c in contract.claims] == [(row.claim_id, "582.75")]
    # Day 31 after a paid claim: 1,966.046002… − 582.75 − 50.00 = 1,333.296002… → 1,333.30
    refund = claims_api.insurer.CancelContract(cancel_request(DAY_31, odometer=mi(15_200)), timeout=5).refund
    assert (refund.refund.amount, statement(refund)["claims paid"]) == ("1333.30", Decimal("-582.75"))


def test_claims_under_contracts_are_listed_by_contract_vin_status_and_page(claims_api: Api) -> None:
    claims_api.insurer.SellContract(sell_request(), timeout=5)
    paid_at = pay_claim(claims_api)
    filed = claims_api.claims.FileClaim(
        file_claim_request(claim_number="C-1002", lines=[labour_line(3), part_line(4)]), timeout=5
    )

    def listed(**filters: Any) -> pb.ListContractClaimsResponse:
        request = pb.ListContractClaimsRequest(insurer_id=INSURER, min_position=filed.result.position, **filters)
        return claims_api.insurer.ListContractClaims(request, timeout=5)

    first = listed(page_size=1)
    second = listed(page_size=1, page_token=first.next_page_token)
    assert [c.claim_number for c in (*first.claims, *second.claims)] == ["C-1001", "C-1002"]
    assert second.next_page_token == ""
    assert [c.claim_number for c in listed(status=claims_pb2.CLAIM_STATUS_UNDER_REVIEW).claims] == ["C-1002"]
    assert [c.claim_number for c in listed(contract_number=CONTRACT, vin=file_claim_request().vin).claims] == [
        "C-1001", "C-1002",
    ]  # fmt: skip
    assert listed(contract_number="SC-OTHER").claims == []
    assert listed(filed_to="2026-11-22").claims == []
    other = pb.ListContractClaimsRequest(insurer_id="INS-2", min_position=paid_at)
    assert claims_api.insurer.ListContractClaims(other, timeout=5).claims == []


def test_a_claim_is_not_another_insurers_to_read(claims_api: Api) -> None:
    claims_api.insurer.SellContract(sell_request(), timeout=5)
    filed = claims_api.claims.FileClaim(file_claim_request(), timeout=5).result
    request = pb.GetClaimStatusRequest(insurer_id="INS-2", claim_id=filed.stream_id, min_position=filed.position)
    error = refused(claims_api, claims_api.insurer.GetClaimStatus, request)
    assert (error.code, error.metadata["insurer_id"]) == (grpc.StatusCode.NOT_FOUND, "INS-2")


def changes(stream: Any, count: int) -> list[pb.ClaimChange]:
    return [next(stream).change for _ in range(count)]


def until_deadline(stream: Any) -> list[pb.ClaimChange]:
    """Everything the stream sends until its deadline passes."""
    received: list[pb.ClaimChange] = []
    try:
        received.extend(response.change for response in stream)
    except grpc.RpcError as ended:
        assert ended.code() == grpc.StatusCode.DEADLINE_EXCEEDED  # noqa: PT017 - the stream ends only this way
        return received
    raise AssertionError("the stream ended before its deadline")


def test_watch_claims_streams_changes_in_order_and_resumes_without_gaps_or_duplicates(claims_api: Api) -> None:
    insurer = claims_api.insurer
    watch = insurer.WatchClaims(pb.WatchClaimsRequest(insurer_id=INSURER, after_position=0), timeout=20)
    insurer.SellContract(sell_request(), timeout=5)
    claims_api.claims.FileClaim(file_claim_request(), timeout=5)
    for line_no in (1, 2):
        claims_api.claims.DecideClaimLine(decide_request(line_no), timeout=5)
    first = changes(watch, 4)
    watch.cancel()
    assert [(c.change, c.status, c.version) for c in first] == [
        ("ClaimFiled", claims_pb2.CLAIM_STATUS_UNDER_REVIEW, 1),
        ("ClaimLineDecided", claims_pb2.CLAIM_STATUS_UNDER_REVIEW, 2),
        ("ClaimLineDecided", claims_pb2.CLAIM_STATUS_UNDER_REVIEW, 3),
        ("ClaimDecided", claims_pb2.CLAIM_STATUS_APPROVED, 4),
    ]
    assert [c.position for c in first] == sorted({c.position for c in first})
    assert ([c.approved_total.amount for c in first], first[0].contract_numbers) == (
        ["0.00", "462.50", "582.75", "582.75"], [CONTRACT],
    )  # fmt: skip
    # While nobody watches, the claim is paid; a client that had only received the first two changes resumes.
    payment = claim_request(claims_pb2.PostClaimPaymentRequest, credit_reference="CR-1")
    claims_api.claims.PostClaimPayment(payment, timeout=5)
    resumed = insurer.WatchClaims(
        pb.WatchClaimsRequest(insurer_id=INSURER, after_position=first[1].position), timeout=2
    )
    later = until_deadline(resumed)
    assert later[:2] == first[2:]
    assert [(c.change, c.status, c.paid_total.amount) for c in later[2:]] == [
        ("ClaimPaid", claims_pb2.CLAIM_STATUS_PAID, "582.75")
    ]
    nobody = insurer.WatchClaims(pb.WatchClaimsRequest(insurer_id="INS-2", after_position=0), timeout=1)
    assert until_deadline(nobody) == []


def test_a_claim_filed_before_the_contract_was_sold_is_not_under_it(claims_api: Api) -> None:
    filed = claims_api.claims.FileClaim(file_claim_request(), timeout=5).result
    sold = claims_api.insurer.SellContract(sell_request(), timeout=5).result
    claims_api.claims.DecideClaimLine(decide_request(1), timeout=5)
    watch = claims_api.insurer.WatchClaims(pb.WatchClaimsRequest(insurer_id=INSURER), timeout=1)
    assert until_deadline(watch) == []
    listed = pb.ListContractClaimsRequest(insurer_id=INSURER, min_position=max(filed.position, sold.position) + 1)
    assert claims_api.insurer.ListContractClaims(listed, timeout=5).claims == []


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"vin": "1M8GDM9A1KP042788"}, {"vin"}),  # check digit
        ({"term_distance": {"value": "100000", "unit": "DISTANCE_UNIT_KM"}}, {"term_distance.unit"}),
        ({"component_groups": [], "term_months": 0}, {"component_groups", "term_months"}),
        ({"free_look_days": 10}, {"free_look_days"}),  # Texas gives at least 30
        ({"sold_on": "2026-12-01"}, {"sold_on"}),  # the future
        ({"deductible_per_visit": {"amount": "100.00", "currency": "EUR"}}, {"deductible_per_visit.currency"}),
        ({"transfer_fee": usd("10.00")}, {"transfer_fee"}),  # not transferable
    ],
)
def test_an_invalid_sale_names_each_bad_field_and_stores_nothing(
    claims_api: Api, overrides: dict[str, Any], fields: set[str]
) -> None:
    error = refused(claims_api, claims_api.insurer.SellContract, sell_request(**overrides))
    assert (error.code, set(error.fields)) == (grpc.StatusCode.INVALID_ARGUMENT, fields)


def test_refusals_are_precise_and_store_nothing(claims_api: Api) -> None:
    insurer = claims_api.insurer
    unknown_vehicle = refused(claims_api, insurer.SellContract, sell_request(vin="1G1YY22G265104382"))
    assert (unknown_vehicle.code, unknown_vehicle.metadata) == (
        grpc.StatusCode.NOT_FOUND, {"identifier": "1G1YY22G265104382"},
    )  # fmt: skip
    insurer.SellContract(sell_request(), timeout=5)
    assert refused(claims_api, insurer.SellContract, sell_request()).code == grpc.StatusCode.ALREADY_EXISTS
    missing = refused(claims_api, insurer.CancelContract, cancel_request(DAY_31, "SC-404"))
    assert (missing.code, missing.metadata["contract_number"]) == (grpc.StatusCode.NOT_FOUND, "SC-404")
    before_sale = refused(claims_api, insurer.CancelContract, cancel_request("2026-10-01"))
    assert before_sale.fields.keys() == {"cancelled_on"}
    no_requester = refused(claims_api, insurer.CancelContract, cancel_request(DAY_31, requested_by=None))
    assert no_requester.fields.keys() == {"requested_by"}
    stale = refused(claims_api, insurer.CancelContract, cancel_request(DAY_31, expected_version=7))
    assert stale.code == grpc.StatusCode.ABORTED
    assert refused(claims_api, insurer.GetContract, get_contract_request("SC-404")).code == grpc.StatusCode.NOT_FOUND
    bad_day = refused(claims_api, insurer.GetContract, get_contract_request(as_of_date="23/11/2026"))
    assert bad_day.fields.keys() == {"as_of_date"}
    bad_id = refused(claims_api, insurer.GetClaimStatus, pb.GetClaimStatusRequest(insurer_id=INSURER, claim_id="C-1"))
    assert bad_id.fields.keys() == {"claim_id"}
    no_insurer = refused(claims_api, insurer.ListContractClaims, pb.ListContractClaimsRequest(page_size=-1))
    assert no_insurer.fields.keys() == {"insurer_id"}
    negative = refused(claims_api, insurer.ListContractClaims, pb.ListContractClaimsRequest(insurer_id=INSURER,
                                                                                          page_size=-1))  # fmt: skip
    assert negative.fields.keys() == {"page_size"}
    behind = pb.ListContractClaimsRequest(insurer_id=INSURER, min_position=claims_api.head() + 100)
    with pytest.raises(grpc.RpcError) as waited:
        insurer.ListContractClaims(behind, timeout=0.5)
    assert (waited.value.code(), rich_error(waited.value).reason) == (
        grpc.StatusCode.DEADLINE_EXCEEDED, "READ_MODEL_BEHIND",
    )  # fmt: skip
    for request in (pb.WatchClaimsRequest(after_position=0), pb.WatchClaimsRequest(insurer_id=INSURER,
                                                                                   after_position=10_000)):  # fmt: skip
        with pytest.raises(grpc.RpcError) as caught:
            next(insurer.WatchClaims(request, timeout=5))
        assert rich_error(caught.value).code == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.postgres
def test_the_insurer_api_works_the_same_on_postgresql(pg_claims_api: Api) -> None:
    api = pg_claims_api
    api.insurer.SellContract(sell_request(), timeout=5)
    watch = api.insurer.WatchClaims(pb.WatchClaimsRequest(insurer_id=INSURER), timeout=20)
    paid_at = pay_claim(api)
    assert [c.change for c in changes(watch, 5)] == [
        "ClaimFiled", "ClaimLineDecided", "ClaimLineDecided", "ClaimDecided", "ClaimPaid",
    ]  # fmt: skip
    watch.cancel()
    listed = api.insurer.ListContractClaims(
        pb.ListContractClaimsRequest(insurer_id=INSURER, min_position=paid_at), timeout=5
    ).claims
    assert [(c.claim_number, c.status, c.contracts[0].paid.amount) for c in listed] == [
        ("C-1001", claims_pb2.CLAIM_STATUS_PAID, "582.75")
    ]
    refund = api.insurer.CancelContract(cancel_request(DAY_31, odometer=mi(15_200)), timeout=5).refund
    assert refund.refund.amount == "1333.30"
