"""A stretch of one stream's events read with SQL inside a read model's transaction, decoded, with positions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from claims.adapters.persistence.mapper import to_recorded
from claims.application.messages import RecordedEvent

_SELECT = {
    "sqlite": "SELECT rowid AS position, originator_version AS version, topic, state FROM stored_events",
    "postgresql": "SELECT notification_id AS position, originator_version AS version, topic, state FROM claims_events",
}
_WHERE = " WHERE originator_id = :id AND originator_version > :after"
_ORDER = " ORDER BY originator_version"


def stream_events(tx: Any, stream_id: UUID, after: int, last: int | None) -> list[RecordedEvent]:
    """The events of ``stream_id`` with versions in (``after``, ``last``] (to the end when ``last`` is None), in
    version order, each with its position: one query in ``tx`` (a ``Transaction``; on PostgreSQL its search path
    names the schema)."""
    originator = stream_id.hex if tx.dialect == "sqlite" else stream_id
    up_to = "" if last is None else " AND originator_version <= :last"
    query = _SELECT[tx.dialect] + _WHERE + up_to + _ORDER
    rows = tx.rows(query, {"id": originator, "after": after, "last": last})
    return [
        to_recorded(StoredEvent(stream_id, int(r["version"]), str(r["topic"]), bytes(r["state"])), int(r["position"]))
        for r in rows
    ]
