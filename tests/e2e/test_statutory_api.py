"""StatutoryService over a real channel: a CN lemon (DOMAIN.md §5) from its repairs to the refund, what-if, the
courtesy car, the packs, refusals, and `claims rules` as a process."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest

from claims.api.v1 import repair_orders_pb2, vehicles_pb2
from claims.api.v1 import statutory_pb2 as pb
from tests.builders import CN_VIN
from tests.e2e.conftest import Api, refused, rich_error
from tests.e2e.requests import (
    CN_DEALER,
    close_ro_request,
    cn_coverage_request,
    cn_register_request,
    km,
    open_ro_request,
    remedy_request,
    statutory_request,
    work_request,
)

DEFECT = {"causal_part_number": "INJ-100", "failure_code": "P0201"}
FIRST_REPAIR = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
LEMON_DAYS = (6, 6, 6, 6, 7)  # five repairs of one defect, 31 statutory days (the tests' clock: 2026-11-23T09:30Z)
RULES_THAT_DIFFER = ["cumulative_days_out_of_service", "same_defect_repairs"]


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def repair(api: Api, n: int, opened_at: datetime, hours: float, **facts: Any) -> Any:
    """Repair order RO-CN-<n> for the injector defect at 300·n km, its work carrying statutory facts, closed."""
    ro = f"RO-CN-{n}"
    api.repair_orders.OpenRepairOrder(
        open_ro_request(ro, _stamp(opened_at), dealer_id=CN_DEALER, vin=CN_VIN, odometer_in=km(300 * n),
                        complaint="engine stalls at idle"),
        timeout=5,
    )  # fmt: skip
    work = work_request(
        dealer_id=CN_DEALER, ro_number=ro, cause="clogged injector", correction="replaced injector", defect=DEFECT,
        parts_replaced=[{"part_number": "INJ-100", "quantity": 1}],
        statutory={"component_group": "COMPONENT_GROUP_ENGINE"} | facts,
    )  # fmt: skip
    api.repair_orders.RecordRepairWork(work, timeout=5)
    closed_at = _stamp(opened_at + timedelta(hours=hours))
    close = close_ro_request(dealer_id=CN_DEALER, ro_number=ro, closed_at=closed_at, odometer_out=km(300 * n + 10))
    return api.repair_orders.CloseRepairOrder(close, timeout=5)


def registered(api: Api) -> Api:
    api.vehicles.RegisterVehicle(cn_register_request(), timeout=5)
    api.vehicles.AttachCoverage(cn_coverage_request(), timeout=5)
    return api


def lemon_history(api: Api, days: tuple[int, ...] = LEMON_DAYS) -> Api:
    for n, length in enumerate(days, start=1):
        closed = repair(api, n, FIRST_REPAIR + timedelta(days=30 * (n - 1)), hours=24 * length)
        assert closed.days_out_of_service == length
    return api


def get_case(api: Api, vin: str = CN_VIN) -> pb.StatutoryCase:
    return api.statutory.GetStatutoryCase(pb.GetStatutoryCaseRequest(vin=vin), timeout=5).statutory_case


@pytest.fixture
def lemon_api(api: Api) -> Api:
    return lemon_history(registered(api))


@pytest.fixture
def courtesy_api(api: Api) -> Api:
    """One repair of 130 h (6 statutory days) of the CN vehicle, three weeks before the tests' clock."""
    registered(api)
    repair(api, 1, datetime(2026, 11, 2, 8, 0, tzinfo=UTC), hours=130)
    return api


def refund_delivered(api: Api) -> pb.DeliverRemedyResponse:
    """REFUND requested on the morning of the clock, accepted, and delivered at 2,000 km."""
    api.statutory.RequestRemedy(remedy_request("REFUND"), timeout=5)
    answer = statutory_request(
        pb.AnswerRemedyRequest,
        accepted=True,
        reason="the defect could not be cured",
        answered_at="2026-11-23T09:00:00Z",
    )
    api.statutory.AnswerRemedy(answer, timeout=5)
    deliver = statutory_request(pb.DeliverRemedyRequest, delivered_on="2026-11-23", odometer=km(2000))
    return api.statutory.DeliverRemedy(deliver, timeout=5)  # type: ignore[no-any-return]


