"""``decide``: what a statutory-case command results in, given the case, the vehicle, the pack and the clock."""

from __future__ import annotations

from collections.abc import Sequence

from claims.domain.ids import statutory_case_id_for
from claims.domain.statutory_case.commands import (
    AnswerRemedy,
    DeliverRemedy,
    RecordDirectNotice,
    RecordRepairVisit,
    ReevaluateCase,
    RequestRemedy,
    StatutoryCaseCommand,
)
from claims.domain.statutory_case.compensation import courtesy_car_compensations
from claims.domain.statutory_case.context import CaseContext
from claims.domain.statutory_case.eligibility import determine
from claims.domain.statutory_case.events import (
    DirectNoticeRecorded,
    RepairVisitRecorded,
    StatutoryCaseEvent,
    StatutoryCaseOpened,
)
from claims.domain.statutory_case.guards import check_context, check_day, check_moment, check_reading, existing, refuse
from claims.domain.statutory_case.remedies import answer, deliver, request
from claims.domain.statutory_case.state import StatutoryCase, evolve


def decide(case: StatutoryCase | None, command: StatutoryCaseCommand, ctx: CaseContext) -> list[StatutoryCaseEvent]:
    """The events a command produces; raises when the request is impossible."""
    check_context(command, ctx)
    match command:
        case RecordRepairVisit():
            return _record_visit(case, command, ctx)
        case RecordDirectNotice():
            return _record_notice(case, command, ctx)
        case ReevaluateCase():
            return _evaluated(existing(case, command), [], ctx)
        case RequestRemedy():
            return request(existing(case, command), command, ctx)
        case AnswerRemedy():
            return answer(existing(case, command), command, ctx)
        case DeliverRemedy():
            return deliver(existing(case, command), command, ctx)


def _opening(case: StatutoryCase | None, ctx: CaseContext) -> list[StatutoryCaseEvent]:
    if case is not None:
        return []
    vehicle = ctx.vehicle
    case_id = statutory_case_id_for(vehicle.vehicle_id)
    return [StatutoryCaseOpened(case_id=case_id, vehicle_id=vehicle.vehicle_id, vin=vehicle.identifier)]


def _record_visit(case: StatutoryCase | None, command: RecordRepairVisit, ctx: CaseContext) -> list[StatutoryCaseEvent]:
    visit = command.visit
    known = case.visit(visit.visit_id) if case is not None else None
    if case is not None and known is not None:
        if known == visit:
            return []
        message = f"visit {visit.visit_id} was recorded with other facts; a closed repair order does not change"
        raise refuse(case, "VISIT_ALREADY_RECORDED", message, visit_id=visit.visit_id)
    check_moment("visit.closed_at", visit.closed_at, ctx)
    check_reading("visit.odometer", visit.odometer, ctx)
    return _evaluated(case, [*_opening(case, ctx), RepairVisitRecorded(visit=visit)], ctx)


def _record_notice(
    case: StatutoryCase | None, command: RecordDirectNotice, ctx: CaseContext
) -> list[StatutoryCaseEvent]:
    if case is not None and command.notified_on in case.notices:
        return []
    check_day("notified_on", command.notified_on, ctx, not_before=ctx.vehicle.delivery_date)
    return _evaluated(case, [*_opening(case, ctx), DirectNoticeRecorded(notified_on=command.notified_on)], ctx)


def _evaluated(
    case: StatutoryCase | None, events: Sequence[StatutoryCaseEvent], ctx: CaseContext
) -> list[StatutoryCaseEvent]:
    """``events``, then the determination (if the fired rules changed) and compensations they lead to."""
    after = case
    for event in events:
        after = evolve(after, event)
    if after is None:
        raise ValueError("a case is evaluated once it exists")
    return [*events, *determine(after, ctx), *courtesy_car_compensations(after, ctx)]
