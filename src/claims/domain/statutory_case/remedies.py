"""Remedy decisions: a request the last determination entitles, the seller's answer, the delivery."""

from __future__ import annotations

from claims.domain.statutory_case.commands import AnswerRemedy, DeliverRemedy, RequestRemedy
from claims.domain.statutory_case.context import CaseContext
from claims.domain.statutory_case.eligibility import entitling_outcome
from claims.domain.statutory_case.events import RemedyAnswered, RemedyDelivered, RemedyRequested, StatutoryCaseEvent
from claims.domain.statutory_case.facts import case_facts
from claims.domain.statutory_case.guards import check_day, check_moment, check_reading, invalid, refuse
from claims.domain.statutory_case.settlement import deduction, remedy_deadlines, settle
from claims.domain.statutory_case.state import RemedyRecord, StatutoryCase
from claims.domain.statutory_case.values import FINAL_REMEDIES, CaseRemedy, RemedyStatus


def request(case: StatutoryCase, command: RequestRemedy, ctx: CaseContext) -> list[StatutoryCaseEvent]:
    current = case.remedy
    if current is not None and (current.remedy, current.requested_at) == (command.remedy, command.requested_at):
        return []
    _check_can_request(case, command, ctx)
    check_moment("requested_at", command.requested_at, ctx)
    outcome = entitling_outcome(case.determination, command.remedy)
    if outcome is None:
        entitled = ", ".join(case.determination.entitled) if case.determination else "nothing"
        message = f"the last determination does not entitle {command.remedy} (it entitles {entitled})"
        raise refuse(case, "NOT_ENTITLED", message, remedy=command.remedy.value)
    answer_due, completion_due = remedy_deadlines(ctx.pack, command.requested_at.date(), ctx.holidays, ctx.make_up_days)
    return [
        RemedyRequested(
            remedy=command.remedy,
            requested_at=command.requested_at,
            answer_due_on=answer_due,
            completion_due_on=completion_due,
            rule=outcome.rule,
            pack_id=ctx.pack.pack_id,
            pack_version=ctx.pack.version,
        )
    ]


def _check_can_request(case: StatutoryCase, command: RequestRemedy, ctx: CaseContext) -> None:
    last = case.determination
    if last is not None and (last.pack_id, last.pack_version) != (ctx.pack.pack_id, ctx.pack.version):
        message = (
            f"eligibility was determined under {last.pack_id} v{last.pack_version}: reevaluate under {ctx.pack.label}"
        )
        raise refuse(case, "REEVALUATION_NEEDED", message, pack_id=last.pack_id, pack_version=last.pack_version)
    current = case.remedy
    if current is None:
        return
    if current.status.is_open:
        message = f"a {current.remedy} request of {current.requested_at.isoformat()} is {current.status.lower()}"
        raise refuse(case, "REMEDY_OPEN", message, remedy=current.remedy.value, status=current.status.value)
    if current.status == RemedyStatus.DELIVERED and current.remedy in FINAL_REMEDIES:
        message = f"a {current.remedy} was delivered on {current.delivered_on}: the vehicle left the consumer"
        raise refuse(case, "REMEDY_DELIVERED", message, remedy=current.remedy.value)


def answer(case: StatutoryCase, command: AnswerRemedy, ctx: CaseContext) -> list[StatutoryCaseEvent]:
    current = case.remedy
    if current is None or current.status == RemedyStatus.DELIVERED:
        raise refuse(case, "NO_REMEDY_REQUESTED", "no remedy request awaits an answer")
    if current.status != RemedyStatus.REQUESTED:
        if (current.accepted, current.reason, current.answered_at) == (
            command.accepted,
            command.reason,
            command.answered_at,
        ):
            return []
        raise refuse(case, "REMEDY_ALREADY_ANSWERED", f"the {current.remedy} request was answered already")
    check_moment("answered_at", command.answered_at, ctx, not_before=current.requested_at)
    due = current.answer_due_on
    late = due is not None and command.answered_at.date() > due
    return [
        RemedyAnswered(accepted=command.accepted, reason=command.reason, answered_at=command.answered_at, late=late)
    ]


def deliver(case: StatutoryCase, command: DeliverRemedy, ctx: CaseContext) -> list[StatutoryCaseEvent]:
    current = _accepted(case)
    _check_delivery(current, command, ctx)
    facts = case_facts(ctx.vehicle, case, command.delivered_on, command.odometer, ctx.usage_coefficient)
    used = deduction(current, case.determination, facts, ctx.pack)
    settlement = settle(current, facts, used, command.agreed_reduction, ctx.pack)
    due = current.completion_due_on
    return [
        RemedyDelivered(
            remedy=current.remedy,
            delivered_on=command.delivered_on,
            odometer=command.odometer,
            replacement_vin=command.replacement_vin,
            **dict(settlement),
            late=due is not None and command.delivered_on > due,
            pack_id=ctx.pack.pack_id,
            pack_version=ctx.pack.version,
        )
    ]


def _accepted(case: StatutoryCase) -> RemedyRecord:
    current = case.remedy
    if current is None or current.status != RemedyStatus.ANSWERED:
        status = current.status.value if current else "NONE"
        raise refuse(case, "REMEDY_NOT_ACCEPTED", "no accepted remedy awaits delivery", status=status)
    return current


def _check_delivery(current: RemedyRecord, command: DeliverRemedy, ctx: CaseContext) -> None:
    if (ctx.pack.pack_id, ctx.pack.version) != (current.pack_id, current.pack_version):
        raise ValueError(f"the remedy was requested under {current.pack_id} v{current.pack_version}")
    check_day("delivered_on", command.delivered_on, ctx, not_before=current.requested_at.date())
    if (command.replacement_vin is None) == (current.remedy == CaseRemedy.REPLACE):
        raise invalid("replacement_vin", "a replacement, and only a replacement, names the vehicle handed over")
    if command.agreed_reduction is not None and current.remedy != CaseRemedy.PRICE_REDUCTION:
        raise invalid("agreed_reduction", "only a price reduction states an agreed reduction")
    check_reading("odometer", command.odometer, ctx, not_below=ctx.as_of_odometer)