def test_the_fifth_repair_of_one_defect_over_31_days_entitles_replacement_or_refund(api: Api) -> None:
    lemon_history(registered(api), LEMON_DAYS[:4])
    before = get_case(api)
    assert (len(before.visits), pb.REMEDY_REPLACE_OR_REFUND in before.determination.entitled) == (4, False)
    repair(api, 5, FIRST_REPAIR + timedelta(days=120), hours=24 * LEMON_DAYS[4])
    case = get_case(api)
    last = case.determination
    assert (last.pack_id, last.pack_version, last.as_of) == ("CN-2022", "1", "2026-11-23")
    assert list(last.entitled) == [pb.REMEDY_REPLACE_OR_REFUND, pb.REMEDY_COURTESY_CAR]
    assert list(last.rules_fired) == [*RULES_THAT_DIFFER, "courtesy_car"]
    outcomes = {o.rule: o for o in last.outcomes}
    assert len(outcomes) == 9  # every rule of the pack, fired or not
    days, repairs = outcomes["cumulative_days_out_of_service"], outcomes["same_defect_repairs"]
    assert (days.fired, days.remedy, days.facts["days"], days.facts["visits"]) == (
        True, pb.REMEDY_REPLACE_OR_REFUND, "31", "5",
    )  # fmt: skip
    assert "31 cumulative repair days" in days.explanation
    assert (repairs.facts["defect_key"], repairs.facts["repairs"]) == ("INJ-100/P0201", "5")
    seven_day = outcomes["seven_day_replace_or_refund"]
    assert (seven_day.fired, seven_day.remedy, seven_day.explanation != "") == (False, pb.REMEDY_NONE, True)
    visit = case.visits[4]
    assert (visit.visit_id, visit.defect_key, visit.days_out_of_service, visit.odometer.value) == (
        "D-CN-1/RO-CN-5", "INJ-100/P0201", 7, "1500",
    )  # fmt: skip
    assert (visit.facts.component_group, visit.facts.main_part) == (vehicles_pb2.COMPONENT_GROUP_ENGINE, "")
    assert (case.vin, case.HasField("remedy"), case.periods_restart_on) == (CN_VIN, False, "")


def test_what_if_under_cn_2013_lists_the_rules_that_would_not_fire(lemon_api: Api) -> None:
    head = lemon_api.head()
    request = pb.WhatIfRequest(vin=CN_VIN, pack_id="CN-2013", pack_version="1")
    answer = lemon_api.statutory.WhatIf(request, timeout=5)
    assert (answer.current_pack_id, answer.current_pack_version, answer.other_pack_id, answer.other_pack_version) == (
        "CN-2022", "1", "CN-2013", "1",
    )  # fmt: skip
    assert [d.rule for d in answer.differences] == RULES_THAT_DIFFER
    days = answer.differences[0]
    assert (days.under_current.fired, days.under_current.remedy) == (True, pb.REMEDY_REPLACE_OR_REFUND)
    assert (days.under_other.fired, days.under_other.remedy, days.under_other.facts["threshold"]) == (
        False, pb.REMEDY_NONE, "> 35",
    )  # fmt: skip
    assert days.summary == (
        "cumulative_days_out_of_service: fires (REPLACE_OR_REFUND) under CN-2022 v1, does not fire under CN-2013 v1"
    )
    assert lemon_api.head() == head  # what-if writes nothing


