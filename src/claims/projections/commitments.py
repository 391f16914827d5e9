"""Read models of service commitments: their clocks (rm_commitments) and the compensation ledger (rm_compensation).

The ``commitments`` projection runs one clock per run of a shipped ``Commitment`` on a subject (a claim, a
repair order, a vehicle's statutory case): an event of a start topic starts it when the commitment binds the
subject's jurisdiction and product class, stop / pause / resume topics move it, and its due time comes from
``due_by`` (or from the day the starting decision recorded). A clock stopped after its due time is BREACHED;
one still running past it stays OPEN until the timer records the consequence (a ``CommitmentBreached`` or a
``ClaimDeemedApproved``), which marks it BREACHED with ``breached_at``.

The ``compensation`` projection books what is owed: courtesy-car compensation (``CourtesyCarCompensationOwed``)
and breaches whose consequence is a compensation, per vehicle, dealer and commitment. Nothing records a
compensation paid yet, so ``paid`` stays zero.

Both keep a small lookup of the subjects their events name (what a claim's or a case's events do not carry).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from claims.adapters.persistence.database import Database, Row, Transaction, in_list
from claims.application.messages import RecordedEvent
from claims.application.timers import DueClock
from claims.domain.claim.events import (
    ClaimDecided,
    ClaimDeemedApproved,
    ClaimFiled,
    ClaimPaid,
    ClaimResubmitted,
    ClaimReturned,
    ClaimWithdrawn,
)
from claims.domain.commitment.events import CommitmentBreached
from claims.domain.repair_order.events import RepairOrderClosed, RepairOrderOpened
from claims.domain.repair_order.visit import visit_id_for
from claims.domain.statutory.commitments import CN_COURTESY_CAR, COMMITMENTS, Commitment, due_by, end_of_day
from claims.domain.statutory_case.events import (
    CourtesyCarCompensationOwed,
    RemedyAnswered,
    RemedyDelivered,
    RemedyRequested,
    StatutoryCaseOpened,
)
from claims.domain.values import Money
from claims.domain.vehicle.commands import IdentifierKind
from claims.domain.vehicle.events import VehicleRegistered
from claims.projections.columns import read_decimal, read_instant, stored_instant
from claims.projections.runner import topics_of

PRODUCT_CLASS = {IdentifierKind.VIN: "MOTOR_VEHICLE", IdentifierKind.SERIAL: "EQUIPMENT"}


class ClockStatus(StrEnum):
    OPEN = "OPEN"
    PAUSED = "PAUSED"
    MET = "MET"
    BREACHED = "BREACHED"


def _uuid(value: UUID | str | None) -> UUID | None:
    return None if value is None else UUID(str(value))


def occurred_at(recorded: RecordedEvent) -> datetime | date:
    """When an event's fact happened, as the event states it (a day for facts stated by day)."""
    match recorded.event:
        case ClaimFiled(version=version) | ClaimResubmitted(version=version):
            return version.received_at
        case ClaimDecided(decided_at=moment) | ClaimReturned(returned_at=moment) | ClaimWithdrawn(withdrawn_at=moment):
            return moment
        case ClaimPaid(paid_at=moment) | ClaimDeemedApproved(due_at=moment):
            return moment
        case RemedyRequested(requested_at=moment) | RemedyAnswered(answered_at=moment):
            return moment
        case RemedyDelivered(delivered_on=day):
            return day
        case RepairOrderOpened(opened_at=moment) | RepairOrderClosed(closed_at=moment):
            return moment
        case _:
            return recorded.metadata.recorded_at


# --- subjects ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What a clock runs on: its stream, kind, natural reference, jurisdiction, product class and parties."""

    subject_id: UUID
    kind: str
    ref: str
    jurisdiction: str
    product_class: str
    vehicle_id: UUID | None
    dealer_id: str | None


