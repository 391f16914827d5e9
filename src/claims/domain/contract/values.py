"""Service contract vocabulary: statuses, who cancels, which refund rule applied, refund lines and payees."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from claims.domain.base import Frozen


class ContractStatus(StrEnum):
    IN_FORCE = "IN_FORCE"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


class Requester(StrEnum):
    """Who asks for a cancellation: the holder (any time) or the provider (on the grounds its law allows)."""

    HOLDER = "HOLDER"
    PROVIDER = "PROVIDER"


class RefundRule(StrEnum):
    """Which rule set the refund: the whole price inside the free look, or the unused share after it."""

    FREE_LOOK = "FREE_LOOK"
    PRO_RATA = "PRO_RATA"


class ExpiryReason(StrEnum):
    """Which limit ended the contract: its last day passed, or the vehicle drove past its distance."""

    TIME = "TIME"
    DISTANCE = "DISTANCE"


class PayeeKind(StrEnum):
    HOLDER = "HOLDER"
    LIENHOLDER = "LIENHOLDER"


class Payee(Frozen):
    """Who receives a refund: the lienholder of a financed contract, else the holder."""

    kind: PayeeKind
    ref: str


class RefundLine(Frozen):
    """One line of a refund statement, as recorded.

    ``amount`` is signed (deductions are negative) and unrounded: only the final ``refund`` line is
    rounded, half-up to the currency's minor unit. The ``price`` line is informational; the lines
    between it and ``refund`` add up to the refund before rounding and the floor at zero.
    """

    label: str
    amount: Decimal
    explanation: str


class RefundLabel(StrEnum):
    """The labels of a refund statement, in the order its lines appear."""

    PRICE = "price"
    UNUSED_SHARE = "unused share"
    CLAIMS_PAID = "claims paid"
    CANCELLATION_FEE = "cancellation fee"
    REFUND = "refund"
