"""Remedies: requested when entitled, answered on time or late, delivered with the usage deduction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from claims.domain.errors import InvalidCommandError, PreconditionFailedError
from claims.domain.statutory.cn_2013 import CN_2013
from claims.domain.statutory_case.commands import StatutoryCaseCommand
from claims.domain.statutory_case.events import RemedyAnswered, RemedyDelivered, RemedyRequested
from claims.domain.statutory_case.state import StatutoryCase
from claims.domain.statutory_case.values import CaseRemedy, RemedyStatus
from claims.domain.values import DistanceUnit
from tests.unit.domain.claim_builders import km, mi
from tests.unit.statutory_case.builders import (
    FIVE_REPAIRS,
    answer,
    at,
    ca_vehicle,
    cny,
    context,
    deliver,
    notice,
    record,
    request,
    state,
    usd,
    visit,
    when,
)

CN = context()
FRIDAY = at(date(2026, 5, 8), 10)  # the request: 10 working days → Fri 2026-05-22, 20 → Fri 2026-06-05


def entitled_case() -> StatutoryCase:
    return state([record(v) for v in FIVE_REPAIRS], CN)


def requested(remedy: CaseRemedy = CaseRemedy.REFUND) -> StatutoryCase:
    return state([*(record(v) for v in FIVE_REPAIRS), request(remedy, FRIDAY)], CN)


def accepted(remedy: CaseRemedy = CaseRemedy.REFUND) -> StatutoryCase:
    return state([*(record(v) for v in FIVE_REPAIRS), request(remedy, FRIDAY), answer(at(date(2026, 5, 12)))], CN)


def test_a_refund_is_refused_after_four_repairs_as_not_entitled() -> None:
    case = state([record(v) for v in FIVE_REPAIRS[:4]], CN)
    with pytest.raises(PreconditionFailedError) as refused:
        when(case, request(CaseRemedy.REFUND, FRIDAY), CN)
    assert refused.value.reason == "NOT_ENTITLED"
    assert "it entitles COURTESY_CAR" in refused.value.message


@pytest.mark.parametrize("remedy", [CaseRemedy.REPLACE, CaseRemedy.REFUND])
def test_after_the_fifth_repair_a_replacement_or_a_refund_is_requested_with_cn_working_day_deadlines(
    remedy: CaseRemedy,
) -> None:
    assert when(entitled_case(), request(remedy, FRIDAY), CN) == [
        RemedyRequested(
            remedy=remedy,
            requested_at=FRIDAY,
            answer_due_on=date(2026, 5, 22),
            completion_due_on=date(2026, 6, 5),
            rule="cumulative_days_out_of_service",
            pack_id="CN-2022",
            pack_version="1",
        )
    ]


def test_a_holiday_moves_the_deadlines_on_and_a_make_up_working_day_brings_them_back() -> None:
    (holiday,) = when(entitled_case(), request(CaseRemedy.REFUND, FRIDAY), context(holidays=(date(2026, 5, 11),)))
    assert isinstance(holiday, RemedyRequested)
    assert (holiday.answer_due_on, holiday.completion_due_on) == (date(2026, 5, 25), date(2026, 6, 8))
    both = context(holidays=(date(2026, 5, 11),), make_up_days=(date(2026, 5, 9),))
    (made_up,) = when(entitled_case(), request(CaseRemedy.REFUND, FRIDAY), both)
    assert isinstance(made_up, RemedyRequested)
    assert (made_up.answer_due_on, made_up.completion_due_on) == (date(2026, 5, 22), date(2026, 6, 5))


def test_price_reduction_is_not_entitled_under_cn() -> None:
    with pytest.raises(PreconditionFailedError) as refused:
        when(entitled_case(), request(CaseRemedy.PRICE_REDUCTION, FRIDAY), CN)
    assert refused.value.reason == "NOT_ENTITLED"


def test_a_request_under_a_pack_other_than_the_last_determinations_needs_a_reevaluation_first() -> None:
    with pytest.raises(PreconditionFailedError) as refused:
        when(entitled_case(), request(CaseRemedy.REFUND, FRIDAY), context(pack=CN_2013))
    assert refused.value.reason == "REEVALUATION_NEEDED"
    assert refused.value.metadata["pack_id"] == "CN-2022"


def test_the_same_request_again_is_a_no_op_and_another_while_one_is_open_is_refused() -> None:
    case = requested()
    assert when(case, request(CaseRemedy.REFUND, FRIDAY), CN) == []
    with pytest.raises(PreconditionFailedError) as refused:
        when(case, request(CaseRemedy.REPLACE, FRIDAY + timedelta(days=1)), CN)
    assert refused.value.reason == "REMEDY_OPEN"
    with pytest.raises(PreconditionFailedError):
        when(accepted(), request(CaseRemedy.REPLACE, FRIDAY + timedelta(days=5)), CN)


def test_a_request_in_the_future_is_invalid() -> None:
    with pytest.raises(InvalidCommandError):
        when(entitled_case(), request(CaseRemedy.REFUND, datetime(2026, 7, 2, tzinfo=UTC)), CN)


def test_an_answer_on_the_due_date_is_on_time() -> None:
    (answered,) = when(requested(), answer(at(date(2026, 5, 22), 23, 59)), CN)
    assert answered == RemedyAnswered(
        accepted=True, reason="the presumption is met", answered_at=at(date(2026, 5, 22), 23, 59), late=False
    )


def test_an_answer_the_day_after_the_due_date_is_late() -> None:
    (answered,) = when(requested(), answer(at(date(2026, 5, 23), 0, 0), accepted=False, reason="misuse"), CN)
    assert isinstance(answered, RemedyAnswered)
    assert (answered.accepted, answered.late) == (False, True)


def test_a_refused_request_closes_it_and_a_new_one_may_follow() -> None:
    steps: list[StatutoryCaseCommand] = [*(record(v) for v in FIVE_REPAIRS), request(CaseRemedy.REFUND, FRIDAY)]
    closed = state([*steps, answer(at(date(2026, 5, 12)), accepted=False, reason="misuse")], CN)
    assert closed.remedy is not None
    assert (closed.remedy.status, closed.remedy.reason, closed.remedy.answered_late) == (
        RemedyStatus.REFUSED,
        "misuse",
        False,
    )
    (again,) = when(closed, request(CaseRemedy.REPLACE, at(date(2026, 5, 13))), CN)
    assert isinstance(again, RemedyRequested)
    assert again.remedy == CaseRemedy.REPLACE


def test_answering_without_a_request_or_twice_differently_is_refused() -> None:
    with pytest.raises(PreconditionFailedError) as none:
        when(entitled_case(), answer(at(date(2026, 5, 12))), CN)
    assert none.value.reason == "NO_REMEDY_REQUESTED"
    assert when(accepted(), answer(at(date(2026, 5, 12))), CN) == []
    with pytest.raises(PreconditionFailedError) as twice:
        when(accepted(), answer(at(date(2026, 5, 13))), CN)
    assert twice.value.reason == "REMEDY_ALREADY_ANSWERED"


def test_an_answer_before_the_request_is_invalid() -> None:
    with pytest.raises(InvalidCommandError):
        when(requested(), answer(FRIDAY - timedelta(minutes=1)), CN)


def test_a_refund_deducts_cn_usage_compensation_of_1000_from_100000_at_2000_km() -> None:
    (delivered,) = when(accepted(), deliver(date(2026, 6, 1), km(2_000)), context(as_of_odometer=km(2_000)))
    assert isinstance(delivered, RemedyDelivered)
    assert (delivered.price, delivered.usage_deduction, delivered.amount) == (
        cny("100000.00"),
        cny("1000.00"),
        cny("99000.00"),
    )
    assert delivered.deduction_explanation.endswith("= 100,000 × 2,000 km / 1000 × 0.5% = 1000.00 CNY")
    assert (delivered.periods_restart_on, delivered.late, delivered.replacement_vin) == (None, False, None)


def test_a_replacement_owes_the_usage_compensation_and_restarts_the_periods_on_its_date() -> None:
    command = deliver(date(2026, 6, 5), km(2_000), replacement_vin="LSVAU2180N2183294")
    (delivered,) = when(accepted(CaseRemedy.REPLACE), command, CN)
    assert isinstance(delivered, RemedyDelivered)
    assert (delivered.amount, delivered.periods_restart_on, delivered.late) == (
        cny("1000.00"),
        date(2026, 6, 5),
        False,
    )


def test_a_replacement_after_the_20th_working_day_is_late() -> None:
    command = deliver(date(2026, 6, 8), km(2_000), replacement_vin="LSVAU2180N2183294")
    (delivered,) = when(accepted(CaseRemedy.REPLACE), command, CN)
    assert isinstance(delivered, RemedyDelivered)
    assert delivered.late


def test_delivery_needs_an_accepted_request_and_a_replacement_vin_exactly_for_a_replacement() -> None:
    with pytest.raises(PreconditionFailedError) as unanswered:
        when(requested(), deliver(date(2026, 6, 1), km(2_000)), CN)
    assert unanswered.value.reason == "REMEDY_NOT_ACCEPTED"
    with pytest.raises(InvalidCommandError):
        when(accepted(CaseRemedy.REPLACE), deliver(date(2026, 6, 1), km(2_000)), CN)
    with pytest.raises(InvalidCommandError):
        when(accepted(), deliver(date(2026, 6, 1), km(2_000), replacement_vin="LSVAU2180N2183294"), CN)


def test_a_delivery_reading_below_the_latest_reading_is_invalid() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        when(accepted(), deliver(date(2026, 6, 1), km(1_499)), CN)
    assert caught.value.violations[0].field == "odometer"
    assert when(accepted(), deliver(date(2026, 6, 1), km(1_500)), CN)


def test_after_a_refund_no_further_remedy_can_be_requested() -> None:
    case = state(
        [
            *(record(v) for v in FIVE_REPAIRS),
            request(CaseRemedy.REFUND, FRIDAY),
            answer(at(date(2026, 5, 12))),
            deliver(date(2026, 6, 1), km(2_000)),
        ],
        CN,
    )
    assert case.remedy is not None
    assert (case.remedy.status, case.remedy.amount) == (RemedyStatus.DELIVERED, cny("99000.00"))
    with pytest.raises(PreconditionFailedError) as refused:
        when(case, request(CaseRemedy.REPLACE, at(date(2026, 6, 2))), CN)
    assert refused.value.reason == "REMEDY_DELIVERED"


def test_a_refund_under_the_seven_day_rule_is_free_of_usage_compensation() -> None:
    engine = visit(1, date(2026, 1, 8), odometer=200, replaced_assembly="ENGINE")
    ctx = context(as_of_odometer=km(300))
    steps: list[StatutoryCaseCommand] = [
        record(engine),
        request(CaseRemedy.REFUND, at(date(2026, 1, 12))),
        answer(at(date(2026, 1, 13))),
    ]
    case = state(steps, ctx)
    assert case.remedy is not None
    assert case.remedy.rule == "seven_day_replace_or_refund"
    (delivered,) = when(case, deliver(date(2026, 1, 20), km(300)), ctx)
    assert isinstance(delivered, RemedyDelivered)
    assert (delivered.usage_deduction, delivered.amount) == (cny("0.00"), cny("100000.00"))
    assert delivered.deduction_explanation == "seven_day_replace_or_refund: the remedy is free, no usage compensation"


def test_a_california_refund_offsets_the_miles_before_the_first_repair_of_the_defect() -> None:
    ca = context(ca_vehicle(), as_of_odometer=mi(9_000))
    first_visits = [
        record(visit(i, date(2025, 3 + i, 3), odometer=3_012 + 1_000 * i, unit=DistanceUnit.MI)) for i in range(4)
    ]
    steps: list[StatutoryCaseCommand] = [*first_visits, notice(date(2025, 7, 10))]
    steps += [request(CaseRemedy.REFUND, at(date(2025, 7, 11))), answer(at(date(2025, 7, 20)))]
    case = state(steps, ca)
    assert case.remedy is not None
    assert (case.remedy.answer_due_on, case.remedy.completion_due_on) == (None, None)
    (delivered,) = when(case, deliver(date(2025, 8, 1), mi(9_500)), ca)
    assert isinstance(delivered, RemedyDelivered)
    assert (delivered.usage_deduction, delivered.amount, delivered.late) == (usd("1000.00"), usd("39000.00"), False)
    assert "miles driven before the first repair of 12345-ABC/P0300 (D042/RO-0)" in delivered.deduction_explanation


def test_a_delivered_remedy_keeps_the_price_the_usage_deduction_and_its_explanation() -> None:
    commands = [request(CaseRemedy.REFUND, FRIDAY), answer(at(date(2026, 5, 12))), deliver(date(2026, 6, 1), km(2_000))]
    remedy = state([*(record(v) for v in FIVE_REPAIRS), *commands], CN).remedy
    assert remedy is not None
    assert (remedy.price, remedy.usage_deduction, remedy.amount) == (cny("100000.00"), cny("1000.00"), cny("99000.00"))
    assert remedy.deduction_explanation is not None
    assert remedy.deduction_explanation.endswith("= 100,000 × 2,000 km / 1000 × 0.5% = 1000.00 CNY")
