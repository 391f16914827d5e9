"""Statutory cases, rule packs and what-if results as the domain holds them → proto messages."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from claims.adapters.grpc.mapping import (
    distance_to_proto,
    enum_number,
    money_to_proto,
    mutation_result,
    optional_day,
    optional_text,
    optional_timestamp,
    timestamp_to_proto,
)
from claims.api.v1 import repair_orders_pb2, vehicles_pb2
from claims.api.v1 import statutory_pb2 as pb
from claims.application.messages import CommandResult
from claims.application.statutory import WhatIf
from claims.domain.repair_order.values import StatutoryFacts
from claims.domain.statutory.facts import RepairVisit
from claims.domain.statutory.pack import Outcome, RulePack
from claims.domain.statutory.what_if import Difference
from claims.domain.statutory_case.state import Determination, RemedyRecord, StatutoryCase
from claims.domain.values import Money


def _optional_enum(value: StrEnum | None, proto_enum: Any, prefix: str) -> Any:
    """The proto enum value, or the unspecified (0) value for an absent one."""
    return 0 if value is None else enum_number(value, proto_enum, prefix)


def _optional_money(money: Money | None) -> Any:
    return None if money is None else money_to_proto(money)


def statutory_facts_to_proto(facts: StatutoryFacts | RepairVisit) -> repair_orders_pb2.StatutoryFacts:
    """What a repair recorded for the statutes (a visit carries the same facts); absent values stay unset."""
    group, wear = vehicles_pb2.ComponentGroup, vehicles_pb2.WearPart
    return repair_orders_pb2.StatutoryFacts(
        component_group=enum_number(facts.component_group, group, "COMPONENT_GROUP_"),
        main_part=optional_text(facts.main_part),
        serious_safety=facts.serious_safety,
        safety_failure=_optional_enum(facts.safety_failure, repair_orders_pb2.SafetyFailure, "SAFETY_FAILURE_"),
        replaced_assembly=_optional_enum(facts.replaced_assembly, group, "COMPONENT_GROUP_"),
        replaced_main_part=optional_text(facts.replaced_main_part),
        wear_part=_optional_enum(facts.wear_part, wear, "WEAR_PART_"),
        fault_remained=facts.fault_remained,
        minor_nonconformity=facts.minor_nonconformity,
    )


def visit_to_proto(visit: RepairVisit) -> pb.RepairVisit:
    return pb.RepairVisit(
        visit_id=visit.visit_id,
        defect_key=visit.defect_key,
        facts=statutory_facts_to_proto(visit),
        opened_at=timestamp_to_proto(visit.opened_at),
        closed_at=timestamp_to_proto(visit.closed_at),
        odometer=distance_to_proto(visit.odometer),
        pauses=[
            pb.ExcludedInterval(started_at=timestamp_to_proto(start), ended_at=timestamp_to_proto(end))
            for start, end in visit.pauses
        ],
        days_out_of_service=visit.days_out_of_service,
        direct_notice_sent=visit.direct_notice_sent,
    )


def outcome_to_proto(outcome: Outcome) -> pb.RuleOutcome:
    return pb.RuleOutcome(
        rule=outcome.rule,
        fired=outcome.fired,
        remedy=enum_number(outcome.remedy, pb.Remedy, "REMEDY_"),
        explanation=outcome.explanation,
        facts=outcome.facts,
    )


def determination_to_proto(determination: Determination) -> pb.Determination:
    return pb.Determination(
        as_of=determination.as_of.isoformat(),
        pack_id=determination.pack_id,
        pack_version=determination.pack_version,
        entitled=[enum_number(r, pb.Remedy, "REMEDY_") for r in determination.entitled],
        rules_fired=list(determination.rules_fired),
        outcomes=[outcome_to_proto(o) for o in determination.trace.outcomes],
    )


def remedy_to_proto(remedy: RemedyRecord) -> pb.RemedyRecord:
    return pb.RemedyRecord(
        remedy=enum_number(remedy.remedy, pb.CaseRemedy, "CASE_REMEDY_"),
        status=enum_number(remedy.status, pb.RemedyStatus, "REMEDY_STATUS_"),
        requested_at=timestamp_to_proto(remedy.requested_at),
        answer_due_on=optional_day(remedy.answer_due_on),
        completion_due_on=optional_day(remedy.completion_due_on),
        rule=remedy.rule,
        pack_id=remedy.pack_id,
        pack_version=remedy.pack_version,
        accepted=remedy.accepted,
        reason=optional_text(remedy.reason),
        answered_at=optional_timestamp(remedy.answered_at),
        answered_late=remedy.answered_late,
        delivered_on=optional_day(remedy.delivered_on),
        amount=_optional_money(remedy.amount),
        price=_optional_money(remedy.price),
        usage_deduction=_optional_money(remedy.usage_deduction),
        deduction_explanation=optional_text(remedy.deduction_explanation),
    )


def statutory_case_to_proto(case: StatutoryCase, version: int) -> pb.StatutoryCase:
    """The whole case: visits with their facts and days, notices, the last determination with every outcome,
    compensations owed, the remedy request and where the periods restart."""
    return pb.StatutoryCase(
        case_id=str(case.case_id),
        vehicle_id=str(case.vehicle_id),
        vin=case.vin,
        visits=[visit_to_proto(v) for v in case.visits],
        notices=[day.isoformat() for day in case.notices],
        determination=None if case.determination is None else determination_to_proto(case.determination),
        compensations=[
            pb.CourtesyCarCompensation(
                visit_id=c.visit_id,
                days_owed=c.days_owed,
                daily_rate=money_to_proto(c.daily_rate),
                amount=money_to_proto(c.amount),
                rule=c.rule,
            )
            for c in case.compensations
        ],
        remedy=None if case.remedy is None else remedy_to_proto(case.remedy),
        periods_restart_on=optional_day(case.periods_restart_on),
        version=version,
    )


def delivered_to_proto(result: CommandResult, case: StatutoryCase) -> pb.DeliverRemedyResponse:
    """The delivery's result with the amount and usage deduction read back from the case."""
    remedy = case.remedy
    return pb.DeliverRemedyResponse(
        result=mutation_result(result),
        amount=None if remedy is None else _optional_money(remedy.amount),
        usage_deduction=None if remedy is None else _optional_money(remedy.usage_deduction),
        deduction_explanation="" if remedy is None else optional_text(remedy.deduction_explanation),
    )


def pack_to_proto(pack: RulePack[Any]) -> pb.RulePack:
    return pb.RulePack(
        pack_id=pack.pack_id,
        version=pack.version,
        title=pack.title,
        jurisdiction=pack.jurisdiction,
        kind=enum_number(pack.kind, pb.PackKind, "PACK_KIND_"),
        effective_from=pack.effective_from.isoformat(),
        effective_to=optional_day(pack.effective_to),
        parameters=pack.parameters.model_dump_json(),
        rules=[rule.__name__ for rule in pack.rules],
    )


def difference_to_proto(difference: Difference) -> pb.RuleDifference:
    return pb.RuleDifference(
        rule=difference.rule,
        under_current=None if difference.under_a is None else outcome_to_proto(difference.under_a),
        under_other=None if difference.under_b is None else outcome_to_proto(difference.under_b),
        summary=difference.summary,
    )


def what_if_to_proto(result: WhatIf) -> pb.WhatIfResponse:
    return pb.WhatIfResponse(
        current_pack_id=result.current.pack_id,
        current_pack_version=result.current.version,
        other_pack_id=result.other.pack_id,
        other_pack_version=result.other.version,
        differences=[difference_to_proto(d) for d in result.differences],
    )
