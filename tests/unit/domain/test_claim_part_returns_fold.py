"""Folding part returns: each receipt or inspection changes the returns of its line only (all of them, were a
history to hold two for one line), the state reads back from JSON equal, and a fold no longer walks every
return per event."""

from __future__ import annotations

from claims.domain.claim.events import ClaimEvent, PartInspected, PartReceived, PartReturnRequested
from claims.domain.claim.state import Claim, PartReturn, evolve
from tests.unit.domain.claim_builders import at, claim_filed, file_claim, given, labour, part


def returns_requested(lines: range) -> list[ClaimEvent]:
    return [PartReturnRequested(line_no=n, part_number=f"P-{n}", requested_at=at(2026, 3, 20)) for n in lines]


def test_a_receipt_and_an_inspection_change_only_the_returns_of_their_line() -> None:
    # given returns asked for lines 1..3, and (a history written around the one-per-line rule) line 2 twice
    history: list[ClaimEvent] = [
        claim_filed(file_claim(lines=(labour(), part()))),
        *returns_requested(range(1, 4)),
        PartReturnRequested(line_no=2, part_number="P-2b", requested_at=at(2026, 3, 21)),
    ]
    # when line 2's part is received and inspected
    claim = given(
        *history,
        PartReceived(line_no=2, received_at=at(2026, 3, 25)),
        PartInspected(line_no=2, finding="no fault", inspected_by="lab", inspected_at=at(2026, 3, 26)),
    )
    # then both returns of line 2 show it, the others are as requested
    assert [(p.line_no, p.received_at, p.finding) for p in claim.part_returns] == [
        (1, None, None),
        (2, at(2026, 3, 25), "no fault"),
        (3, None, None),
        (2, at(2026, 3, 25), "no fault"),
    ]
    assert claim.part_return_lines == (1, 2, 3, 2)
    # and the state reads back from its JSON (what a snapshot stores) equal, with its lines found again
    assert "part_return_lines" not in claim.model_dump(mode="json")
    assert Claim.model_validate_json(claim.model_dump_json()) == claim
    # and a receipt for a line with no return changes nothing
    assert evolve(claim, PartReceived(line_no=9, received_at=at(2026, 4, 1))) == claim


def test_a_claim_built_with_part_returns_finds_their_lines() -> None:
    filed = given(claim_filed(file_claim()))
    fields = {**filed.model_dump(exclude={"part_returns"}), "part_returns": (
        PartReturn(line_no=4, part_number="P-4", requested_at=at(2026, 3, 20)),
    )}  # fmt: skip
    built = Claim(**fields)
    assert built.part_return_lines == (4,)
    received = evolve(built, PartReceived(line_no=4, received_at=at(2026, 3, 25)))
    assert received.part_returns[0].received_at == at(2026, 3, 25)


def test_many_part_returns_fold_to_each_line_received_and_inspected() -> None:
    many = 400
    history: list[ClaimEvent] = [claim_filed(file_claim()), *returns_requested(range(1, many + 1))]
    history += [PartReceived(line_no=n, received_at=at(2026, 3, 25)) for n in range(1, many + 1)]
    history += [
        PartInspected(line_no=n, finding=f"f{n}", inspected_by="lab", inspected_at=at(2026, 3, 26))
        for n in range(many, 0, -1)
    ]
    claim = given(*history)
    assert [(p.line_no, p.finding) for p in claim.part_returns] == [(n, f"f{n}") for n in range(1, many + 1)]
    assert all(p.received_at == at(2026, 3, 25) for p in claim.part_returns)
