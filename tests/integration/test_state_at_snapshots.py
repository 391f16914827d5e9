"""GetStateAt from a snapshot and the events after it answers exactly as a full replay, for every version and
every recorded moment of a stream, on every store: with the snapshots projection caught up, behind, run by a
worker or rebuilt, and with snapshots written by other code (ignored, never trusted)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

import pytest

from bench.history import _NOW as T0
from bench.history import CLAIM, DEALER
from bench.history import _unit_commands as unit_commands
from claims.adapters.grpc.state_at_view import get_state_at
from claims.adapters.persistence.factory import Persistence, open_store, parse_store_url
from claims.api.v1 import audit_pb2 as pb
from claims.application.app import ClaimsApplication
from claims.application.messages import CallContext, NewEvent, RecordedEvent
from claims.application.ports import EventStore
from claims.application.snapshots import BY_NAME, IndexAnswer, StoredSnapshot
from claims.application.state_at import StateAt, SubjectKind, state_at, subject_stream
from claims.domain.claim.events import PartInspected, PartReceived, PartReturnRequested
from claims.domain.errors import NotFoundError
from claims.projections.rebuild import rebuild
from claims.projections.runner import ProjectionRunner
from claims.projections.snapshots import SnapshotProjection, SqlStateIndex
from claims.projections.worker import ProjectionWorker, WorkerState
from tests.integration.test_state_at_loading import replayed

INTERVAL = 4
KEY = (DEALER, CLAIM)


class FoldedIndex:
    """A ``StateIndex`` for the memory store (which has no SQL for the projection): snapshots folded from the
    store's own events every ``INTERVAL`` versions, written with the same encoding the projection uses."""

    def __init__(self, store: EventStore, stream_id: UUID, fingerprint: str | None = None) -> None:
        kind = BY_NAME["claim"]
        self.store = store
        recorded = store.load_with_positions(stream_id)
        self.recorded = recorded
        self.snapshots: list[StoredSnapshot] = []
        for n in range(INTERVAL, len(recorded) + 1, INTERVAL):
            state = kind.stream.fold(None, [r.event for r in recorded[:n]])
            position = recorded[n - 1].position or 0
            self.snapshots.append(StoredSnapshot(n, position, fingerprint or kind.fingerprint, kind.encode(state)))

    @contextmanager
    def reading(self) -> Iterator[FoldedIndex]:
        yield self

    def events(self, stream_id: UUID, after: int, up_to: int | None) -> list[RecordedEvent]:
        return self.store.load_with_positions(stream_id, up_to=up_to, after=after)

    def lookup(self, stream_id: UUID, fingerprint: str, up_to: int | None, at: datetime | None) -> IndexAnswer:
        at_version = None
        if at is not None:
            at_version = max((r.version for r in self.recorded if r.metadata.recorded_at <= at), default=None)
            up_to = at_version or 0 if up_to is None else min(up_to, at_version or 0)
        usable = [s for s in self.snapshots if s.fingerprint == fingerprint and (up_to is None or s.version <= up_to)]
        return IndexAnswer(len(self.recorded), at_version, usable[-1] if usable else None)


def claim_history(store: EventStore, extra: int) -> UUID:
    """The bench's unit (vehicle, repair order, claim filed, decided, paid), then ``extra`` part-return events."""
    ticks = iter(range(1_000))
    app = ClaimsApplication(store, lambda: T0 + timedelta(minutes=next(ticks)))
    handlers = {"vehicle": app.handle_vehicle, "repair_order": app.handle_repair_order, "claim": app.handle_claim}
    for n, (kind, command) in enumerate(unit_commands()):
        handlers[kind](CallContext(actor="tester", request_id=f"r-{n}", correlation_id="c"), command)
    stream_id, _ = subject_stream(SubjectKind.CLAIM, KEY)
    grow(store, stream_id, extra)
    return stream_id


