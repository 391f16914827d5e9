"""The rule packs' "can't": no pack in force, and a usage coefficient the statute forbids."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from claims.domain.errors import FieldViolation, InvalidCommandError, NotFoundError
from claims.domain.statutory.windows import percent


class NoPackInForceError(NotFoundError):
    """Raised when no rule pack of a jurisdiction is in force on the relevant date."""

    reason = "NO_RULE_PACK_IN_FORCE"

    def __init__(self, jurisdiction: str, relevant_date: date, kind: str) -> None:
        super().__init__(
            f"no {kind.lower()} rule pack for {jurisdiction!r} is in force on {relevant_date.isoformat()}",
            metadata={"jurisdiction": jurisdiction, "relevant_date": relevant_date.isoformat(), "kind": kind},
        )
        self.jurisdiction = jurisdiction
        self.relevant_date = relevant_date


class PackNotFoundError(NotFoundError):
    """Raised when a recorded pack id and version name no shipped pack."""

    reason = "RULE_PACK_NOT_FOUND"

    def __init__(self, pack_id: str, version: str) -> None:
        super().__init__(f"no rule pack {pack_id} v{version}", metadata={"pack_id": pack_id, "version": version})


class UsageCoefficientOutOfRangeError(InvalidCommandError):
    """Raised when the usage coefficient n lies outside the range a pack allows."""

    reason = "USAGE_COEFFICIENT_OUT_OF_RANGE"

    def __init__(self, n: Decimal, low: Decimal, high: Decimal, pack: str) -> None:
        super().__init__(
            [
                FieldViolation(
                    "usage_coefficient", f"n = {percent(n)} is outside {percent(low)}–{percent(high)} ({pack})"
                )
            ]
        )
        self.n, self.low, self.high = n, low, high
