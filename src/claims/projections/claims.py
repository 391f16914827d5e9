"""Read model: one row per claim with its status and totals (table rm_claims), listed by dealer, VIN or status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from claims.adapters.persistence.database import Database, Row, Transaction
from claims.application.messages import RecordedEvent
from claims.domain.claim.events import (
    ChargebackIssued,
    ClaimAppealed,
    ClaimDecided,
    ClaimDeemedApproved,
    ClaimFiled,
    ClaimLineDecided,
    ClaimPaid,
    ClaimResubmitted,
    ClaimReturned,
    ClaimWithdrawn,
    DeductionApplied,
    PartInspected,
    PartReceived,
    PartReturnRequested,
)
from claims.domain.claim.lines import money, zero
from claims.domain.claim.values import ClaimStatus
from claims.domain.errors import FieldViolation, InvalidCommandError
from claims.domain.values import Money
from claims.projections.columns import decimal_text, read_decimal, row_values, stored_instant
from claims.projections.runner import topics_of

_CURSOR_SEPARATOR = "|"


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _amount(value: Money) -> str:
    return str(value.amount)


# rm_claims' columns in insert order, each with its PostgreSQL type (insert_rows).
_ROW_COLUMNS = {
    "claim_id": "uuid", "dealer_id": "text", "claim_number": "text", "claim_type": "text", "vin": "text",
    "vehicle_id": "uuid", "ro_number": "text", "status": "text", "currency": "text", "claimed_total": "numeric",
    "approved_total": "numeric", "paid_total": "numeric", "deducted_total": "numeric",
    "charged_back_total": "numeric", "filed_at": "timestamptz", "last_received_at": "timestamptz",
    "decision_due_on": "date", "decided_at": "timestamptz", "paid_at": "timestamptz", "version_count": "integer",
    "version": "bigint", "last_position": "bigint",
}  # fmt: skip


@dataclass(frozen=True)
class _Change:
    """What an event does to its claim's row: columns set, an amount added to a total, a version counted."""

    sets: dict[str, object] = field(default_factory=dict)
    adds: tuple[str, Money] | None = None
    new_version: bool = False


def _change(event: object) -> _Change | None:
    """The change ``event`` makes to its claim's row (None: it does not touch the row). One table of effects for
    both paths: a statement on a written row, or the fold of a row filed in the same batch."""
    match event:
        case ClaimResubmitted(version=version):
            return _Change({
                "status": version.routed_to.value, "claimed_total": _amount(version.totals.total),
                "approved_total": _amount(zero(version.totals.total.currency)), "decided_at": None,
                "last_received_at": stored_instant(version.received_at),
                "decision_due_on": _day(version.decision_due_on),
            }, new_version=True)  # fmt: skip
        case ClaimDecided() as e:
            return _Change({
                "status": e.outcome.value, "approved_total": _amount(e.approved_total),
                "decided_at": stored_instant(e.decided_at),
            })  # fmt: skip
        case ClaimDeemedApproved() as e:  # approved by law as of the moment its decision clock ran out
            return _Change({
                "status": ClaimStatus.APPROVED.value, "approved_total": _amount(e.approved_total),
                "decided_at": stored_instant(e.due_at),
            })  # fmt: skip
        case ClaimReturned():
            return _Change({"status": ClaimStatus.RETURNED.value})
        case ClaimAppealed():  # only a rejection is appealed: nothing was approved, and the rejection no longer stands
            return _Change({"status": ClaimStatus.UNDER_REVIEW.value, "decided_at": None})
        case ClaimWithdrawn():
            return _Change({"status": ClaimStatus.WITHDRAWN.value})
        case ClaimPaid() as e:
            return _Change({
                "status": ClaimStatus.PAID.value, "paid_total": _amount(e.total), "paid_at": stored_instant(e.paid_at),
            })  # fmt: skip
        case DeductionApplied() as e:
            return _Change(adds=("deducted_total", e.amount))
        case ChargebackIssued() as e:
            return _Change(adds=("charged_back_total", e.amount))
        case ClaimLineDecided() | PartReturnRequested() | PartReceived() | PartInspected():
            return _Change()
        case _:
            return None


def _added(so_far: Decimal | str, amount: Money) -> str:
    # Decimal sums in Python: SQLite keeps amounts as text, and SQL arithmetic on them would go through floats.
    return _amount(money(read_decimal(so_far) + amount.amount, amount.currency))


