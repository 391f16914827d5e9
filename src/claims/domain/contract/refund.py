"""The cancellation refund: small named rules over a pack and a contract, assembled into an explained statement."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, localcontext

from claims.domain.base import Frozen
from claims.domain.claim.lines import money
from claims.domain.contract.display import EXACT, minor_unit, shown_amount, shown_share
from claims.domain.contract.policy import CancellationPolicy, CancellationTerms, ClaimsInFreeLook
from claims.domain.contract.share import unused_share
from claims.domain.contract.state import ServiceContract
from claims.domain.contract.values import Payee, PayeeKind, RefundLabel, RefundLine, RefundRule, Requester
from claims.domain.values import Distance, Money


class Refund(Frozen):
    """A cancellation's refund: the rule that applied, the statement, and whom it is owed to by when."""

    rule: RefundRule
    unused_share: Decimal
    lines: tuple[RefundLine, ...]
    refund: Money
    payee: Payee
    refund_due_on: date


def refund_rule(
    terms: CancellationTerms, requester: Requester, contract: ServiceContract, cancelled_on: date
) -> tuple[RefundRule, str]:
    """Free look when the requester has one, the day is inside it and no paid claim ends it; pro rata otherwise."""
    days = (cancelled_on - contract.sold_on).days
    when, free_look = f"cancelled {days} days after the sale", f"{contract.free_look_days}-day free look"
    if not terms.free_look:
        return RefundRule.PRO_RATA, f"{when}; a {_party(requester)} is refunded pro rata ({terms.basis})"
    if days > contract.free_look_days:
        return RefundRule.PRO_RATA, f"{when}, after the {free_look}"
    if contract.claims and terms.claims_in_free_look == ClaimsInFreeLook.ENDS_FREE_LOOK:
        return RefundRule.PRO_RATA, f"{when}, inside the {free_look}, but a paid claim ends it ({terms.basis})"
    return RefundRule.FREE_LOOK, f"{when}, inside the {free_look}"


def _party(requester: Requester) -> str:
    return f"{requester.value.lower()}'s cancellation"


def maximum_fee(policy: CancellationPolicy, price: Money) -> tuple[Decimal, str]:
    """The most the pack lets a contract charge: its amount cap and, where it has one, a share of the price."""
    cap = policy.fee_cap.amounts[price.currency]
    share = policy.fee_cap.share_of_price
    if share is None:
        return cap, f"at most {shown_amount(cap, price.currency)}"
    of_price = price.amount * share
    limit = min(cap, of_price)
    return limit, (
        f"the lesser of {shown_share(share)} of the price ({shown_amount(of_price, price.currency)}) and "
        f"{shown_amount(cap, price.currency)}: {shown_amount(limit, price.currency)}"
    )


def cancellation_fee(
    policy: CancellationPolicy, requester: Requester, contract: ServiceContract, rule: RefundRule
) -> RefundLine:
    """No fee inside the free look or where the requester's terms allow none; else the contract's, capped."""
    currency = contract.currency
    if rule == RefundRule.FREE_LOOK:
        return RefundLine(label=RefundLabel.CANCELLATION_FEE, amount=Decimal(0), explanation="no fee in the free look")
    terms = policy.terms(requester)
    if not terms.fee:
        explanation = f"no fee on a {_party(requester)} ({terms.basis})"
        return RefundLine(label=RefundLabel.CANCELLATION_FEE, amount=Decimal(0), explanation=explanation)
    limit, why = maximum_fee(policy, contract.price)
    stated = contract.cancellation_fee
    if stated is None:
        fee, how = limit, f"the contract states no fee, so the most allowed: {why}"
    elif stated.amount <= limit:
        fee, how = stated.amount, f"the contract's fee {shown_amount(stated.amount, currency)}, within the cap ({why})"
    else:
        fee, how = limit, f"the contract's fee {shown_amount(stated.amount, currency)} capped: {why}"
    explanation = f"{how} ({policy.fee_cap.basis})"
    return RefundLine(label=RefundLabel.CANCELLATION_FEE, amount=Decimal(0) - fee, explanation=explanation)