def test_a_refund_is_answered_within_10_working_days_and_paid_less_the_usage_deduction(lemon_api: Api) -> None:
    requested = lemon_api.statutory.RequestRemedy(remedy_request("REFUND"), timeout=5)
    remedy = get_case(lemon_api).remedy
    assert (remedy.remedy, remedy.status, remedy.rule) == (
        pb.CASE_REMEDY_REFUND, pb.REMEDY_STATUS_REQUESTED, "cumulative_days_out_of_service",
    )  # fmt: skip
    # Art. 28: 10 working days to answer, 20 to complete, from Monday 2026-11-23.
    assert (remedy.answer_due_on, remedy.completion_due_on) == ("2026-12-07", "2026-12-21")
    assert (remedy.pack_id, remedy.pack_version, remedy.HasField("accepted")) == ("CN-2022", "1", False)
    delivered = refund_delivered(lemon_api)
    assert delivered.result.version > requested.result.version
    # Art. 27: 100,000 × 2,000 km / 1000 × 0.5% = 1,000 deducted from the price.
    assert (delivered.usage_deduction.amount, delivered.amount.amount, delivered.amount.currency) == (
        "1000.00", "99000.00", "CNY",
    )  # fmt: skip
    assert "100,000 × 2,000 km / 1000 × 0.5% = 1000.00 CNY" in delivered.deduction_explanation
    case = get_case(lemon_api)
    remedy = case.remedy
    assert (remedy.status, remedy.accepted, remedy.answered_late, remedy.delivered_on) == (
        pb.REMEDY_STATUS_DELIVERED, True, False, "2026-11-23",
    )  # fmt: skip
    assert (remedy.amount.amount, remedy.price.amount, remedy.usage_deduction.amount) == (
        "99000.00", "100000.00", "1000.00",
    )  # fmt: skip
    assert (case.version, case.periods_restart_on) == (delivered.result.version, "")  # a refund restarts nothing


def test_a_single_repair_of_130_hours_owes_courtesy_car_compensation_from_day_6(courtesy_api: Api) -> None:
    case = get_case(courtesy_api)
    owed = [(c.visit_id, c.days_owed, c.daily_rate.amount, c.amount.amount, c.rule) for c in case.compensations]
    assert owed == [("D-CN-1/RO-CN-1", 1, "300.00", "300.00", "courtesy_car")]  # 130 h: day 6 is owed, at ¥300
    assert (list(case.determination.entitled), list(case.determination.rules_fired)) == (
        [pb.REMEDY_COURTESY_CAR], ["courtesy_car"],
    )  # fmt: skip
    assert case.visits[0].days_out_of_service == 6
    order = courtesy_api.repair_orders.GetRepairOrder(
        repair_orders_pb2.GetRepairOrderRequest(dealer_id=CN_DEALER, ro_number="RO-CN-1"), timeout=5
    ).repair_order
    assert (order.HasField("statutory"), order.statutory.component_group, order.statutory.safety_failure) == (
        True, case.visits[0].facts.component_group, repair_orders_pb2.SAFETY_FAILURE_UNSPECIFIED,
    )  # fmt: skip


def test_statutory_facts_travel_from_the_repair_order_to_the_visit(api: Api) -> None:
    registered(api)
    facts = {
        "main_part": "STATOR-7", "serious_safety": True, "safety_failure": "SAFETY_FAILURE_BRAKE_FAILURE",
        "replaced_assembly": "COMPONENT_GROUP_TRANSMISSION", "replaced_main_part": "VB-2", "fault_remained": True,
        "wear_part": "WEAR_PART_BRAKE_LININGS",
    }  # fmt: skip
    repair(api, 1, datetime(2026, 11, 2, 8, 0, tzinfo=UTC), hours=20, **facts)
    order = api.repair_orders.GetRepairOrder(
        repair_orders_pb2.GetRepairOrderRequest(dealer_id=CN_DEALER, ro_number="RO-CN-1"), timeout=5
    ).repair_order
    visit = get_case(api).visits[0].facts
    for recorded in (order.statutory, visit):
        assert (recorded.main_part, recorded.serious_safety, recorded.safety_failure, recorded.replaced_assembly) == (
            "STATOR-7", True, repair_orders_pb2.SAFETY_FAILURE_BRAKE_FAILURE, vehicles_pb2.COMPONENT_GROUP_TRANSMISSION,
        )  # fmt: skip
        assert (recorded.replaced_main_part, recorded.fault_remained, recorded.minor_nonconformity) == (
            "VB-2", True, False,
        )  # fmt: skip


