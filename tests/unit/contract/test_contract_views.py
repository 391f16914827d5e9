"""The insurer's contract read (days and distance left, in force or not) and the pack registry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claims.domain.contract.commands import ContractCommand
from claims.domain.contract.packs import (
    DEFAULT_2026_1,
    US_CA_2026_1,
    US_TX_2026_1,
    cancellation_policy,
    select_cancellation_policy,
)
from claims.domain.contract.policy import CancellationPolicy, SourceStatus
from claims.domain.contract.state import ServiceContract
from claims.domain.contract.views import Standing, remaining_coverage
from claims.domain.errors import InvalidCommandError, NotFoundError
from claims.domain.values import Distance, DistanceUnit
from tests.unit.contract.builders import cancel, day, expire, given, mi, sell_contract, transfer


def sold(*later: ContractCommand) -> ServiceContract:
    contract = given(sell_contract(transferable=True), *later)
    assert contract is not None
    return contract


def test_a_contract_in_force_shows_the_days_and_distance_it_has_left() -> None:
    view = remaining_coverage(sold(), day(913), mi(42_000))
    # 913 of 1,826 days and 70,000 of 100,000 mi left: the lesser share is 50 %.
    assert (view.standing, view.in_force) == (Standing.IN_FORCE, True)
    assert (view.days_remaining, view.term_days, view.distance_remaining) == (913, 1826, mi(70_000))
    assert view.unused_share == Decimal("0.5")


def test_without_a_reading_the_latest_one_the_contract_knows_is_used() -> None:
    view = remaining_coverage(sold(transfer()), day(250))
    assert (view.odometer, view.distance_remaining, view.holder_ref) == (mi(20_000), mi(92_000), "CUST-2")


@pytest.mark.parametrize(
    ("on", "odometer", "standing"),
    [
        (day(-1), mi(12_000), Standing.NOT_STARTED),
        (date(2030, 1, 14), mi(60_000), Standing.IN_FORCE),  # the last day
        (date(2030, 1, 15), mi(60_000), Standing.EXPIRED_BY_TIME),
        (day(800), mi(112_000), Standing.IN_FORCE),  # exactly at the limit
        (day(800), mi(112_001), Standing.EXPIRED_BY_DISTANCE),
    ],
)
def test_a_contract_is_in_force_through_its_last_day_and_up_to_its_distance_limit(
    on: date, odometer: Distance, standing: Standing
) -> None:
    assert remaining_coverage(sold(), on, odometer).standing == standing


def test_a_cancelled_contract_has_nothing_left_from_its_cancellation_on_but_was_in_force_before() -> None:
    contract = sold(cancel(day(400), mi(20_000)))
    after = remaining_coverage(contract, day(400), mi(20_000))
    assert (after.standing, after.days_remaining, after.distance_remaining.value, after.unused_share) == (
        Standing.CANCELLED,
        0,
        Decimal(0),
        Decimal(0),
    )
    assert remaining_coverage(contract, day(399), mi(19_900)).standing == Standing.IN_FORCE


def test_a_recorded_expiry_by_distance_holds_from_its_date() -> None:
    contract = sold(expire(day(1000), mi(112_500)))
    assert remaining_coverage(contract, day(1001), mi(112_600)).standing == Standing.EXPIRED_BY_DISTANCE


def test_a_reading_in_hours_cannot_be_evaluated_against_miles() -> None:
    with pytest.raises(InvalidCommandError):
        remaining_coverage(sold(), day(10), Distance(value=Decimal(100), unit=DistanceUnit.HOURS))


@pytest.mark.parametrize(
    ("jurisdiction", "pack"), [("US-TX", US_TX_2026_1), ("US-CA", US_CA_2026_1), ("US-NY", DEFAULT_2026_1)]
)
def test_the_registry_picks_the_jurisdictions_own_pack_else_the_default(
    jurisdiction: str, pack: CancellationPolicy
) -> None:
    assert select_cancellation_policy(jurisdiction, date(2026, 1, 1)) == pack


def test_no_pack_is_in_force_before_the_earliest_one_starts() -> None:
    with pytest.raises(NotFoundError):
        select_cancellation_policy("US-TX", date(1999, 12, 31))


def test_a_recorded_pack_is_found_by_id_and_version_and_an_unknown_one_is_not() -> None:
    assert cancellation_policy("sc-cancellation-us-ca", "2026.1") == US_CA_2026_1
    with pytest.raises(LookupError):
        cancellation_policy("sc-cancellation-us-ca", "1999.1")


def test_the_california_numbers_are_marked_as_from_a_secondary_summary() -> None:
    assert US_CA_2026_1.fee_cap.basis.status == SourceStatus.SECONDARY
    assert US_CA_2026_1.free_look_basis.status == SourceStatus.SECONDARY
    assert US_TX_2026_1.fee_cap.basis.status == SourceStatus.STATUTE_TEXT
    assert DEFAULT_2026_1.holder.basis.status == SourceStatus.MARKET_PRACTICE
