"""What the application asks of a vehicle's statutory case: record visits and notices, re-evaluate, run a remedy."""

from __future__ import annotations

from datetime import date
from typing import Self

from pydantic import AwareDatetime, model_validator

from claims.domain.base import Frozen
from claims.domain.errors import FieldValueError
from claims.domain.statutory.facts import RepairVisit
from claims.domain.statutory_case.values import CaseRemedy
from claims.domain.values import Distance, Money, Text
from claims.domain.vehicle.commands import Identifier


class CaseRef(Frozen):
    """The natural key every case command names: the vehicle's VIN (or serial number)."""

    vin: Identifier


class RecordRepairVisit(CaseRef):
    """Record a repair visit: sent when a repair order with statutory facts closes (see ``repair_visit``)."""

    visit: RepairVisit


class RecordDirectNotice(CaseRef):
    """Record that the buyer notified the manufacturer directly (the CA/TX condition of the presumptions)."""

    notified_on: date


class ReevaluateCase(CaseRef):
    """Run the pack again on today's facts (a time window passed, a rate became known)."""


class RequestRemedy(CaseRef):
    """The consumer asks for a remedy the last determination entitles."""

    remedy: CaseRemedy
    requested_at: AwareDatetime


class AnswerRemedy(CaseRef):
    """The seller answers the open request: accepted, or refused with its reasons."""

    accepted: bool
    reason: Text
    answered_at: AwareDatetime


class DeliverRemedy(CaseRef):
    """The accepted remedy was carried out on ``delivered_on``, the vehicle then reading ``odometer``.

    ``replacement_vin`` names the vehicle handed over for a replacement (and only then); ``agreed_reduction``
    is the price reduction agreed (required for a price reduction, and only then).
    """

    delivered_on: date
    odometer: Distance
    replacement_vin: Identifier | None = None
    agreed_reduction: Money | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.agreed_reduction is not None and self.agreed_reduction.amount <= 0:
            raise FieldValueError("agreed_reduction.amount", "a price reduction is more than zero")
        return self


StatutoryCaseCommand = (
    RecordRepairVisit | RecordDirectNotice | ReevaluateCase | RequestRemedy | AnswerRemedy | DeliverRemedy
)

__all__ = [
    "AnswerRemedy",
    "CaseRef",
    "DeliverRemedy",
    "RecordDirectNotice",
    "RecordRepairVisit",
    "ReevaluateCase",
    "RequestRemedy",
    "StatutoryCaseCommand",
]
