"""What a dealer system asks of a repair order: open it, record findings and pauses, close it."""

from __future__ import annotations

from typing import Self
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from claims.domain.base import Frozen
from claims.domain.errors import FieldValueError
from claims.domain.repair_order.values import DefectKey, PauseKind, ReplacedPart, StatutoryFacts
from claims.domain.values import Distance, Reference, Text
from claims.domain.vehicle.commands import Identifier


class RepairOrderRef(Frozen):
    """The natural key every repair-order command names: the dealer and its RO number."""

    dealer_id: Reference
    ro_number: Reference


class OpenRepairOrder(RepairOrderRef):
    """Open a repair order when the customer agrees to the repair."""

    vin: Identifier
    opened_at: AwareDatetime
    odometer_in: Distance
    complaint: Text


class RecordRepairWork(RepairOrderRef):
    """Record what was found and done; a later record replaces an earlier one while the RO is open.

    ``statutory`` carries the facts the statutory case needs (component group, safety, replacements); a
    repair order closed with them becomes a repair visit of the vehicle's statutory case.
    """

    cause: Text
    correction: Text
    defect: DefectKey
    parts_replaced: tuple[ReplacedPart, ...] = Field(default=(), max_length=50)
    statutory: StatutoryFacts | None = None

    @model_validator(mode="after")
    def _distinct_parts(self) -> Self:
        numbers = [p.part_number for p in self.parts_replaced]
        if len(set(numbers)) != len(numbers):
            raise FieldValueError("parts_replaced", "a part number is listed twice; record its quantity instead")
        return self


class RecordRepairPause(RepairOrderRef):
    """Record an interval the statutes exclude from repair time."""

    kind: PauseKind
    started_at: AwareDatetime
    ended_at: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.ended_at <= self.started_at:
            raise FieldValueError("ended_at", "a pause ends after it starts")
        return self


class CloseRepairOrder(RepairOrderRef):
    """Close the repair order when the vehicle is handed back."""

    closed_at: AwareDatetime
    odometer_out: Distance


class LinkClaim(RepairOrderRef):
    """Record that a claim (re)states these RO lines; the RO is where duplicate lines are caught."""

    claim_id: UUID
    line_nos: tuple[int, ...] = Field(min_length=1, max_length=99)


class ReleaseClaim(RepairOrderRef):
    """A withdrawn claim no longer holds its RO lines."""

    claim_id: UUID


RepairOrderCommand = (
    OpenRepairOrder | RecordRepairWork | RecordRepairPause | CloseRepairOrder | LinkClaim | ReleaseClaim
)

__all__ = [
    "CloseRepairOrder",
    "LinkClaim",
    "OpenRepairOrder",
    "RecordRepairPause",
    "RecordRepairWork",
    "ReleaseClaim",
    "RepairOrderCommand",
    "RepairOrderRef",
]
