"""Value objects: money, distances on an odometer, dates, identifiers."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field

from claims.domain.base import Frozen

KM_PER_MILE = Decimal("1.609344")

# ISO 4217 codes of the markets the shipped rule packs serve; extend with the packs.
CURRENCIES: dict[str, int] = {
    "CNY": 2, "USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "CAD": 2, "MXN": 2,
    "KRW": 0, "AUD": 2, "CHF": 2, "SEK": 2, "PLN": 2, "DKK": 2, "CZK": 2,
}  # fmt: skip

MAX_PRICE = Decimal("100000000")


def _currency(code: str) -> str:
    if code not in CURRENCIES:
        raise ValueError(f"unknown currency {code!r}; expected an ISO 4217 code such as CNY, USD, EUR")
    return code


Currency = Annotated[str, AfterValidator(_currency)]


class Money(Frozen):
    """An exact amount in one currency, never a float."""

    amount: Decimal = Field(allow_inf_nan=False)
    currency: Currency

    def model_post_init(self, _context: object) -> None:
        exponent = self.amount.as_tuple().exponent
        places = CURRENCIES[self.currency]
        if isinstance(exponent, int) and -exponent > places:
            raise ValueError(f"{self.currency} amounts have at most {places} decimal places")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class DistanceUnit(StrEnum):
    """How usage is measured: kilometres, miles, or operating hours for non-vehicle goods."""

    KM = "KM"
    MI = "MI"
    HOURS = "HOURS"


# Beyond these a reading is a typing error or fraud, not a vehicle.
MAX_USAGE = {
    DistanceUnit.KM: Decimal(2_000_000),
    DistanceUnit.MI: Decimal(1_250_000),
    DistanceUnit.HOURS: Decimal(200_000),
}


class Distance(Frozen):
    """A usage reading or limit: a non-negative value in a unit."""

    value: Decimal = Field(ge=0, allow_inf_nan=False)
    unit: DistanceUnit

    def model_post_init(self, _context: object) -> None:
        if self.value > MAX_USAGE[self.unit]:
            raise ValueError(f"{self.value} {self.unit} is beyond any plausible reading (max {MAX_USAGE[self.unit]})")

    def to(self, unit: DistanceUnit) -> Decimal:
        """This distance expressed in ``unit`` (hours convert only to hours)."""
        if unit == self.unit:
            return self.value
        if DistanceUnit.HOURS in (unit, self.unit):
            raise ValueError("operating hours cannot be compared with a distance")
        return self.value * KM_PER_MILE if unit == DistanceUnit.KM else self.value / KM_PER_MILE

    def __str__(self) -> str:
        return f"{self.value} {self.unit}"


_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")


def _reference(value: str) -> str:
    if not _REFERENCE.match(value):
        raise ValueError("use letters, digits and . _ : / - only, starting with a letter or digit")
    return value


Reference = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_reference)]
"""An opaque identifier from a partner system (dealer id, customer reference, codes)."""

Text = Annotated[str, Field(min_length=1, max_length=200)]
