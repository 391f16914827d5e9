"""EU 2019/771's second tier through the case: a recurring defect entitles a price reduction or termination."""

from __future__ import annotations

from datetime import date

import pytest

from claims.domain.errors import InvalidCommandError, PreconditionFailedError
from claims.domain.statutory.pack import Remedy
from claims.domain.statutory_case.commands import StatutoryCaseCommand
from claims.domain.statutory_case.events import EligibilityDetermined, RemedyDelivered
from claims.domain.statutory_case.state import StatutoryCase
from claims.domain.statutory_case.values import CaseRemedy
from tests.unit.domain.claim_builders import km
from tests.unit.statutory_case.builders import (
    answer,
    at,
    context,
    deliver,
    eu_vehicle,
    eur,
    of_type,
    record,
    request,
    run,
    state,
    visit,
    when,
)

EU = context(eu_vehicle(), as_of_odometer=km(9_000), usage_coefficient=None, courtesy_car_daily_rate=None)
FIRST, SECOND = visit(1, date(2025, 6, 2), odometer=5_000), visit(2, date(2025, 9, 1), odometer=8_000)


def accepted(remedy: CaseRemedy) -> StatutoryCase:
    steps: list[StatutoryCaseCommand] = [
        record(FIRST),
        record(SECOND),
        request(remedy, at(date(2025, 9, 8))),
        answer(at(date(2025, 9, 10))),
    ]
    return state(steps, EU)


def test_the_first_occurrence_entitles_repair_and_the_recurrence_a_price_reduction_or_termination() -> None:
    _, (first, second) = run([record(FIRST), record(SECOND)], EU)
    assert [d.entitled for d in of_type(first, EligibilityDetermined)] == [(Remedy.REPAIR,)]
    assert [d.entitled for d in of_type(second, EligibilityDetermined)] == [(Remedy.PRICE_REDUCTION_OR_TERMINATION,)]


def test_a_first_occurrence_entitles_no_requested_remedy() -> None:
    case = state([record(FIRST)], EU)
    with pytest.raises(PreconditionFailedError) as refused:
        when(case, request(CaseRemedy.REPLACE, at(date(2025, 6, 9))), EU)
    assert refused.value.reason == "NOT_ENTITLED"


def test_a_price_reduction_delivers_the_agreed_amount_without_usage_deduction() -> None:
    command = deliver(date(2025, 9, 20), km(9_100), agreed_reduction=eur("3000.00"))
    (delivered,) = when(accepted(CaseRemedy.PRICE_REDUCTION), command, EU)
    assert isinstance(delivered, RemedyDelivered)
    assert (delivered.amount, delivered.usage_deduction, delivered.late) == (eur("3000.00"), eur("0.00"), False)
    assert delivered.deduction_explanation == "a price reduction carries no usage deduction"


def test_a_price_reduction_needs_an_agreed_amount_of_at_most_the_price() -> None:
    case = accepted(CaseRemedy.PRICE_REDUCTION)
    with pytest.raises(InvalidCommandError):
        when(case, deliver(date(2025, 9, 20), km(9_100)), EU)
    with pytest.raises(InvalidCommandError):
        when(case, deliver(date(2025, 9, 20), km(9_100), agreed_reduction=eur("30000.01")), EU)


def test_termination_refunds_the_price_as_the_pack_defines_no_usage_deduction() -> None:
    (delivered,) = when(accepted(CaseRemedy.TERMINATION), deliver(date(2025, 9, 20), km(9_100)), EU)
    assert isinstance(delivered, RemedyDelivered)
    assert (delivered.amount, delivered.periods_restart_on) == (eur("30000.00"), None)
    assert delivered.deduction_explanation == "EU-2019/771 v1 defines no usage deduction"


def test_a_minor_recurring_defect_entitles_a_price_reduction_but_no_termination() -> None:
    second = SECOND.model_copy(update={"minor_nonconformity": True})
    case = state([record(FIRST), record(second)], EU)
    with pytest.raises(PreconditionFailedError):
        when(case, request(CaseRemedy.TERMINATION, at(date(2025, 9, 8))), EU)
    assert when(case, request(CaseRemedy.PRICE_REDUCTION, at(date(2025, 9, 8))), EU)
