"""Commitment list requests → validated queries, and clocks / balances → messages: pure conversions, no socket."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from claims.adapters.grpc import statutory_requests
from claims.adapters.grpc.commitments_view import balance_to_proto, clock_to_proto
from claims.api.v1 import statutory_pb2 as pb
from claims.domain.errors import InvalidCommandError
from claims.domain.ids import claim_id_for, repair_order_id_for, statutory_case_id_for, vehicle_id_for
from claims.domain.statutory.clocks import COMPENSATION, DeemedOutcome
from claims.domain.statutory.commitments import COMMITMENTS
from claims.projections.commitment_queries import ClockView, LedgerBalance
from claims.projections.commitments import Clock, ClockStatus
from tests.builders import CN_VIN

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def a_clock(status: ClockStatus, consequence: str) -> ClockView:
    clock = Clock(
        commitment_code="SELLER-REPAIR-48H", subject_id=repair_order_id_for("D1", "RO-1"), subject_kind="repair_order",
        subject_ref="RO-1", jurisdiction="CN", vehicle_id=vehicle_id_for(CN_VIN), dealer_id="D1", started_at=NOW,
        due_at=NOW, paused_seconds=90, stopped_at=None, breached_at=None, status=status, consequence=consequence,
        last_position=7,
    )  # fmt: skip
    return ClockView(clock, CN_VIN, None, None, "")


@pytest.mark.parametrize("status", list(ClockStatus))
def test_every_clock_status_has_its_message_value(status: ClockStatus) -> None:
    assert pb.ClockStatus.Name(clock_to_proto(a_clock(status, COMPENSATION)).status) == f"CLOCK_STATUS_{status.value}"


@pytest.mark.parametrize("consequence", [*(o.value for o in DeemedOutcome), COMPENSATION])
def test_every_breach_consequence_has_its_message_value(consequence: str) -> None:
    shown = clock_to_proto(a_clock(ClockStatus.OPEN, consequence))
    assert pb.BreachConsequence.Name(shown.consequence) == f"BREACH_CONSEQUENCE_{consequence}"
    assert (shown.paused.seconds, shown.subject.kind, shown.subject.vin) == (
        90, pb.COMMITMENT_SUBJECT_KIND_REPAIR_ORDER, CN_VIN,
    )  # fmt: skip
    assert shown.description == next(c.description for c in COMMITMENTS if c.code == "SELLER-REPAIR-48H")


def test_each_natural_key_resolves_to_its_subject_and_a_vin_alone_to_the_vehicle() -> None:
    case = pb.ListCommitmentsRequest(subject_kind=pb.COMMITMENT_SUBJECT_KIND_STATUTORY_CASE, vin=CN_VIN)
    by_vehicle = pb.ListCommitmentsRequest(vin=CN_VIN, dealer_id="D1")
    claim = pb.ListCommitmentsRequest(dealer_id="D1", claim_number="C-1")
    resolved = [statutory_requests.commitment_query(r) for r in (case, by_vehicle, claim)]
    assert [(q.subject.kind if q.subject else None, q.filter.subject_id, q.filter.vehicle_id) for q in resolved] == [
        ("statutory_case", statutory_case_id_for(vehicle_id_for(CN_VIN)), None),
        ("vehicle", None, vehicle_id_for(CN_VIN)),
        ("claim", claim_id_for("D1", "C-1"), None),
    ]  # fmt: skip
    assert resolved[1].filter.dealer_id == "D1"  # a dealer with a VIN only narrows the clocks
    assert len({str(q.token_filters) for q in resolved}) == 3  # a token is bound to the subject it pages
    assert statutory_requests.commitment_query(pb.ListCommitmentsRequest()).subject is None


def test_a_request_naming_its_subject_twice_names_each_offending_field() -> None:
    request = pb.ListCommitmentsRequest(subject_kind=pb.COMMITMENT_SUBJECT_KIND_CLAIM, ro_number="RO-1", vin=CN_VIN,
                                        status=pb.CLOCK_STATUS_MET)  # fmt: skip
    with pytest.raises(InvalidCommandError) as caught:
        statutory_requests.commitment_query(request)
    assert {v.field for v in caught.value.violations} == {"ro_number", "vin", "subject_id"}


def test_balances_show_the_currencys_places() -> None:
    balance = LedgerBalance("JPY", Decimal("1500"), Decimal(0), 2, dealer_id="D1")
    shown = balance_to_proto(balance)
    assert (shown.owed.amount, shown.paid.amount, shown.outstanding.amount, shown.entry_count) == (
        "1500",
        "0",
        "1500",
        2,
    )
    cny = balance_to_proto(LedgerBalance("CNY", Decimal(300), Decimal("0"), 1))
    assert (cny.owed.amount, cny.paid.amount) == ("300.00", "0.00")
