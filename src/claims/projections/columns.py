"""How read-model values are written and read back alike on SQLite (text) and PostgreSQL (typed columns)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal


def stored_instant(moment: datetime) -> str:
    """An instant as fixed-width UTC ISO text: SQLite compares it as text, so text order must be time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def read_instant(value: datetime | str | None) -> datetime | None:
    """PostgreSQL gives a ``datetime``, SQLite the text stored: an aware UTC instant either way."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.astimezone(UTC)


def read_decimal(value: Decimal | str) -> Decimal:
    """PostgreSQL gives a ``Decimal``, SQLite the text stored."""
    return Decimal(str(value))


def decimal_text(value: Decimal | str) -> str:
    """A stored amount in plain notation, whichever store it came from."""
    return format(read_decimal(value), "f")


def row_values(row: Mapping[str, object], columns: Iterable[str]) -> tuple[object, ...]:
    """A row kept by column name as a tuple in ``columns``' order (what ``Transaction.insert_rows`` takes)."""
    return tuple(row[c] for c in columns)
