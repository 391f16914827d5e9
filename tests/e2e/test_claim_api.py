"""ClaimService over a real channel: each lifecycle path, the whole claim read back, and listing."""

from __future__ import annotations

import pytest

from claims.api.v1 import claims_pb2 as pb
from tests.e2e.conftest import Api, get_claim
from tests.e2e.requests import (
    ODOMETER_IN,
    claim_header,
    claim_request,
    decide_request,
    file_claim_request,
    labour_line,
    part_line,
    usd,
)


def test_a_filed_claim_is_checked_priced_and_read_back_whole(claims_api: Api) -> None:
    filed = claims_api.claims.FileClaim(file_claim_request(), timeout=5)
    claim = get_claim(claims_api)
    assert (claim.status, claim.version, filed.result.version) == (pb.CLAIM_STATUS_UNDER_REVIEW, 1, 1)
    version = claim.versions[0]
    assert (version.version_no, version.totals.total.amount, version.totals.labour.amount) == (1, "582.75", "462.50")
    assert [line.claimed.amount for line in version.lines] == ["462.50", "120.25"]
    assert version.lines[1].line.part.part_number == "12638824"
    assert (version.decision_due_on, version.routed_to) == ("2026-12-23", pb.CLAIM_STATUS_UNDER_REVIEW)
    assert (version.trace.pack_id, version.trace.pack_version) == ("claims-policy", "2026.1")
    deadline = next(r for r in version.trace.results if r.rule == "filed_within_deadline")
    assert (deadline.outcome, deadline.facts["days_after_close"]) == (pb.CHECK_OUTCOME_PASS, "5")
    assert [(v.line_no, v.kind, v.claimed.amount, v.decision) for v in claim.lines] == [
        (1, pb.CLAIM_LINE_KIND_LABOUR, "462.50", pb.LINE_DECISION_UNSPECIFIED),
        (2, pb.CLAIM_LINE_KIND_PART, "120.25", pb.LINE_DECISION_UNSPECIFIED),
    ]


def test_deciding_every_line_approves_or_partially_approves(claims_api: Api) -> None:
    for number in ("C-1001", "C-1002"):
        lines = [labour_line(1 if number == "C-1001" else 3), part_line(2 if number == "C-1001" else 4)]
        claims_api.claims.FileClaim(file_claim_request(claim_number=number, lines=lines), timeout=5)
    claims_api.claims.DecideClaimLine(decide_request(1), timeout=5)
    claims_api.claims.DecideClaimLine(decide_request(2), timeout=5)
    claims_api.claims.DecideClaimLine(decide_request(3, claim_number="C-1002"), timeout=5)
    adjust = decide_request(4, "ADJUST", "C-1002", approved_amount=usd("100.00"), reason_code="PRICE-LIST")
    claims_api.claims.DecideClaimLine(adjust, timeout=5)
    assert get_claim(claims_api).status == pb.CLAIM_STATUS_APPROVED
    partial = get_claim(claims_api, "C-1002")
    assert partial.status == pb.CLAIM_STATUS_PARTIALLY_APPROVED
    line = partial.lines[1]
    assert (line.decision, line.approved.amount, line.adjusted.amount, line.reason_code) == (
        pb.LINE_DECISION_ADJUST, "100.00", "20.25", "PRICE-LIST",
    )  # fmt: skip
    assert [d.decided_by for d in partial.decisions] == ["desk-7", "desk-7"]


def test_an_implausible_odometer_returns_the_claim_and_a_resubmission_is_reviewed(claims_api: Api) -> None:
    low = claim_header(odometer={"value": "14000", "unit": "DISTANCE_UNIT_MI"})
    claims_api.claims.FileClaim(file_claim_request(header=low), timeout=5)
    returned = get_claim(claims_api)
    assert returned.status == pb.CLAIM_STATUS_RETURNED
    assert any(reason.startswith("odometer_plausible:") for reason in returned.versions[0].reasons)
    resubmit = claim_request(
        pb.ResubmitClaimRequest, header=claim_header(), currency="USD", lines=[labour_line(), part_line()],
        expected_version=returned.version,
    )  # fmt: skip
    claims_api.claims.ResubmitClaim(resubmit, timeout=5)
    claim = get_claim(claims_api)
    assert claim.status == pb.CLAIM_STATUS_UNDER_REVIEW
    assert [(v.version_no, v.routed_to, v.header.odometer.value) for v in claim.versions] == [
        (1, pb.CLAIM_STATUS_RETURNED, "14000"),
        (2, pb.CLAIM_STATUS_UNDER_REVIEW, ODOMETER_IN["value"]),
    ]


def test_a_line_another_claim_already_makes_returns_the_claim(claims_api: Api) -> None:
    claims_api.claims.FileClaim(file_claim_request(), timeout=5)
    claims_api.claims.FileClaim(file_claim_request(claim_number="C-1002", lines=[labour_line(1)]), timeout=5)
    claim = get_claim(claims_api, "C-1002")
    duplicate = next(r for r in claim.versions[0].trace.results if r.rule == "not_a_duplicate")
    assert (claim.status, duplicate.outcome, duplicate.facts["duplicate_lines"]) == (
        pb.CLAIM_STATUS_RETURNED, pb.CHECK_OUTCOME_RETURN, "1",
    )  # fmt: skip


