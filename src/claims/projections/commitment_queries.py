"""Queries over the commitment read models for the API: clocks by subject, dealer, commitment, status and due time,
keyset-paged; the subjects the clocks run on; the compensation ledger's entries and balances, filtered together.

``commitments.py`` keeps the tables (``rm_commitment_subjects``, ``rm_commitments``, ``rm_compensation``) and the
timer's queries; these read the same rows. Instants are compared as that module stores them: UTC ISO text with
microseconds on SQLite (text order is time order), ``timestamptz`` on PostgreSQL. Amounts are summed exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from claims.adapters.persistence.database import Database, Row, in_list
from claims.domain.errors import FieldViolation, InvalidCommandError
from claims.domain.values import Money
from claims.projections.columns import read_decimal, read_instant, stored_instant
from claims.projections.commitments import Clock, ClockStatus, Subject, subject_from_row

_CURSOR_SEPARATOR = "|"


def _requiredread_instant(value: datetime | str) -> datetime:
    moment = read_instant(value)
    assert moment is not None
    return moment


def _uuid(value: UUID | str | None) -> UUID | None:
    return None if value is None else UUID(str(value))


def _key(value: UUID | str | None) -> str | None:
    """A stored id as text (PostgreSQL gives ``UUID``, SQLite text)."""
    return None if value is None else str(value)


def _parse_cursor(after: str, parts: int, *, uuid_last: bool = False) -> list[str]:
    """The keys a cursor stands for, the instant normalised as stored; refuses anything this module did not issue."""
    try:
        values = after.split(_CURSOR_SEPARATOR)
        if len(values) != parts:
            raise ValueError("wrong number of keys")
        moment = datetime.fromisoformat(values[0])
        if moment.tzinfo is None:
            raise ValueError("naive instant")
        if uuid_last:
            values[-1] = str(UUID(values[-1]))
    except ValueError:
        raise InvalidCommandError([FieldViolation("page_token", "not a position in this list")]) from None
    return [stored_instant(moment), *values[1:]]


# --- subjects ------------------------------------------------------------------------------------


# --- clocks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockFilter:
    """Which clocks to list; ``None`` and empty values match everything.

    ``subject_id`` selects one subject's clocks (a claim, a repair order, a statutory case); ``vehicle_id`` every
    clock on a vehicle's subjects. ``due_after`` is inclusive, ``due_before`` exclusive.
    """

    subject_id: UUID | None = None
    vehicle_id: UUID | None = None
    dealer_id: str = ""
    commitment_code: str = ""
    status: ClockStatus | None = None
    due_after: datetime | None = None
    due_before: datetime | None = None
    manufacturer: str | None = None  # a desk's clocks: those on its make's vehicles (None: any)


@dataclass(frozen=True)
class ClockView:
    """A clock as the API shows it: the read model's clock, the vehicle's VIN, a running pause, what a breach owes."""

    clock: Clock
    vin: str | None
    paused_since: datetime | None
    compensation: Money | None
    cursor: str


_CLOCK_SELECT = (
    "SELECT c.commitment_code, c.subject_id, c.subject_kind, c.subject_ref, c.jurisdiction, c.vehicle_id,"
    " c.dealer_id, c.started_at, c.due_at, c.paused_seconds, c.paused_since, c.stopped_at, c.breached_at, c.status,"
    " c.consequence, c.amount, c.currency, c.last_position, v.subject_ref AS vin"
    " FROM rm_commitments c LEFT JOIN rm_commitment_subjects v"
    " ON v.subject_id = c.vehicle_id AND v.subject_kind = 'vehicle'"
)


def _clock_view(r: Row) -> ClockView:
    subject_id = _uuid(r["subject_id"])
    assert subject_id is not None
    started = _requiredread_instant(r["started_at"])
    clock = Clock(
        commitment_code=r["commitment_code"],
        subject_id=subject_id,
        subject_kind=r["subject_kind"],
        subject_ref=r["subject_ref"],
        jurisdiction=r["jurisdiction"],
        vehicle_id=_uuid(r["vehicle_id"]),
        dealer_id=r["dealer_id"],
        started_at=started,
        due_at=_requiredread_instant(r["due_at"]),
        paused_seconds=int(r["paused_seconds"]),
        stopped_at=read_instant(r["stopped_at"]),
        breached_at=read_instant(r["breached_at"]),
        status=ClockStatus(r["status"]),
        consequence=r["consequence"],
        last_position=int(r["last_position"]),
    )
    amount = r["amount"]
    compensation = None if amount is None else Money(amount=read_decimal(amount), currency=r["currency"])
    cursor = _CURSOR_SEPARATOR.join((stored_instant(started), clock.commitment_code, str(subject_id)))
    return ClockView(clock, r["vin"], read_instant(r["paused_since"]), compensation, cursor)


# --- compensation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFilter:
    """Which ledger entries to read; ``None`` and empty values match everything."""

    vehicle_id: UUID | None = None
    dealer_id: str = ""
    commitment_code: str = ""
    manufacturer: str | None = None  # a desk's entries: those on its make's vehicles (None: any)


@dataclass(frozen=True)
class LedgerEntry:
    """One booked compensation with the subject it arose on (``None`` when the read model does not know it)."""

    entry_id: str
    commitment_code: str
    source: str
    subject_id: UUID
    subject: Subject | None
    vehicle_id: UUID | None
    vin: str | None
    dealer_id: str | None
    owed: Money
    paid: Money
    owed_at: datetime
    explanation: str
    last_position: int
    cursor: str


@dataclass(frozen=True)
class LedgerBalance:
    """Owed and paid under one key in one currency; the key's fields not grouped by stay ``None``."""

    currency: str
    owed: Decimal
    paid: Decimal
    entries: int
    vehicle_id: UUID | None = None
    vin: str | None = None
    dealer_id: str | None = None
    commitment_code: str | None = None

    @property
    def outstanding(self) -> Decimal:
        return self.owed - self.paid


