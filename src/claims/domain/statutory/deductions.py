"""Usage deductions a refund or replacement carries: CN usage compensation, CA offset, NY mileage deduction."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from claims.domain.base import Frozen
from claims.domain.errors import FieldViolation, InvalidCommandError
from claims.domain.statutory.cn_rules import CnParameters
from claims.domain.statutory.errors import UsageCoefficientOutOfRangeError
from claims.domain.statutory.facts import VehicleFacts
from claims.domain.statutory.pack import RulePack
from claims.domain.statutory.us_lemon import LemonParameters, OffsetMilesAt
from claims.domain.statutory.windows import percent
from claims.domain.values import CURRENCIES, DistanceUnit, Money


class Deduction(Frozen):
    """An amount and how it was reached: the formula with the numbers put in."""

    amount: Money
    explanation: str


def _money(value: Decimal, currency: str) -> Money:
    places = Decimal(1).scaleb(-CURRENCIES[currency])
    return Money(amount=max(Decimal(0), value).quantize(places, rounding=ROUND_HALF_UP), currency=currency)


def _plain(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def cn_usage_compensation(facts: VehicleFacts, p: CnParameters) -> Deduction:
    """Usage compensation on an Art. 24 replacement or refund: price × km driven / 1000 × n (Order 43 Art. 27).

    Raises when n is missing or outside the pack's range (≤ 0.5% from 2022; 0.5%–0.8% under Order 150).
    """
    n = facts.usage_coefficient
    if n is None:
        raise InvalidCommandError([FieldViolation("usage_coefficient", "the 三包凭证's usage coefficient n is needed")])
    if not p.usage_coefficient_min <= n <= p.usage_coefficient_max:
        raise UsageCoefficientOutOfRangeError(n, p.usage_coefficient_min, p.usage_coefficient_max, p.regulation)
    km = facts.driven(facts.as_of_odometer).to(DistanceUnit.KM)
    amount = _money(facts.price.amount * km / 1000 * n, facts.price.currency)
    return Deduction(
        amount=amount,
        explanation=f"{p.regulation}: 补偿费 = 车价款 × 行驶里程 / 1000 × n"
        f" = {_plain(facts.price.amount)} × {_plain(km)} km / 1000 × {percent(n)} = {amount}",
    )


def mileage_offset(facts: VehicleFacts, p: LemonParameters, defect_key: str | None = None) -> Deduction:
    """A US usage offset: max(0, miles − free miles) × price / divisor, miles read where the statute says."""
    o = p.offset
    if o.measured_at == OffsetMilesAt.FIRST_REPAIR_OF_DEFECT:
        visits = facts.visits_for(defect_key) if defect_key else ()
        if not visits:
            raise InvalidCommandError([FieldViolation("defect_key", f"no repair visit for defect {defect_key!r}")])
        reading, read = visits[0].odometer, f"before the first repair of {defect_key} ({visits[0].visit_id})"
    else:
        reading, read = facts.as_of_odometer, f"on {facts.as_of.isoformat()}"
    miles = facts.driven(reading).to(DistanceUnit.MI)
    price = facts.price.amount
    amount = _money(max(Decimal(0), miles - o.free_miles) * price / o.divisor, facts.price.currency)
    if o.free_miles:
        formula = f"(miles − {_plain(o.free_miles)}) × price / {_plain(o.divisor)}"
        numbers = f"({_plain(miles)} − {_plain(o.free_miles)}) × {_plain(price)} / {_plain(o.divisor)}"
    else:
        formula = f"price × miles / {_plain(o.divisor)}"
        numbers = f"{_plain(price)} × {_plain(miles)} / {_plain(o.divisor)}"
    floor = " (floored at 0)" if o.free_miles else ""
    return Deduction(
        amount=amount, explanation=f"{o.citation}: {formula} = {numbers}{floor} = {amount}; miles driven {read}"
    )


def ca_usage_offset(facts: VehicleFacts, defect_key: str, p: LemonParameters) -> Deduction:
    """California: price × miles driven before the first repair of the nonconformity / 120,000."""
    return mileage_offset(facts, p, defect_key)


def ny_mileage_deduction(facts: VehicleFacts, p: LemonParameters) -> Deduction:
    """New York: (miles − 12,000) × price / 100,000, never below 0."""
    return mileage_offset(facts, p)


def usage_deduction(pack: RulePack[Any], facts: VehicleFacts, defect_key: str | None = None) -> Deduction | None:
    """The usage deduction ``pack`` defines for ``facts``, or None where the pack defines none."""
    match pack.parameters:
        case CnParameters():
            return cn_usage_compensation(facts, pack.parameters)
        case LemonParameters():
            return mileage_offset(facts, pack.parameters, defect_key)
        case _:
            return None
