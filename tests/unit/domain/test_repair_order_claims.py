"""A repair order remembers which claim states which of its lines."""

from __future__ import annotations

import uuid

from claims.domain.context import DecisionContext
from claims.domain.repair_order.commands import LinkClaim, ReleaseClaim
from claims.domain.repair_order.decide import decide
from claims.domain.repair_order.events import RepairOrderClaimLinked, RepairOrderClaimReleased
from claims.domain.repair_order.state import evolve
from tests.unit.domain import claim_builders as cb

CTX = DecisionContext(now=cb.NOW)
REF = {"dealer_id": cb.DEALER, "ro_number": cb.RO_NUMBER}


def test_linking_records_the_lines_once_and_a_restatement_replaces_them() -> None:
    claim_id = uuid.uuid4()
    order = cb.repair_order()
    (linked,) = decide(order, LinkClaim(**REF, claim_id=claim_id, line_nos=(2, 1)), CTX)
    assert linked == RepairOrderClaimLinked(claim_id=claim_id, line_nos=(1, 2))
    order = evolve(order, linked)
    assert decide(order, LinkClaim(**REF, claim_id=claim_id, line_nos=(1, 2)), CTX) == []
    (restated,) = decide(order, LinkClaim(**REF, claim_id=claim_id, line_nos=(1,)), CTX)
    assert [c.line_nos for c in evolve(order, restated).claims] == [(1,)]


def test_releasing_forgets_the_claim_and_releasing_again_changes_nothing() -> None:
    claim_id = uuid.uuid4()
    order = evolve(cb.repair_order(), RepairOrderClaimLinked(claim_id=claim_id, line_nos=(1,)))
    (released,) = decide(order, ReleaseClaim(**REF, claim_id=claim_id), CTX)
    assert released == RepairOrderClaimReleased(claim_id=claim_id)
    assert decide(evolve(order, released), ReleaseClaim(**REF, claim_id=claim_id), CTX) == []
