"""What a statutory-case decision may know beyond its own stream: the vehicle, the pack and the day's inputs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Self

from pydantic import Field, model_validator

from claims.domain.context import DecisionContext
from claims.domain.errors import FieldValueError
from claims.domain.statutory.pack import RulePack
from claims.domain.values import Distance, Money
from claims.domain.vehicle.state import Vehicle


class CaseContext(DecisionContext):
    """The clock, the vehicle, its rule pack and what the application read for this decision.

    ``pack`` is ``select_pack(vehicle.jurisdiction, vehicle.invoice_date)``. A remedy is requested under the pack
    of the last determination (reevaluate first when a new pack version applies) and delivered under the pack
    the request recorded. ``as_of_odometer`` is the vehicle's latest reading; ``usage_coefficient`` CN's n from
    the 三包凭证; ``courtesy_car_daily_rate`` the dealer's or manufacturer's committed rate (None: no such
    commitment in the jurisdiction); ``holidays`` and ``make_up_days`` (调休 weekend working days) set
    working-day deadlines.
    """

    vehicle: Vehicle
    pack: RulePack[Any]
    as_of_odometer: Distance
    usage_coefficient: Decimal | None = Field(default=None, ge=0, lt=1, allow_inf_nan=False)
    courtesy_car_daily_rate: Money | None = None
    holidays: tuple[date, ...] = ()
    make_up_days: tuple[date, ...] = ()

    @model_validator(mode="after")
    def _positive_rate(self) -> Self:
        rate = self.courtesy_car_daily_rate
        if rate is not None and rate.amount <= 0:
            raise FieldValueError("courtesy_car_daily_rate", "a committed daily rate is more than zero")
        return self

    @property
    def today(self) -> date:
        """The date of ``now`` in its own offset."""
        return self.now.date()
