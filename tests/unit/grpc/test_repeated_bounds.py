"""A repeated field longer than its domain field may be is refused by count, before its items are converted; the
bound is the domain model's own ``max_length``, so the two cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from claims.adapters.grpc import claim_requests, contract_requests, repair_order_requests, vehicle_requests
from claims.adapters.grpc.mapping import max_length, refuse_too_many
from claims.api.v1 import claims_pb2
from claims.domain.claim.commands import ReturnClaim
from claims.domain.contract.commands import SellContract
from claims.domain.errors import InvalidCommandError
from claims.domain.repair_order.commands import RecordRepairWork
from claims.domain.vehicle.commands import AttachCoverage
from tests.e2e.contract_requests import sell_request
from tests.e2e.requests import CAUSAL_PART, coverage_request, work_request

GROUP = "COMPONENT_GROUP_ENGINE"
WEAR = {"part": "WEAR_PART_BRAKE_LININGS", "period": {"months": 12}}
PART = {"part_number": CAUSAL_PART, "quantity": 1}


def return_request(**fields: Any) -> claims_pb2.ReturnClaimRequest:
    base = {"request_id": "r-1", "dealer_id": "D042", "claim_number": "C-1001", "returned_by": "desk-7"}
    return claims_pb2.ReturnClaimRequest(**(base | fields))


CASES = [
    (vehicle_requests.attach_coverage, coverage_request, AttachCoverage, "component_groups", GROUP),
    (vehicle_requests.attach_coverage, coverage_request, AttachCoverage, "wear_parts", WEAR),
    (contract_requests.sell_contract, sell_request, SellContract, "component_groups", GROUP),
    (repair_order_requests.record_repair_work, work_request, RecordRepairWork, "parts_replaced", PART),
    (claim_requests.return_claim, return_request, ReturnClaim, "reasons", "photo missing"),
]


def refusal(convert: Callable[[Any], Any], request: Any) -> dict[str, str]:
    with pytest.raises(InvalidCommandError) as refused:
        convert(request)
    return {v.field: v.description for v in refused.value.violations}


@pytest.mark.parametrize(("convert", "make", "model", "name", "item"), CASES)
def test_one_item_past_the_domain_bound_and_twenty_thousand_are_refused_by_count(
    convert: Callable[[Any], Any], make: Callable[..., Any], model: type[BaseModel], name: str, item: Any
) -> None:
    # given the domain's bound on the field
    limit = max_length(model, name)
    # when one item more than it, or twenty thousand, are sent
    for count in (limit + 1, 20_000):
        # then the field alone is named, with the bound and the count
        assert refusal(convert, make(**{name: [item] * count})) == {name: f"at most {limit} items, got {count}"}


@pytest.mark.parametrize(("convert", "make", "model", "name", "item"), CASES)
def test_exactly_the_bound_passes_the_count(
    convert: Callable[[Any], Any], make: Callable[..., Any], model: type[BaseModel], name: str, item: Any
) -> None:
    # given exactly as many items as the domain allows
    request = make(**{name: [item] * max_length(model, name)})
    # when counted, then it is let through to the domain's own checks of what the items hold
    refuse_too_many(request, model, name)


def test_a_field_without_a_bound_is_a_programming_error() -> None:
    with pytest.raises(LookupError, match="sets no max_length"):
        max_length(AttachCoverage, "kind")


# Where the bound of each repeated request field is tested (beside the CASES above).
BOUNDS_TESTED_ELSEWHERE = {
    ("FileClaimRequest", "lines"): "tests/unit/grpc/test_claim_requests.py",
    ("ResubmitClaimRequest", "lines"): "the same conversion as FileClaimRequest's (_content)",
    ("EventFilter", "event_types"): "tests/unit/application/test_audit_filter.py",
}


def repeated_request_fields() -> set[tuple[str, str]]:
    """Every repeated field of every RPC's request, at any depth, by (message name, field name)."""
    from google.protobuf import descriptor_pool
    from google.protobuf.descriptor import Descriptor

    from claims.adapters.grpc.server import SERVICE_NAMES  # importing it loads every service's descriptors

    found: set[tuple[str, str]] = set()

    def walk(message: Descriptor, seen: frozenset[str]) -> None:
        for field in message.fields:
            if field.is_repeated:
                found.add((message.name, field.name))
            nested = field.message_type
            if nested is not None and nested.full_name not in seen and not nested.full_name.startswith("google."):
                walk(nested, seen | {nested.full_name})

    for name in SERVICE_NAMES:
        for method in descriptor_pool.Default().FindServiceByName(name).methods:
            walk(method.input_type, frozenset({method.input_type.full_name}))
    return found


def test_every_repeated_request_field_has_a_tested_bound() -> None:
    # given the repeated fields a client can fill, in every request of every service
    fields = repeated_request_fields()
    # when they are matched with the bounds tested here and elsewhere
    here = {(make().DESCRIPTOR.name, name) for _, make, _, name, _ in CASES}
    # then none is left without one (a new repeated field needs a bound and a test before it ships)
    assert fields - here - BOUNDS_TESTED_ELSEWHERE.keys() == set()
    assert BOUNDS_TESTED_ELSEWHERE.keys() <= fields
