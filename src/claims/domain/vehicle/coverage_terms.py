"""What a coverage promises: component groups, periods, start rules, wear parts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from claims.domain.base import Frozen
from claims.domain.values import Distance, DistanceUnit


class CoverageKind(StrEnum):
    """Who gives the promise."""

    MANUFACTURER_WARRANTY = "MANUFACTURER_WARRANTY"
    STATUTORY = "STATUTORY"
    EXTENDED = "EXTENDED"


class StartRule(StrEnum):
    """Which sale date starts the coverage's clock."""

    INVOICE_DATE = "INVOICE_DATE"
    DELIVERY_DATE = "DELIVERY_DATE"


class ComponentGroup(StrEnum):
    """Component groups a coverage can name (GB/T 29632 systems plus common warranty groups)."""

    ENGINE = "ENGINE"
    TRANSMISSION = "TRANSMISSION"
    POWER_BATTERY = "POWER_BATTERY"
    DRIVE_MOTOR = "DRIVE_MOTOR"
    STEERING = "STEERING"
    BRAKES = "BRAKES"
    SUSPENSION = "SUSPENSION"
    DRIVETRAIN = "DRIVETRAIN"
    POLLUTION_CONTROL = "POLLUTION_CONTROL"
    BODY = "BODY"
    ELECTRICAL = "ELECTRICAL"
    HVAC = "HVAC"
    FUEL_SYSTEM = "FUEL_SYSTEM"
    COOLING = "COOLING"
    RESTRAINTS = "RESTRAINTS"
    INFOTAINMENT = "INFOTAINMENT"
    WHOLE_PRODUCT = "WHOLE_PRODUCT"


class WearPart(StrEnum):
    """Wear parts (易损耗零部件) that carry their own, shorter periods."""

    FILTERS = "FILTERS"
    SPARK_PLUGS = "SPARK_PLUGS"
    BRAKE_LININGS = "BRAKE_LININGS"
    CLUTCH_DISC = "CLUTCH_DISC"
    TYRES = "TYRES"
    REMOTE_BATTERY = "REMOTE_BATTERY"
    BULBS = "BULBS"
    WIPER_BLADES = "WIPER_BLADES"
    FUSES = "FUSES"
    BATTERY_12V = "BATTERY_12V"
    RELAYS = "RELAYS"


MAX_MONTHS = 600


class Period(Frozen):
    """A time limit in months and an optional usage limit: whichever is reached first ends it."""

    months: int = Field(ge=1, le=MAX_MONTHS)
    distance_limit: Decimal | None = Field(default=None, gt=0, le=Decimal(2_000_000), allow_inf_nan=False)
    distance_unit: DistanceUnit = DistanceUnit.KM


class WearPartPeriod(Frozen):
    """A wear part's own period."""

    part: WearPart
    period: Period


class Coverage(Frozen):
    """A coverage attached to a vehicle, with its start, end and starting odometer fixed."""

    coverage_id: UUID
    code: str
    kind: CoverageKind
    period: Period
    start_rule: StartRule
    starts_on: date
    ends_on: date
    start_odometer: Distance
    component_groups: tuple[ComponentGroup, ...]
    wear_parts: tuple[WearPartPeriod, ...]
