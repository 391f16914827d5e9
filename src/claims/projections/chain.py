"""The sealing projection: extends the hash chain (table rm_chain) right behind the log.

It runs like any read model (``ProjectionRunner``, ``claims project``, a rebuild), so each batch's chain
rows and its tracking position commit in one transaction (exactly once), but it hashes the RAW stored
rows, never the decoded events. The runner hands it its stretch of the log (``handle_stretch``): it reads
the stretch's rows in one query, hashes them as read and inserts the seals in one call, so no event is
decoded for it (the shared scan reads only the topics the other projections handle). Fed event by event
(``handle``: a rebuild), it reads the rows after the chain's head (one query per ``RAW_READ`` rows) and
links each event it is handed to the previous one. The chain's head is its tracking position; the hash
there is the last rm_chain row's.

Events after the head are unsealed. The window is bounded by the runner: the chain is at most one
batch (``batch_size`` positions, plus the poll interval) behind the log while the runner keeps up;
``claims audit verify`` reports them as "unsealed", not as errors.
"""

from __future__ import annotations

from claims.adapters.persistence.chain import GENESIS, RawRow, link, raw_rows, seal_stretch
from claims.adapters.persistence.database import Database, Transaction
from claims.application.messages import RecordedEvent

RAW_READ = 500

_COLUMNS = {"position": "bigint", "stream_id": "uuid", "version": "bigint", "chain_hash": "bytea"}
_INSERT = "INSERT INTO rm_chain (position, stream_id, version, chain_hash) VALUES (:p, :s, :v, :h)"


class ChainProjection:
    """Seals every event: rm_chain(position, stream_id, version, chain_hash)."""

    name = "chain"
    tables = ("rm_chain",)
    topics: tuple[str, ...] | None = None  # every event

    def __init__(self) -> None:
        # What this projection knows inside the transaction it last wrote in (a new batch reads afresh).
        self._tx: Transaction | None = None
        self._previous = GENESIS
        self._rows: dict[int, RawRow] = {}

    def handle_stretch(self, tx: Transaction, after: int, end: int) -> None:
        """Seal every stored row in positions (``after``, ``end``]: the chain's part of a runner's batch."""
        self._tx = None  # an event-by-event batch after this one reads the head afresh
        seals = seal_stretch(tx, _head_hash(tx), after, end)
        tx.insert_rows("rm_chain", _COLUMNS, [(s.position, s.stream_id, s.version, s.chain_hash) for s in seals])

    def handle(self, tx: Transaction, event: RecordedEvent) -> None:
        position = event.position
        assert position is not None, "the chain seals events read from the log"
        if tx is not self._tx:
            self._tx, self._rows = tx, {}
            self._previous = _head_hash(tx)
        row = self._rows.get(position)
        if row is None:
            self._rows = {r.id: r for r in raw_rows(tx, position - 1, RAW_READ)}
            row = self._rows[position]
        chain_hash = link(self._previous, row)
        tx.execute(_INSERT, {"p": position, "s": str(row.originator_id), "v": row.originator_version, "h": chain_hash})
        self._previous = chain_hash


def _head_hash(tx: Transaction) -> bytes:
    """The hash at the chain's head: its last row's, ``GENESIS`` before the first."""
    last = tx.rows("SELECT chain_hash FROM rm_chain ORDER BY position DESC LIMIT 1")  # rows: a rebuild's too
    return bytes(last[0]["chain_hash"]) if last else GENESIS


def sealed_hashes(database: Database, after: int, last: int) -> dict[int, str]:
    """The chain hash (hex) sealed for each position in (``after``, ``last``]; unsealed positions are absent."""
    with database.read() as tx:
        rows = tx.rows(
            "SELECT position, chain_hash FROM rm_chain WHERE position > :after AND position <= :last",
            {"after": after, "last": last},
        )
    return {int(r["position"]): bytes(r["chain_hash"]).hex() for r in rows}
