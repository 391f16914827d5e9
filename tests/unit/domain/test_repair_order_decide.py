"""Repair orders: opened, worked on, paused, closed with derived repair time and days out of service."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from claims.domain.base import resolve_event_type
from claims.domain.context import DecisionContext
from claims.domain.errors import AlreadyExistsError, InvalidCommandError, NotFoundError, PreconditionFailedError
from claims.domain.ids import repair_order_id_for, vehicle_id_for
from claims.domain.repair_order.commands import (
    CloseRepairOrder,
    OpenRepairOrder,
    RecordRepairPause,
    RecordRepairWork,
)
from claims.domain.repair_order.decide import decide
from claims.domain.repair_order.events import (
    RepairOrderClosed,
    RepairOrderOpened,
    RepairPauseRecorded,
    RepairWorkRecorded,
)
from claims.domain.repair_order.state import RepairOrder, RepairOrderStatus
from claims.domain.repair_order.values import DefectKey, PauseKind, ReplacedPart
from tests.unit.domain.claim_builders import (
    CAUSAL_PART,
    DEALER,
    OPENED_AT,
    RO_NUMBER,
    VIN,
    at,
    given,
    km,
    mi,
    ro_closed,
    ro_opened,
    statutory_facts,
    work_recorded,
)

CTX = DecisionContext(now=at(2026, 3, 20))
KEY = {"dealer_id": DEALER, "ro_number": RO_NUMBER}


def open_ro(**overrides: object) -> OpenRepairOrder:
    fields = KEY | {"vin": VIN, "opened_at": OPENED_AT, "odometer_in": mi(15100), "complaint": "engine misfires"}
    return OpenRepairOrder.model_validate(fields | overrides)


def close_after(duration: timedelta, odometer: int = 15104) -> CloseRepairOrder:
    return CloseRepairOrder(**KEY, closed_at=OPENED_AT + duration, odometer_out=mi(odometer))


def pause_cmd(
    start_h: float, end_h: float, kind: PauseKind = PauseKind.WAITING_VIN_CUSTOMISED_PARTS
) -> RecordRepairPause:
    return RecordRepairPause(
        **KEY,
        kind=kind,
        started_at=OPENED_AT + timedelta(hours=start_h),
        ended_at=OPENED_AT + timedelta(hours=end_h),
    )


def record_work(**overrides: object) -> RecordRepairWork:
    fields = KEY | {
        "cause": "ignition coil open circuit",
        "correction": "replaced ignition coil",
        "defect": DefectKey(causal_part_number=CAUSAL_PART, failure_code="P0300"),
        "parts_replaced": (ReplacedPart(part_number=CAUSAL_PART, quantity=1, removed_serial="SN-OLD-1"),),
    }
    return RecordRepairWork.model_validate(fields | overrides)


def open_order() -> RepairOrder:
    return given(ro_opened())


def test_opening_a_repair_order_names_it_by_dealer_and_ro_number() -> None:
    events = decide(None, open_ro(), CTX)
    assert events == [
        RepairOrderOpened(
            repair_order_id=repair_order_id_for(DEALER, RO_NUMBER),
            dealer_id=DEALER,
            ro_number=RO_NUMBER,
            vin=VIN,
            vehicle_id=vehicle_id_for(VIN),
            opened_at=OPENED_AT,
            odometer_in=mi(15100),
            complaint="engine misfires",
        )
    ]


def test_the_same_ro_number_at_another_dealer_is_another_repair_order() -> None:
    assert repair_order_id_for("D043", RO_NUMBER) != repair_order_id_for(DEALER, RO_NUMBER)


def test_an_ro_number_is_used_once_per_dealer() -> None:
    with pytest.raises(AlreadyExistsError):
        decide(open_order(), open_ro(), CTX)


def test_a_repair_order_cannot_open_in_the_future() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        decide(None, open_ro(opened_at=at(2026, 3, 21)), CTX)
    assert caught.value.violations[0].field == "opened_at"


def test_commands_for_an_unknown_repair_order_are_not_found() -> None:
    with pytest.raises(NotFoundError):
        decide(None, record_work(), CTX)


def test_recorded_work_carries_the_defect_key_and_replaced_parts() -> None:
    events = decide(open_order(), record_work(), CTX)
    assert events == [work_recorded()]
    state = given(ro_opened(), *events)
    assert state.work is not None
    assert str(state.work.defect) == "12345-ABC/P0300"
    assert state.work.parts_replaced[0].removed_serial == "SN-OLD-1"


def test_recording_the_same_work_again_changes_nothing() -> None:
    assert decide(given(ro_opened(), work_recorded()), record_work(), CTX) == []


def test_later_work_replaces_the_earlier_record() -> None:
    events = decide(given(ro_opened(), work_recorded()), record_work(cause="coil connector corroded"), CTX)
    assert given(ro_opened(), work_recorded(), *events).work.cause == "coil connector corroded"  # type: ignore[union-attr]


def test_a_part_is_listed_once_per_record() -> None:
    twice = (ReplacedPart(part_number=CAUSAL_PART, quantity=1), ReplacedPart(part_number=CAUSAL_PART, quantity=1))
    with pytest.raises(ValidationError, match="listed twice"):
        record_work(parts_replaced=twice)


def test_work_on_a_closed_repair_order_is_refused() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        decide(given(ro_opened(), ro_closed()), record_work(), CTX)
    assert caught.value.reason == "REPAIR_ORDER_CLOSED"


def test_a_pause_is_recorded() -> None:
    assert decide(open_order(), pause_cmd(10, 20), CTX) == [
        RepairPauseRecorded(
            kind=PauseKind.WAITING_VIN_CUSTOMISED_PARTS,
            started_at=OPENED_AT + timedelta(hours=10),
            ended_at=OPENED_AT + timedelta(hours=20),
        )
    ]


def test_a_pause_ends_after_it_starts() -> None:
    with pytest.raises(ValidationError, match="ends after it starts"):
        pause_cmd(10, 10)


def test_a_pause_before_the_repair_was_opened_is_invalid() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        decide(open_order(), pause_cmd(-2, 3), CTX)
    assert caught.value.violations[0].field == "started_at"


def test_overlapping_pauses_are_refused_so_time_is_not_excluded_twice() -> None:
    ro = given(ro_opened(), *decide(open_order(), pause_cmd(10, 20), CTX))
    with pytest.raises(PreconditionFailedError) as caught:
        decide(ro, pause_cmd(19, 30, PauseKind.ROADSIDE_RESCUE_TRAVEL), CTX)
    assert caught.value.reason == "PAUSE_OVERLAPS"
    assert decide(ro, pause_cmd(20, 30, PauseKind.ROADSIDE_RESCUE_TRAVEL), CTX)  # touching is not overlapping
    assert decide(ro, pause_cmd(10, 20), CTX) == []  # the same pause again


def test_a_120_hour_repair_is_5_days_out_of_service() -> None:
    assert decide(open_order(), close_after(timedelta(hours=120)), CTX) == [
        RepairOrderClosed(
            closed_at=OPENED_AT + timedelta(hours=120),
            odometer_out=mi(15104),
            repair_hours=Decimal("120.00"),
            excluded_hours=Decimal("0.00"),
            days_out_of_service=5,
        )
    ]


def test_a_repair_one_minute_over_120_hours_is_6_days_out_of_service() -> None:
    (closed,) = decide(open_order(), close_after(timedelta(hours=120, minutes=1)), CTX)
    assert isinstance(closed, RepairOrderClosed)
    assert (closed.repair_hours, closed.days_out_of_service) == (Decimal("120.02"), 6)


def test_a_130_hour_repair_with_10_hours_of_battery_transport_is_5_days() -> None:
    ro = given(ro_opened(), *decide(open_order(), pause_cmd(10, 20, PauseKind.POWER_BATTERY_TRANSPORT), CTX))
    (closed,) = decide(ro, close_after(timedelta(hours=130)), CTX)
    assert isinstance(closed, RepairOrderClosed)
    assert (closed.repair_hours, closed.excluded_hours, closed.days_out_of_service) == (
        Decimal("120.00"),
        Decimal("10.00"),
        5,
    )


def test_a_130_hour_repair_without_pauses_is_6_days() -> None:
    (closed,) = decide(open_order(), close_after(timedelta(hours=130)), CTX)
    assert isinstance(closed, RepairOrderClosed)
    assert closed.days_out_of_service == 6


def test_the_closed_state_keeps_the_derived_days() -> None:
    ro = given(ro_opened(), *decide(open_order(), close_after(timedelta(hours=130)), CTX))
    assert ro.status == RepairOrderStatus.CLOSED
    assert (ro.repair_hours, ro.days_out_of_service) == (Decimal("130.00"), 6)


def test_odometer_out_equal_to_odometer_in_is_accepted() -> None:
    assert decide(open_order(), close_after(timedelta(hours=2), odometer=15100), CTX)


def test_odometer_out_below_odometer_in_is_invalid() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        decide(open_order(), close_after(timedelta(hours=2), odometer=15099), CTX)
    assert caught.value.violations[0].field == "odometer_out"


def test_odometer_out_in_another_unit_is_compared_after_conversion() -> None:
    command = CloseRepairOrder(**KEY, closed_at=OPENED_AT + timedelta(hours=2), odometer_out=km(24300))  # 15099.4 mi
    with pytest.raises(InvalidCommandError):
        decide(open_order(), command, CTX)


def test_closing_before_opening_or_before_a_pause_ends_is_invalid() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        decide(open_order(), close_after(timedelta(hours=-1)), CTX)
    assert caught.value.violations[0].field == "closed_at"
    paused = given(ro_opened(), *decide(open_order(), pause_cmd(10, 20), CTX))
    with pytest.raises(InvalidCommandError):
        decide(paused, close_after(timedelta(hours=15)), CTX)


def test_closing_in_the_future_is_invalid() -> None:
    with pytest.raises(InvalidCommandError):
        decide(open_order(), CloseRepairOrder(**KEY, closed_at=at(2026, 3, 21), odometer_out=mi(15104)), CTX)


def test_closing_again_with_the_same_facts_changes_nothing_and_other_facts_are_refused() -> None:
    closed = given(ro_opened(), *decide(open_order(), close_after(timedelta(hours=5)), CTX))
    assert decide(closed, close_after(timedelta(hours=5)), CTX) == []
    with pytest.raises(PreconditionFailedError) as caught:
        decide(closed, close_after(timedelta(hours=6)), CTX)
    assert caught.value.reason == "REPAIR_ORDER_CLOSED"


def test_pauses_cannot_be_added_after_closing() -> None:
    with pytest.raises(PreconditionFailedError):
        decide(given(ro_opened(), ro_closed()), pause_cmd(1, 2), CTX)


def test_recorded_work_carries_the_statutory_facts_into_the_state() -> None:
    facts = statutory_facts(component_group="STEERING", serious_safety=True, fault_remained=True)
    events = decide(open_order(), record_work(statutory=facts), CTX)
    assert events == [work_recorded(statutory=facts)]
    state = given(ro_opened(), *events)
    assert state.work is not None
    assert state.work.statutory == facts


def test_adding_statutory_facts_to_recorded_work_is_a_change() -> None:
    recorded = given(ro_opened(), work_recorded())
    assert decide(recorded, record_work(statutory=statutory_facts()), CTX) == [
        work_recorded(statutory=statutory_facts())
    ]
    assert decide(given(ro_opened(), work_recorded(statutory=statutory_facts())), record_work(), CTX) == [
        work_recorded()
    ]


def test_a_work_payload_stored_before_statutory_facts_existed_still_validates() -> None:
    stored = {
        "cause": "ignition coil open circuit",
        "correction": "replaced ignition coil",
        "defect": {"causal_part_number": CAUSAL_PART, "failure_code": "P0300"},
        "parts_replaced": [{"part_number": CAUSAL_PART, "quantity": 1, "removed_serial": "SN-OLD-1"}],
    }
    event = resolve_event_type("claims.repair_order.RepairWorkRecorded").model_validate(stored)
    assert event == work_recorded()
    assert isinstance(event, RepairWorkRecorded)
    assert event.statutory is None
    assert given(ro_opened(), event).work.statutory is None  # type: ignore[union-attr]


def test_statutory_facts_name_a_known_component_group_and_safety_failure() -> None:
    with pytest.raises(ValidationError):
        statutory_facts(component_group="WHEELS")
    with pytest.raises(ValidationError):
        statutory_facts(safety_failure="TYRE_BLOWOUT")
