"""Changes of owner: coverages follow the vehicle; dates and odometer must be plausible."""

from __future__ import annotations

from datetime import date

import pytest

from claims.domain.errors import InvalidCommandError, PreconditionFailedError
from claims.domain.vehicle.events import OwnershipTransferred
from claims.domain.vehicle.state import evolve
from tests.builders import at, attach_coverage, mi, record_reading, register_vehicle, transfer
from tests.scenario import given, when


def test_a_transfer_names_both_owners_and_keeps_the_coverages() -> None:
    vehicle = given(register_vehicle(), attach_coverage())
    (event,) = when(vehicle, transfer())
    assert event == OwnershipTransferred(
        previous_owner_ref="CUST-1", new_owner_ref="CUST-2", transferred_on=date(2026, 6, 1), odometer=None
    )
    after = evolve(vehicle, event)
    assert (after.owner_ref, len(after.coverages), len(after.transfers)) == ("CUST-2", 1, 1)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"transferred_on": date(2025, 1, 11)}, "transferred_on"),  # before delivery
        ({"transferred_on": date(2027, 1, 1)}, "transferred_on"),  # in the future
        ({"new_owner_ref": "CUST-1"}, "new_owner_ref"),  # already the owner
    ],
)
def test_implausible_transfers_are_invalid(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidCommandError) as caught:
        when(given(register_vehicle()), transfer(**overrides))
    assert caught.value.violations[0].field == field


def test_a_transfer_cannot_predate_the_previous_one() -> None:
    vehicle = given(register_vehicle(), transfer(transferred_on=date(2026, 6, 1)))
    with pytest.raises(InvalidCommandError, match="transferred_on"):
        when(vehicle, transfer(new_owner_ref="CUST-3", transferred_on=date(2026, 5, 31)))


def test_an_odometer_at_transfer_below_an_earlier_reading_is_a_rollback() -> None:
    vehicle = given(register_vehicle(), record_reading(mi(9000), at(2026, 5, 1)))
    with pytest.raises(PreconditionFailedError):
        when(vehicle, transfer(odometer=mi(8000)))
