"""The shipped cancellation packs and the registry that picks the one in force for a sale.

Every number names its source and how sure it is (``Source.status``); DOMAIN.md §1b and §1e are the
research behind them. A released pack is never edited: corrections are new versions.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from claims.domain.contract.policy import (
    CancellationPolicy,
    CancellationTerms,
    ClaimsInFreeLook,
    FeeCap,
    Source,
    SourceStatus,
)
from claims.domain.errors import NotFoundError

# UNCONFIRMED: the stored texts do not give when these rules came into force. Packs start early enough
# for every contract the engine will see; replace with the enacted date in a new version once confirmed.
UNRESEARCHED_START = date(2000, 1, 1)

_TX_HOLDER = "https://codes.findlaw.com/tx/occupations-code/occ-sect-1304-1581/"
_TX_PROVIDER = "https://codes.findlaw.com/tx/occupations-code/occ-sect-1304-159/"


def _tx(citation: str, url: str = _TX_HOLDER) -> Source:
    return Source(citation=citation, status=SourceStatus.STATUTE_TEXT, url=url)


US_TX_2026_1 = CancellationPolicy(
    pack_id="sc-cancellation-us-tx",
    version="2026.1",
    title="Texas service contracts: holder cancellation (Occ. Code 1304.1581), provider cancellation (1304.159)",
    jurisdiction="US-TX",
    effective_from=UNRESEARCHED_START,
    effective_basis=Source(
        citation="in-force date of 1304.1581 not in the stored text", status=SourceStatus.UNCONFIRMED
    ),
    free_look_days=30,
    minimum_free_look_days=30,
    free_look_basis=_tx("Tex. Occ. Code 1304.1581(b): cancelled before the 31st day after purchase"),
    holder=CancellationTerms(
        free_look=True,
        claims_in_free_look=ClaimsInFreeLook.DEDUCTED,
        deduct_claims_pro_rata=True,
        fee=True,
        basis=_tx("Tex. Occ. Code 1304.1581(b), (c)"),
    ),
    provider=CancellationTerms(
        free_look=False,
        claims_in_free_look=ClaimsInFreeLook.DEDUCTED,
        deduct_claims_pro_rata=True,  # 1304.159(d) lets the provider waive the deduction: a pack variant would
        fee=False,
        basis=_tx("Tex. Occ. Code 1304.159(c)", _TX_PROVIDER),
    ),
    fee_cap=FeeCap(amounts={"USD": Decimal(50)}, basis=_tx("Tex. Occ. Code 1304.1581(c)(2)")),
    refund_due_days=45,
    late_penalty_per_month=Decimal("0.10"),
    # The 45 days are the holder's (1304.1581(e)); 1304.159 gives provider cancellations no deadline, so the
    # same is applied to them: UNCONFIRMED for provider cancellations.
    refund_due_basis=_tx("Tex. Occ. Code 1304.1581(e)"),
)

_CA_SUMMARY = "http://consumer-fraud-lawyer.com/id43.html"
_CA_INSURANCE = "https://self-law.org/code/ca/insurance-code/12825"

US_CA_2026_1 = CancellationPolicy(
    pack_id="sc-cancellation-us-ca",
    version="2026.1",
    title="California service contracts: Civ. Code 1794.41 (from a secondary summary), Ins. Code 12825",
    jurisdiction="US-CA",
    effective_from=UNRESEARCHED_START,
    effective_basis=Source(citation="in-force date of 1794.41 not in stored material", status=SourceStatus.UNCONFIRMED),
    free_look_days=60,
    used_without_warranty_free_look_days=30,
    minimum_free_look_days=60,
    # The summary counts the days from receipt of the contract; they are counted here from the sale date.
    free_look_basis=Source(
        citation="Cal. Civ. Code 1794.41 (summary): 60 days, 30 for a used vehicle without manufacturer's warranty",
        status=SourceStatus.SECONDARY,
        url=_CA_SUMMARY,
    ),
    holder=CancellationTerms(
        free_look=True,
        claims_in_free_look=ClaimsInFreeLook.ENDS_FREE_LOOK,  # the summary: "assuming no claim has been made"
        deduct_claims_pro_rata=True,  # UNCONFIRMED: the summary names no claims deduction after the free look
        fee=True,
        basis=Source(citation="Cal. Civ. Code 1794.41 (summary)", status=SourceStatus.SECONDARY, url=_CA_SUMMARY),
    ),
    provider=CancellationTerms(
        free_look=True,
        claims_in_free_look=ClaimsInFreeLook.ENDS_FREE_LOOK,
        deduct_claims_pro_rata=True,
        fee=False,  # UNCONFIRMED: 12825 names no fee
        basis=Source(citation="Cal. Ins. Code 12825(a)", status=SourceStatus.STATUTE_TEXT, url=_CA_INSURANCE),
    ),
    fee_cap=FeeCap(
        amounts={"USD": Decimal(25)},
        share_of_price=Decimal("0.10"),
        basis=Source(citation="Cal. Civ. Code 1794.41 (summary)", status=SourceStatus.SECONDARY, url=_CA_SUMMARY),
    ),
    # 30 days is what 12825(a)(2) and (b)(2) give the obligor's cancellations; stored material gives the
    # holder's cancellations no deadline.
    refund_due_days=30,
    refund_due_basis=Source(citation="Cal. Ins. Code 12825(a)(2)", status=SourceStatus.UNCONFIRMED, url=_CA_INSURANCE),
)


def _practice(example: str) -> Source:
    """Contract samples (DOMAIN.md §1e), not law."""
    return Source(citation=f"market practice: {example}", status=SourceStatus.MARKET_PRACTICE)


DEFAULT_2026_1 = CancellationPolicy(
    pack_id="sc-cancellation-default",
    version="2026.1",
    title="Market practice for jurisdictions without a pack of their own (illustrative, not law)",
    jurisdiction=None,
    effective_from=UNRESEARCHED_START,
    effective_basis=_practice("no law behind it"),
    free_look_days=30,
    minimum_free_look_days=0,
    free_look_basis=_practice("free look of 30 to 60 days"),
    holder=CancellationTerms(
        free_look=True,
        claims_in_free_look=ClaimsInFreeLook.ENDS_FREE_LOOK,  # samples: a full refund "if no claim has been filed"
        deduct_claims_pro_rata=True,
        fee=True,
        basis=_practice("full refund in the free look if no claim was paid"),
    ),
    provider=CancellationTerms(
        free_look=False,
        claims_in_free_look=ClaimsInFreeLook.DEDUCTED,
        deduct_claims_pro_rata=True,
        fee=False,
        basis=_practice("the unearned portion less claims paid"),
    ),
    # Other currencies need amounts of their own (a new version): none is guessed.
    fee_cap=FeeCap(amounts={"USD": Decimal(50)}, basis=_practice("a $50 fee")),
    refund_due_days=30,
    refund_due_basis=_practice("refund within 30 days"),
)

POLICIES: tuple[CancellationPolicy, ...] = (US_TX_2026_1, US_CA_2026_1, DEFAULT_2026_1)


def select_cancellation_policy(jurisdiction: str, sold_on: date) -> CancellationPolicy:
    """The pack for a contract sold in ``jurisdiction`` on ``sold_on``: the jurisdiction's own, else the default."""
    candidates = [p for p in POLICIES if p.covers(jurisdiction) and p.in_force_on(sold_on)]
    if not candidates:
        raise NotFoundError(
            f"no cancellation pack covers {jurisdiction} on {sold_on.isoformat()}",
            metadata={"jurisdiction": jurisdiction, "sold_on": sold_on.isoformat()},
        )
    return max(candidates, key=lambda p: (p.jurisdiction is not None, p.effective_from))


def cancellation_policy(pack_id: str, version: str) -> CancellationPolicy:
    """The pack a contract was sold under, by the id and version its sale recorded."""
    try:
        return next(p for p in POLICIES if (p.pack_id, p.version) == (pack_id, version))
    except StopIteration:
        raise LookupError(f"no cancellation pack {pack_id} v{version}") from None
