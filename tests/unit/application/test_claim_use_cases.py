"""Claims through the application: what filing reads, links and consumes, all in one atomic append."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.application.app import ClaimsApplication
from claims.domain.claim.commands import DecideLine, WithdrawClaim
from claims.domain.claim.values import ClaimStatus
from claims.domain.errors import NotFoundError, PreconditionFailedError
from claims.domain.preauth.commands import DecidePreAuthorization, RequestPreAuthorization
from claims.domain.preauth.state import PreAuthStatus
from claims.domain.repair_order.commands import CloseRepairOrder, OpenRepairOrder, RecordRepairWork
from tests.builders import attach_coverage, call, register_vehicle
from tests.conftest import FixedClock
from tests.unit.domain import claim_builders as cb


@pytest.fixture
def app() -> ClaimsApplication:
    clock = FixedClock(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    app = ClaimsApplication(open_store(parse_store_url("memory://")).events, clock, part_usage={cb.CAUSAL_PART: 4})
    app.handle_vehicle(call(), register_vehicle())
    app.handle_vehicle(call(), attach_coverage())
    repair(app, cb.RO_NUMBER)
    return app


def repair(app: ClaimsApplication, ro_number: str, **opened: Any) -> None:
    ref = {"dealer_id": cb.DEALER, "ro_number": ro_number}
    app.handle_repair_order(call(), OpenRepairOrder(**ref, vin=cb.VIN, opened_at=cb.OPENED_AT, odometer_in=cb.mi(15100),
                                                    complaint="engine misfires at idle", **opened))  # fmt: skip
    work = cb.work_recorded()
    recorded = RecordRepairWork(
        **ref, cause=work.cause, correction=work.correction, defect=work.defect, parts_replaced=work.parts_replaced
    )
    app.handle_repair_order(call(), recorded)
    app.handle_repair_order(call(), CloseRepairOrder(**ref, closed_at=cb.CLOSED_AT, odometer_out=cb.mi(15104)))


def test_a_clean_claim_is_filed_under_review_with_its_rule_trace(app: ClaimsApplication) -> None:
    result = app.handle_claim(call(), cb.file_claim())
    claim, version = app.get_claim(cb.DEALER, cb.CLAIM_NUMBER)
    assert (claim.status, version, result.version) == (ClaimStatus.UNDER_REVIEW, 1, 1)
    trace = claim.current.trace
    assert (trace.pack_id, trace.version) == ("claims-policy", "2026.1")
    assert [r.rule for r in trace.results][:2] == ["coverage_in_force", "filed_within_deadline"]
    order, _ = app.get_repair_order(cb.DEALER, cb.RO_NUMBER)
    assert [(c.claim_id, c.line_nos) for c in order.claims] == [(claim.claim_id, (1, 2))]


def test_a_second_claim_stating_the_same_ro_line_is_returned_as_a_duplicate(app: ClaimsApplication) -> None:
    app.handle_claim(call(), cb.file_claim())
    app.handle_claim(call(), cb.file_claim(claim_number="C-1002", lines=(cb.labour(line_no=1),)))
    second, _ = app.get_claim(cb.DEALER, "C-1002")
    assert second.status == ClaimStatus.RETURNED
    duplicate = next(r for r in second.current.trace.results if r.rule == "not_a_duplicate")
    assert duplicate.outcome == "RETURN"


def test_a_withdrawn_claim_frees_its_lines_for_a_new_claim(app: ClaimsApplication) -> None:
    app.handle_claim(call(), cb.file_claim())
    app.handle_claim(call(), WithdrawClaim(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, reason="filed twice"))
    app.handle_claim(call(), cb.file_claim(claim_number="C-1002"))
    assert app.get_claim(cb.DEALER, "C-1002")[0].status == ClaimStatus.UNDER_REVIEW


def test_a_claim_above_the_thresholds_consumes_the_approved_preauthorization(app: ClaimsApplication) -> None:
    ref = {"dealer_id": cb.DEALER, "preauth_number": cb.PREAUTH_NUMBER}
    app.handle_preauth(call(), RequestPreAuthorization(**ref, vin=cb.VIN, ro_number=cb.RO_NUMBER,
                       estimated_amount=cb.usd("3000.00"), labour_hours=Decimal(10), main_part_count=0,
                       reason="transmission replacement"))  # fmt: skip
    app.handle_preauth(call(), DecidePreAuthorization(**ref, decision="APPROVE", decided_by=cb.DESK,
                                                      expires_on=date(2026, 4, 1)))  # fmt: skip
    big = cb.file_claim(lines=(cb.labour(hours=Decimal(10)), cb.part()), preauth_number=cb.PREAUTH_NUMBER)
    app.handle_claim(call(), big)
    claim, _ = app.get_claim(cb.DEALER, cb.CLAIM_NUMBER)
    preauth, _ = app.get_preauth(cb.DEALER, cb.PREAUTH_NUMBER)
    assert claim.status == ClaimStatus.UNDER_REVIEW
    assert (preauth.status, preauth.consumed_by) == (PreAuthStatus.CONSUMED, claim.claim_id)


def test_a_claim_above_the_thresholds_without_preauthorization_is_rejected(app: ClaimsApplication) -> None:
    app.handle_claim(call(), cb.file_claim(lines=(cb.labour(hours=Decimal(10)), cb.part())))
    claim, _ = app.get_claim(cb.DEALER, cb.CLAIM_NUMBER)
    assert claim.status == ClaimStatus.REJECTED
    assert any("preauthorized_when_required" in reason for reason in claim.current.reasons)


def test_refusals_store_nothing(app: ClaimsApplication) -> None:
    app.handle_claim(call(), cb.file_claim())
    approve = DecideLine(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, line_no=1, decision="APPROVE",
                         decided_by=cb.DESK)  # fmt: skip
    app.handle_claim(call(), approve)
    head = app.store.head_position()
    with pytest.raises(NotFoundError):
        app.handle_claim(call(), cb.file_claim(claim_number="C-1003", ro_number="RO-NOPE"))
    with pytest.raises(NotFoundError):
        app.handle_claim(call(), approve.model_copy(update={"claim_number": "C-404"}))
    with pytest.raises(PreconditionFailedError, match="already"):
        app.handle_claim(call(), approve)
    assert app.store.head_position() == head


def test_withdrawing_a_claim_gives_its_preauthorization_back(app: ClaimsApplication) -> None:
    ref = {"dealer_id": cb.DEALER, "preauth_number": cb.PREAUTH_NUMBER}
    app.handle_preauth(call(), RequestPreAuthorization(**ref, vin=cb.VIN, ro_number=cb.RO_NUMBER,
                       estimated_amount=cb.usd("3000.00"), labour_hours=Decimal(10), main_part_count=0,
                       reason="transmission replacement"))  # fmt: skip
    app.handle_preauth(call(), DecidePreAuthorization(**ref, decision="APPROVE", decided_by=cb.DESK,
                                                      expires_on=date(2026, 4, 1)))  # fmt: skip
    app.handle_claim(call(), cb.file_claim(preauth_number=cb.PREAUTH_NUMBER))
    assert app.get_preauth(cb.DEALER, cb.PREAUTH_NUMBER)[0].status == PreAuthStatus.CONSUMED
    app.handle_claim(call(), WithdrawClaim(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, reason="wrong RO"))
    assert app.get_preauth(cb.DEALER, cb.PREAUTH_NUMBER)[0].status == PreAuthStatus.APPROVED