@dataclass(frozen=True)
class LedgerBalances:
    """The balances of the entries a filter matches: in all, per vehicle, per dealer and per commitment."""

    totals: list[LedgerBalance] = field(default_factory=list)
    by_vehicle: list[LedgerBalance] = field(default_factory=list)
    by_dealer: list[LedgerBalance] = field(default_factory=list)
    by_commitment: list[LedgerBalance] = field(default_factory=list)


_ENTRY_FROM = (
    " FROM rm_compensation e"
    " LEFT JOIN rm_commitment_subjects s ON s.subject_id = e.subject_id"
    " LEFT JOIN rm_commitment_subjects v ON v.subject_id = e.vehicle_id AND v.subject_kind = 'vehicle'"
)
_ENTRY_SELECT = (
    "SELECT e.entry_id, e.commitment_code, e.source, e.subject_id, e.vehicle_id, e.dealer_id, e.currency, e.owed,"
    " e.paid, e.owed_at, e.explanation, e.last_position, v.subject_ref AS vin, s.subject_kind, s.subject_ref,"
    " s.jurisdiction, s.product_class, s.vehicle_id AS subject_vehicle_id, s.dealer_id AS subject_dealer_id"
    f"{_ENTRY_FROM}"
)


def _entry(r: Row) -> LedgerEntry:
    subject_id = _uuid(r["subject_id"])
    assert subject_id is not None
    subject = None
    if r["subject_kind"] is not None:
        subject = Subject(
            subject_id=subject_id,
            kind=r["subject_kind"],
            ref=r["subject_ref"],
            jurisdiction=r["jurisdiction"],
            product_class=r["product_class"],
            vehicle_id=_uuid(r["subject_vehicle_id"]),
            dealer_id=r["subject_dealer_id"],
        )
    owed_at = _requiredread_instant(r["owed_at"])
    currency = r["currency"]
    return LedgerEntry(
        entry_id=r["entry_id"],
        commitment_code=r["commitment_code"],
        source=r["source"],
        subject_id=subject_id,
        subject=subject,
        vehicle_id=_uuid(r["vehicle_id"]),
        vin=r["vin"],
        dealer_id=r["dealer_id"],
        owed=Money(amount=read_decimal(r["owed"]), currency=currency),
        paid=Money(amount=read_decimal(r["paid"]), currency=currency),
        owed_at=owed_at,
        explanation=r["explanation"],
        last_position=int(r["last_position"]),
        cursor=_CURSOR_SEPARATOR.join((stored_instant(owed_at), r["entry_id"])),
    )


