"""What the rule packs read: a vehicle's sale and its repair visits, as plain facts built from history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, Field, field_validator, model_validator

from claims.domain.base import Frozen
from claims.domain.errors import FieldValueError
from claims.domain.jurisdictions import JurisdictionCode
from claims.domain.values import Distance, DistanceUnit, Money, Reference
from claims.domain.vehicle.coverage_terms import ComponentGroup, StartRule, WearPart

DAY = timedelta(hours=24)

Interval = tuple[AwareDatetime, AwareDatetime]


def statutory_days(opened_at: datetime, closed_at: datetime, pauses: Iterable[tuple[datetime, datetime]] = ()) -> int:
    """CN Order 43 Art. 40: hours from repair agreed to completed, less pauses; each full 24 h or remainder is a day.

    Overlapping pauses are excluded once; pause time outside the repair is ignored. 120 h → 5, 120 h 1 min → 6.
    """
    clipped = sorted((max(s, opened_at), min(e, closed_at)) for s, e in pauses if e > opened_at and s < closed_at)
    excluded, cursor = timedelta(0), opened_at
    for start, end in clipped:
        start = max(start, cursor)
        if end > start:
            excluded, cursor = excluded + (end - start), end
    full_days, remainder = divmod(max(timedelta(0), closed_at - opened_at - excluded), DAY)
    return int(full_days) + (1 if remainder > timedelta(0) else 0)


class SafetyFailure(StrEnum):
    """The failures CN Order 43 Art. 23 names (battery fire added in 2021)."""

    STEERING_FAILURE = "STEERING_FAILURE"
    BRAKE_FAILURE = "BRAKE_FAILURE"
    BODY_CRACKING = "BODY_CRACKING"
    FUEL_LEAK = "FUEL_LEAK"
    POWER_BATTERY_FIRE = "POWER_BATTERY_FIRE"


class RepairVisit(Frozen):
    """One repair visit (repair order) for one defect, as the repair-order history recorded it."""

    visit_id: Reference
    defect_key: Reference
    component_group: ComponentGroup
    main_part: Reference | None = None  # the main part (GB/T 29632 list) the quality problem lies in
    serious_safety: bool = False
    safety_failure: SafetyFailure | None = None
    opened_at: AwareDatetime
    closed_at: AwareDatetime
    odometer: Distance
    pauses: tuple[Interval, ...] = ()  # time Art. 24 excludes: VIN-customised parts, battery transport, rescue travel
    replaced_assembly: ComponentGroup | None = None
    replaced_main_part: Reference | None = None
    wear_part: WearPart | None = None
    # Art. 40 days with the pauses left out, as the repair-order aggregate computed them (see statutory_days).
    days_out_of_service: int = Field(ge=0)
    direct_notice_sent: bool = False
    # The fault was still there when the vehicle was handed back ("仍未排除", "仍不能正常使用").
    fault_remained: bool = False
    # EU 2019/771 Art. 13(5): no termination for a minor lack of conformity.
    minor_nonconformity: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.closed_at < self.opened_at:
            raise FieldValueError("closed_at", "a visit closes after it opens")
        if any(end <= start for start, end in self.pauses):
            raise FieldValueError("pauses", "a pause ends after it starts")
        return self

    @property
    def opened_on(self) -> date:
        return self.opened_at.date()


class VehicleFacts(Frozen):
    """One vehicle's sale and repair history up to ``as_of``: everything a rule pack may read."""

    jurisdiction: JurisdictionCode
    sale_date: date
    delivery_date: date
    price: Money
    odometer_unit: DistanceUnit
    odometer_at_delivery: Distance
    # CN Order 43 Art. 27: the producer's usage coefficient n printed on the 三包凭证 (0.005 = 0.5%).
    usage_coefficient: Decimal | None = Field(default=None, ge=0, lt=1, allow_inf_nan=False)
    visits: tuple[RepairVisit, ...] = ()
    as_of: date
    as_of_odometer: Distance

    @field_validator("visits")
    @classmethod
    def _in_order(cls, visits: tuple[RepairVisit, ...]) -> tuple[RepairVisit, ...]:
        return tuple(sorted(visits, key=lambda v: v.opened_at))

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        readings = [("odometer_at_delivery", self.odometer_at_delivery), ("as_of_odometer", self.as_of_odometer)]
        readings += [(f"visits[{i}].odometer", v.odometer) for i, v in enumerate(self.visits)]
        for name, reading in readings:
            if reading.unit != self.odometer_unit:
                raise FieldValueError(name, f"readings are in {self.odometer_unit}, not {reading.unit}")
        if self.as_of < self.delivery_date:
            raise FieldValueError("as_of", "facts are taken on or after delivery")
        if any(v.opened_on > self.as_of for v in self.visits):
            raise FieldValueError("visits", f"a visit opens after the facts' date {self.as_of}")
        return self

    def start_date(self, rule: StartRule) -> date:
        """When a statutory period starts: the invoice (sale) date or the delivery date."""
        return self.sale_date if rule == StartRule.INVOICE_DATE else self.delivery_date

    def driven(self, reading: Distance) -> Distance:
        """Distance driven from delivery to ``reading``."""
        return Distance(value=max(Decimal(0), reading.value - self.odometer_at_delivery.value), unit=self.odometer_unit)

    def visits_for(self, defect_key: str) -> tuple[RepairVisit, ...]:
        return tuple(v for v in self.visits if v.defect_key == defect_key)

    @property
    def defect_keys(self) -> tuple[str, ...]:
        """Each defect key once, in order of first visit."""
        return tuple(dict.fromkeys(v.defect_key for v in self.visits))

    @property
    def subject(self) -> RepairVisit | None:
        """The latest visit: the lack of conformity a remedy-per-complaint rule assesses."""
        return self.visits[-1] if self.visits else None