_SUBJECT_COLUMNS = {
    "subject_id": "uuid", "subject_kind": "text", "subject_ref": "text", "jurisdiction": "text",
    "product_class": "text", "vehicle_id": "uuid", "dealer_id": "text",
}  # fmt: skip
_IDS_PER_READ = 500  # under SQLite's oldest limit of 999 parameters a statement


def subject_from_row(r: Row) -> Subject:
    """A subject as rm_commitment_subjects stores it."""
    subject_id = _uuid(r["subject_id"])
    assert subject_id is not None
    return Subject(
        subject_id=subject_id,
        kind=r["subject_kind"],
        ref=r["subject_ref"],
        jurisdiction=r["jurisdiction"],
        product_class=r["product_class"],
        vehicle_id=_uuid(r["vehicle_id"]),
        dealer_id=r["dealer_id"],
    )


def _subject_row(s: Subject) -> tuple[object, ...]:
    """A subject as a row of rm_commitment_subjects, in ``_SUBJECT_COLUMNS``' order."""
    vehicle = None if s.vehicle_id is None else str(s.vehicle_id)
    return (str(s.subject_id), s.kind, s.ref, s.jurisdiction, s.product_class, vehicle, s.dealer_id)


def _read_subjects(tx: Transaction, subject_ids: Collection[UUID]) -> dict[UUID, Subject | None]:
    """The stored subject of each of ``subject_ids`` (``None``: none stored), a query per 500 ids."""
    found: dict[UUID, Subject | None] = dict.fromkeys(subject_ids)
    ids = list(found)
    for i in range(0, len(ids), _IDS_PER_READ):
        placeholders, keys = in_list("s", ids[i : i + _IDS_PER_READ])
        query = f"SELECT * FROM rm_commitment_subjects WHERE subject_id IN {placeholders}"  # noqa: S608
        for r in tx.rows(query, keys):
            subject = subject_from_row(r)
            found[subject.subject_id] = subject
    return found


class _Subjects:
    """The subjects lookup as one batch sees it: read once for the ids its events name, written at its end.

    A subject, once stored, never changes (the first stored stands: ``ON CONFLICT DO NOTHING``), so what
    was read stays true through the batch, and a subject put earlier in the batch is found by a later event.
    """

    def __init__(self, tx: Transaction, subject_ids: Collection[UUID]) -> None:
        self._tx = tx
        self._known = _read_subjects(tx, subject_ids)
        self._new: list[Subject] = []

    def get(self, subject_id: UUID) -> Subject | None:
        if subject_id not in self._known:  # an id the batch's events did not name: read it
            self._known.update(_read_subjects(self._tx, [subject_id]))
        return self._known[subject_id]

    def put(self, s: Subject) -> None:
        if self.get(s.subject_id) is None:
            self._known[s.subject_id] = s
            self._new.append(s)

    def write(self) -> None:
        if self._new:
            self._tx.insert_rows("rm_commitment_subjects", _SUBJECT_COLUMNS, [_subject_row(s) for s in self._new],
                                 on_conflict="ON CONFLICT (subject_id) DO NOTHING")  # fmt: skip
            self._new = []


_OPENING_SUBJECTS = (VehicleRegistered, ClaimFiled, RepairOrderOpened, StatutoryCaseOpened)


def _named_subjects(events: Sequence[RecordedEvent], clocked: Collection[str]) -> set[UUID]:
    """Every subject handling the events may look up: the streams they open or run clocks on (``clocked``
    topics), and the vehicles they name."""
    ids: set[UUID] = set()
    for recorded in events:
        if recorded.topic in clocked or isinstance(recorded.event, _OPENING_SUBJECTS):
            ids.add(recorded.stream_id)
        match recorded.event:
            case ClaimFiled(vehicle_id=vehicle) | RepairOrderOpened(vehicle_id=vehicle):
                ids.add(vehicle)
            case StatutoryCaseOpened(vehicle_id=vehicle):
                ids.add(vehicle)
            case _:
                pass
    return ids


# --- clocks --------------------------------------------------------------------------------------


