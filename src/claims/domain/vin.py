"""Vehicle identification numbers (ISO 3779) and product serial numbers."""

from __future__ import annotations

import re

VIN_PATTERN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
SERIAL_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,63}$")

_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8,
    "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
    "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
}  # fmt: skip
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_format_problem(vin: str) -> str | None:
    """Why ``vin`` is not a well-formed VIN, or None when it is."""
    if len(vin) != 17:
        return f"a VIN has 17 characters, got {len(vin)}"
    if any(c in "IOQ" for c in vin):
        return "a VIN never contains the letters I, O or Q"
    if not VIN_PATTERN.match(vin):
        return "a VIN has only capital letters and digits"
    return None


def vin_check_digit(vin: str) -> str:
    """The check digit (position 9) that North American and Chinese VINs must carry."""
    total = sum(_TRANSLITERATION[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def serial_format_problem(serial: str) -> str | None:
    """Why ``serial`` is not an acceptable product serial number, or None."""
    if not SERIAL_PATTERN.match(serial):
        return "a serial number has 3 to 64 capital letters, digits or dashes"
    return None
