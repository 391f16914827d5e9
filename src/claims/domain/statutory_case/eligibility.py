"""Eligibility: run the pack on the case's facts and record a determination only when the fired rules change."""

from __future__ import annotations

from claims.domain.statutory.pack import Outcome, Remedy, RuleTrace, evaluate
from claims.domain.statutory_case.context import CaseContext
from claims.domain.statutory_case.events import EligibilityDetermined
from claims.domain.statutory_case.facts import facts_now
from claims.domain.statutory_case.state import Determination, StatutoryCase
from claims.domain.statutory_case.values import ENTITLED_BY, CaseRemedy


def entitled(trace: RuleTrace) -> tuple[Remedy, ...]:
    """The remedies the fired rules grant, each once, in the pack's order (findings without a remedy left out)."""
    return tuple(dict.fromkeys(o.remedy for o in trace.fired if o.remedy != Remedy.NONE))


def determine(case: StatutoryCase, ctx: CaseContext) -> list[EligibilityDetermined]:
    """A determination when the set of fired rules differs from the last one recorded (none fired before any)."""
    facts = facts_now(ctx, case)
    trace = evaluate(ctx.pack, facts)
    rules_fired = tuple(o.rule for o in trace.fired)
    if frozenset(rules_fired) == case.rules_fired:
        return []
    return [
        EligibilityDetermined(
            as_of=facts.as_of,
            pack_id=ctx.pack.pack_id,
            pack_version=ctx.pack.version,
            trace=trace,
            entitled=entitled(trace),
            rules_fired=rules_fired,
        )
    ]


def entitling_outcome(determination: Determination | None, remedy: CaseRemedy) -> Outcome | None:
    """The first fired outcome, in the pack's order, whose remedy entitles the consumer to request ``remedy``.

    The pack's order puts the free grounds (CN Art. 22, 23) before Art. 24's, so a request relies on the
    ground most favourable to the consumer.
    """
    if determination is None:
        return None
    return next((o for o in determination.trace.fired if remedy in ENTITLED_BY.get(o.remedy, ())), None)
