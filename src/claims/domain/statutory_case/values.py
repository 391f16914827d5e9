"""Values of a statutory case: the remedies a consumer may request and the states a request goes through."""

from __future__ import annotations

from enum import StrEnum

from claims.domain.statutory.pack import Remedy


class CaseRemedy(StrEnum):
    """What a consumer may request of the seller once a rule entitles it."""

    REPLACE = "REPLACE"
    REFUND = "REFUND"
    PRICE_REDUCTION = "PRICE_REDUCTION"
    TERMINATION = "TERMINATION"


# Which fired remedy entitles which request. Remedy.REPLACE (CN Art. 20) is a free replacement of the
# assembly, carried out on a repair order, not a vehicle replacement; REPAIR and COURTESY_CAR are not requests.
ENTITLED_BY: dict[Remedy, tuple[CaseRemedy, ...]] = {
    Remedy.REPLACE_OR_REFUND: (CaseRemedy.REPLACE, CaseRemedy.REFUND),
    Remedy.REFUND: (CaseRemedy.REFUND,),
    Remedy.PRICE_REDUCTION: (CaseRemedy.PRICE_REDUCTION,),
    Remedy.PRICE_REDUCTION_OR_TERMINATION: (CaseRemedy.PRICE_REDUCTION, CaseRemedy.TERMINATION),
}

# The vehicle leaves the consumer with these: once delivered, no further remedy can be requested.
FINAL_REMEDIES = (CaseRemedy.REPLACE, CaseRemedy.REFUND, CaseRemedy.TERMINATION)


class RemedyStatus(StrEnum):
    """Where a remedy request stands: requested, accepted (answered), delivered, or refused by the seller."""

    REQUESTED = "REQUESTED"
    ANSWERED = "ANSWERED"
    DELIVERED = "DELIVERED"
    REFUSED = "REFUSED"

    @property
    def is_open(self) -> bool:
        return self in (RemedyStatus.REQUESTED, RemedyStatus.ANSWERED)
