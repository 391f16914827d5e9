"""``state_at`` loads a stream with its positions in one query for the stream (not one per event), and its
answers are the same as replaying ``load`` with a ``position_of`` for each event, on every store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bench.history import _NOW as T0
from bench.history import CLAIM, DEALER
from bench.history import _unit_commands as unit_commands
from claims.adapters.persistence.factory import Persistence, open_store, parse_store_url
from claims.application.app import ClaimsApplication
from claims.application.messages import CallContext
from claims.application.ports import EventStore
from claims.application.state_at import StateAt, SubjectKind, state_at, subject_stream
from claims.domain.errors import NotFoundError


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Persistence:
    if request.param == "memory":
        return open_store(parse_store_url("memory://"))
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


def replayed(store: EventStore, kind: SubjectKind, key: tuple[str, ...], **as_of: object) -> StateAt:
    """The answer as ``state_at`` gave it before: ``load``, a filter, a fold, and ``position_of`` per event."""
    stream_id, stream = subject_stream(kind, key)
    recorded = store.load(stream_id)
    if "version" in as_of:
        chosen = [r for r in recorded if r.version <= as_of["version"]]  # type: ignore[operator]
    elif "at" in as_of:
        chosen = [r for r in recorded if r.metadata.recorded_at <= as_of["at"]]  # type: ignore[operator]
    else:
        chosen = recorded
    events = tuple(replace(r, position=store.position_of(r.stream_id, r.version)) for r in chosen)
    state = stream.fold(None, [r.event for r in chosen])
    return StateAt(kind=kind, stream_id=stream_id, version=chosen[-1].version, state=state, events=events)  # type: ignore[arg-type]


def test_state_at_answers_as_a_full_replay_with_a_position_lookup_per_event(store: Persistence) -> None:
    ticks = iter(range(1_000))
    app = ClaimsApplication(store.events, lambda: T0 + timedelta(minutes=next(ticks)))
    handlers = {"vehicle": app.handle_vehicle, "repair_order": app.handle_repair_order, "claim": app.handle_claim}
    for n, (kind, command) in enumerate(unit_commands()):
        handlers[kind](CallContext(actor="tester", request_id=f"r-{n}", correlation_id="c"), command)
    key = (DEALER, CLAIM)
    stream_id, _ = subject_stream(SubjectKind.CLAIM, key)
    recorded = store.events.load(stream_id)
    assert len(recorded) > 2
    assert len({r.metadata.recorded_at for r in recorded}) > 1
    with_positions = store.events.load_with_positions(stream_id)
    assert [r.position for r in with_positions] == [store.events.position_of(r.stream_id, r.version) for r in recorded]
    assert [replace(r, position=None) for r in with_positions] == [replace(r, position=None) for r in recorded]
    assert store.events.load_with_positions(stream_id, up_to=2) == with_positions[:2]
    assert store.events.load_with_positions(stream_id, up_to=len(recorded) + 5) == with_positions
    moments = [r.metadata.recorded_at for r in recorded]
    cases: list[dict[str, object]] = [{}, *({"version": v} for v in range(1, len(recorded) + 1))]
    with pytest.raises(NotFoundError, match=f"has no version {len(recorded) + 1} \\(it has {len(recorded)}\\)"):
        state_at(store.events, SubjectKind.CLAIM, key, version=len(recorded) + 1)
    cases += [{"at": m} for m in moments] + [{"at": moments[-1] + timedelta(days=1)}]
    for as_of in cases:
        assert state_at(store.events, SubjectKind.CLAIM, key, **as_of) == replayed(  # type: ignore[arg-type]
            store.events, SubjectKind.CLAIM, key, **as_of
        ), as_of
