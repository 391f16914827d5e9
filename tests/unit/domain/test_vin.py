"""VIN format and ISO 3779 check digit."""

from __future__ import annotations

import pytest

from claims.domain.vin import serial_format_problem, vin_check_digit, vin_format_problem


def test_the_iso_3779_worked_example_has_check_digit_x() -> None:
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"


@pytest.mark.parametrize(
    ("vin", "problem"),
    [
        ("1M8GDM9AXKP04278", "a VIN has 17 characters, got 16"),
        ("1M8GDM9AXKP0427888", "a VIN has 17 characters, got 18"),
        ("1M8GDM9AXKP04278I", "a VIN never contains the letters I, O or Q"),
        ("1M8GDM9AXKP04278O", "a VIN never contains the letters I, O or Q"),
        ("1M8GDM9AXKP04278Q", "a VIN never contains the letters I, O or Q"),
        ("1m8gdm9axkp042788", "a VIN has only capital letters and digits"),
        ("1M8GDM9AXKP04278-", "a VIN has only capital letters and digits"),
    ],
)
def test_malformed_vins_are_named(vin: str, problem: str) -> None:
    assert vin_format_problem(vin) == problem


def test_a_well_formed_vin_has_no_problem() -> None:
    assert vin_format_problem("1M8GDM9AXKP042788") is None


@pytest.mark.parametrize(
    ("serial", "ok"), [("SN-0001", True), ("AB", False), ("ab-1", False), ("X" * 64, True), ("X" * 65, False)]
)
def test_serial_numbers(serial: str, ok: bool) -> None:
    assert (serial_format_problem(serial) is None) is ok