class ClaimProjection:
    """Keeps rm_claims in step with claim events."""

    name = "claims"
    tables = ("rm_claims",)  # what a rebuild copies, compares and replaces
    topics = topics_of(
        ClaimFiled, ClaimResubmitted, ClaimDecided, ClaimDeemedApproved, ClaimReturned, ClaimAppealed, ClaimWithdrawn,
        ClaimPaid, DeductionApplied, ChargebackIssued, ClaimLineDecided, PartReturnRequested, PartReceived,
        PartInspected,
    )  # fmt: skip

    def handle(self, tx: Transaction, event: RecordedEvent) -> None:
        self.handle_batch(tx, [event])

    def handle_batch(self, tx: Transaction, events: Sequence[RecordedEvent]) -> None:
        """A claim filed in this batch is folded in Python and inserted once, as it stands at the batch's end (one
        bulk insert for the batch); the events of a claim filed earlier are each one statement on its row."""
        fresh: dict[UUID, dict[str, Any]] = {}  # filed in this batch, by claim: the row as it stands
        for event in events:
            if isinstance(event.event, ClaimFiled):
                fresh[event.stream_id] = _filed(event, event.event)
                continue
            change = _change(event.event)
            if change is None:
                continue
            row = fresh.get(event.stream_id)
            if row is None:
                self._apply(tx, event, change)
                continue
            row.update(change.sets)
            if change.adds is not None:
                column, amount = change.adds
                row[column] = _added(row[column], amount)
            if change.new_version:
                row["version_count"] += 1
            row["version"], row["last_position"] = event.version, event.position
        tx.insert_rows("rm_claims", _ROW_COLUMNS, [row_values(r, _ROW_COLUMNS) for r in fresh.values()])

    @staticmethod
    def _apply(tx: Transaction, event: RecordedEvent, change: _Change) -> None:
        """``change`` as one statement on a row already written (and a read first when it adds to a total)."""
        sets = dict(change.sets)
        if change.adds is not None:
            column, amount = change.adds
            row = tx.rows(
                f"SELECT {column} AS so_far FROM rm_claims WHERE claim_id = :id",  # noqa: S608
                {"id": str(event.stream_id)},
            )[0]
            sets[column] = _added(row["so_far"], amount)
        assignments = [f"{column} = :{column}" for column in sets]
        if change.new_version:
            assignments.append("version_count = version_count + 1")
        tx.execute(
            f"UPDATE rm_claims SET {', '.join([*assignments, 'version = :version, last_position = :position'])}"  # noqa: S608
            " WHERE claim_id = :id",
            {**sets, "version": event.version, "position": event.position, "id": str(event.stream_id)},
        )


def _filed(event: RecordedEvent, e: ClaimFiled) -> dict[str, Any]:
    """The claim's row as its filing writes it, by column (``_ROW_COLUMNS``)."""
    version, no_amount = e.version, _amount(zero(e.currency))
    received = stored_instant(version.received_at)
    return {
        "claim_id": str(e.claim_id), "dealer_id": e.dealer_id, "claim_number": e.claim_number,
        "claim_type": e.claim_type.value, "vin": e.vin, "vehicle_id": str(e.vehicle_id), "ro_number": e.ro_number,
        "status": version.routed_to.value, "currency": e.currency, "claimed_total": _amount(version.totals.total),
        "approved_total": no_amount, "paid_total": no_amount, "deducted_total": no_amount,
        "charged_back_total": no_amount, "filed_at": received, "last_received_at": received,
        "decision_due_on": _day(version.decision_due_on), "decided_at": None, "paid_at": None, "version_count": 1,
        "version": event.version, "last_position": event.position,
    }  # fmt: skip


@dataclass(frozen=True)
class ClaimSummary:
    """One row of the claim list; amounts are decimal strings in ``currency``, ``cursor`` resumes after this row."""

    claim_id: str
    dealer_id: str
    claim_number: str
    claim_type: str
    vin: str
    ro_number: str
    status: str
    currency: str
    claimed_total: str
    approved_total: str
    paid_total: str
    filed_at: str
    decision_due_on: str | None
    version: int
    cursor: str


_COLUMNS = (
    "claim_id, dealer_id, claim_number, claim_type, vin, ro_number, status, currency, claimed_total, approved_total,"
    " paid_total, filed_at, decision_due_on, version"
)


