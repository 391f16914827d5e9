"""Every shipped commitment names real events: its topics are registered event classes' TOPICs."""

from __future__ import annotations

import pytest

import claims.domain.claim.events
import claims.domain.commitment.events
import claims.domain.repair_order.events
import claims.domain.statutory_case.events
import claims.domain.vehicle.events  # noqa: F401  (each module registers its events)
from claims.domain.base import EVENT_TYPES
from claims.domain.statutory.commitments import COMMITMENTS, Commitment, commitment


@pytest.mark.parametrize("shipped", COMMITMENTS, ids=lambda c: c.code)
def test_every_topic_a_shipped_commitment_names_is_a_registered_event_topic(shipped: Commitment) -> None:
    assert shipped.start_on
    assert shipped.stop_on
    unknown = sorted(topic for topic in shipped.topics if topic not in EVENT_TYPES)
    assert unknown == []


@pytest.mark.parametrize("shipped", COMMITMENTS, ids=lambda c: c.code)
def test_conditions_and_recorded_due_days_name_fields_of_those_events(shipped: Commitment) -> None:
    for condition in shipped.conditions:
        assert condition.topic in shipped.topics
        assert condition.field in EVENT_TYPES[condition.topic].model_fields
    if shipped.due_recorded_as is not None:
        for topic in shipped.start_on:
            assert shipped.due_recorded_as in EVENT_TYPES[topic].model_fields


def test_cn_remedy_clocks_run_on_the_statutory_case_remedy_events() -> None:
    answer, completion = commitment("CN-REPLACE-REFUND-ANSWER"), commitment("CN-REPLACE-REFUND-COMPLETION")
    assert answer.start_on == completion.start_on == ("claims.statutory_case.RemedyRequested",)
    assert answer.stop_on == ("claims.statutory_case.RemedyAnswered",)
    assert completion.stop_on == ("claims.statutory_case.RemedyDelivered", "claims.statutory_case.RemedyAnswered")
    assert (answer.due_recorded_as, completion.due_recorded_as) == ("answer_due_on", "completion_due_on")


def test_a_dealer_claim_decision_clock_starts_on_receipt_and_stops_on_any_answer() -> None:
    decision = commitment("US-CA-CLAIM-DECISION")
    assert decision.start_on == ("claims.claim.ClaimFiled", "claims.claim.ClaimResubmitted")
    assert set(decision.stop_on) == {
        "claims.claim.ClaimDecided", "claims.claim.ClaimReturned", "claims.claim.ClaimWithdrawn",
        "claims.claim.ClaimDeemedApproved",
    }  # fmt: skip


def test_the_payment_clock_starts_on_an_approval_only() -> None:
    payment = commitment("US-CA-CLAIM-PAYMENT")
    decided = EVENT_TYPES["claims.claim.ClaimDecided"]
    base = {"claimed_total": {"amount": "10.00", "currency": "USD"}, "decided_at": "2026-03-12T12:00:00+00:00"}
    for outcome, counts in (("APPROVED", True), ("PARTIALLY_APPROVED", True), ("REJECTED", False)):
        event = decided.model_validate(
            base | {"outcome": outcome, "approved_total": {"amount": "0", "currency": "USD"}, "appeal_by": None}
        )
        assert payment.counts("claims.claim.ClaimDecided", event) is counts


@pytest.mark.parametrize(
    ("code", "jurisdiction", "product_class", "binds"),
    [
        ("US-CA-CLAIM-DECISION", "US-CA", "MOTOR_VEHICLE", True),
        ("US-CA-CLAIM-DECISION", "US-TX", "MOTOR_VEHICLE", False),
        ("US-CA-CLAIM-DECISION", "US-CA", "EQUIPMENT", False),
        ("US-EQUIPMENT-CLAIM-DECISION", "US-TX", "EQUIPMENT", True),
        ("CN-REPLACE-REFUND-ANSWER", "CN", "MOTOR_VEHICLE", True),
        ("CN-REPLACE-REFUND-ANSWER", "CN-31", "MOTOR_VEHICLE", True),
        ("CN-REPLACE-REFUND-ANSWER", "CNX", "MOTOR_VEHICLE", False),
        ("SELLER-REPAIR-48H", "CN", "EQUIPMENT", True),
        ("SELLER-REPAIR-48H", "US-CA", "MOTOR_VEHICLE", False),
    ],
)
def test_a_commitment_binds_its_jurisdictions_and_product_class(
    code: str, jurisdiction: str, product_class: str, binds: bool
) -> None:
    assert commitment(code).applies_to(jurisdiction, product_class) is binds
