"""Values a repair order records: part numbers, the defect key, replaced parts, excluded pauses, statutory facts."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from claims.domain.base import Frozen
from claims.domain.errors import FieldValueError
from claims.domain.statutory.facts import SafetyFailure
from claims.domain.values import Reference
from claims.domain.vehicle.coverage_terms import ComponentGroup, WearPart

_PART_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,31}$")
_FAILURE_CODE = re.compile(r"^[A-Z0-9]{3,10}$")


def _part_number(value: str) -> str:
    if not _PART_NUMBER.match(value):
        raise ValueError("a part number has 3 to 32 capital letters, digits or dashes, starting with a letter or digit")
    return value


def _failure_code(value: str) -> str:
    if not _FAILURE_CODE.match(value):
        raise ValueError("a failure code has 3 to 10 capital letters or digits (e.g. an OBD-II code such as P0300)")
    return value


PartNumber = Annotated[str, AfterValidator(_part_number)]
FailureCode = Annotated[str, AfterValidator(_failure_code)]
MAX_PART_QUANTITY = 999


class DefectKey(Frozen):
    """What failed, as a stable key: the causal part and the failure code (same defect = same key)."""

    causal_part_number: PartNumber
    failure_code: FailureCode

    def __str__(self) -> str:
        return f"{self.causal_part_number}/{self.failure_code}"


class ReplacedPart(Frozen):
    """A part taken off and the one fitted in its place."""

    part_number: PartNumber
    quantity: int = Field(ge=1, le=MAX_PART_QUANTITY)
    removed_serial: Reference | None = None
    fitted_serial: Reference | None = None
    supplier_code: Reference | None = None


class PauseKind(StrEnum):
    """Time the statutes exclude from repair time (CN Order 43 Art. 24)."""

    WAITING_VIN_CUSTOMISED_PARTS = "WAITING_VIN_CUSTOMISED_PARTS"
    POWER_BATTERY_TRANSPORT = "POWER_BATTERY_TRANSPORT"
    ROADSIDE_RESCUE_TRAVEL = "ROADSIDE_RESCUE_TRAVEL"


class RepairPause(Frozen):
    """An excluded interval of a repair, from ``started_at`` to ``ended_at``."""

    kind: PauseKind
    started_at: AwareDatetime
    ended_at: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.ended_at <= self.started_at:
            raise FieldValueError("ended_at", "a pause ends after it starts")
        return self

    def overlaps(self, other: RepairPause) -> bool:
        return self.started_at < other.ended_at and other.started_at < self.ended_at


class StatutoryFacts(Frozen):
    """What the statutes (三包, lemon laws, EU 2019/771) need to know about the repair, as the technician found it.

    ``main_part`` is the main part (GB/T 29632 list) the quality problem lies in; ``replaced_assembly`` and
    ``replaced_main_part`` say what was replaced; ``fault_remained`` that the fault was still there at hand-back.
    """

    component_group: ComponentGroup
    main_part: Reference | None = None
    serious_safety: bool = False
    safety_failure: SafetyFailure | None = None
    replaced_assembly: ComponentGroup | None = None
    replaced_main_part: Reference | None = None
    wear_part: WearPart | None = None
    fault_remained: bool = False
    minor_nonconformity: bool = False
