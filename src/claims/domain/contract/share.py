"""The unused share of a contract: the lesser of the time and the distance it has left, clamped to [0, 1]."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext
from enum import StrEnum

from claims.domain.base import Frozen
from claims.domain.contract.display import EXACT, shown_distance, shown_share
from claims.domain.contract.state import ServiceContract
from claims.domain.values import Distance, DistanceUnit


class Measure(StrEnum):
    """Which measure of the remaining term is the lesser (time on a tie)."""

    TIME = "TIME"
    DISTANCE = "DISTANCE"


class UnusedShare(Frozen):
    """Days and distance left of a contract's term on a date at a reading, and the share they leave."""

    term_days: int
    days_remaining: int
    term_distance: Decimal
    distance_remaining: Decimal
    unit: DistanceUnit
    time_share: Decimal
    distance_share: Decimal

    @property
    def share(self) -> Decimal:
        return min(self.time_share, self.distance_share)

    @property
    def lesser(self) -> Measure:
        return Measure.TIME if self.time_share <= self.distance_share else Measure.DISTANCE

    def explain(self) -> str:
        """E.g. 'lesser of time remaining 812/1,826 days (44.47 %) and distance remaining … → 44.47 % (time)'."""
        distance = f"{self.distance_remaining.normalize():,f}/{shown_distance(self.term_distance, self.unit)}"
        return (
            f"lesser of time remaining {self.days_remaining:,}/{self.term_days:,} days ({shown_share(self.time_share)})"
            f" and distance remaining {distance} ({shown_share(self.distance_share)})"
            f" → {shown_share(self.share)} ({self.lesser.value.lower()})"
        )


def term_days(contract: ServiceContract) -> int:
    """Days the contract is in force, the sale date and the last day included."""
    return (contract.expires_on - contract.sold_on).days + 1


def unused_share(contract: ServiceContract, on: date, odometer: Distance) -> UnusedShare:
    """What is left on ``on`` at ``odometer``: the days from ``on`` through the last day, and the distance to the limit.

    A day of cancellation counts as unused; before the sale the whole term is left, after its end none.
    """
    days = term_days(contract)
    unit = contract.term_distance.unit
    term = contract.term_distance.value
    with localcontext(EXACT):
        days_remaining = min(max((contract.expires_on - on).days + 1, 0), days)
        distance_remaining = min(max(contract.expiry_odometer.value - odometer.to(unit), Decimal(0)), term)
        return UnusedShare(
            term_days=days,
            days_remaining=days_remaining,
            term_distance=term,
            distance_remaining=distance_remaining,
            unit=unit,
            time_share=Decimal(days_remaining) / Decimal(days),
            distance_share=distance_remaining / term,
        )
