"""Service contracts sold on a vehicle are noted on it, once each, so a paid claim can find them."""

from __future__ import annotations

from uuid import uuid5

import pytest

from claims.domain.errors import NotFoundError
from claims.domain.ids import CONTRACT_NAMESPACE
from claims.domain.vehicle.commands import LinkServiceContract
from claims.domain.vehicle.events import ServiceContractLinked
from claims.domain.vehicle.state import ContractLink, evolve
from tests.builders import VIN, register_vehicle
from tests.scenario import given, when

CONTRACT_ID = uuid5(CONTRACT_NAMESPACE, "/insurers/INS-1/contracts/SC-1001")


def link(**overrides: object) -> LinkServiceContract:
    fields = {"identifier": VIN, "contract_id": CONTRACT_ID, "insurer_id": "INS-1", "contract_number": "SC-1001"}
    return LinkServiceContract.model_validate(fields | overrides)


def test_a_sold_contract_is_linked_on_the_vehicle_with_its_insurer_and_number() -> None:
    vehicle = given(register_vehicle())
    (event,) = when(vehicle, link())
    assert event == ServiceContractLinked(contract_id=CONTRACT_ID, insurer_id="INS-1", contract_number="SC-1001")
    assert evolve(vehicle, event).contracts == (
        ContractLink(contract_id=CONTRACT_ID, insurer_id="INS-1", contract_number="SC-1001"),
    )


def test_linking_the_same_contract_again_changes_nothing_and_other_contracts_add_up() -> None:
    vehicle = given(register_vehicle(), link())
    assert when(vehicle, link()) == []
    other = uuid5(CONTRACT_NAMESPACE, "/insurers/INS-2/contracts/X-9")
    after = given(register_vehicle(), link(), link(contract_id=other, insurer_id="INS-2", contract_number="X-9"))
    assert after is not None
    assert [c.contract_number for c in after.contracts] == ["SC-1001", "X-9"]


def test_a_contract_cannot_be_linked_on_an_unregistered_vehicle() -> None:
    with pytest.raises(NotFoundError):
        when(None, link())
