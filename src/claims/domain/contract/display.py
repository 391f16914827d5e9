"""How amounts, shares and distances are written in refund explanations, so auditors read them as computed."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

from claims.domain.values import CURRENCIES, DistanceUnit

# Shares and pro rata amounts are computed at this precision, whatever context a caller has set, so the
# same contract and dates always give the same digits.
EXACT = Context(prec=28)
SHOWN_PLACES = 6


def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-CURRENCIES[currency])


def round_half_up(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-up to the currency's minor unit."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def shown_amount(amount: Decimal, currency: str) -> str:
    """An amount with thousands separators, exactly when it has at most 6 places, else cut there and marked '…'."""
    rounded = round_half_up(amount, currency)
    if rounded == amount:
        return f"{rounded:,} {currency}"
    cut = amount.quantize(Decimal(1).scaleb(-SHOWN_PLACES), rounding=ROUND_HALF_UP)
    if cut == amount:
        return f"{amount.normalize():,f} {currency}"
    return f"{cut:,}… {currency}"


def shown_share(share: Decimal) -> str:
    """A share as a percentage to two places, half-up: 0.444687… → '44.47 %'."""
    return f"{(share * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)} %"


def shown_distance(value: Decimal, unit: DistanceUnit) -> str:
    return f"{value.normalize():,f} {unit.value}"
