"""The jurisdictions the engine knows, with the facts registration needs about each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator

from claims.domain.values import DistanceUnit


@dataclass(frozen=True)
class Jurisdiction:
    """A market whose law governs a sale: its code, VIN rule, usual unit and currency."""

    code: str
    name: str
    vin_check_digit: bool
    distance_unit: DistanceUnit
    currency: str
    # A vehicle may be handed over before the invoice is issued (e.g. on a finance
    # approval); beyond this many days the dates are taken to be mistyped.
    max_delivery_before_invoice_days: int = 0


def _us(code: str, name: str) -> Jurisdiction:
    return Jurisdiction(code, name, True, DistanceUnit.MI, "USD", 30)


def _eu(code: str, name: str) -> Jurisdiction:
    return Jurisdiction(code, name, False, DistanceUnit.KM, "EUR", 30)


JURISDICTIONS: dict[str, Jurisdiction] = {
    j.code: j
    for j in (
        # GB 16735 makes the ISO 3779 check digit mandatory on Chinese VINs.
        Jurisdiction("CN", "China (三包)", True, DistanceUnit.KM, "CNY", 0),
        _us("US-CA", "California"),
        _us("US-TX", "Texas"),
        _us("US-NY", "New York"),
        _us("US-FL", "Florida"),
        _us("US-NC", "North Carolina"),
        _us("US-DE", "Delaware"),
        _us("US-RI", "Rhode Island"),
        _us("US-WA", "Washington"),
        _eu("EU-DE", "Germany"),
        _eu("EU-FR", "France"),
        _eu("EU-IT", "Italy"),
        _eu("EU-ES", "Spain"),
        _eu("EU-NL", "Netherlands"),
        Jurisdiction("EU-PL", "Poland", False, DistanceUnit.KM, "PLN", 30),
        Jurisdiction("EU-SE", "Sweden", False, DistanceUnit.KM, "SEK", 30),
    )
}


def _known(code: str) -> str:
    if code not in JURISDICTIONS:
        raise ValueError(f"unknown jurisdiction {code!r}; known: {', '.join(sorted(JURISDICTIONS))}")
    return code


JurisdictionCode = Annotated[str, AfterValidator(_known)]
