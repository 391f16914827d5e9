"""Claim requests → commands: an invalid field inside a line is named by its proto path."""

from __future__ import annotations

from typing import Any

import pytest

from claims.adapters.grpc import claim_requests
from claims.adapters.grpc.claim_lines import proto_path
from claims.domain.claim.commands import MAX_LINES
from claims.domain.claim.lines import LabourLine, OtherLine, PartLine, SubletLine
from claims.domain.errors import InvalidCommandError
from tests.e2e.requests import file_claim_request, labour_line, part_line, usd

SUBLET = {"line_no": 3, "sublet": {"description": "windscreen calibration", "amount": usd("80.00")}}
OTHER = {"line_no": 4, "other": {"kind": "OTHER_KIND_TOWING", "amount": usd("95.00")}}


def violations(**overrides: Any) -> dict[str, str]:
    with pytest.raises(InvalidCommandError) as caught:
        claim_requests.file_claim(file_claim_request(**overrides))
    return {v.field: v.description for v in caught.value.violations}


def test_each_oneof_member_becomes_its_domain_line() -> None:
    command = claim_requests.file_claim(file_claim_request(lines=[labour_line(), part_line(), SUBLET, OTHER]))
    assert [type(line) for line in command.lines] == [LabourLine, PartLine, SubletLine, OtherLine]
    assert command.lines[3].other_kind == "TOWING"  # type: ignore[union-attr]


def test_a_bad_field_inside_a_part_line_is_named_under_the_oneof_member() -> None:
    assert violations(lines=[labour_line(), part_line(quantity=-3)]) == {
        "lines[1].part.quantity": "Input should be greater than or equal to 1"
    }


def test_a_line_level_check_of_the_claim_is_named_under_the_oneof_member_too() -> None:
    wrong_currency = part_line(unit_price={"amount": "120.25", "currency": "EUR"})
    expected = {"lines[1].part.unit_price.currency": "the claim is in USD"}
    assert violations(lines=[labour_line(), wrong_currency]) == expected


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"line_no": 1, "other": {"kind": 7, "amount": usd("95.00")}}, "lines[0].other.kind"),
        ({"line_no": 0, "sublet": {"description": "x", "amount": usd("1.00")}}, "lines[0].line_no"),
        ({"line_no": 1}, "lines[0].item"),
    ],
    ids=["renamed field", "the line's own field", "no item"],
)
def test_other_line_paths(line: dict[str, Any], field: str) -> None:
    assert set(violations(lines=[line])) == {field}


def test_paths_outside_the_lines_are_left_alone() -> None:
    assert proto_path("header.odometer.value", ["part"]) == "header.odometer.value"
    assert proto_path("lines", ["part"]) == "lines"
    assert proto_path("lines[0].LABOUR.hours", ["labour"]) == "lines[0].labour.hours"


def test_a_claim_with_more_lines_than_a_version_may_carry_is_refused_before_its_lines_are_read() -> None:
    # given a claim with twenty thousand lines, one more than allowed at the boundary, and exactly the most allowed
    too_many = [labour_line(n) for n in range(1, 20_001)]
    one_too_many = [labour_line(n) for n in range(1, MAX_LINES + 2)]
    # when each is converted, then the over-long ones name the lines field and the count
    assert violations(lines=too_many) == {"lines": f"at most {MAX_LINES} items, got 20000"}
    assert violations(lines=one_too_many) == {"lines": f"at most {MAX_LINES} items, got 100"}
    # and the longest allowed claim is converted line by line
    allowed = claim_requests.file_claim(file_claim_request(lines=[labour_line(n) for n in range(1, MAX_LINES + 1)]))
    assert len(allowed.lines) == MAX_LINES == 99
