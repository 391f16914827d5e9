"""Claim lines as the dealer states them, and priced: amounts and totals are derived, never typed in."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from claims.domain.base import Frozen
from claims.domain.preauth.commands import PositiveMoney
from claims.domain.repair_order.values import MAX_PART_QUANTITY, PartNumber
from claims.domain.values import CURRENCIES, Money, Reference, Text

OperationCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{6}$")]
LineNo = Annotated[int, Field(ge=1, le=999)]


class OtherKind(StrEnum):
    TOWING = "TOWING"
    COURTESY_CAR = "COURTESY_CAR"
    TRAVEL = "TRAVEL"


class LabourLine(Frozen):
    """A labour operation at flat-rate hours and a rate."""

    kind: Literal["LABOUR"] = "LABOUR"
    line_no: LineNo
    operation_code: OperationCode
    hours: Decimal = Field(gt=0, le=100, decimal_places=2)
    rate: PositiveMoney


class PartLine(Frozen):
    """A part fitted: quantity, unit price, whether it is the causal part, a main part, and must be returned."""

    kind: Literal["PART"] = "PART"
    line_no: LineNo
    part_number: PartNumber
    quantity: int = Field(ge=1, le=MAX_PART_QUANTITY)
    unit_price: PositiveMoney
    causal: bool = False
    main_part: bool = False
    return_required: bool = False
    supplier_code: Reference | None = None


class SubletLine(Frozen):
    """External work bought in."""

    kind: Literal["SUBLET"] = "SUBLET"
    line_no: LineNo
    description: Text
    amount: PositiveMoney


class OtherLine(Frozen):
    """Towing, a courtesy car or travel."""

    kind: Literal["OTHER"] = "OTHER"
    line_no: LineNo
    other_kind: OtherKind
    amount: PositiveMoney


LineItem = Annotated[LabourLine | PartLine | SubletLine | OtherLine, Field(discriminator="kind")]


def line_moneys(item: LabourLine | PartLine | SubletLine | OtherLine) -> tuple[tuple[str, Money], ...]:
    """The money fields of a line, by name (to check they share the claim's currency)."""
    match item:
        case LabourLine():
            return (("rate", item.rate),)
        case PartLine():
            return (("unit_price", item.unit_price),)
        case SubletLine() | OtherLine():
            return (("amount", item.amount),)


def money(amount: Decimal, currency: str) -> Money:
    """``amount`` rounded half-up to the currency's minor unit."""
    minor_unit = Decimal(1).scaleb(-CURRENCIES[currency])
    return Money(amount=amount.quantize(minor_unit, rounding=ROUND_HALF_UP), currency=currency)


def zero(currency: str) -> Money:
    return money(Decimal(0), currency)


def total(amounts: Iterable[Money], currency: str) -> Money:
    return money(sum((m.amount for m in amounts), Decimal(0)), currency)


class PricedLine(Frozen):
    """A line with its claimed amount computed."""

    item: LineItem
    claimed: Money

    @property
    def line_no(self) -> int:
        return self.item.line_no


def price(item: LabourLine | PartLine | SubletLine | OtherLine, currency: str) -> PricedLine:
    match item:
        case LabourLine():
            amount = item.hours * item.rate.amount
        case PartLine():
            amount = item.quantity * item.unit_price.amount
        case SubletLine() | OtherLine():
            amount = item.amount.amount
    return PricedLine(item=item, claimed=money(amount, currency))


class ClaimTotals(Frozen):
    """Claimed amounts per cost class and in all."""

    labour: Money
    parts: Money
    sublet: Money
    other: Money
    total: Money


def totals(lines: Iterable[PricedLine], currency: str) -> ClaimTotals:
    priced = tuple(lines)

    def of(kind: str) -> Money:
        return total((line.claimed for line in priced if line.item.kind == kind), currency)

    by_kind = {"labour": of("LABOUR"), "parts": of("PART"), "sublet": of("SUBLET"), "other": of("OTHER")}
    return ClaimTotals(**by_kind, total=total(by_kind.values(), currency))