class ClaimDirectory:
    """Queries over the claim read model, keyset-paged by (filed_at, claim_id)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def list(
        self,
        *,
        dealer_id: str,
        vin: str,
        status: str,
        filed_from: date | None,
        filed_to: date | None,
        after: str,
        limit: int,
        manufacturer: str | None = None,
        claimed_at_least: Decimal | None = None,
    ) -> list[ClaimSummary]:
        """Claims in filing order after the cursor ``after``; empty or ``None`` filters match everything.

        ``filed_from`` and ``filed_to`` are inclusive UTC days; ``manufacturer`` (None: any) keeps the claims on
        that manufacturer's vehicles (a desk's list); ``claimed_at_least`` keeps claims of at least that total.
        """
        clauses: list[str] = []
        params: dict[str, Any] = {"limit": limit}
        if manufacturer is not None:
            # EXISTS, not IN (list): SQLite would build the make's whole vehicle list for every page (4 ms at 20,000
            # vehicles, bench.console) where a lookup per claim the page walks costs 0.7 ms in all
            clauses.append(
                "EXISTS (SELECT 1 FROM rm_vehicles v WHERE v.vehicle_id = rm_claims.vehicle_id"
                " AND v.manufacturer = :manufacturer)"
            )
            params["manufacturer"] = manufacturer
        for column, value in (("dealer_id", dealer_id), ("vin", vin), ("status", status)):
            if value:
                clauses.append(f"{column} = :{column}")
                params[column] = value
        if filed_from is not None:
            clauses.append("filed_at >= :filed_from")
            params["filed_from"] = stored_instant(datetime.combine(filed_from, time(), UTC))
        if filed_to is not None and filed_to < date.max:  # up to 9999-12-31 inclusive is no bound at all
            clauses.append("filed_at < :filed_until")
            params["filed_until"] = stored_instant(datetime.combine(filed_to + timedelta(days=1), time(), UTC))
        if after:
            clauses.append("(filed_at, claim_id) > (:after_at, :after_id)")
            params["after_at"], params["after_id"] = _parse_cursor(after)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._db.read() as tx:
            if claimed_at_least is not None:  # SQLite keeps amounts as text: compared as numbers, not strings
                where += f"{' AND' if where else ' WHERE'} CAST(claimed_total AS NUMERIC) >= :at_least"
                params["at_least"] = claimed_at_least if tx.dialect == "postgresql" else float(claimed_at_least)
            rows = tx.rows(
                f"SELECT {_COLUMNS} FROM rm_claims{where} ORDER BY filed_at, claim_id LIMIT :limit",  # noqa: S608
                params,
            )
        return [_summary(r) for r in rows]

    def get(self, claim_id: str) -> ClaimSummary | None:
        """The claim's row, or ``None`` when the read model has no such claim (yet)."""
        try:
            key = str(UUID(claim_id))
        except ValueError:
            return None
        with self._db.read() as tx:
            rows = tx.rows(f"SELECT {_COLUMNS} FROM rm_claims WHERE claim_id = :id", {"id": key})  # noqa: S608
        return _summary(rows[0]) if rows else None


def _summary(r: Row) -> ClaimSummary:
    filed_at = stored_instant(_as_datetime(r["filed_at"]))
    claim_id = str(r["claim_id"])
    return ClaimSummary(
        claim_id=claim_id,
        dealer_id=r["dealer_id"],
        claim_number=r["claim_number"],
        claim_type=r["claim_type"],
        vin=r["vin"],
        ro_number=r["ro_number"],
        status=r["status"],
        currency=r["currency"],
        claimed_total=decimal_text(r["claimed_total"]),
        approved_total=decimal_text(r["approved_total"]),
        paid_total=decimal_text(r["paid_total"]),
        filed_at=filed_at,
        decision_due_on=None if r["decision_due_on"] is None else str(r["decision_due_on"]),
        version=int(r["version"]),
        cursor=f"{filed_at}{_CURSOR_SEPARATOR}{claim_id}",
    )


def _as_datetime(value: datetime | str) -> datetime:
    """PostgreSQL gives a ``datetime``; SQLite gives back the text we stored."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _parse_cursor(after: str) -> tuple[str, str]:
    """The (filed_at, claim_id) a cursor stands for, normalised as stored; refuses anything we did not issue."""
    try:
        filed_at, claim_id = after.split(_CURSOR_SEPARATOR)
        moment = datetime.fromisoformat(filed_at)
        if moment.tzinfo is None:
            raise ValueError("naive instant")
        return stored_instant(moment), str(UUID(claim_id))
    except ValueError:
        raise InvalidCommandError([FieldViolation("page_token", "not a position in this list")]) from None
