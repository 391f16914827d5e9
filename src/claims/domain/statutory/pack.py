"""Rule packs: versioned parameters plus named pure rules, and ``evaluate``, which runs them into a trace."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Generic, TypeVar

from claims.domain.base import Frozen
from claims.domain.statutory.facts import VehicleFacts

# UNCONFIRMED: packs whose in-force start was not researched start here, early enough for every vehicle the
# engine will see. Replace with the enacted date when it is confirmed (a new pack version).
UNRESEARCHED_START = date(2000, 1, 1)


class Remedy(StrEnum):
    """What a fired rule entitles the consumer (or dealer) to."""

    REPAIR = "REPAIR"
    REPLACE = "REPLACE"
    REFUND = "REFUND"
    REPLACE_OR_REFUND = "REPLACE_OR_REFUND"
    PRICE_REDUCTION = "PRICE_REDUCTION"
    PRICE_REDUCTION_OR_TERMINATION = "PRICE_REDUCTION_OR_TERMINATION"
    COURTESY_CAR = "COURTESY_CAR"
    NONE = "NONE"


class Outcome(Frozen):
    """One rule's result with the facts it used, as text so auditors read them as recorded."""

    rule: str
    fired: bool
    remedy: Remedy
    facts: dict[str, str]
    explanation: str


def fired(rule: str, remedy: Remedy, explanation: str, **facts: str) -> Outcome:
    return Outcome(rule=rule, fired=True, remedy=remedy, facts=facts, explanation=explanation)


def not_fired(rule: str, explanation: str, **facts: str) -> Outcome:
    return Outcome(rule=rule, fired=False, remedy=Remedy.NONE, facts=facts, explanation=explanation)


class RuleTrace(Frozen):
    """Which pack ran, and every rule's outcome in the pack's order."""

    pack_id: str
    version: str
    outcomes: tuple[Outcome, ...]

    def outcome(self, rule: str) -> Outcome:
        """The outcome of the rule named ``rule``."""
        try:
            return next(o for o in self.outcomes if o.rule == rule)
        except StopIteration:
            raise KeyError(f"{self.pack_id} v{self.version} has no rule {rule!r}") from None

    @property
    def fired(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.fired)


class PackKind(StrEnum):
    """Whether a pack states the law or a manufacturer's own, more generous policy."""

    STATUTE = "STATUTE"
    MANUFACTURER_POLICY = "MANUFACTURER_POLICY"


P = TypeVar("P", bound=Frozen)


class RulePack(Frozen, Generic[P]):
    """A jurisdiction's rules as in force over a period: parameters as data, rules as named pure functions.

    A released pack is never edited: new law or new numbers make a new version. ``jurisdiction`` covers
    itself and its subdivisions ("EU" covers "EU-DE").
    """

    pack_id: str
    version: str
    title: str
    jurisdiction: str
    kind: PackKind = PackKind.STATUTE
    effective_from: date
    effective_to: date | None = None
    parameters: P
    rules: tuple[Callable[[VehicleFacts, P], Outcome], ...]

    @property
    def label(self) -> str:
        return f"{self.pack_id} v{self.version}"

    def covers(self, jurisdiction: str) -> bool:
        return jurisdiction == self.jurisdiction or jurisdiction.startswith(f"{self.jurisdiction}-")

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


def evaluate(pack: RulePack[P], facts: VehicleFacts) -> RuleTrace:
    """Run every rule of ``pack`` over ``facts``. Pure: the same facts and pack always give the same trace."""
    outcomes = []
    for rule in pack.rules:
        outcome = rule(facts, pack.parameters)
        if outcome.rule != rule.__name__:
            raise TypeError(f"rule {rule.__name__} reported its outcome as {outcome.rule!r}")
        outcomes.append(outcome)
    return RuleTrace(pack_id=pack.pack_id, version=pack.version, outcomes=tuple(outcomes))
