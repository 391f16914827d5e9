"""Pure conversions between protobuf messages and domain commands / views."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from annotated_types import MaxLen
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, ValidationError

from claims.api.v1 import common_pb2 as common
from claims.api.v1 import vehicles_pb2 as pb
from claims.application.messages import CommandResult
from claims.domain.errors import FieldValueError, FieldViolation, InvalidCommandError
from claims.domain.values import Distance, Money
from claims.domain.vehicle.coverage_terms import Period
from claims.domain.vehicle.status import PeriodStatus, VehicleStatus

M = TypeVar("M", bound=BaseModel)


def build(model: type[M], fields: Mapping[str, Any], prefix: str = "") -> M:
    """Validate ``fields`` into ``model``; every problem becomes a field violation."""
    try:
        return model.model_validate(dict(fields))
    except ValidationError as e:
        errors = e.errors(include_url=False)
        raise InvalidCommandError(
            [_violation(err, prefix) for err in errors if not _consequence(err, errors)]
        ) from None


def refuse_too_many(request: Message, model: type[BaseModel], *names: str) -> None:
    """Refuse each repeated field of ``request`` longer than the field of ``model`` it becomes may be, before its
    items are converted: a fuzzed server spent seconds converting twenty thousand items only to refuse them."""
    violations = [
        FieldViolation(name, f"at most {limit} items, got {count}")
        for name in names
        if (count := len(getattr(request, name))) > (limit := max_length(model, name))
    ]
    if violations:
        raise InvalidCommandError(violations)


@cache
def max_length(model: type[BaseModel], name: str) -> int:
    """The ``max_length`` the domain model sets on its field ``name``."""
    bounds = [m.max_length for m in model.model_fields[name].metadata if isinstance(m, MaxLen)]
    if not bounds:
        raise LookupError(f"{model.__name__}.{name} sets no max_length")
    return min(bounds)


def _consequence(err: Any, errors: list[Any]) -> bool:
    """A sequence "too short after validation" is only so because some of its items were invalid."""
    loc = tuple(err["loc"])
    inside = (tuple(other["loc"]) for other in errors)
    return bool(err["type"] == "too_short") and any(len(o) > len(loc) and o[: len(loc)] == loc for o in inside)


def _violation(err: Any, prefix: str) -> FieldViolation:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldValueError):
        path = f"{path}.{cause.field}".lstrip(".")
        return FieldViolation(prefix + path, str(cause))
    message = err["msg"].removeprefix("Value error, ")
    return FieldViolation(prefix + (path or "(request)"), message)


def enum_name(value: int, proto_enum: Any, prefix: str) -> str | None:
    """The domain name of a proto enum value; None when unspecified, a marker when unknown."""
    if value == 0:
        return None
    try:
        return str(proto_enum.Name(value)).removeprefix(prefix)
    except ValueError:
        return f"UNKNOWN_{value}"


def enum_number(value: StrEnum, proto_enum: Any, prefix: str) -> Any:
    """The proto enum value for a domain enum member."""
    return proto_enum.Value(prefix + value.value)


def present(fields: dict[str, Any]) -> dict[str, Any]:
    """Drop fields the caller left unset, so defaults and 'field required' apply."""
    return {k: v for k, v in fields.items() if v is not None and v != ""}


def money_fields(message: common.Money, has: bool) -> dict[str, Any] | None:
    return present({"amount": message.amount, "currency": message.currency}) if has else None


def distance_fields(message: common.Distance, has: bool) -> dict[str, Any] | None:
    if not has:
        return None
    return present({"value": message.value, "unit": enum_name(message.unit, common.DistanceUnit, "DISTANCE_UNIT_")})


def period_fields(message: pb.Period, has: bool) -> dict[str, Any] | None:
    if not has:
        return None
    return present(
        {
            "months": message.months or None,
            "distance_limit": message.distance_limit or None,
            "distance_unit": enum_name(message.distance_unit, common.DistanceUnit, "DISTANCE_UNIT_"),
        }
    )


def timestamp_value(message: Timestamp, has: bool) -> Any:
    if not has:
        return None
    try:
        return message.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return f"out of range ({message.seconds}s)"


def optional_timestamp(moment: datetime | None) -> Timestamp | None:
    """A timestamp, or None to leave the field unset."""
    return None if moment is None else timestamp_to_proto(moment)


def optional_text(value: str | None) -> str:
    return value or ""


def optional_day(day: date | None) -> str:
    """YYYY-MM-DD, or empty."""
    return "" if day is None else day.isoformat()


def parse_date(value: str, field: str) -> date | None:
    """An optional YYYY-MM-DD query parameter."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidCommandError([FieldViolation(field, f"{value!r} is not a date in YYYY-MM-DD form")]) from None


