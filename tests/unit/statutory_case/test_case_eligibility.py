"""Visits and direct notices build a vehicle's case; a determination is recorded only when the fired rules change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from claims.domain.base import resolve_event_type
from claims.domain.errors import InvalidCommandError, NotFoundError, PreconditionFailedError
from claims.domain.ids import statutory_case_id_for, vehicle_id_for
from claims.domain.statutory.cn_2013 import CN_2013
from claims.domain.statutory.cn_2022 import CN_2022
from claims.domain.statutory.pack import Remedy, evaluate
from claims.domain.statutory.us_ca import US_CA
from claims.domain.statutory.what_if import compare
from claims.domain.statutory_case.commands import ReevaluateCase, StatutoryCaseCommand
from claims.domain.statutory_case.events import (
    DirectNoticeRecorded,
    EligibilityDetermined,
    RepairVisitRecorded,
    StatutoryCaseOpened,
)
from claims.domain.statutory_case.facts import case_facts
from claims.domain.statutory_case.state import evolve
from claims.domain.values import DistanceUnit
from tests.unit.domain.claim_builders import VIN, km, mi
from tests.unit.statutory_case.builders import (
    FIVE_REPAIRS,
    NOW,
    ca_vehicle,
    cn_vehicle,
    context,
    evolve_all,
    notice,
    of_type,
    record,
    run,
    state,
    visit,
    when,
)

CN = context()
CA = context(ca_vehicle())


def test_the_first_visit_opens_the_vehicles_case_and_records_the_visit() -> None:
    first = FIVE_REPAIRS[0]
    events = when(None, record(first), CN)
    assert events[:2] == [
        StatutoryCaseOpened(
            case_id=statutory_case_id_for(vehicle_id_for(VIN)), vehicle_id=vehicle_id_for(VIN), vin=VIN
        ),
        RepairVisitRecorded(visit=first),
    ]
    assert statutory_case_id_for(vehicle_id_for(VIN)) != vehicle_id_for(VIN)


def test_five_repairs_of_one_defect_over_31_days_entitle_replacement_or_refund_under_cn_2022_at_the_fifth() -> None:
    _, produced = run([record(v) for v in FIVE_REPAIRS], CN)
    (fifth,) = of_type(produced[4], EligibilityDetermined)
    assert (fifth.pack_id, fifth.pack_version, fifth.as_of) == ("CN-2022", "1", NOW.date())
    assert fifth.rules_fired == ("cumulative_days_out_of_service", "same_defect_repairs", "courtesy_car")
    assert fifth.entitled == (Remedy.REPLACE_OR_REFUND, Remedy.COURTESY_CAR)
    same_defect = fifth.trace.outcome("same_defect_repairs")
    assert same_defect.facts == {"defect_key": "12345-ABC/P0300", "repairs": "5", "threshold": "> 4"}
    assert fifth.trace.outcome("cumulative_days_out_of_service").facts["days"] == "31"
    assert len(fifth.trace.outcomes) == len(CN_2022.rules)  # every outcome, fired or not


def test_after_the_fourth_repair_the_case_is_not_entitled_to_replacement_or_refund() -> None:
    case, produced = run([record(v) for v in FIVE_REPAIRS[:4]], CN)
    assert of_type(produced[3], EligibilityDetermined) == []  # 4 repairs, 25 days: nothing new fires
    assert case is not None
    assert case.determination is not None
    assert case.determination.rules_fired == ("courtesy_car",)  # recorded at the first, 7-day repair
    assert Remedy.REPLACE_OR_REFUND not in case.determination.entitled


def test_a_determination_is_recorded_only_when_the_set_of_fired_rules_changes() -> None:
    _, produced = run([record(v) for v in FIVE_REPAIRS], CN)
    counts = [len(of_type(events, EligibilityDetermined)) for events in produced]
    assert counts == [1, 0, 0, 0, 1]


def test_the_same_facts_under_cn_2013_do_not_entitle_a_replacement_or_refund() -> None:
    case = state([record(v) for v in FIVE_REPAIRS], CN)
    facts = case_facts(cn_vehicle(), case, NOW.date(), km(1_500), Decimal("0.005"))
    rules = {d.rule for d in compare(facts, CN_2022, CN_2013)}
    assert rules == {"cumulative_days_out_of_service", "same_defect_repairs"}
    assert not any(o.fired for o in evaluate(CN_2013, facts).outcomes if o.remedy == Remedy.REPLACE_OR_REFUND)


def test_recording_the_same_visit_again_is_a_no_op() -> None:
    case = state([record(FIVE_REPAIRS[0])], CN)
    assert when(case, record(FIVE_REPAIRS[0]), CN) == []


def test_the_same_visit_id_with_other_facts_is_refused() -> None:
    case = state([record(FIVE_REPAIRS[0])], CN)
    changed = FIVE_REPAIRS[0].model_copy(update={"fault_remained": True})
    with pytest.raises(PreconditionFailedError) as refused:
        when(case, record(changed), CN)
    assert refused.value.reason == "VISIT_ALREADY_RECORDED"


def test_a_visit_closing_in_the_future_is_invalid() -> None:
    late = visit(1, NOW.date(), hours=1)
    with pytest.raises(InvalidCommandError) as caught:
        when(None, record(late), CN)
    assert caught.value.violations[0].field == "visit.closed_at"


def test_a_visit_read_in_operating_hours_on_a_car_is_invalid() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        when(None, record(visit(1, date(2026, 2, 2), unit=DistanceUnit.HOURS)), CN)
    assert caught.value.violations[0].field == "visit.odometer.unit"


def test_a_context_for_another_vehicle_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="the command names"):
        when(None, record(FIVE_REPAIRS[0]).model_copy(update={"vin": "LSVAU2180N2183294"}), CN)
    with pytest.raises(ValueError, match="does not govern"):
        when(None, record(FIVE_REPAIRS[0]), context(pack=US_CA))


def ca_repairs(count: int) -> list[StatutoryCaseCommand]:
    """``count`` repairs of one defect within 18 months / 18,000 mi of the CA vehicle's delivery."""
    days = [date(2025, 3, 3), date(2025, 4, 7), date(2025, 5, 5), date(2025, 6, 2), date(2025, 7, 7)]
    return [record(visit(i, days[i - 1], odometer=1_000 * (i + 2), unit=DistanceUnit.MI)) for i in range(1, count + 1)]