def grow(store: EventStore, stream_id: UUID, extra: int) -> None:
    """Append ``extra`` part-return events to the claim, a minute apart (two requests, so two part returns)."""
    last = store.load(stream_id)[-1]
    pending = []
    for version in range(last.version + 1, last.version + extra + 1):
        when = last.metadata.recorded_at + timedelta(minutes=version)
        event: PartReturnRequested | PartReceived | PartInspected
        if version <= last.version + 2:
            event = PartReturnRequested(line_no=version - last.version, part_number="P-1", requested_at=when)
        elif version % 2:
            event = PartReceived(line_no=1 + version % 4 // 2, received_at=when)
        else:
            event = PartInspected(line_no=1, finding=f"check {version}", inspected_by="INSPECTOR", inspected_at=when)
        pending.append(NewEvent(stream_id, version, event, replace(last.metadata, recorded_at=when)))
    store.append(pending)


def every_moment(store: EventStore, stream_id: UUID) -> list[dict[str, object]]:
    recorded = store.load(stream_id)
    moments = [r.metadata.recorded_at for r in recorded]
    return [
        {},
        *({"version": v} for v in range(1, len(recorded) + 1)),
        *({"at": m} for m in moments),
        *({"at": m + timedelta(seconds=1)} for m in moments),
        {"at": moments[-1] + timedelta(days=1)},
    ]


def assert_all_as_replayed(store: EventStore, index: object, stream_id: UUID) -> None:
    for as_of in every_moment(store, stream_id):
        got = state_at(store, SubjectKind.CLAIM, KEY, index=index, **as_of)  # type: ignore[arg-type]
        assert got == replayed(store, SubjectKind.CLAIM, KEY, **as_of), as_of


def catch_up(store: Persistence, batch_size: int = 7) -> ProjectionRunner:
    assert store.database is not None
    runner = ProjectionRunner(store.events, store.database, [SnapshotProjection(INTERVAL)], batch_size=batch_size)
    runner.catch_up()
    return runner


def snapshot_versions(store: Persistence, stream_id: UUID) -> list[int]:
    assert store.database is not None
    with store.database.read() as tx:
        rows = tx.rows(
            "SELECT version FROM rm_snapshots WHERE stream_id = :s ORDER BY version",
            {"s": str(stream_id) if tx.dialect == "sqlite" else stream_id},
        )
    return [int(r["version"]) for r in rows]


def test_snapshot_and_tail_equal_a_full_replay_on_the_memory_store() -> None:
    store = open_store(parse_store_url("memory://")).events
    stream_id = claim_history(store, 30)
    index = FoldedIndex(store, stream_id)
    assert len(index.snapshots) >= 8
    assert_all_as_replayed(store, index, stream_id)
    # Without an index (what the memory store serves with) the answer is the same full replay.
    assert_all_as_replayed(store, None, stream_id)


@pytest.fixture(params=["sqlite", "postgres"])
def sql_store(request: pytest.FixtureRequest) -> Persistence:
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


def test_snapshot_and_tail_equal_a_full_replay_for_every_version_and_moment(sql_store: Persistence) -> None:
    assert sql_store.database is not None
    stream_id = claim_history(sql_store.events, 30)
    runner = catch_up(sql_store)
    length = len(sql_store.events.load(stream_id))
    assert snapshot_versions(sql_store, stream_id) == list(range(INTERVAL, length + 1, INTERVAL))
    index = SqlStateIndex(sql_store.database)
    assert_all_as_replayed(sql_store.events, index, stream_id)

    # The projection behind: events it has not seen are read from the log, for versions, moments and now.
    grow(sql_store.events, stream_id, 9)
    assert_all_as_replayed(sql_store.events, index, stream_id)
    runner.catch_up()
    assert snapshot_versions(sql_store, stream_id)[-1] == (length + 9) // INTERVAL * INTERVAL
    assert_all_as_replayed(sql_store.events, index, stream_id)

    # Paging the events that made a state: the pages put together are all of them, the state is whole on each.
    whole = state_at(sql_store.events, SubjectKind.CLAIM, KEY, index=index)
    pages: list[StateAt] = []
    first: int | None = 1
    while first is not None:
        page = state_at(sql_store.events, SubjectKind.CLAIM, KEY, index=index, events_from=first, events_limit=5)
        assert (page.state, page.version) == (whole.state, whole.version)
        pages.append(page)
        first = page.next_event_version
    assert [e for p in pages for e in p.events] == list(whole.events)
    assert len(pages) == -(-whole.version // 5)
    with pytest.raises(NotFoundError, match=f"has no version {whole.version + 1} \\(it has {whole.version}\\)"):
        state_at(sql_store.events, SubjectKind.CLAIM, KEY, index=index, version=whole.version + 1)

    # Over the API, a page token keeps the version its first page was about, whatever is appended meanwhile.
    claim_ref = pb.AuditClaimRef(dealer_id=DEALER, claim_number=CLAIM)
    opening = get_state_at(sql_store.events, pb.GetStateAtRequest(claim=claim_ref, events_page_size=5), index)
    grow(sql_store.events, stream_id, 3)
    request = pb.GetStateAtRequest(
        claim=claim_ref, events_page_size=5, events_page_token=opening.next_events_page_token
    )
    following = get_state_at(sql_store.events, request, index)
    assert opening.version == whole.version
    assert (following.version, following.state_json) == (opening.version, opening.state_json)
    assert [e.version for e in following.events] == [6, 7, 8, 9, 10]


def test_a_snapshot_is_used_only_when_this_code_wrote_it(sql_store: Persistence) -> None:
    assert sql_store.database is not None
    stream_id = claim_history(sql_store.events, 20)
    catch_up(sql_store)
    index = SqlStateIndex(sql_store.database)
    kind = BY_NAME["claim"]
    target = INTERVAL * 3
    honest = state_at(sql_store.events, SubjectKind.CLAIM, KEY, index=index, version=target)
    forged = honest.state.model_copy(update={"claim_number": "FORGED"})
    stream = str(stream_id) if sql_store.database.dialect == "sqlite" else stream_id
    # given a snapshot with this code's fingerprint whose state was changed, the answer shows it (it is used) ...
    with sql_store.database.write() as tx:
        tx.execute(
            "UPDATE rm_snapshots SET state = :state WHERE stream_id = :s AND version = :v",
            {"state": kind.encode(forged), "s": stream, "v": target},
        )
    assert state_at(sql_store.events, SubjectKind.CLAIM, KEY, index=index, version=target).state == forged
    # ... and when every snapshot says another code wrote it, none is used: the answer is a full replay again.
    with sql_store.database.write() as tx:
        tx.execute("UPDATE rm_snapshots SET fingerprint = 'other code' WHERE stream_id = :s", {"s": stream})
    assert_all_as_replayed(sql_store.events, index, stream_id)


def test_the_snapshots_projection_is_rebuilt_equal_and_runs_in_a_worker(sql_store: Persistence) -> None:
    assert sql_store.database is not None
    stream_id = claim_history(sql_store.events, 25)
    worker = ProjectionWorker(
        sql_store, SnapshotProjection(INTERVAL), batch_size=6, poll_seconds=0.01, retry_seconds=0.05
    )
    worker.start()
    try:
        assert worker.wait_until(WorkerState.ACTIVE, 10)
        head = sql_store.events.head_position()
        deadline = time.monotonic() + 30
        while _position(sql_store) < head and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        worker.stop()
    assert _position(sql_store) == head
    report = rebuild(sql_store, SnapshotProjection(INTERVAL), ("rm_stream_versions", "rm_snapshots"), batch_size=5)
    assert report.equal, report.difference and report.difference.describe()
    assert [c.live for c in report.counts] == [c.rebuilt for c in report.counts]
    assert report.counts[1].live >= len(sql_store.events.load(stream_id)) // INTERVAL
    assert_all_as_replayed(sql_store.events, SqlStateIndex(sql_store.database), stream_id)


def _position(store: Persistence, name: str = "snapshots") -> int:
    assert store.database is not None
    with store.database.read() as tx:
        rows = tx.rows("SELECT position FROM projection_tracking WHERE projection = :n", {"n": name})
    return int(rows[0]["position"]) if rows else 0