class CommitmentProjection:
    """Keeps rm_commitments (and the subjects lookup it needs) in step with the events the commitments name."""

    name = "commitments"
    tables = ("rm_commitment_subjects", "rm_commitments")  # what a rebuild copies, compares and replaces

    def __init__(self, commitments: Sequence[Commitment] = COMMITMENTS) -> None:
        self._by_topic: dict[str, list[Commitment]] = {}
        for c in commitments:
            for topic in sorted(c.topics):
                self._by_topic.setdefault(topic, []).append(c)
        subjects = topics_of(
            VehicleRegistered, ClaimFiled, RepairOrderOpened, StatutoryCaseOpened, CommitmentBreached,
            ClaimDeemedApproved,
        )  # fmt: skip
        self.topics: tuple[str, ...] = tuple(dict.fromkeys((*subjects, *self._by_topic)))

    def handle(self, tx: Transaction, recorded: RecordedEvent) -> None:
        self.handle_batch(tx, [recorded])

    def handle_batch(self, tx: Transaction, events: Sequence[RecordedEvent]) -> None:
        """The events in turn, the subjects they name read in one query (a read per event was most of catch-up)."""
        subjects = _Subjects(tx, _named_subjects(events, self._by_topic))
        for recorded in events:
            self._handle(tx, subjects, recorded)
        subjects.write()

    def _handle(self, tx: Transaction, subjects: _Subjects, recorded: RecordedEvent) -> None:
        match recorded.event:
            case VehicleRegistered() as e:
                kind = PRODUCT_CLASS[e.identifier_kind]
                subjects.put(
                    Subject(e.vehicle_id, "vehicle", e.identifier, e.jurisdiction, kind, e.vehicle_id, e.dealer_id)
                )
            case ClaimFiled() as e:
                vehicle = subjects.get(e.vehicle_id)
                kind = vehicle.product_class if vehicle else PRODUCT_CLASS[IdentifierKind.VIN]
                subjects.put(
                    Subject(e.claim_id, "claim", e.claim_number, e.jurisdiction, kind, e.vehicle_id, e.dealer_id)
                )
                self._clocks(tx, subjects, recorded)
            case RepairOrderOpened() as e:
                _subject_of_vehicle(subjects, e.repair_order_id, "repair_order", e.ro_number, e.vehicle_id, e.dealer_id)
                self._clocks(tx, subjects, recorded)
            case StatutoryCaseOpened() as e:
                # The seller who answers remedy requests is the dealer who sold the vehicle.
                _subject_of_vehicle(subjects, e.case_id, "statutory_case", e.vin, e.vehicle_id, None)
            case CommitmentBreached() as e:
                _mark_breached(tx, recorded, e.commitment_code, e.subject_id, e.breached_at, e.started_at)
            case ClaimDeemedApproved() as e:
                _mark_breached(tx, recorded, e.commitment_code, recorded.stream_id, e.deemed_at, None)
                self._clocks(tx, subjects, recorded)
            case _ if recorded.topic in self._by_topic:
                self._clocks(tx, subjects, recorded)
            case _:
                pass

    def _clocks(self, tx: Transaction, subjects: _Subjects, recorded: RecordedEvent) -> None:
        commitments = self._by_topic.get(recorded.topic, ())
        subject = subjects.get(recorded.stream_id) if commitments else None
        if subject is None:
            return
        at, topic = occurred_at(recorded), recorded.topic
        for c in commitments:
            if not c.applies_to(subject.jurisdiction, subject.product_class) or not c.counts(topic, recorded.event):
                continue
            if topic in c.stop_on:
                _stop(tx, recorded, c, subject, at)
            if topic in c.pause_on:
                _pause(tx, recorded, c, subject, at)
            if topic in c.resume_on:
                _resume(tx, recorded, c, subject, at)
            if topic in c.start_on:
                _start(tx, recorded, c, subject, at)


