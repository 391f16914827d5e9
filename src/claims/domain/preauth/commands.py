"""What dealers and the desk ask of a pre-authorization: request, decide, consume, expire."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import AfterValidator, Field, model_validator

from claims.domain.base import Frozen
from claims.domain.errors import FieldValueError
from claims.domain.values import MAX_PRICE, Money, Reference, Text
from claims.domain.vehicle.commands import Identifier


def _positive(money: Money) -> Money:
    if not Decimal(0) < money.amount <= MAX_PRICE:
        raise ValueError(f"an amount is positive and at most {MAX_PRICE}")
    return money


PositiveMoney = Annotated[Money, AfterValidator(_positive)]


class PreAuthDecision(StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


class PreAuthRef(Frozen):
    """The natural key every pre-authorization command names: the dealer and its request number."""

    dealer_id: Reference
    preauth_number: Reference


class RequestPreAuthorization(PreAuthRef):
    """Ask leave for a repair above the policy's thresholds, before doing it."""

    vin: Identifier
    ro_number: Reference
    estimated_amount: PositiveMoney
    labour_hours: Decimal = Field(ge=0, le=999, decimal_places=2)
    main_part_count: int = Field(ge=0, le=99)
    reason: Text


class DecidePreAuthorization(PreAuthRef):
    """The desk's answer: approve until ``expires_on`` (optionally for a lower amount) or reject with a note."""

    decision: PreAuthDecision
    decided_by: Reference
    expires_on: date | None = None
    approved_amount: PositiveMoney | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.decision == PreAuthDecision.APPROVE and self.expires_on is None:
            raise FieldValueError("expires_on", "an approval says when it expires")
        if self.decision == PreAuthDecision.REJECT:
            if self.expires_on is not None or self.approved_amount is not None:
                raise FieldValueError("decision", "a rejection has no expiry date or approved amount")
            if self.note is None:
                raise FieldValueError("note", "a rejection says why")
        return self


class ConsumePreAuthorization(PreAuthRef):
    """Mark the pre-authorization as used by the claim for a repair done on ``repair_date``."""

    claim_id: UUID
    repair_date: date


class ReleasePreAuthorization(PreAuthRef):
    """Give an approval back when the claim that used it is withdrawn."""

    claim_id: UUID


class ExpirePreAuthorization(PreAuthRef):
    """Mark an unused approval as lapsed once its expiry date has passed."""


PreAuthCommand = (
    RequestPreAuthorization
    | DecidePreAuthorization
    | ConsumePreAuthorization
    | ReleasePreAuthorization
    | ExpirePreAuthorization
)
