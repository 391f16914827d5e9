"""What-if: the same facts under two packs, and the rules whose outcome differs. Writes nothing."""

from __future__ import annotations

from typing import Any

from claims.domain.base import Frozen
from claims.domain.statutory.facts import VehicleFacts
from claims.domain.statutory.pack import Outcome, RulePack, evaluate


class Difference(Frozen):
    """A rule that fires, or grants a remedy, differently under pack a and pack b (None: not in that pack)."""

    rule: str
    pack_a: str
    pack_b: str
    under_a: Outcome | None
    under_b: Outcome | None

    @property
    def summary(self) -> str:
        return f"{self.rule}: {_state(self.under_a)} under {self.pack_a}, {_state(self.under_b)} under {self.pack_b}"


def _state(outcome: Outcome | None) -> str:
    if outcome is None:
        return "absent"
    return f"fires ({outcome.remedy.value})" if outcome.fired else "does not fire"


def _same(a: Outcome | None, b: Outcome | None) -> bool:
    return a is not None and b is not None and (a.fired, a.remedy) == (b.fired, b.remedy)


def compare(facts: VehicleFacts, pack_a: RulePack[Any], pack_b: RulePack[Any]) -> list[Difference]:
    """Evaluate ``facts`` under both packs; list each rule whose firing or remedy differs, in pack a's order."""
    a = {o.rule: o for o in evaluate(pack_a, facts).outcomes}
    b = {o.rule: o for o in evaluate(pack_b, facts).outcomes}
    return [
        Difference(rule=rule, pack_a=pack_a.label, pack_b=pack_b.label, under_a=a.get(rule), under_b=b.get(rule))
        for rule in dict.fromkeys([*a, *b])
        if not _same(a.get(rule), b.get(rule))
    ]