def money_to_proto(money: Money) -> common.Money:
    return common.Money(amount=str(money.amount), currency=money.currency)


def distance_to_proto(distance: Distance) -> common.Distance:
    return common.Distance(
        value=str(distance.value), unit=enum_number(distance.unit, common.DistanceUnit, "DISTANCE_UNIT_")
    )


def period_to_proto(period: Period) -> pb.Period:
    return pb.Period(
        months=period.months,
        distance_limit="" if period.distance_limit is None else str(period.distance_limit),
        distance_unit=enum_number(period.distance_unit, common.DistanceUnit, "DISTANCE_UNIT_"),
    )


def period_status_to_proto(status: PeriodStatus) -> pb.PeriodStatus:
    return pb.PeriodStatus(
        state=enum_number(status.state, pb.CoverageState, "COVERAGE_STATE_"),
        in_force=status.in_force,
        ends_on=status.ends_on.isoformat(),
        distance_used=plain(status.distance_used),
        distance_remaining="" if status.distance_remaining is None else plain(status.distance_remaining),
    )


def plain(value: Decimal) -> str:
    """A decimal without exponent noise, rounded to what an odometer shows."""
    return f"{value.quantize(Decimal('0.1')).normalize():f}"


def plain_decimal(value: Decimal) -> str:
    """A decimal as typed (``2.5``, not ``2.5E+0``), its places kept."""
    return f"{value:f}"


def timestamp_to_proto(moment: Any) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def vehicle_to_proto(status: VehicleStatus, version: int) -> pb.Vehicle:
    """The full vehicle view: sale, readings, transfers, coverages with their evaluated status."""
    v = status.vehicle
    by_id = {c.coverage_id: c for c in status.coverages}
    return pb.Vehicle(
        vehicle_id=str(v.vehicle_id),
        identifier=v.identifier,
        identifier_kind=enum_number(v.identifier_kind, pb.IdentifierKind, "IDENTIFIER_KIND_"),
        model=v.model,
        model_year=v.model_year or 0,
        jurisdiction=v.jurisdiction,
        dealer_id=v.dealer_id,
        owner_ref=v.owner_ref,
        invoice_date=v.invoice_date.isoformat(),
        delivery_date=v.delivery_date.isoformat(),
        price=money_to_proto(v.price),
        odometer_at_delivery=distance_to_proto(v.odometer_at_delivery),
        manufacturer=v.manufacturer,
        readings=[
            pb.OdometerReading(reading=distance_to_proto(r.reading), read_at=timestamp_to_proto(r.read_at))
            for r in v.readings
        ],
        transfers=[
            pb.OwnershipTransfer(
                previous_owner_ref=t.previous_owner_ref,
                new_owner_ref=t.new_owner_ref,
                transferred_on=t.transferred_on.isoformat(),
            )
            for t in v.transfers
        ],
        coverages=[
            pb.Coverage(
                coverage_id=str(c.coverage_id),
                code=c.code,
                kind=enum_number(c.kind, pb.CoverageKind, "COVERAGE_KIND_"),
                period=period_to_proto(c.period),
                start_rule=enum_number(c.start_rule, pb.StartRule, "START_RULE_"),
                starts_on=c.starts_on.isoformat(),
                ends_on=c.ends_on.isoformat(),
                start_odometer=distance_to_proto(c.start_odometer),
                component_groups=[enum_number(g, pb.ComponentGroup, "COMPONENT_GROUP_") for g in c.component_groups],
                status=period_status_to_proto(by_id[c.coverage_id].status),
                wear_parts=[
                    pb.WearPartStatus(
                        part=enum_number(w.part, pb.WearPart, "WEAR_PART_"),
                        period=period_to_proto(w.period),
                        status=period_status_to_proto(s.status),
                    )
                    for w, s in zip(c.wear_parts, by_id[c.coverage_id].wear_parts, strict=True)
                ],
            )
            for c in v.coverages
        ],
        version=version,
        evaluated_on=status.on.isoformat(),
        evaluated_odometer=distance_to_proto(status.odometer),
    )


def mutation_result(result: CommandResult) -> common.MutationResult:
    return common.MutationResult(stream_id=str(result.stream_id), version=result.version, position=result.position)


def has(message: Message, field: str) -> bool:
    return bool(message.HasField(field))
