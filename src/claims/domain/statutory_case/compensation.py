"""Courtesy-car compensation (CN Order 43 Art. 21): owed once per visit the pack's courtesy-car rule fires for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from claims.domain.statutory.facts import RepairVisit, VehicleFacts
from claims.domain.statutory.pack import Outcome, RulePack
from claims.domain.statutory_case.context import CaseContext
from claims.domain.statutory_case.events import CourtesyCarCompensationOwed
from claims.domain.statutory_case.facts import facts_now
from claims.domain.statutory_case.state import StatutoryCase
from claims.domain.values import Money

COURTESY_CAR_RULE = "courtesy_car"

Rule = Callable[[VehicleFacts, Any], Outcome]


def pack_rule(pack: RulePack[Any], name: str) -> Rule | None:
    """The rule of ``pack`` named ``name``, if the pack has one."""
    return next((rule for rule in pack.rules if rule.__name__ == name), None)


def courtesy_car_compensations(case: StatutoryCase, ctx: CaseContext) -> list[CourtesyCarCompensationOwed]:
    """Compensation for each visit not yet compensated whose single repair the courtesy-car rule finds too long.

    Nothing is owed without a committed daily rate or where the pack has no courtesy-car rule. The rule runs
    on the visit alone, so its ``days_owed`` are that visit's: the days beyond the threshold.
    """
    rate, rule = ctx.courtesy_car_daily_rate, pack_rule(ctx.pack, COURTESY_CAR_RULE)
    if rate is None or rule is None:
        return []
    facts = facts_now(ctx, case)
    owed = (_owed(facts, v, rule, rate, ctx) for v in facts.visits if case.compensation(v.visit_id) is None)
    return [event for event in owed if event is not None]


def _owed(
    facts: VehicleFacts, visit: RepairVisit, rule: Rule, rate: Money, ctx: CaseContext
) -> CourtesyCarCompensationOwed | None:
    outcome = rule(facts.model_copy(update={"visits": (visit,)}), ctx.pack.parameters)
    if not outcome.fired:
        return None
    days = int(outcome.facts["days_owed"])
    amount = Money(amount=rate.amount * days, currency=rate.currency)
    return CourtesyCarCompensationOwed(
        visit_id=visit.visit_id,
        days_owed=days,
        daily_rate=rate,
        amount=amount,
        rule=COURTESY_CAR_RULE,
        pack_id=ctx.pack.pack_id,
        pack_version=ctx.pack.version,
        explanation=f"{outcome.explanation}; {visit.visit_id}: {days} × {rate} = {amount}",
    )
