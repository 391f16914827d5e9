"""Read model: vehicles by identifier with their coverages (tables rm_vehicles, rm_vehicle_coverages)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from claims.adapters.persistence.database import Database, Transaction
from claims.application.messages import RecordedEvent
from claims.domain.values import Distance, DistanceUnit
from claims.domain.vehicle.coverage_terms import Coverage
from claims.domain.vehicle.events import CoverageAttached, OdometerRecorded, OwnershipTransferred, VehicleRegistered
from claims.projections.columns import row_values
from claims.projections.runner import topics_of

# The reading in the row's own unit (the vehicle's unit at delivery), from one parameter per unit.
_READING = "CASE odometer_unit WHEN 'KM' THEN :km WHEN 'MI' THEN :mi WHEN 'HOURS' THEN :hours END"
# The highest reading wins: a reading recorded late can be dated earlier, and lower (readings only
# rise in date order). One statement, no read: PostgreSQL compares numeric values exactly; SQLite keeps
# the value as text, so it compares CAST(… AS NUMERIC) (integers exactly, fractions as doubles: ample
# for readings under 2,000,000) and keeps the text as written.
_HIGHEST = {
    "postgresql": f"odometer_value = GREATEST(odometer_value, CAST({_READING} AS NUMERIC))",
    "sqlite": (
        f"odometer_value = CASE WHEN CAST(odometer_value AS NUMERIC) < CAST({_READING} AS NUMERIC)"
        f" THEN {_READING} ELSE odometer_value END"
    ),
}


# rm_vehicles' and rm_vehicle_coverages' columns in insert order, each with its PostgreSQL type (insert_rows).
_VEHICLE_COLUMNS = {
    "vehicle_id": "uuid", "identifier": "text", "identifier_kind": "text", "model": "text", "model_year": "integer",
    "jurisdiction": "text", "dealer_id": "text", "owner_ref": "text", "invoice_date": "date", "delivery_date": "date",
    "price_amount": "numeric", "price_currency": "text", "odometer_value": "numeric", "odometer_unit": "text",
    "coverage_count": "integer", "version": "bigint", "last_position": "bigint", "manufacturer": "text",
}  # fmt: skip
_COVERAGE_COLUMNS = {
    "coverage_id": "uuid", "vehicle_id": "uuid", "code": "text", "kind": "text", "starts_on": "date", "ends_on": "date",
    "distance_limit": "numeric", "distance_unit": "text", "component_groups": "text",
}  # fmt: skip


class VehicleProjection:
    """Keeps rm_vehicles and rm_vehicle_coverages in step with vehicle events."""

    name = "vehicles"
    tables = ("rm_vehicles", "rm_vehicle_coverages")  # parents first (a rebuild copies and replaces these)
    topics = topics_of(VehicleRegistered, CoverageAttached, OdometerRecorded, OwnershipTransferred)

    def handle(self, tx: Transaction, event: RecordedEvent) -> None:
        self.handle_batch(tx, [event])

    def handle_batch(self, tx: Transaction, events: Sequence[RecordedEvent]) -> None:
        """A vehicle registered in this batch is folded in Python and inserted once, as it stands at the batch's
        end; the batch's coverages follow in one bulk insert (a catch-up wrote about seven statements per
        vehicle). The other events of a vehicle registered earlier are each one statement on its row."""
        fresh: dict[UUID, dict[str, Any]] = {}  # registered in this batch, by vehicle: the row as it stands
        coverages: list[dict[str, object]] = []
        for event in events:
            row = fresh.get(event.stream_id)
            match event.event:
                case VehicleRegistered() as e:
                    fresh[event.stream_id] = _registered(event, e)
                    continue
                case CoverageAttached(coverage=c):
                    # inserted after the batch's new vehicles, whose rows they name
                    coverages.append(_coverage(event, c))
                    if row is None:
                        self._touch(tx, event, "coverage_count = coverage_count + 1")
                        continue
                    row["coverage_count"] += 1
                case OdometerRecorded() as e if row is not None:
                    # compared exactly (Decimal); _HIGHEST on SQLite compares doubles, the same for any real reading
                    reading = _in_unit(e.reading, DistanceUnit(row["odometer_unit"]))
                    if reading is not None and Decimal(reading) > Decimal(row["odometer_value"]):
                        row["odometer_value"] = reading
                case OwnershipTransferred() as e if row is not None:
                    row["owner_ref"] = e.new_owner_ref
                case _ if row is None:
                    self._on_row(tx, event)
                    continue
                case _:
                    continue
            row["version"], row["last_position"] = event.version, event.position
        tx.insert_rows("rm_vehicles", _VEHICLE_COLUMNS, [row_values(r, _VEHICLE_COLUMNS) for r in fresh.values()])
        tx.insert_rows("rm_vehicle_coverages", _COVERAGE_COLUMNS, [row_values(r, _COVERAGE_COLUMNS) for r in coverages])

    def _on_row(self, tx: Transaction, event: RecordedEvent) -> None:
        """An event of a vehicle whose row is already written: one statement on it."""
        match event.event:
            case OdometerRecorded() as e:
                self._record_reading(tx, event, e.reading)
            case OwnershipTransferred() as e:
                self._touch(tx, event, "owner_ref = :owner", {"owner": e.new_owner_ref})
            case _:
                pass

    def _record_reading(self, tx: Transaction, event: RecordedEvent, reading: Distance) -> None:
        in_units: dict[str, object] = {unit.value.lower(): _in_unit(reading, unit) for unit in DistanceUnit}
        self._touch(tx, event, _HIGHEST[tx.dialect], in_units)

    @staticmethod
    def _touch(tx: Transaction, event: RecordedEvent, assignment: str, params: dict[str, object] | None = None) -> None:
        tx.execute(
            f"UPDATE rm_vehicles SET {assignment}, version = :version, last_position = :position"  # noqa: S608
            " WHERE vehicle_id = :id",
            {**(params or {}), "version": event.version, "position": event.position, "id": str(event.stream_id)},
        )


def _registered(event: RecordedEvent, e: VehicleRegistered) -> dict[str, object]:
    """The vehicle's row as its registration writes it, by column (``_VEHICLE_COLUMNS``)."""
    return {
        "vehicle_id": str(e.vehicle_id), "identifier": e.identifier, "identifier_kind": e.identifier_kind.value,
        "model": e.model, "model_year": e.model_year, "jurisdiction": e.jurisdiction, "dealer_id": e.dealer_id,
        "owner_ref": e.owner_ref, "invoice_date": e.invoice_date.isoformat(),
        "delivery_date": e.delivery_date.isoformat(), "price_amount": str(e.price.amount),
        "price_currency": e.price.currency, "odometer_value": str(e.odometer_at_delivery.value),
        "odometer_unit": e.odometer_at_delivery.unit.value, "coverage_count": 0, "version": event.version,
        "last_position": event.position, "manufacturer": e.manufacturer,
    }  # fmt: skip


