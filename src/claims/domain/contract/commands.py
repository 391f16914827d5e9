"""What an insurer's systems ask of a service contract: sell, cancel, transfer, record a paid claim, expire."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Self
from uuid import UUID

from pydantic import AfterValidator, Field, model_validator

from claims.domain.base import Frozen
from claims.domain.contract.values import Requester
from claims.domain.errors import FieldValueError
from claims.domain.jurisdictions import JURISDICTIONS, JurisdictionCode
from claims.domain.preauth.commands import PositiveMoney
from claims.domain.values import MAX_PRICE, MAX_USAGE, Distance, Money, Reference, Text
from claims.domain.vehicle.commands import Identifier
from claims.domain.vehicle.coverage_terms import MAX_MONTHS, ComponentGroup
from claims.domain.vin import vin_check_digit, vin_format_problem

MAX_FREE_LOOK_DAYS = 366


def _non_negative(money: Money) -> Money:
    if not Decimal(0) <= money.amount <= MAX_PRICE:
        raise ValueError(f"an amount is zero or positive and at most {MAX_PRICE}")
    return money


NonNegativeMoney = Annotated[Money, AfterValidator(_non_negative)]


class ContractRef(Frozen):
    """The natural key every contract command names: the insurer (underwriter) and its contract number."""

    insurer_id: Reference
    contract_number: Reference


class SellContract(ContractRef):
    """Record the sale of a service contract on a vehicle.

    ``term_distance`` is the distance the contract covers from ``odometer_at_sale``. ``free_look_days``
    defaults to the jurisdiction pack's (``used_without_manufacturer_warranty`` picks its shorter one,
    where it has one). ``cancellation_fee`` is the fee the contract states; the pack caps it at
    cancellation, and without one the pack's maximum applies.
    """

    vin: Identifier
    holder_ref: Reference
    sold_on: date
    price: PositiveMoney
    term_months: int = Field(ge=1, le=MAX_MONTHS)
    term_distance: Distance
    odometer_at_sale: Distance
    deductible_per_visit: NonNegativeMoney
    component_groups: tuple[ComponentGroup, ...] = Field(min_length=1, max_length=len(ComponentGroup))
    jurisdiction: JurisdictionCode
    free_look_days: int | None = Field(default=None, ge=0, le=MAX_FREE_LOOK_DAYS)
    used_without_manufacturer_warranty: bool = False
    cancellation_fee: NonNegativeMoney | None = None
    lienholder_ref: Reference | None = None
    transferable: bool = False
    transfer_fee: NonNegativeMoney | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problem = vin_format_problem(self.vin)
        if problem is None and JURISDICTIONS[self.jurisdiction].vin_check_digit:
            expected = vin_check_digit(self.vin)
            if self.vin[8] != expected:
                problem = f"check digit (9th character) should be {expected} for a VIN used in {self.jurisdiction}"
        if problem:
            raise FieldValueError("vin", problem)
        if len(set(self.component_groups)) != len(self.component_groups):
            raise FieldValueError("component_groups", "a component group is listed twice")
        self._check_distances()
        self._check_moneys()
        return self

    def _check_distances(self) -> None:
        if self.term_distance.value <= 0:
            raise FieldValueError("term_distance.value", "a contract covers some distance")
        unit = self.odometer_at_sale.unit
        if self.term_distance.unit != unit:
            raise FieldValueError("term_distance.unit", f"the odometer at sale is in {unit}")
        if self.odometer_at_sale.value + self.term_distance.value > MAX_USAGE[unit]:
            raise FieldValueError("term_distance.value", f"the contract would end beyond {MAX_USAGE[unit]} {unit}")

    def _check_moneys(self) -> None:
        currency = self.price.currency
        for name in ("deductible_per_visit", "cancellation_fee", "transfer_fee"):
            value = getattr(self, name)
            if value is not None and value.currency != currency:
                raise FieldValueError(f"{name}.currency", f"the contract is priced in {currency}")
        if self.transfer_fee is not None and not self.transferable:
            raise FieldValueError("transfer_fee", "only a transferable contract has a transfer fee")


class CancelContract(ContractRef):
    """Cancel the contract on ``cancelled_on`` (the day the cancellation notice was received) at ``odometer``."""

    cancelled_on: date
    odometer: Distance
    requested_by: Requester
    reason: Text


class TransferContract(ContractRef):
    """Pass the contract to a new holder (a private buyer of the vehicle), where the contract allows it."""

    new_holder_ref: Reference
    transferred_on: date
    odometer: Distance


class RecordContractClaimPaid(ContractRef):
    """Record that a claim under the contract was paid, so cancellation refunds can deduct it."""

    claim_id: UUID
    amount: PositiveMoney
    paid_on: date


class ExpireContract(ContractRef):
    """End the contract as of ``on``: its last day has passed, or ``odometer`` is past its distance limit."""

    on: date
    odometer: Distance | None = None


ContractCommand = SellContract | CancelContract | TransferContract | RecordContractClaimPaid | ExpireContract

__all__ = [
    "CancelContract",
    "ContractCommand",
    "ContractRef",
    "ExpireContract",
    "NonNegativeMoney",
    "RecordContractClaimPaid",
    "SellContract",
    "TransferContract",
]