def test_a_direct_notice_is_recorded_and_a_reevaluation_on_unchanged_facts_adds_nothing(courtesy_api: Api) -> None:
    notice = statutory_request(pb.RecordDirectNoticeRequest, notified_on="2026-11-20")
    noted = courtesy_api.statutory.RecordDirectNotice(notice, timeout=5)
    case = get_case(courtesy_api)
    assert (list(case.notices), case.version) == (["2026-11-20"], noted.result.version)
    again = statutory_request(pb.ReevaluateCaseRequest, expected_version=case.version)
    assert courtesy_api.statutory.ReevaluateCase(again, timeout=5).result.version == case.version
    stale = statutory_request(pb.ReevaluateCaseRequest, expected_version=case.version - 1)
    assert refused(courtesy_api, courtesy_api.statutory.ReevaluateCase, stale).code == grpc.StatusCode.ABORTED


def test_a_remedy_the_case_does_not_entitle_is_refused_and_nothing_is_stored(courtesy_api: Api) -> None:
    error = refused(courtesy_api, courtesy_api.statutory.RequestRemedy, remedy_request("REFUND"))
    assert (error.code, error.reason, error.metadata["remedy"]) == (
        grpc.StatusCode.FAILED_PRECONDITION, "NOT_ENTITLED", "REFUND",
    )  # fmt: skip
    assert "does not entitle REFUND" in error.message
    assert not get_case(courtesy_api).HasField("remedy")


def test_an_unknown_vehicle_case_or_pack_is_not_found(api: Api) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        get_case(api)
    assert rich_error(caught.value).code == grpc.StatusCode.NOT_FOUND
    assert refused(api, api.statutory.RequestRemedy, remedy_request()).code == grpc.StatusCode.NOT_FOUND
    unknown = pb.WhatIfRequest(vin=CN_VIN, pack_id="CN-2013", pack_version="1")
    assert refused(api, api.statutory.WhatIf, unknown).code == grpc.StatusCode.NOT_FOUND
    registered(api)
    with pytest.raises(grpc.RpcError) as caught:
        get_case(api)  # registered, but no repair with statutory facts yet
    assert rich_error(caught.value).code == grpc.StatusCode.NOT_FOUND
    error = refused(api, api.statutory.WhatIf, pb.WhatIfRequest(vin=CN_VIN, pack_id="CN-1999", pack_version="1"))
    assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "RULE_PACK_NOT_FOUND")


@pytest.mark.parametrize(
    ("call", "request_message", "fields"),
    [
        ("RequestRemedy", statutory_request(pb.RequestRemedyRequest), {"remedy", "requested_at"}),
        ("RequestRemedy", statutory_request(pb.RequestRemedyRequest, requested_at="2026-11-23T08:00:00Z"), {"remedy"}),
        ("DeliverRemedy", statutory_request(pb.DeliverRemedyRequest), {"delivered_on", "odometer"}),
        ("RecordDirectNotice", statutory_request(pb.RecordDirectNoticeRequest, notified_on="2026-13-01"),
         {"notified_on"}),
        ("AnswerRemedy", statutory_request(pb.AnswerRemedyRequest, accepted=True), {"reason", "answered_at"}),
        ("GetStatutoryCase", pb.GetStatutoryCaseRequest(vin=""), {"vin"}),
        ("WhatIf", pb.WhatIfRequest(vin=CN_VIN), {"pack_id", "pack_version"}),
    ],
    ids=["no remedy nor time", "unspecified remedy", "no delivery", "bad date", "no reason", "no vin", "no pack"],
)  # fmt: skip
def test_bad_fields_are_named(lemon_api: Api, call: str, request_message: Any, fields: set[str]) -> None:
    error = refused(lemon_api, getattr(lemon_api.statutory, call), request_message)
    assert (error.code, set(error.fields)) == (grpc.StatusCode.INVALID_ARGUMENT, fields)