def _ledger_where(f: LedgerFilter, params: dict[str, Any]) -> list[str]:
    clauses: list[str] = []
    if f.vehicle_id is not None:
        clauses.append("e.vehicle_id = :vehicle_id")
        params["vehicle_id"] = str(f.vehicle_id)
    for column, value in (("dealer_id", f.dealer_id), ("commitment_code", f.commitment_code)):
        if value:
            clauses.append(f"e.{column} = :{column}")
            params[column] = value
    if f.manufacturer is not None:
        clauses.append(_OF_MANUFACTURER.format(column="e.vehicle_id"))
        params["manufacturer"] = f.manufacturer
    return clauses


_OF_MANUFACTURER = "{column} IN (SELECT vehicle_id FROM rm_vehicles WHERE manufacturer = :manufacturer)"


def _where(clauses: list[str]) -> str:
    return f" WHERE {' AND '.join(clauses)}" if clauses else ""


_Group = tuple[Any, ...]


def _grouped(rows: Iterable[tuple[_Group, str, Decimal, Decimal]]) -> list[tuple[_Group, str, Decimal, Decimal, int]]:
    """Sums per (group, currency), exactly, ordered by group and currency (a missing key sorts first)."""
    totals: dict[tuple[_Group, str], tuple[Decimal, Decimal, int]] = {}
    for group, currency, owed, paid in rows:
        so_far = totals.get((group, currency), (Decimal(0), Decimal(0), 0))
        totals[(group, currency)] = (so_far[0] + owed, so_far[1] + paid, so_far[2] + 1)
    ordered = sorted(totals.items(), key=lambda item: (tuple(str(k or "") for k in item[0][0]), item[0][1]))
    return [(group, currency, owed, paid, n) for (group, currency), (owed, paid, n) in ordered]


# --- the queries ---------------------------------------------------------------------------------