def claims_deduction(terms: CancellationTerms, contract: ServiceContract, rule: RefundRule) -> RefundLine:
    """Claims the contract paid, deducted where the requester's terms deduct them under the rule that applied."""
    paid = contract.claims_paid
    if not contract.claims:
        return RefundLine(label=RefundLabel.CLAIMS_PAID, amount=Decimal(0), explanation="no claim has been paid")
    summary = f"{len(contract.claims)} claim(s) paid, {shown_amount(paid.amount, paid.currency)} in all"
    deducted = (
        terms.claims_in_free_look == ClaimsInFreeLook.DEDUCTED
        if rule == RefundRule.FREE_LOOK
        else terms.deduct_claims_pro_rata
    )
    if not deducted:
        explanation = f"{summary}, not deducted ({terms.basis})"
        return RefundLine(label=RefundLabel.CLAIMS_PAID, amount=Decimal(0), explanation=explanation)
    return RefundLine(
        label=RefundLabel.CLAIMS_PAID, amount=Decimal(0) - paid.amount, explanation=f"{summary}, deducted"
    )


def refund_payee(contract: ServiceContract) -> Payee:
    """The lienholder of a financed contract, else the holder."""
    if contract.lienholder_ref is not None:
        return Payee(kind=PayeeKind.LIENHOLDER, ref=contract.lienholder_ref)
    return Payee(kind=PayeeKind.HOLDER, ref=contract.holder_ref)


def refund_due_on(policy: CancellationPolicy, cancelled_on: date) -> date:
    """The last day to pay the refund without the pack's penalty, counted from the notice."""
    return cancelled_on + timedelta(days=policy.refund_due_days)


def refund_statement(
    policy: CancellationPolicy, contract: ServiceContract, requester: Requester, cancelled_on: date, odometer: Distance
) -> Refund:
    """Price, unused share, claims paid, fee and refund; the refund alone is rounded (half-up) and floored at zero."""
    terms = policy.terms(requester)
    rule, why = refund_rule(terms, requester, contract, cancelled_on)
    if rule == RefundRule.FREE_LOOK:
        share, how = Decimal(1), f"{why}: the whole price ({policy.free_look_basis})"
    else:
        left = unused_share(contract, cancelled_on, odometer)
        share, how = left.share, f"{why}: {left.explain()} of the price"
    with localcontext(EXACT):
        unused = contract.price.amount * share
    lines = (
        RefundLine(label=RefundLabel.PRICE, amount=contract.price.amount, explanation=f"paid on {contract.sold_on}"),
        RefundLine(label=RefundLabel.UNUSED_SHARE, amount=unused, explanation=how),
        claims_deduction(terms, contract, rule),
        cancellation_fee(policy, requester, contract, rule),
    )
    payee, due_on = refund_payee(contract), refund_due_on(policy, cancelled_on)
    last = refund_line(policy, lines[1:], contract.currency, payee, due_on)
    refund = Money(amount=last.amount, currency=contract.currency)
    return Refund(rule=rule, unused_share=share, lines=(*lines, last), refund=refund, payee=payee, refund_due_on=due_on)


def refund_line(
    policy: CancellationPolicy, summed: tuple[RefundLine, ...], currency: str, payee: Payee, due_on: date
) -> RefundLine:
    """The sum of the unused share, claims and fee, floored at zero and rounded half-up once, here at the end."""
    with localcontext(EXACT):
        total = sum((line.amount for line in summed), Decimal(0))
    refund = money(max(total, Decimal(0)), currency)
    head, *rest = summed
    signed = " ".join(f"{'−' if r.amount < 0 else '+'} {shown_amount(abs(r.amount), currency)}" for r in rest)
    if total < 0:
        settled = "below zero, so nothing is refunded (a refund is never negative)"
    else:
        settled = f"rounded half-up to {minor_unit(currency)} {currency}: {shown_amount(refund.amount, currency)}"
    penalty = policy.late_penalty_per_month
    late = f", then {shown_share(penalty)} of the amount outstanding a month" if penalty is not None else ""
    explanation = (
        f"{shown_amount(head.amount, currency)} {signed} = {shown_amount(total, currency)}, {settled}; "
        f"to the {payee.kind.value.lower()} {payee.ref} by {due_on.isoformat()}{late} ({policy.refund_due_basis})"
    )
    return RefundLine(label=RefundLabel.REFUND, amount=refund.amount, explanation=explanation)