def test_statutory_facts_without_a_component_group_are_named_on_the_repair_order(api: Api) -> None:
    registered(api)
    api.repair_orders.OpenRepairOrder(
        open_ro_request("RO-CN-1", "2026-11-02T08:00:00Z", dealer_id=CN_DEALER, vin=CN_VIN, odometer_in=km(100)),
        timeout=5,
    )
    work = work_request(dealer_id=CN_DEALER, ro_number="RO-CN-1", statutory={"safety_failure": 99})
    error = refused(api, api.repair_orders.RecordRepairWork, work)
    assert set(error.fields) == {"statutory.component_group", "statutory.safety_failure"}


def test_the_rule_packs_are_listed_with_their_parameters_and_rules(api: Api) -> None:
    packs = {(p.pack_id, p.version): p for p in api.statutory.ListRulePacks(pb.ListRulePacksRequest(), timeout=5).packs}
    assert {("CN-2022", "1"), ("CN-2013", "1"), ("US-CA", "1"), ("EU-2019/771", "2")} <= set(packs)
    cn_2022, cn_2013 = packs[("CN-2022", "1")], packs[("CN-2013", "1")]
    assert (cn_2022.jurisdiction, cn_2022.kind, cn_2022.effective_from, cn_2022.effective_to) == (
        "CN", pb.PACK_KIND_STATUTE, "2022-01-01", "",
    )  # fmt: skip
    assert (cn_2013.effective_from, cn_2013.effective_to) == ("2013-10-01", "2021-12-31")
    assert {*RULES_THAT_DIFFER, "courtesy_car"} <= set(cn_2022.rules)
    parameters = json.loads(cn_2022.parameters)
    assert (parameters["answer_working_days"], parameters["usage_coefficient_max"]) == (10, "0.005")


def claims_rules(*args: str, target: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "claims", "rules", *args, "--target", target]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_claims_rules_what_if_prints_the_differences_from_a_live_server(lemon_api: Api) -> None:
    target = f"127.0.0.1:{lemon_api.engine.port}"
    shown = claims_rules("what-if", CN_VIN, "--pack", "CN-2013", "--version", "1", target=target)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[:2] == [f"{CN_VIN}: its history under CN-2022 v1 (current) and under CN-2013 v1",
                         "2 rules decide differently:"]  # fmt: skip
    assert "  same_defect_repairs: fires (REPLACE_OR_REFUND) under CN-2022 v1, does not fire under CN-2013 v1" in lines
    assert any(line.startswith("    CN-2013 v1: 31 cumulative repair days") for line in lines)
    unknown = claims_rules("what-if", "LSVNV2187E2199999", "--pack", "CN-2013", "--version", "1", target=target)
    assert (unknown.returncode, unknown.stderr.startswith("claims rules: NOT_FOUND: ")) == (1, True)
    listed = claims_rules("list", target=target)
    assert listed.returncode == 0, listed.stderr
    assert "CN-2013 v1  CN  STATUTE  2013-10-01 → 2021-12-31" in listed.stdout


@pytest.mark.postgres
def test_a_cn_lemon_is_refunded_the_same_on_postgresql(pg_api: Api) -> None:
    lemon_history(registered(pg_api))
    assert pb.REMEDY_REPLACE_OR_REFUND in get_case(pg_api).determination.entitled
    delivered = refund_delivered(pg_api)
    assert (delivered.amount.amount, delivered.usage_deduction.amount) == ("99000.00", "1000.00")
    case = get_case(pg_api)
    assert (case.remedy.status, case.version) == (pb.REMEDY_STATUS_DELIVERED, delivered.result.version)