def _subject_of_vehicle(
    subjects: _Subjects, subject_id: UUID, kind: str, ref: str, vehicle_id: UUID, dealer_id: str | None
) -> None:
    vehicle = subjects.get(vehicle_id)
    if vehicle is not None:  # a vehicle is registered before anything happens to it
        dealer = dealer_id or vehicle.dealer_id
        subjects.put(Subject(subject_id, kind, ref, vehicle.jurisdiction, vehicle.product_class, vehicle_id, dealer))


def _asstored_instant(at: datetime | date, offset_minutes: int) -> datetime:
    """A fact stated by day counts from the start of that day in the clock's own offset."""
    if isinstance(at, datetime):
        return at
    return datetime.combine(at, time.min, tzinfo=timezone(timedelta(minutes=offset_minutes)))


def _start(tx: Transaction, recorded: RecordedEvent, c: Commitment, s: Subject, at: datetime | date) -> None:
    if _running(tx, c.code, s.subject_id):
        return  # one run of a clock at a time
    started = _asstored_instant(at, 0)
    recorded_due = getattr(recorded.event, c.due_recorded_as, None) if c.due_recorded_as else None
    due = end_of_day(recorded_due, started.tzinfo) if isinstance(recorded_due, date) else due_by(c, started)
    offset = started.utcoffset() or timedelta(0)
    compensation = c.breach.compensation
    tx.execute(
        "INSERT INTO rm_commitments (commitment_code, subject_id, subject_kind, subject_ref, jurisdiction, vehicle_id,"
        " dealer_id, started_at, utc_offset_minutes, due_at, paused_seconds, paused_since, stopped_at, breached_at,"
        " status, consequence, amount, currency, last_position) VALUES (:code, :subject, :kind, :ref, :jurisdiction,"
        " :vehicle, :dealer, :started, :offset, :due, 0, NULL, NULL, NULL, :status, :consequence, :amount, :currency,"
        " :position) ON CONFLICT (commitment_code, subject_id, started_at) DO NOTHING",
        {
            "code": c.code, "subject": str(s.subject_id), "kind": s.kind, "ref": s.ref,
            "jurisdiction": s.jurisdiction, "vehicle": None if s.vehicle_id is None else str(s.vehicle_id),
            "dealer": s.dealer_id, "started": stored_instant(started), "offset": int(offset.total_seconds() // 60),
            "due": stored_instant(due), "status": ClockStatus.OPEN.value, "consequence": c.breach.consequence,
            "amount": None if compensation is None else str(compensation.amount),
            "currency": None if compensation is None else compensation.currency, "position": recorded.position,
        },
    )  # fmt: skip


def _running(tx: Transaction, code: str, subject_id: UUID) -> list[Row]:
    return tx.rows(
        "SELECT started_at, utc_offset_minutes, due_at, paused_seconds, paused_since, status FROM rm_commitments"
        " WHERE commitment_code = :code AND subject_id = :subject AND stopped_at IS NULL",
        {"code": code, "subject": str(subject_id)},
    )


def _update(tx: Transaction, recorded: RecordedEvent, c: Commitment, s: Subject, row: Row, **values: Any) -> None:
    assignment = ", ".join(f"{column} = :{column}" for column in values)
    tx.execute(
        f"UPDATE rm_commitments SET {assignment}, last_position = :position"  # noqa: S608
        " WHERE commitment_code = :code AND subject_id = :subject AND started_at = :started",
        {
            **values, "position": recorded.position, "code": c.code, "subject": str(s.subject_id),
            "started": stored_instant(_started(row)),
        },
    )  # fmt: skip


def _started(row: Row) -> datetime:
    started = read_instant(row["started_at"])
    assert started is not None
    return started


def _due(row: Row) -> datetime:
    due = read_instant(row["due_at"])
    assert due is not None
    return due


def _stop(tx: Transaction, recorded: RecordedEvent, c: Commitment, s: Subject, at: datetime | date) -> None:
    for row in _running(tx, c.code, s.subject_id):
        stopped = _asstored_instant(at, int(row["utc_offset_minutes"]))
        due, paused = _due(row), int(row["paused_seconds"])
        paused_since = read_instant(row["paused_since"])
        if paused_since is not None and stopped > paused_since:
            # Stopped while paused: the pause lasted until now and moves the due time on by as much.
            extra = stopped - paused_since
            due, paused = due + extra, paused + int(extra.total_seconds())
        late = row["status"] == ClockStatus.BREACHED or stopped > due
        status = ClockStatus.BREACHED if late else ClockStatus.MET
        _update(tx, recorded, c, s, row, stopped_at=stored_instant(stopped), status=status.value,
                due_at=stored_instant(due), paused_seconds=paused, paused_since=None)  # fmt: skip


def _pause(tx: Transaction, recorded: RecordedEvent, c: Commitment, s: Subject, at: datetime | date) -> None:
    for row in _running(tx, c.code, s.subject_id):
        since = _asstored_instant(at, int(row["utc_offset_minutes"]))
        # A clock that already ran out stays run out; a paused one stays paused from its first pause.
        if row["paused_since"] is None and since <= _due(row) and row["status"] == ClockStatus.OPEN:
            _update(tx, recorded, c, s, row, paused_since=stored_instant(since), status=ClockStatus.PAUSED.value)


def _resume(tx: Transaction, recorded: RecordedEvent, c: Commitment, s: Subject, at: datetime | date) -> None:
    for row in _running(tx, c.code, s.subject_id):
        since = read_instant(row["paused_since"])
        if since is None:
            continue
        extra = max(_asstored_instant(at, int(row["utc_offset_minutes"])) - since, timedelta(0))
        _update(tx, recorded, c, s, row, paused_since=None, status=ClockStatus.OPEN.value,
                due_at=stored_instant(_due(row) + extra),
                paused_seconds=int(row["paused_seconds"]) + int(extra.total_seconds()))  # fmt: skip


def _mark_breached(
    tx: Transaction,
    recorded: RecordedEvent,
    code: str,
    subject_id: UUID,
    breached_at: datetime,
    started_at: datetime | None,
) -> None:
    """The timer recorded the clock's consequence: the run named by ``started_at`` (else the running one)."""
    which = "started_at = :started" if started_at is not None else "stopped_at IS NULL"
    tx.execute(
        f"UPDATE rm_commitments SET status = :status, breached_at = :breached, paused_since = NULL,"  # noqa: S608
        f" last_position = :position WHERE commitment_code = :code AND subject_id = :subject AND {which}",
        {
            "status": ClockStatus.BREACHED.value, "breached": stored_instant(breached_at),
            "position": recorded.position,
            "code": code, "subject": str(subject_id),
            "started": None if started_at is None else stored_instant(started_at),
        },
    )  # fmt: skip


# --- compensation --------------------------------------------------------------------------------


class CompensationProjection:
    """Keeps rm_compensation (and the vehicle / dealer lookup it needs) in step with what is owed."""

    name = "compensation"
    tables = ("rm_compensation_refs", "rm_compensation")  # what a rebuild copies, compares and replaces
    topics = topics_of(StatutoryCaseOpened, RepairOrderOpened, CourtesyCarCompensationOwed, CommitmentBreached)

    def handle(self, tx: Transaction, recorded: RecordedEvent) -> None:
        match recorded.event:
            case StatutoryCaseOpened() as e:
                _put_ref(tx, f"case:{e.case_id}", e.vehicle_id, None)
            case RepairOrderOpened() as e:
                _put_ref(tx, f"visit:{visit_id_for(e.dealer_id, e.ro_number)}", e.vehicle_id, e.dealer_id)
            case CourtesyCarCompensationOwed() as e:
                vehicle_id, _ = _ref(tx, f"case:{recorded.stream_id}")
                _, dealer_id = _ref(tx, f"visit:{e.visit_id}")
                # The pack's courtesy-car rule is the courtesy-car commitment (CN Art. 21).
                _owe(tx, recorded, CN_COURTESY_CAR.code, "COURTESY_CAR", recorded.stream_id, vehicle_id, dealer_id,
                     e.amount, recorded.metadata.recorded_at, e.explanation)  # fmt: skip
            case CommitmentBreached(amount=Money() as amount) as e:
                explanation = f"{e.commitment_code} ({e.statute}) ran out at {e.due_at.isoformat()}"
                _owe(tx, recorded, e.commitment_code, "BREACH", e.subject_id, e.vehicle_id, e.dealer_id, amount,
                     e.breached_at, explanation)  # fmt: skip
            case _:
                pass


def _put_ref(tx: Transaction, ref: str, vehicle_id: UUID | None, dealer_id: str | None) -> None:
    tx.execute(
        "INSERT INTO rm_compensation_refs (ref, vehicle_id, dealer_id) VALUES (:ref, :vehicle, :dealer)"
        " ON CONFLICT (ref) DO NOTHING",
        {"ref": ref, "vehicle": None if vehicle_id is None else str(vehicle_id), "dealer": dealer_id},
    )


def _ref(tx: Transaction, ref: str) -> tuple[UUID | None, str | None]:
    rows = tx.rows("SELECT vehicle_id, dealer_id FROM rm_compensation_refs WHERE ref = :ref", {"ref": ref})
    return (_uuid(rows[0]["vehicle_id"]), rows[0]["dealer_id"]) if rows else (None, None)


def _owe(
    tx: Transaction,
    recorded: RecordedEvent,
    commitment_code: str,
    source: str,
    subject_id: UUID,
    vehicle_id: UUID | None,
    dealer_id: str | None,
    amount: Money,
    owed_at: datetime,
    explanation: str,
) -> None:
    tx.execute(
        "INSERT INTO rm_compensation (entry_id, commitment_code, source, subject_id, vehicle_id, dealer_id, currency,"
        " owed, paid, owed_at, explanation, last_position) VALUES (:entry, :code, :source, :subject, :vehicle,"
        " :dealer, :currency, :owed, :paid, :owed_at, :explanation, :position)",
        {
            "entry": f"{recorded.stream_id}/{recorded.version}", "code": commitment_code, "source": source,
            "subject": str(subject_id), "vehicle": None if vehicle_id is None else str(vehicle_id),
            "dealer": dealer_id, "currency": amount.currency, "owed": str(amount.amount), "paid": "0",
            "owed_at": stored_instant(owed_at), "explanation": explanation, "position": recorded.position,
        },
    )  # fmt: skip


# --- queries -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """One run of a commitment's clock, as the read model has it."""

    commitment_code: str
    subject_id: UUID
    subject_kind: str
    subject_ref: str
    jurisdiction: str
    vehicle_id: UUID | None
    dealer_id: str | None
    started_at: datetime
    due_at: datetime
    paused_seconds: int
    stopped_at: datetime | None
    breached_at: datetime | None
    status: ClockStatus
    consequence: str
    last_position: int

    def due_clock(self) -> DueClock:
        return DueClock(
            commitment_code=self.commitment_code,
            subject_id=self.subject_id,
            subject_kind=self.subject_kind,
            subject_ref=self.subject_ref,
            vehicle_id=self.vehicle_id,
            dealer_id=self.dealer_id,
            started_at=self.started_at,
            due_at=self.due_at,
            consequence=self.consequence,
            stopped=self.stopped_at is not None,
        )


def _clock(r: Row) -> Clock:
    subject_id = _uuid(r["subject_id"])
    assert subject_id is not None
    return Clock(
        commitment_code=r["commitment_code"],
        subject_id=subject_id,
        subject_kind=r["subject_kind"],
        subject_ref=r["subject_ref"],
        jurisdiction=r["jurisdiction"],
        vehicle_id=_uuid(r["vehicle_id"]),
        dealer_id=r["dealer_id"],
        started_at=_started(r),
        due_at=_due(r),
        paused_seconds=int(r["paused_seconds"]),
        stopped_at=read_instant(r["stopped_at"]),
        breached_at=read_instant(r["breached_at"]),
        status=ClockStatus(r["status"]),
        consequence=r["consequence"],
        last_position=int(r["last_position"]),
    )


_CLOCK_COLUMNS = (
    "commitment_code, subject_id, subject_kind, subject_ref, jurisdiction, vehicle_id, dealer_id, started_at, due_at,"
    " paused_seconds, stopped_at, breached_at, status, consequence, last_position"
)


class CommitmentDirectory:
    """Queries over the clocks: by subject or vehicle, and the ones due (the timer's ``ClockBoard``)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def position(self) -> int:
        """How far the commitments projection has processed the log."""
        with self._db.read() as tx:
            rows = tx.rows("SELECT position FROM projection_tracking WHERE projection = :n", {"n": "commitments"})
        return int(rows[0]["position"]) if rows else 0

    def due(self, now: datetime, limit: int) -> list[DueClock]:
        """Clocks past their due time whose consequence is not recorded yet, earliest first.

        Running ones (OPEN) and ones stopped late (BREACHED without ``breached_at``); paused ones are not due.
        """
        with self._db.read() as tx:
            rows = tx.rows(
                f"SELECT {_CLOCK_COLUMNS} FROM rm_commitments"  # noqa: S608
                " WHERE breached_at IS NULL AND status IN ('OPEN', 'BREACHED') AND due_at <= :now"
                " ORDER BY due_at, commitment_code, subject_id LIMIT :limit",
                {"now": stored_instant(now), "limit": limit},
            )
        return [_clock(r).due_clock() for r in rows]

    def clocks(self, *, subject_id: UUID | None = None, vehicle_id: UUID | None = None) -> list[Clock]:
        """Every run of every clock on a subject (a claim, a repair order, a case) or on a vehicle's subjects."""
        column, key = ("subject_id", subject_id) if subject_id is not None else ("vehicle_id", vehicle_id)
        if key is None:
            raise ValueError("name a subject or a vehicle")
        with self._db.read() as tx:
            rows = tx.rows(
                f"SELECT {_CLOCK_COLUMNS} FROM rm_commitments WHERE {column} = :key"  # noqa: S608
                " ORDER BY started_at, commitment_code",
                {"key": str(key)},
            )
        return [_clock(r) for r in rows]


@dataclass(frozen=True)
class Balance:
    """What is owed and paid under one key (a vehicle, a dealer or a commitment) in one currency."""

    key: str
    currency: str
    owed: Decimal
    paid: Decimal


LedgerKey = Literal["vehicle_id", "dealer_id", "commitment_code"]


class CompensationLedger:
    """Owed and paid per vehicle, per dealer or per commitment, summed exactly (amounts are decimal text on SQLite)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def balances(self, by: LedgerKey, key: str | None = None) -> list[Balance]:
        """Balances grouped by ``by`` (only ``key``'s when given), ordered by key and currency."""
        where = f" WHERE {by} = :key" if key is not None else f" WHERE {by} IS NOT NULL"
        with self._db.read() as tx:
            rows = tx.rows(f"SELECT {by} AS key, currency, owed, paid FROM rm_compensation{where}", {"key": key})  # noqa: S608
        return _summed((str(r["key"]), r["currency"], read_decimal(r["owed"]), read_decimal(r["paid"])) for r in rows)


def _summed(rows: Iterable[tuple[str, str, Decimal, Decimal]]) -> list[Balance]:
    totals: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    for key, currency, owed, paid in rows:
        so_far = totals.get((key, currency), (Decimal(0), Decimal(0)))
        totals[(key, currency)] = (so_far[0] + owed, so_far[1] + paid)
    return [Balance(k, c, owed, paid) for (k, c), (owed, paid) in sorted(totals.items())]