class CommitmentQueries:
    """What the API asks of the commitments and compensation read models."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def subject(self, subject_id: UUID, kind: str) -> Subject | None:
        """The subject of ``kind`` with this id as the commitments read model knows it; ``None``: not (yet)."""
        with self._db.read() as tx:
            rows = tx.rows(
                "SELECT subject_id, subject_kind, subject_ref, jurisdiction, product_class, vehicle_id, dealer_id"
                " FROM rm_commitment_subjects WHERE subject_id = :id AND subject_kind = :kind",
                {"id": str(subject_id), "kind": kind},
            )
        return subject_from_row(rows[0]) if rows else None

    def subjects_of_vehicle(self, vehicle_id: UUID, kind: str, limit: int) -> list[Subject]:
        """The subjects of ``kind`` on a vehicle (its repair orders, say), by dealer then reference."""
        with self._db.read() as tx:
            rows = tx.rows(
                "SELECT subject_id, subject_kind, subject_ref, jurisdiction, product_class, vehicle_id, dealer_id"
                " FROM rm_commitment_subjects WHERE vehicle_id = :vehicle AND subject_kind = :kind"
                " ORDER BY dealer_id, subject_ref LIMIT :limit",
                {"vehicle": str(vehicle_id), "kind": kind, "limit": limit},
            )
        return [subject_from_row(r) for r in rows]

    def clocks(self, f: ClockFilter, *, after: str, limit: int) -> list[ClockView]:
        """Clocks matching ``f`` in the order they started (then commitment, subject), after the cursor ``after``."""
        clauses: list[str] = []
        params: dict[str, Any] = {"limit": limit}
        for column, key in (("subject_id", f.subject_id), ("vehicle_id", f.vehicle_id)):
            if key is not None:
                clauses.append(f"c.{column} = :{column}")
                params[column] = str(key)
        for column, value in (("dealer_id", f.dealer_id), ("commitment_code", f.commitment_code)):
            if value:
                clauses.append(f"c.{column} = :{column}")
                params[column] = value
        if f.manufacturer is not None:
            clauses.append(_OF_MANUFACTURER.format(column="c.vehicle_id"))
            params["manufacturer"] = f.manufacturer
        if f.status is not None:
            clauses.append("c.status = :status")
            params["status"] = f.status.value
        if f.due_after is not None:
            clauses.append("c.due_at >= :due_after")
            params["due_after"] = stored_instant(f.due_after)
        if f.due_before is not None:
            clauses.append("c.due_at < :due_before")
            params["due_before"] = stored_instant(f.due_before)
        if after:
            clauses.append("(c.started_at, c.commitment_code, c.subject_id) > (:after_at, :after_code, :after_id)")
            params["after_at"], params["after_code"], params["after_id"] = _parse_cursor(after, 3, uuid_last=True)
        order = " ORDER BY c.started_at, c.commitment_code, c.subject_id LIMIT :limit"
        with self._db.read() as tx:
            rows = tx.rows(f"{_CLOCK_SELECT}{_where(clauses)}{order}", params)
        return [_clock_view(r) for r in rows]

    def clocks_of(self, subject_ids: Sequence[UUID]) -> list[ClockView]:
        """Every clock of these subjects (a page of claims, say) in one query, in the order they started."""
        if not subject_ids:
            return []
        placeholders, names = in_list("s", subject_ids)
        where = f" WHERE c.subject_id IN {placeholders}"
        with self._db.read() as tx:
            rows = tx.rows(f"{_CLOCK_SELECT}{where} ORDER BY c.started_at, c.commitment_code, c.subject_id", names)
        return [_clock_view(r) for r in rows]

    def compensation_entries(self, f: LedgerFilter, *, after: str, limit: int) -> list[LedgerEntry]:
        """Ledger entries matching ``f`` in the order they were booked (then by id), after the cursor ``after``."""
        params: dict[str, Any] = {"limit": limit}
        clauses = _ledger_where(f, params)
        if after:
            clauses.append("(e.owed_at, e.entry_id) > (:after_at, :after_id)")
            params["after_at"], params["after_id"] = _parse_cursor(after, 2)
        order = " ORDER BY e.owed_at, e.entry_id LIMIT :limit"
        with self._db.read() as tx:
            rows = tx.rows(f"{_ENTRY_SELECT}{_where(clauses)}{order}", params)
        return [_entry(r) for r in rows]

    def compensation_balances(self, f: LedgerFilter) -> LedgerBalances:
        """What the entries matching ``f`` add up to, per currency: in all, per vehicle, dealer and commitment."""
        params: dict[str, Any] = {}
        select = (
            "SELECT e.vehicle_id, v.subject_ref AS vin, e.dealer_id, e.commitment_code, e.currency, e.owed, e.paid"
            f"{_ENTRY_FROM}"
        )
        with self._db.read() as tx:
            rows = tx.rows(f"{select}{_where(_ledger_where(f, params))}", params)
        amounts = [(r, r["currency"], read_decimal(r["owed"]), read_decimal(r["paid"])) for r in rows]

        def by(*columns: str) -> list[tuple[_Group, str, Decimal, Decimal, int]]:
            keyed = []
            for r, currency, owed, paid in amounts:
                group = tuple(_key(r[c]) for c in columns)
                if columns and group[0] is None:
                    continue  # an entry booked to no vehicle (or no dealer) counts in the totals only
                keyed.append((group, currency, owed, paid))
            return _grouped(keyed)

        return LedgerBalances(
            totals=[LedgerBalance(c, o, p, n) for _, c, o, p, n in by()],
            by_vehicle=[
                LedgerBalance(c, o, p, n, vehicle_id=_uuid(g[0]), vin=g[1]) for g, c, o, p, n in by("vehicle_id", "vin")
            ],
            by_dealer=[LedgerBalance(c, o, p, n, dealer_id=g[0]) for g, c, o, p, n in by("dealer_id")],
            by_commitment=[LedgerBalance(c, o, p, n, commitment_code=g[0]) for g, c, o, p, n in by("commitment_code")],
        )
