"""The hash chain over the global event order: pure functions on the raw stored rows (nothing decoded).

``chain_hash(n) = SHA-256(chain_hash(n-1) ‖ canonical(row n))``; before the first row the previous hash
is 32 zero bytes (``GENESIS``). ``canonical`` frames the row exactly as stored, big-endian, each field
fixed-size or length-prefixed, so no two rows share an encoding::

    b"claims-chain-v1"              15 bytes, the format
    position                        8 bytes, unsigned
    stream id                       16 bytes, the UUID's bytes
    version                         8 bytes, signed
    len(topic) ‖ topic              4 bytes, unsigned ‖ UTF-8
    len(state) ‖ state              8 bytes, unsigned ‖ the state bytes exactly as stored (payload + metadata)

An auditor can recompute it from the rows with any SHA-256 implementation.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

GENESIS = bytes(32)
FORMAT = b"claims-chain-v1"

HEAD = struct.Struct(">Q16sqI")
STATE_LEN = struct.Struct(">Q")


class StoredRow(Protocol):
    """What the chain covers of a stored event (the recorder's ``Notification`` has these fields)."""

    @property
    def id(self) -> int: ...
    @property
    def originator_id(self) -> Any: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...


@dataclass(frozen=True)
class RawRow:
    """A stored event as read with SQL (same fields as the recorder's ``Notification``)."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


def stream_uuid(originator_id: Any) -> UUID:
    """The stream id as a UUID, however the backend returned it (PostgreSQL: UUID, SQLite: text)."""
    return originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))


def canonical(row: StoredRow) -> bytes:
    """The one byte encoding of a stored row the chain hashes."""
    return canonical_fields(
        row.id, stream_uuid(row.originator_id).bytes, row.originator_version, row.topic.encode(), bytes(row.state)
    )


def canonical_fields(position: int, stream: bytes, version: int, topic: bytes, state: bytes) -> bytes:
    """``canonical`` from the row's fields already as bytes (the stream id's 16 bytes, the UTF-8 topic)."""
    return b"".join(
        (FORMAT, HEAD.pack(position, stream, version, len(topic)), topic, STATE_LEN.pack(len(state)), state)
    )


def link(previous: bytes, row: StoredRow) -> bytes:
    """The chain hash of ``row``, given the chain hash of the row before it (``GENESIS`` for the first)."""
    if len(previous) != 32:
        raise ValueError("a chain hash is 32 bytes")
    return hashlib.sha256(previous + canonical(row)).digest()


# The raw rows of the log after a position, in order, on either backend (the transaction's search path
# names the schema on PostgreSQL).
_RAW_SQL = {
    "sqlite": "SELECT rowid AS id, originator_id, originator_version, topic, state FROM stored_events"
    " WHERE rowid > :after ORDER BY rowid LIMIT :limit",
    "postgresql": "SELECT notification_id AS id, originator_id, originator_version, topic, state FROM claims_events"
    " WHERE notification_id > :after ORDER BY notification_id LIMIT :limit",
}


_STRETCH_SQL = {
    "sqlite": "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events"
    " WHERE rowid > :after AND rowid <= :end ORDER BY rowid",
    "postgresql": "SELECT notification_id, originator_id, originator_version, topic, state FROM claims_events"
    " WHERE notification_id > :after AND notification_id <= :end ORDER BY notification_id",
}


@dataclass(frozen=True)
class Seal:
    """The chain hash of one stored row, with the row's stream (text, as the chain table keeps it) and version."""

    position: int
    stream_id: str
    version: int
    chain_hash: bytes


def _stream_bytes(originator_id: Any) -> tuple[bytes, str]:
    """The stream id's 16 bytes and its text as the chain table keeps it (``str(UUID)``).

    SQLite stores the id as 32 hex digits: taken apart without building a UUID (a sixth of sealing).
    """
    if isinstance(originator_id, str) and len(originator_id) == 32:
        try:
            raw = bytes.fromhex(originator_id)
        except ValueError:
            raw = b""  # not hex: UUID() below says what is wrong with it
        if len(raw) == 16:
            t = originator_id.lower()
            return raw, f"{t[:8]}-{t[8:12]}-{t[12:16]}-{t[16:20]}-{t[20:]}"
    stream = stream_uuid(originator_id)
    return stream.bytes, str(stream)


def seal_stretch(tx: Any, previous: bytes, after: int, end: int) -> list[Seal]:
    """Link every stored row in positions (``after``, ``end``] to ``previous`` (the hash at ``after``), in order.

    One query for the stretch, read as tuples, hashed as read: no decoded events, no per-row objects but
    the seals (what ``link`` computes row by row, for a whole batch of the sealing projection).
    """
    if len(previous) != 32:
        raise ValueError("a chain hash is 32 bytes")
    seals: list[Seal] = []
    for position, originator_id, version, topic, state in tx.tuples(
        _STRETCH_SQL[tx.dialect], {"after": after, "end": end}
    ):
        stream, text = _stream_bytes(originator_id)
        framed = canonical_fields(position, stream, version, topic.encode(), bytes(state))
        previous = hashlib.sha256(previous + framed).digest()
        seals.append(Seal(position, text, version, previous))
    return seals


def raw_rows(tx: Any, after: int, limit: int) -> list[RawRow]:
    """Up to ``limit`` stored rows after position ``after``, read in ``tx`` (a ``Transaction``), undecoded."""
    return [
        RawRow(int(r["id"]), stream_uuid(r["originator_id"]), int(r["originator_version"]), str(r["topic"]),
               bytes(r["state"]))
        for r in tx.rows(_RAW_SQL[tx.dialect], {"after": after, "limit": limit})
    ]  # fmt: skip
