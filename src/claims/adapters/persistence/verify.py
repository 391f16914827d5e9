"""Recompute the hash chain from the raw log and compare it with what the "chain" projection sealed.

``verify_history`` walks the stored rows (through the recorder's ``select_notifications``, undecoded) and
rm_chain side by side in position order, from the start (``GENESIS``) or from a trusted checkpoint
``(position, chain hash)``, up to the chain's head (its tracking position). It reports either "intact up
to position N, head hash H" or the FIRST position that does not match, and how:

- CHANGED: the row at a sealed position is not what was sealed (payload, metadata, topic or identity);
- MISSING: a sealed position is no longer in the log, while later rows still are;
- INSERTED: a row the chain never sealed sits at or before the head (a forged row, or rows renumbered
  to make room for one);
- REORDERED: the row at a position is one the chain sealed at another position (rows swapped or moved);
- TRUNCATED: the log ends before the chain's head.

Events after the head are not errors: the chain seals them right behind the log (within one runner
batch), so they are reported as "unsealed: K events after position N". Nothing is written: the walk
only reads, so it runs on read-only rights.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder

from claims.adapters.persistence.chain import GENESIS, link, stream_uuid
from claims.adapters.persistence.database import Database

CHAIN = "chain"
READ_BATCH = 5000

_LOG_POSITION = {
    "sqlite": "SELECT rowid AS position FROM stored_events WHERE originator_id = :id AND originator_version = :v",
    "postgresql": "SELECT notification_id AS position FROM claims_events"
    " WHERE originator_id = :id AND originator_version = :v",
}


class Mismatch(StrEnum):
    """How the log differs from the sealed chain at the first position that does not match."""

    CHANGED = "changed"
    MISSING = "missing"
    INSERTED = "inserted"
    REORDERED = "reordered"
    TRUNCATED = "truncated"


@dataclass(frozen=True)
class Checkpoint:
    """A trusted ``(position, chain hash)``: verification starts after it."""

    position: int
    chain_hash: bytes


@dataclass(frozen=True)
class VerifyReport:
    """Intact up to ``position`` with ``head_hash`` there, or the first ``mismatch`` at ``position``."""

    position: int
    head_hash: bytes | None
    mismatch: Mismatch | None = None
    detail: str = ""
    verified: int = 0
    unsealed: int = 0

    @property
    def intact(self) -> bool:
        return self.mismatch is None

    def describe(self) -> str:
        if self.mismatch is not None:
            return f"MISMATCH at position {self.position}: {self.mismatch.value.upper()} — {self.detail}"
        assert self.head_hash is not None
        return (
            f"intact up to position {self.position}, head hash {self.head_hash.hex()} ({self.verified} events"
            f" verified); unsealed: {self.unsealed} events after position {self.position}"
        )


@dataclass(frozen=True)
class _Sealed:
    position: int
    stream_ref: object  # as the store returned it; turned into a UUID only to explain a mismatch
    version: int
    chain_hash: bytes

    @property
    def stream_id(self) -> UUID:
        return stream_uuid(self.stream_ref)


def verify_history(
    recorder: ApplicationRecorder, database: Database, from_checkpoint: Checkpoint | None = None
) -> VerifyReport:
    """Recompute the chain from the start (or ``from_checkpoint``) against the raw log and rm_chain."""
    with database.read() as tx:
        rows = tx.rows("SELECT position FROM projection_tracking WHERE projection = :n", {"n": CHAIN})
    head = int(rows[0]["position"]) if rows else 0
    start, previous = 0, GENESIS
    if from_checkpoint is not None:
        start, previous = from_checkpoint.position, from_checkpoint.chain_hash
        at = _sealed_at(database, start)
        if at is None or start > head:
            return VerifyReport(start, None, Mismatch.MISSING, "the chain holds no hash at the checkpoint's position")
        if at.chain_hash != previous:
            return VerifyReport(
                start, None, Mismatch.CHANGED,
                f"the chain's hash {at.chain_hash.hex()} is not the checkpoint's {previous.hex()}",
            )  # fmt: skip
    log_rows = _Peek(_log(recorder, start))
    sealed_rows = _Peek(_sealed(database, start, head))
    position, verified = start, 0
    while (sealed := sealed_rows.peek()) is not None:
        row = log_rows.peek()
        if row is not None and row.id < sealed.position:
            return VerifyReport(row.id, None, Mismatch.INSERTED, f"a row the chain never sealed ({_who(row)})")
        if row is None:
            return VerifyReport(
                sealed.position, None, Mismatch.TRUNCATED,
                f"the log ends at position {position if verified else 'its start'}, before the chain's head {head}",
            )  # fmt: skip
        if row.id > sealed.position:
            return VerifyReport(
                sealed.position, None, Mismatch.MISSING,
                f"the sealed event {sealed.stream_id} v{sealed.version} is gone from the log",
            )  # fmt: skip
        chain_hash = link(previous, row)
        if chain_hash != sealed.chain_hash:
            return _classify(recorder, database, row, sealed)
        previous, position, verified = chain_hash, sealed.position, verified + 1
        log_rows.next()
        sealed_rows.next()
    unsealed = 0
    for row in log_rows:
        if row.id <= head:
            return VerifyReport(row.id, None, Mismatch.INSERTED, f"a row the chain never sealed ({_who(row)})")
        unsealed += 1
    return VerifyReport(position, previous, verified=verified, unsealed=unsealed)


def _classify(recorder: ApplicationRecorder, database: Database, row: Any, sealed: _Sealed) -> VerifyReport:
    """Why the row at a sealed position does not hash to what was sealed there."""
    stream_id, version = stream_uuid(row.originator_id), row.originator_version
    p = sealed.position
    if (stream_id, version) == (sealed.stream_id, sealed.version):
        return VerifyReport(p, None, Mismatch.CHANGED, f"{_who(row)} differs from what was sealed")
    elsewhere = _sealed_position_of(database, stream_id, version)
    if elsewhere is not None:
        return VerifyReport(p, None, Mismatch.REORDERED, f"{_who(row)} was sealed at position {elsewhere}")
    moved = _log_position_of(database, sealed.stream_id, sealed.version)
    if moved is not None:
        return VerifyReport(
            p, None, Mismatch.INSERTED,
            f"a row the chain never sealed ({_who(row)}); the event sealed here is now at position {moved}",
        )  # fmt: skip
    return VerifyReport(
        p, None, Mismatch.CHANGED, f"{_who(row)} is here, sealed was {sealed.stream_id} v{sealed.version}"
    )


def _who(row: Any) -> str:
    return f"stream {stream_uuid(row.originator_id)} v{row.originator_version}, topic {row.topic}"


def _log(recorder: ApplicationRecorder, after: int) -> Iterator[Any]:
    while batch := recorder.select_notifications(after, READ_BATCH, inclusive_of_start=False):
        yield from batch
        after = batch[-1].id


def _sealed(database: Database, after: int, head: int) -> Iterator[_Sealed]:
    while True:
        with database.read() as tx:
            rows = tx.rows(
                "SELECT position, stream_id, version, chain_hash FROM rm_chain WHERE position > :after"
                " AND position <= :head ORDER BY position LIMIT :limit",
                {"after": after, "head": head, "limit": READ_BATCH},
            )
        if not rows:
            return
        for r in rows:
            yield _sealed_row(r)
        after = int(rows[-1]["position"])


def _sealed_row(r: dict[str, Any]) -> _Sealed:
    return _Sealed(int(r["position"]), r["stream_id"], int(r["version"]), bytes(r["chain_hash"]))


def _sealed_at(database: Database, position: int) -> _Sealed | None:
    with database.read() as tx:
        rows = tx.rows(
            "SELECT position, stream_id, version, chain_hash FROM rm_chain WHERE position = :p", {"p": position}
        )
    return _sealed_row(rows[0]) if rows else None


def _sealed_position_of(database: Database, stream_id: UUID, version: int) -> int | None:
    with database.read() as tx:
        rows = tx.rows(
            "SELECT position FROM rm_chain WHERE stream_id = :s AND version = :v", {"s": str(stream_id), "v": version}
        )
    return int(rows[0]["position"]) if rows else None


def _log_position_of(database: Database, stream_id: UUID, version: int) -> int | None:
    with database.read() as tx:
        # SQLite holds the stream id as hex text (as the library writes it), PostgreSQL as a uuid.
        originator = stream_id.hex if database.dialect == "sqlite" else str(stream_id)
        rows = tx.rows(_LOG_POSITION[database.dialect], {"id": originator, "v": version})
    return int(rows[0]["position"]) if rows else None


class _Peek:
    """An iterator one can look one item ahead in."""

    _END = object()

    def __init__(self, items: Iterator[Any]) -> None:
        self._items = items
        self._next: Any = next(items, self._END)

    def peek(self) -> Any:
        return None if self._next is self._END else self._next

    def next(self) -> None:
        self._next = next(self._items, self._END)

    def __iter__(self) -> Iterator[Any]:
        while self._next is not self._END:
            item = self._next
            self.next()
            yield item