def test_a_rejected_claim_is_appealed_back_under_review(claims_api: Api) -> None:
    claims_api.claims.FileClaim(file_claim_request(), timeout=5)
    for line_no in (1, 2):
        claims_api.claims.DecideClaimLine(decide_request(line_no, "REJECT", reason_code="NOT-COVERED"), timeout=5)
    rejected = get_claim(claims_api)
    assert (rejected.status, rejected.appeal_by) == (pb.CLAIM_STATUS_REJECTED, "2026-12-23")
    appeal = claim_request(pb.AppealClaimRequest, grounds="the coil is a covered engine part")
    claims_api.claims.AppealClaim(appeal, timeout=5)
    claim = get_claim(claims_api)
    assert (claim.status, claim.appealed, list(claim.decisions)) == (pb.CLAIM_STATUS_UNDER_REVIEW, True, [])


def test_a_withdrawn_claim_is_withdrawn(claims_api: Api) -> None:
    claims_api.claims.FileClaim(file_claim_request(), timeout=5)
    claims_api.claims.WithdrawClaim(claim_request(pb.WithdrawClaimRequest, reason="customer paid"), timeout=5)
    assert get_claim(claims_api).status == pb.CLAIM_STATUS_WITHDRAWN


def test_a_returned_part_deduction_is_paid_net_and_an_audit_charges_back(claims_api: Api) -> None:
    claims = claims_api.claims
    claims.FileClaim(file_claim_request(), timeout=5)
    claims.DecideClaimLine(decide_request(1), timeout=5)
    claims.DecideClaimLine(decide_request(2), timeout=5)
    claims.RequestPartReturn(claim_request(pb.RequestPartReturnRequest, line_no=2), timeout=5)
    claims.RecordPartReceived(claim_request(pb.RecordPartReceivedRequest, line_no=2), timeout=5)
    inspection = claim_request(pb.RecordPartInspectionRequest, line_no=2, finding="no fault", inspected_by="lab-3")
    claims.RecordPartInspection(inspection, timeout=5)
    deduction = claim_request(
        pb.ApplyDeductionRequest, line_no=2, amount=usd("20.25"), reason_code="DEDUCTION_REASON_NO_FAULT_FOUND"
    )
    claims.ApplyDeduction(deduction, timeout=5)
    claims.PostClaimPayment(claim_request(pb.PostClaimPaymentRequest, credit_reference="CR-555"), timeout=5)
    chargeback = claim_request(pb.ChargeBackClaimRequest, line_no=1, amount=usd("50.00"), reason="hours overstated")
    claims.ChargeBackClaim(chargeback, timeout=5)
    claim = get_claim(claims_api)
    assert (claim.status, claim.payment.total.amount, claim.payment.audit_ends_on) == (
        pb.CLAIM_STATUS_PAID, "562.50", "2027-08-23",
    )  # fmt: skip
    part = claim.lines[1]
    assert (part.approved.amount, part.deducted.amount, part.payable.amount, part.paid.amount) == (
        "120.25", "20.25", "100.00", "100.00",
    )  # fmt: skip
    assert claim.lines[0].charged_back.amount == "50.00"
    returned = claim.part_returns[0]
    assert (returned.part_number, returned.finding, returned.HasField("received_at")) == ("12638824", "no fault", True)
    assert (claim.deductions[0].reason_code, claim.chargebacks[0].reason) == (
        pb.DEDUCTION_REASON_NO_FAULT_FOUND, "hours overstated",
    )  # fmt: skip


def test_listed_claims_page_and_filter_by_status(claims_api: Api) -> None:
    positions = []
    for n in range(3):
        lines = [labour_line(2 * n + 1), part_line(2 * n + 2)]
        request = file_claim_request(claim_number=f"C-100{n}", lines=lines)
        positions.append(claims_api.claims.FileClaim(request, timeout=5).result.position)
    withdraw = claims_api.claims.WithdrawClaim(claim_request(pb.WithdrawClaimRequest, "C-1002"), timeout=5)
    first = claims_api.claims.ListClaims(
        pb.ListClaimsRequest(page_size=2, dealer_id="D042", min_position=withdraw.result.position), timeout=5
    )
    second = claims_api.claims.ListClaims(
        pb.ListClaimsRequest(page_size=2, dealer_id="D042", page_token=first.next_page_token), timeout=5
    )
    listed = [*first.claims, *second.claims]
    assert sorted(c.claim_number for c in listed) == ["C-1000", "C-1001", "C-1002"]
    assert (second.next_page_token, first.position >= withdraw.result.position) == ("", True)
    row = next(c for c in listed if c.claim_number == "C-1000")
    assert (row.claimed_total.amount, row.claimed_total.currency, row.status) == (
        "582.75", "USD", pb.CLAIM_STATUS_UNDER_REVIEW,
    )  # fmt: skip
    withdrawn = claims_api.claims.ListClaims(pb.ListClaimsRequest(status=pb.CLAIM_STATUS_WITHDRAWN), timeout=5)
    assert [c.claim_number for c in withdrawn.claims] == ["C-1002"]


@pytest.mark.postgres
def test_the_claim_api_works_the_same_on_postgresql(pg_claims_api: Api) -> None:
    api = pg_claims_api
    api.claims.FileClaim(file_claim_request(), timeout=5)
    api.claims.DecideClaimLine(decide_request(1), timeout=5)
    decided = api.claims.DecideClaimLine(decide_request(2), timeout=5)
    listed = api.claims.ListClaims(pb.ListClaimsRequest(min_position=decided.result.position), timeout=5).claims
    assert [(c.claim_number, c.status, c.approved_total.amount) for c in listed] == [
        ("C-1001", pb.CLAIM_STATUS_APPROVED, "582.75")
    ]
    assert get_claim(api).version == listed[0].version == 4  # filed, line 1, line 2 + claim decided
