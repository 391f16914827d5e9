"""What a remedy costs and when it is due: the pack's deadlines, the usage deduction, the amount, the restart."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from claims.domain.base import Frozen
from claims.domain.errors import FieldViolation, InvalidCommandError
from claims.domain.statutory.cn_rules import CnParameters
from claims.domain.statutory.deductions import Deduction, usage_deduction
from claims.domain.statutory.facts import VehicleFacts
from claims.domain.statutory.pack import RulePack
from claims.domain.statutory.working_days import add_working_days
from claims.domain.statutory_case.state import Determination, RemedyRecord
from claims.domain.statutory_case.values import CaseRemedy
from claims.domain.values import CURRENCIES, Money

# CN Order 43 Art. 22 and 23 grant a *free* replacement or refund: Art. 27's usage compensation is owed on
# Art. 24 remedies only. UNCONFIRMED as pack data: the packs do not yet say which rules are free.
FREE_REMEDY_RULES = frozenset({"seven_day_replace_or_refund", "safety_failure_within_60_days"})


def _due(start: date, days: int | None, holidays: Collection[date], make_up_days: Collection[date]) -> date | None:
    return None if days is None else add_working_days(start, days, holidays, make_up_days)


def remedy_deadlines(
    pack: RulePack[Any], requested_on: date, holidays: Collection[date], make_up_days: Collection[date]
) -> tuple[date | None, date | None]:
    """The answer and completion due dates the pack sets (CN Art. 28: working days), or None where it sets none."""
    match pack.parameters:
        case CnParameters(answer_working_days=answer, completion_working_days=completion):
            return (
                _due(requested_on, answer, holidays, make_up_days),
                _due(requested_on, completion, holidays, make_up_days),
            )
        case _:
            return None, None


class Settlement(Frozen):
    """The money side of a delivered remedy, explained."""

    price: Money
    usage_deduction: Money
    deduction_explanation: str
    amount: Money
    periods_restart_on: date | None


def _money(amount: Decimal, currency: str) -> Money:
    """``amount`` (never below zero) to the currency's minor unit."""
    places = Decimal(1).scaleb(-CURRENCIES[currency])
    return Money(amount=max(Decimal(0), amount).quantize(places), currency=currency)


def _defect_key(determination: Determination | None, rule: str, facts: VehicleFacts) -> str | None:
    """The defect the relied-on rule names; else the first one repaired (fewest miles before its first repair)."""
    outcome = next((o for o in determination.trace.outcomes if o.rule == rule), None) if determination else None
    if outcome is not None and "defect_key" in outcome.facts:
        return outcome.facts["defect_key"]
    return facts.visits[0].defect_key if facts.visits else None


def deduction(
    remedy: RemedyRecord, determination: Determination | None, facts: VehicleFacts, pack: RulePack[Any]
) -> Deduction:
    """The usage deduction on a replacement, refund or termination; none on a price reduction or a free remedy."""
    zero = _money(Decimal(0), facts.price.currency)
    if remedy.remedy == CaseRemedy.PRICE_REDUCTION:
        return Deduction(amount=zero, explanation="a price reduction carries no usage deduction")
    if remedy.rule in FREE_REMEDY_RULES:
        return Deduction(amount=zero, explanation=f"{remedy.rule}: the remedy is free, no usage compensation")
    found = usage_deduction(pack, facts, _defect_key(determination, remedy.rule, facts))
    return found or Deduction(amount=zero, explanation=f"{pack.label} defines no usage deduction")


def settle(
    remedy: RemedyRecord,
    facts: VehicleFacts,
    used: Deduction,
    agreed_reduction: Money | None,
    pack: RulePack[Any],
) -> Settlement:
    """The amount a delivered remedy moves and whether the statutory periods restart."""
    price, currency = facts.price, facts.price.currency
    match remedy.remedy:
        case CaseRemedy.REFUND | CaseRemedy.TERMINATION:
            amount = _money(price.amount - used.amount.amount, currency)
        case CaseRemedy.REPLACE:
            amount = used.amount
        case CaseRemedy.PRICE_REDUCTION:
            amount = _reduction(agreed_reduction, price)
    restarts = remedy.remedy == CaseRemedy.REPLACE and isinstance(pack.parameters, CnParameters)
    return Settlement(
        price=price,
        usage_deduction=used.amount,
        deduction_explanation=used.explanation,
        amount=amount,
        periods_restart_on=facts.as_of if restarts else None,
    )


def _reduction(agreed: Money | None, price: Money) -> Money:
    if agreed is None:
        raise InvalidCommandError([FieldViolation("agreed_reduction", "a price reduction states the amount agreed")])
    if agreed.currency != price.currency or agreed.amount > price.amount:
        problem = f"a reduction is in {price.currency} and at most the price, {price}"
        raise InvalidCommandError([FieldViolation("agreed_reduction", problem)])
    return agreed