def test_in_california_four_repairs_without_a_direct_notice_entitle_nothing() -> None:
    case, produced = run(ca_repairs(4), CA)
    assert [of_type(events, EligibilityDetermined) for events in produced] == [[], [], [], []]
    assert case is not None
    assert case.determination is None


def test_in_california_the_direct_notice_after_four_repairs_entitles_replacement_or_restitution() -> None:
    case = state(ca_repairs(4), CA)
    events = when(case, notice(date(2025, 7, 10)), CA)
    assert events[0] == DirectNoticeRecorded(notified_on=date(2025, 7, 10))
    (determined,) = of_type(events, EligibilityDetermined)
    assert (determined.pack_id, determined.rules_fired) == ("US-CA", ("same_defect_repairs",))
    assert determined.entitled == (Remedy.REPLACE_OR_REFUND,)
    assert determined.trace.outcome("same_defect_repairs").facts["direct_notice"] == "true"


def test_in_california_a_notice_after_three_repairs_entitles_nothing_until_the_fourth() -> None:
    case, produced = run([*ca_repairs(3), notice(date(2025, 5, 20))], CA)
    assert of_type(produced[3], EligibilityDetermined) == []
    (determined,) = of_type(when(case, ca_repairs(4)[3], CA), EligibilityDetermined)
    assert determined.rules_fired == ("same_defect_repairs",)


def test_a_notice_can_open_the_case_and_the_same_notice_again_is_a_no_op() -> None:
    case, (events,) = run([notice(date(2025, 2, 1))], CA)
    assert [type(e) for e in events] == [StatutoryCaseOpened, DirectNoticeRecorded]
    assert when(case, notice(date(2025, 2, 1)), CA) == []


def test_a_notice_before_delivery_or_in_the_future_is_invalid() -> None:
    for day in (date(2025, 1, 11), NOW.date() + timedelta(days=2)):
        with pytest.raises(InvalidCommandError):
            when(None, notice(day), CA)


def test_reevaluating_with_a_new_pack_records_what_changed_and_otherwise_nothing() -> None:
    case = state([record(v) for v in FIVE_REPAIRS], CN)
    command = ReevaluateCase(vin=VIN)
    assert when(case, command, CN) == []
    (determined,) = of_type(when(case, command, context(pack=CN_2013)), EligibilityDetermined)
    assert (determined.pack_id, determined.rules_fired) == ("CN-2013", ("courtesy_car",))


def test_reevaluating_a_vehicle_without_a_case_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        when(None, ReevaluateCase(vin=VIN), CN)


def test_case_facts_as_of_a_past_date_leave_out_later_visits_and_notices() -> None:
    case = state([*ca_repairs(4), notice(date(2025, 7, 10))], CA)
    before = case_facts(ca_vehicle(), case, date(2025, 5, 31), mi(6_000), None)
    after = case_facts(ca_vehicle(), case, date(2025, 7, 10), mi(6_000), None)
    assert (len(before.visits), any(v.direct_notice_sent for v in before.visits)) == (3, False)
    assert (len(after.visits), all(v.direct_notice_sent for v in after.visits)) == (4, True)


def test_case_facts_express_readings_in_the_vehicles_unit() -> None:
    case = state([record(visit(1, date(2025, 3, 3), odometer=1_609, unit=DistanceUnit.KM))], CA)
    facts = case_facts(ca_vehicle(), case, date(2025, 3, 3), km("1.609344"), None)
    assert facts.odometer_unit == DistanceUnit.MI
    assert facts.visits[0].odometer.unit == DistanceUnit.MI
    assert facts.as_of_odometer == mi(1)


def test_a_visit_dated_tomorrow_in_the_dealers_offset_is_taken_as_of_that_date() -> None:
    sydney = timezone(timedelta(hours=10))
    opened = datetime(2026, 7, 1, 8, 0, tzinfo=sydney)  # 2026-06-30 22:00 UTC
    east = visit(1, date(2026, 2, 2)).model_copy(update={"opened_at": opened, "closed_at": opened + timedelta(hours=1)})
    late_evening = context(now=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    events = when(None, record(east), late_evening)
    assert of_type(events, RepairVisitRecorded) == [RepairVisitRecorded(visit=east)]
    assert (
        case_facts(cn_vehicle(), evolve_all(events), date(2026, 7, 1), km(1_500), None).visits[0].visit_id
        == "D042/RO-1"
    )


def test_history_replays_into_the_same_state_through_the_stored_topics() -> None:
    case, produced = run([record(v) for v in FIVE_REPAIRS], CN)
    replayed = None
    for event in (e for events in produced for e in events):
        cls = resolve_event_type(event.TOPIC)
        replayed = evolve(replayed, cls.model_validate(event.model_dump(mode="json")))  # type: ignore[arg-type]
    assert replayed == case
