"""Cancellation policy packs: a jurisdiction's refund parameters as data, each with its source and how sure it is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from claims.domain.base import Frozen
from claims.domain.contract.values import Requester


class SourceStatus(StrEnum):
    """How far a parameter is confirmed (DOMAIN.md's conventions)."""

    STATUTE_TEXT = "STATUTE_TEXT"  # read in the statute's text (a third-party copy of it)
    SECONDARY = "SECONDARY"  # read in a secondary summary of the statute, not the statute itself
    UNCONFIRMED = "UNCONFIRMED"  # in no stored source: an assumption to confirm before relying on it
    MARKET_PRACTICE = "MARKET_PRACTICE"  # contract samples, not law: illustrative


class Source(Frozen):
    """Where a parameter comes from: a short citation, how sure it is, and the stored copy that was read."""

    citation: str
    status: SourceStatus
    url: str | None = None

    def __str__(self) -> str:
        return f"{self.citation} [{self.status.value}]"


class ClaimsInFreeLook(StrEnum):
    """What a claim already paid does to a cancellation inside the free look."""

    DEDUCTED = "DEDUCTED"  # the whole price is refunded, less the claims paid
    ENDS_FREE_LOOK = "ENDS_FREE_LOOK"  # the free look is for contracts without claims: pro rata applies


class CancellationTerms(Frozen):
    """How a cancellation asked for by one party is refunded."""

    free_look: bool
    claims_in_free_look: ClaimsInFreeLook
    deduct_claims_pro_rata: bool
    fee: bool
    basis: Source


class FeeCap(Frozen):
    """The most a cancellation fee may be: an amount per currency and, where set, a share of the price, the lesser."""

    amounts: dict[str, Decimal]
    share_of_price: Decimal | None = Field(default=None, gt=0, le=1)
    basis: Source


class CancellationPolicy(Frozen):
    """A versioned cancellation pack. A released pack is never edited: new law or new numbers make a new version.

    ``jurisdiction`` None makes it the default for jurisdictions without a pack of their own. A contract
    keeps the pack in force on its sale date; its cancellation is refunded under that pack.
    """

    pack_id: str
    version: str
    title: str
    jurisdiction: str | None
    effective_from: date
    effective_to: date | None = None
    effective_basis: Source
    free_look_days: int = Field(ge=0)
    used_without_warranty_free_look_days: int | None = Field(default=None, ge=0)
    minimum_free_look_days: int = Field(ge=0)
    free_look_basis: Source
    holder: CancellationTerms
    provider: CancellationTerms
    fee_cap: FeeCap
    refund_due_days: int = Field(ge=1)
    late_penalty_per_month: Decimal | None = Field(default=None, gt=0, le=1)
    refund_due_basis: Source

    @property
    def label(self) -> str:
        return f"{self.pack_id} v{self.version}"

    def covers(self, jurisdiction: str) -> bool:
        return self.jurisdiction is None or self.jurisdiction == jurisdiction

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def terms(self, requester: Requester) -> CancellationTerms:
        return self.holder if requester == Requester.HOLDER else self.provider

    def default_free_look_days(self, used_without_manufacturer_warranty: bool) -> int:
        """The free look a contract gets when it states none."""
        if used_without_manufacturer_warranty and self.used_without_warranty_free_look_days is not None:
            return self.used_without_warranty_free_look_days
        return self.free_look_days

    def minimum_free_look(self, used_without_manufacturer_warranty: bool) -> int:
        """The shortest free look the law lets a contract state (longer ones are always allowed)."""
        return min(self.minimum_free_look_days, self.default_free_look_days(used_without_manufacturer_warranty))
