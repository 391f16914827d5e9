"""Read model: vehicles by identifier with their coverages (tables rm_vehicles, rm_vehicle_coverages)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from claims.adapters.persistence.database import Database, Transaction
from claims.application.messages import RecordedEvent
from claims.domain.values import Distance, DistanceUnit
from claims.domain.vehicle.events import CoverageAttached, OdometerRecorded, OwnershipTransferred, VehicleRegistered
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


class VehicleProjection:
    """Keeps rm_vehicles and rm_vehicle_coverages in step with vehicle events."""

    name = "vehicles"
    tables = ("rm_vehicles", "rm_vehicle_coverages")  # parents first (a rebuild copies and replaces these)
    topics = topics_of(VehicleRegistered, CoverageAttached, OdometerRecorded, OwnershipTransferred)

    def handle(self, tx: Transaction, event: RecordedEvent) -> None:
        match event.event:
            case VehicleRegistered() as e:
                tx.execute(
                    "INSERT INTO rm_vehicles (vehicle_id, identifier, identifier_kind, model, model_year, jurisdiction,"
                    " dealer_id, owner_ref, invoice_date, delivery_date, price_amount, price_currency, odometer_value,"
                    " odometer_unit, coverage_count, version, last_position, manufacturer) VALUES (:id, :identifier,"
                    " :kind, :model, :year, :jurisdiction, :dealer, :owner, :invoice, :delivery, :amount, :currency,"
                    " :odo, :unit, 0, :version, :position, :manufacturer)",
                    {
                        "id": str(e.vehicle_id), "identifier": e.identifier, "kind": e.identifier_kind.value,
                        "model": e.model, "year": e.model_year, "jurisdiction": e.jurisdiction, "dealer": e.dealer_id,
                        "owner": e.owner_ref, "invoice": e.invoice_date.isoformat(),
                        "delivery": e.delivery_date.isoformat(), "amount": str(e.price.amount),
                        "currency": e.price.currency, "odo": str(e.odometer_at_delivery.value),
                        "unit": e.odometer_at_delivery.unit.value, "version": event.version, "position": event.position,
                        "manufacturer": e.manufacturer,
                    },
                )  # fmt: skip
            case CoverageAttached(coverage=e):
                tx.execute(
                    "INSERT INTO rm_vehicle_coverages (coverage_id, vehicle_id, code, kind, starts_on, ends_on,"
                    " distance_limit, distance_unit, component_groups) VALUES (:cid, :vid, :code, :kind, :starts,"
                    " :ends, :limit, :unit, :groups)",
                    {
                        "cid": str(e.coverage_id), "vid": str(event.stream_id), "code": e.code, "kind": e.kind.value,
                        "starts": e.starts_on.isoformat(), "ends": e.ends_on.isoformat(),
                        "limit": None if e.period.distance_limit is None else str(e.period.distance_limit),
                        "unit": e.period.distance_unit.value,
                        "groups": json.dumps([g.value for g in e.component_groups]),
                    },
                )  # fmt: skip
                self._touch(tx, event, "coverage_count = coverage_count + 1")
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
