"""A closed repair order with statutory facts becomes a repair visit of the vehicle's statutory case."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from claims.domain.repair_order.events import RepairPauseRecorded
from claims.domain.repair_order.values import PauseKind
from claims.domain.repair_order.visit import repair_visit
from claims.domain.statutory.facts import RepairVisit, SafetyFailure
from claims.domain.statutory_case.events import RepairVisitRecorded
from claims.domain.vehicle.coverage_terms import ComponentGroup
from tests.unit.domain.claim_builders import (
    CLOSED_AT,
    OPENED_AT,
    given,
    mi,
    ro_closed,
    ro_opened,
    statutory_facts,
    work_recorded,
)
from tests.unit.statutory_case.builders import ca_vehicle, context, of_type, record, when

PAUSE = RepairPauseRecorded(
    kind=PauseKind.WAITING_VIN_CUSTOMISED_PARTS,
    started_at=OPENED_AT + timedelta(hours=2),
    ended_at=OPENED_AT + timedelta(hours=6),
)
BRAKES = statutory_facts(
    component_group="BRAKES", serious_safety=True, safety_failure="BRAKE_FAILURE", fault_remained=True
)


def test_a_closed_order_with_statutory_facts_is_a_visit_named_by_dealer_and_ro_number() -> None:
    order = given(ro_opened(), work_recorded(statutory=BRAKES), PAUSE, ro_closed(days_out_of_service=2))
    assert repair_visit(order) == RepairVisit(
        visit_id="D042/RO-1001",
        defect_key="12345-ABC/P0300",
        component_group=ComponentGroup.BRAKES,
        serious_safety=True,
        safety_failure=SafetyFailure.BRAKE_FAILURE,
        fault_remained=True,
        opened_at=OPENED_AT,
        closed_at=CLOSED_AT,
        odometer=mi(15100),
        pauses=((PAUSE.started_at, PAUSE.ended_at),),
        days_out_of_service=2,
    )


def test_replacements_and_wear_parts_travel_with_the_visit() -> None:
    facts = statutory_facts(
        main_part="CRANKSHAFT", replaced_assembly="ENGINE", replaced_main_part="CRANKSHAFT", wear_part="SPARK_PLUGS"
    )
    visit = repair_visit(given(ro_opened(), work_recorded(statutory=facts), ro_closed()))
    assert visit is not None
    assert (visit.main_part, visit.replaced_assembly, visit.replaced_main_part, visit.wear_part) == (
        "CRANKSHAFT",
        ComponentGroup.ENGINE,
        "CRANKSHAFT",
        "SPARK_PLUGS",
    )


def test_an_open_order_is_not_yet_a_visit() -> None:
    assert repair_visit(given(ro_opened(), work_recorded(statutory=BRAKES))) is None


def test_a_closed_order_without_statutory_facts_is_no_visit() -> None:
    assert repair_visit(given(ro_opened(), work_recorded(), ro_closed())) is None
    assert repair_visit(given(ro_opened(), ro_closed())) is None


def test_the_visit_of_a_closed_order_is_recorded_on_the_vehicles_case() -> None:
    order = given(ro_opened(), work_recorded(statutory=BRAKES), ro_closed(repair_hours=Decimal("56.00")))
    visit = repair_visit(order)
    assert visit is not None
    events = when(None, record(visit), context(ca_vehicle(), as_of_odometer=mi(15104)))
    assert of_type(events, RepairVisitRecorded) == [RepairVisitRecorded(visit=visit)]


def test_a_visit_id_too_long_for_a_reference_falls_back_to_the_repair_order_id() -> None:
    from claims.domain.ids import repair_order_id_for
    from claims.domain.repair_order.visit import visit_id_for

    assert visit_id_for("D042", "RO-1") == "D042/RO-1"
    assert visit_id_for("D" * 64, "R" * 64) == str(repair_order_id_for("D" * 64, "R" * 64))
