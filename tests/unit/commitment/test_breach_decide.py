"""A commitment clock's breach: recorded once its due time passed, with what it owes, and never twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from claims.domain.commitment.commands import RecordBreach
from claims.domain.commitment.decide import decide, evolve
from claims.domain.commitment.events import CommitmentBreached
from claims.domain.context import DecisionContext
from claims.domain.errors import InvalidCommandError, PreconditionFailedError
from claims.domain.ids import commitment_breach_id_for
from claims.domain.values import Money

RO = UUID("0eed3b59-b9e9-44bc-ba69-4f1248b971ab")
VEHICLE = UUID("6f1d3c1e-58a5-4d5e-9a77-3a3c1f0e2b01")
OPENED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
DUE = OPENED + timedelta(hours=48)


def record_breach(**overrides: Any) -> RecordBreach:
    fields: dict[str, Any] = {
        "commitment_code": "SELLER-REPAIR-48H",
        "subject_id": RO,
        "subject_kind": "repair_order",
        "started_at": OPENED,
        "due_at": DUE,
        "vehicle_id": VEHICLE,
        "dealer_id": "D-CN-1",
    }
    return RecordBreach.model_validate(fields | overrides)


def at(moment: datetime) -> DecisionContext:
    return DecisionContext(now=moment)


def test_a_seller_promise_run_out_owes_its_fixed_compensation() -> None:
    now = DUE + timedelta(minutes=3)
    assert decide(None, record_breach(), at(now)) == [
        CommitmentBreached(
            commitment_code="SELLER-REPAIR-48H",
            statute="seller's own promise (illustrative amount)",
            subject_id=RO,
            subject_kind="repair_order",
            vehicle_id=VEHICLE,
            dealer_id="D-CN-1",
            started_at=OPENED,
            due_at=DUE,
            breached_at=now,
            consequence="COMPENSATION",
            amount=Money(amount=Decimal("200.00"), currency="CNY"),
        )
    ]


def test_a_late_cn_answer_is_recorded_as_overdue_with_nothing_to_pay() -> None:
    (breached,) = decide(None, record_breach(commitment_code="CN-REPLACE-REFUND-ANSWER"), at(DUE))
    assert (breached.consequence, breached.amount, breached.statute) == ("OVERDUE", None, "SAMR Order 43 Art. 28")


def test_the_breach_of_a_clock_run_is_recorded_once() -> None:
    recorded = evolve(None, decide(None, record_breach(), at(DUE))[0])
    assert decide(recorded, record_breach(), at(DUE + timedelta(days=1))) == []


def test_a_clock_still_running_is_not_breached() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        decide(None, record_breach(), at(DUE - timedelta(microseconds=1)))
    assert caught.value.reason == "COMMITMENT_NOT_DUE"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"commitment_code": "NO-SUCH-CLOCK"}, "commitment_code"), ({"due_at": OPENED}, "due_at")],
)
def test_an_unknown_commitment_or_a_clock_due_before_it_starts_is_invalid(
    overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidCommandError) as caught:
        decide(None, record_breach(**overrides), at(DUE))
    assert [v.field for v in caught.value.violations] == [field]


def test_a_clock_run_has_one_stream_whatever_offset_its_start_is_read_back_in() -> None:
    beijing = OPENED.astimezone(timezone(timedelta(hours=8)))
    assert commitment_breach_id_for("SELLER-REPAIR-48H", RO, beijing) == commitment_breach_id_for(
        "SELLER-REPAIR-48H", RO, OPENED
    )
    assert commitment_breach_id_for("SELLER-REPAIR-48H", RO, OPENED + timedelta(microseconds=1)) != (
        commitment_breach_id_for("SELLER-REPAIR-48H", RO, OPENED)
    )
