"""``decide``: what a repair-order command results in, given the RO's state and the clock."""

from __future__ import annotations

from datetime import datetime

from claims.domain.context import DecisionContext
from claims.domain.errors import (
    AlreadyExistsError,
    FieldViolation,
    InvalidCommandError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionViolation,
)
from claims.domain.ids import repair_order_id_for, vehicle_id_for
from claims.domain.repair_order.commands import (
    CloseRepairOrder,
    LinkClaim,
    OpenRepairOrder,
    RecordRepairPause,
    RecordRepairWork,
    ReleaseClaim,
    RepairOrderCommand,
    RepairOrderRef,
)
from claims.domain.repair_order.events import (
    RepairOrderClaimLinked,
    RepairOrderClaimReleased,
    RepairOrderClosed,
    RepairOrderEvent,
    RepairOrderOpened,
    RepairPauseRecorded,
    RepairWorkRecorded,
)
from claims.domain.repair_order.repair_time import days_out_of_service, excluded_time, hours, repair_time
from claims.domain.repair_order.state import RepairOrder, RepairWork
from claims.domain.repair_order.values import RepairPause
from claims.domain.values import DistanceUnit


def decide(
    repair_order: RepairOrder | None, command: RepairOrderCommand, ctx: DecisionContext
) -> list[RepairOrderEvent]:
    """The events a command produces; raises when the request is impossible."""
    match command:
        case OpenRepairOrder():
            return _open(repair_order, command, ctx)
        case RecordRepairWork():
            return _record_work(_open_order(repair_order, command), command)
        case RecordRepairPause():
            return _record_pause(_open_order(repair_order, command), command, ctx)
        case CloseRepairOrder():
            return _close(_existing(repair_order, command), command, ctx)
        case LinkClaim():
            return _link(_existing(repair_order, command), command)
        case ReleaseClaim():
            return _release(_existing(repair_order, command), command)


def _subject(command: RepairOrderRef) -> str:
    return f"dealers/{command.dealer_id}/repair-orders/{command.ro_number}"


def _existing(repair_order: RepairOrder | None, command: RepairOrderRef) -> RepairOrder:
    if repair_order is None:
        raise NotFoundError(
            f"dealer {command.dealer_id} has no repair order {command.ro_number}",
            metadata={"dealer_id": command.dealer_id, "ro_number": command.ro_number},
        )
    return repair_order


def _open_order(repair_order: RepairOrder | None, command: RepairOrderRef) -> RepairOrder:
    current = _existing(repair_order, command)
    if current.is_closed:
        raise PreconditionFailedError(
            f"repair order {command.ro_number} was closed at {current.closed_at}",
            reason="REPAIR_ORDER_CLOSED",
            violations=[PreconditionViolation("REPAIR_ORDER_CLOSED", _subject(command), "the repair order is closed")],
            metadata={"dealer_id": command.dealer_id, "ro_number": command.ro_number},
        )
    return current


def _not_future(name: str, moment: datetime, ctx: DecisionContext) -> list[FieldViolation]:
    return [FieldViolation(name, f"{moment.isoformat()} is in the future")] if ctx.is_future(moment) else []


def _open(repair_order: RepairOrder | None, command: OpenRepairOrder, ctx: DecisionContext) -> list[RepairOrderEvent]:
    if repair_order is not None:
        raise AlreadyExistsError(
            f"dealer {command.dealer_id} already has a repair order {command.ro_number}",
            metadata={"dealer_id": command.dealer_id, "ro_number": command.ro_number},
        )
    if violations := _not_future("opened_at", command.opened_at, ctx):
        raise InvalidCommandError(violations)
    return [
        RepairOrderOpened(
            **dict(command),
            repair_order_id=repair_order_id_for(command.dealer_id, command.ro_number),
            vehicle_id=vehicle_id_for(command.vin),
        )
    ]


def _record_work(repair_order: RepairOrder, command: RecordRepairWork) -> list[RepairOrderEvent]:
    work = RepairWork(**command.model_dump(exclude={"dealer_id", "ro_number"}))
    if repair_order.work == work:
        return []
    return [RepairWorkRecorded(**dict(work))]


def _record_pause(
    repair_order: RepairOrder, command: RecordRepairPause, ctx: DecisionContext
) -> list[RepairOrderEvent]:
    pause = RepairPause(kind=command.kind, started_at=command.started_at, ended_at=command.ended_at)
    if pause in repair_order.pauses:
        return []
    violations = _not_future("ended_at", command.ended_at, ctx)
    if command.started_at < repair_order.opened_at:
        violations.append(
            FieldViolation("started_at", f"the repair order was opened at {repair_order.opened_at.isoformat()}")
        )
    if violations:
        raise InvalidCommandError(violations)
    clash = next((p for p in repair_order.pauses if p.overlaps(pause)), None)
    if clash is not None:
        raise PreconditionFailedError(
            f"the pause overlaps the {clash.kind} pause from {clash.started_at.isoformat()}",
            reason="PAUSE_OVERLAPS",
            violations=[PreconditionViolation("PAUSE_OVERLAPS", _subject(command), "excluded time would count twice")],
            metadata={"started_at": clash.started_at.isoformat(), "ended_at": clash.ended_at.isoformat()},
        )
    return [RepairPauseRecorded(**dict(pause))]


def _close(repair_order: RepairOrder, command: CloseRepairOrder, ctx: DecisionContext) -> list[RepairOrderEvent]:
    if repair_order.closed_at == command.closed_at and repair_order.odometer_out == command.odometer_out:
        return []
    _open_order(repair_order, command)
    _check_close(repair_order, command, ctx)
    time = repair_time(repair_order.opened_at, command.closed_at, repair_order.pauses)
    return [
        RepairOrderClosed(
            closed_at=command.closed_at,
            odometer_out=command.odometer_out,
            repair_hours=hours(time),
            excluded_hours=hours(excluded_time(repair_order.opened_at, command.closed_at, repair_order.pauses)),
            days_out_of_service=days_out_of_service(time),
        )
    ]


def _check_close(repair_order: RepairOrder, command: CloseRepairOrder, ctx: DecisionContext) -> None:
    violations = _not_future("closed_at", command.closed_at, ctx)
    last_pause_end = max((p.ended_at for p in repair_order.pauses), default=repair_order.opened_at)
    if command.closed_at < last_pause_end:
        violations.append(
            FieldViolation("closed_at", f"the repair was opened or paused until {last_pause_end.isoformat()}")
        )
    odometer_in, odometer_out = repair_order.odometer_in, command.odometer_out
    if (odometer_out.unit == DistanceUnit.HOURS) != (odometer_in.unit == DistanceUnit.HOURS):
        violations.append(FieldViolation("odometer_out.unit", f"the odometer in was {odometer_in}"))
    elif odometer_out.to(odometer_in.unit) < odometer_in.value:
        violations.append(FieldViolation("odometer_out", f"lower than the odometer in of {odometer_in}"))
    if violations:
        raise InvalidCommandError(violations)


def _link(repair_order: RepairOrder, command: LinkClaim) -> list[RepairOrderEvent]:
    lines = tuple(sorted(set(command.line_nos)))
    if any(c.claim_id == command.claim_id and c.line_nos == lines for c in repair_order.claims):
        return []
    return [RepairOrderClaimLinked(claim_id=command.claim_id, line_nos=lines)]


def _release(repair_order: RepairOrder, command: ReleaseClaim) -> list[RepairOrderEvent]:
    if all(c.claim_id != command.claim_id for c in repair_order.claims):
        return []
    return [RepairOrderClaimReleased(claim_id=command.claim_id)]
