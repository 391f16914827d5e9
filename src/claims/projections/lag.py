"""How far each projection is behind the log, read from the store (for the metrics scrape).

Every tracking row is reported, whichever process runs the projection: a `claims serve` with its projections
in `claims project` workers still shows their lag. Seconds behind is the age (on the given clock) of the
oldest event a projection has not processed yet, 0 when it is at the head.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from claims.adapters.persistence.database import Database
from claims.adapters.persistence.verify import CHAIN
from claims.application.ports import EventStore
from claims.metrics import LogSnapshot


class StoreProbe:
    """One ``snapshot()`` per scrape: three small queries, plus one event read per lagging projection."""

    def __init__(self, store: EventStore, database: Database, clock: Callable[[], datetime]) -> None:
        self._store, self._db, self._clock = store, database, clock

    def snapshot(self) -> LogSnapshot:
        with self._db.read() as tx:
            rows = tx.rows("SELECT projection, position FROM projection_tracking")
        positions = {str(r["projection"]): int(r["position"]) for r in rows}
        head = self._store.head_position()
        now = self._clock()
        behind: dict[str, float] = {}
        oldest: dict[int, datetime | None] = {}  # projections at the same position share one read
        for name, position in positions.items():
            if position >= head:
                behind[name] = 0.0
                continue
            if position not in oldest:
                events = self._store.read_all(position, 1)
                oldest[position] = events[0].metadata.recorded_at if events else None
            recorded = oldest[position]
            behind[name] = max((now - recorded).total_seconds(), 0.0) if recorded is not None else 0.0
        return LogSnapshot(head=head, positions=positions, seconds_behind=behind, sealed=positions.get(CHAIN, 0))
