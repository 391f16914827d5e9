"""The details an error answer carries are bounded, however many problems the request had."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2

from claims.adapters.grpc.status import DETAIL_ENTRIES, status_for
from claims.domain.errors import FieldViolation, InvalidCommandError


def test_a_request_with_thousands_of_bad_lines_is_answered_with_the_first_sixteen() -> None:
    # given a refusal naming twenty thousand invalid lines
    error = InvalidCommandError([FieldViolation(f"lines[{i}].part.quantity", "must be > 0") for i in range(20_000)])
    # when it becomes a status
    status = status_for(error, grpc.StatusCode.INVALID_ARGUMENT)
    # then its BadRequest keeps the first DETAIL_ENTRIES violations, in order
    bad = error_details_pb2.BadRequest()
    assert status.details[1].Unpack(bad)
    assert DETAIL_ENTRIES == 16
    assert [v.field for v in bad.field_violations] == [f"lines[{i}].part.quantity" for i in range(16)]


def test_a_request_with_a_few_bad_fields_names_each_of_them() -> None:
    # given a refusal naming two fields
    error = InvalidCommandError([FieldViolation("vin", "required"), FieldViolation("odometer", "must not be negative")])
    # when it becomes a status
    status = status_for(error, grpc.StatusCode.INVALID_ARGUMENT)
    # then both are named with their reasons
    bad = error_details_pb2.BadRequest()
    assert status.details[1].Unpack(bad)
    assert [(v.field, v.description) for v in bad.field_violations] == [
        ("vin", "required"),
        ("odometer", "must not be negative"),
    ]