def _coverage(event: RecordedEvent, c: Coverage) -> dict[str, object]:
    """A coverage's row, by column (``_COVERAGE_COLUMNS``)."""
    return {
        "coverage_id": str(c.coverage_id), "vehicle_id": str(event.stream_id), "code": c.code, "kind": c.kind.value,
        "starts_on": c.starts_on.isoformat(), "ends_on": c.ends_on.isoformat(),
        "distance_limit": None if c.period.distance_limit is None else str(c.period.distance_limit),
        "distance_unit": c.period.distance_unit.value,
        "component_groups": json.dumps([g.value for g in c.component_groups]),
    }  # fmt: skip


def _in_unit(reading: Distance, unit: DistanceUnit) -> str | None:
    """``reading`` in ``unit`` as decimal text; ``None`` when it cannot be (hours are not distances)."""
    try:
        return str(reading.to(unit))
    except ValueError:
        return None


@dataclass(frozen=True)
class VehicleSummary:
    """One row of the vehicle list."""

    vehicle_id: str
    identifier: str
    identifier_kind: str
    model: str
    jurisdiction: str
    dealer_id: str
    owner_ref: str
    delivery_date: str
    coverage_count: int
    version: int
    manufacturer: str = ""


class VehicleDirectory:
    """Queries over the vehicle read model."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def list(
        self,
        *,
        dealer_id: str,
        jurisdiction: str,
        after: str,
        limit: int,
        manufacturer: str | None = None,
        insurer_id: str | None = None,
    ) -> list[VehicleSummary]:
        """Vehicles ordered by identifier, after ``after``, optionally filtered; ``manufacturer`` and
        ``insurer_id`` (None: any) keep a desk's or an insurer's own (a contract of theirs on the vehicle)."""
        scope = ""
        params: dict[str, object] = {"after": after, "dealer": dealer_id, "jurisdiction": jurisdiction, "limit": limit}
        if manufacturer is not None:
            scope += " AND manufacturer = :manufacturer"
            params["manufacturer"] = manufacturer
        if insurer_id is not None:
            scope += " AND vehicle_id IN (SELECT vehicle_id FROM rm_contracts WHERE insurer_id = :insurer)"
            params["insurer"] = insurer_id
        with self._db.read() as tx:
            rows = tx.rows(
                "SELECT vehicle_id, identifier, identifier_kind, model, jurisdiction, dealer_id, owner_ref,"  # noqa: S608
                " delivery_date, coverage_count, version, manufacturer FROM rm_vehicles"
                " WHERE identifier > :after AND (:dealer = '' OR dealer_id = :dealer)"
                " AND (:jurisdiction = '' OR jurisdiction = :jurisdiction)"
                f"{scope} ORDER BY identifier LIMIT :limit",
                params,
            )
        return [
            VehicleSummary(
                vehicle_id=str(r["vehicle_id"]),
                identifier=r["identifier"],
                identifier_kind=r["identifier_kind"],
                model=r["model"],
                jurisdiction=r["jurisdiction"],
                dealer_id=r["dealer_id"],
                owner_ref=r["owner_ref"],
                delivery_date=str(r["delivery_date"]),
                coverage_count=int(r["coverage_count"]),
                version=int(r["version"]),
                manufacturer=r["manufacturer"],
            )
            for r in rows
        ]
