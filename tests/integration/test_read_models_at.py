"""Read models as of a log position, on SQLite and PostgreSQL stores: the scratch copy built by replaying the log up to
P reads what the live read model held when the head was P (captured then), whatever was appended since; the live
tables are never touched; copies are cached and a later one starts from an earlier; positions by recorded time.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bench.history import make_template, write_history
from claims.adapters.persistence.database import Database
from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.application.read_at import PositionBeyondHeadError, RecordedMoments, resolve_position, statutory_case_at
from claims.domain.claim.commands import PostPayment
from claims.domain.errors import InvalidCommandError, NotFoundError
from claims.projections.as_of import ReadModelsAt, ReplayStoppedError
from claims.projections.claims import ClaimDirectory
from claims.projections.commitment_queries import ClockFilter, CommitmentQueries, LedgerFilter
from tests.builders import CN_VIN, call
from tests.conftest import MIGRATIONS, FixedClock
from tests.integration.commitment_scenes import (
    CN_NOW,
    CN_START,
    World,
    cn_repair,
    cn_vehicle_sold,
    request_refund,
    us_claim,
)
from tests.unit.domain import claim_builders as cb

EVERY_CLOCK, EVERY_ENTRY = ClockFilter(), LedgerFilter()


@pytest.fixture(params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, clock: FixedClock) -> World:
    return World(request.getfixturevalue(f"{request.param}_store"), clock)


@dataclass(frozen=True)
class Seen:
    """Everything the three read models answer with no filter, at one moment."""

    claims: list[Any]
    clocks: list[Any]
    entries: list[Any]
    balances: Any


def seen(database: Database) -> Seen:
    claims = ClaimDirectory(database).list(
        dealer_id="", vin="", status="", filed_from=None, filed_to=None, after="", limit=1000
    )
    queries = CommitmentQueries(database)
    return Seen(
        claims=claims,
        clocks=queries.clocks(EVERY_CLOCK, after="", limit=1000),
        entries=queries.compensation_entries(EVERY_ENTRY, after="", limit=1000),
        balances=queries.compensation_balances(EVERY_ENTRY),
    )


def live(world: World) -> Seen:
    world.catch_up()
    assert world.persistence.database is not None
    return seen(world.persistence.database)


def as_of(read_models: ReadModelsAt, position: int) -> Seen:
    claims = seen(read_models.at("claims", position).database)
    clocks = seen(read_models.at("commitments", position).database)
    ledger = seen(read_models.at("compensation", position).database)
    return Seen(claims.claims, clocks.clocks, ledger.entries, ledger.balances)


def first_stretch(world: World) -> int:
    """A US-CA claim filed, a CN vehicle repaired for 130 h (a courtesy car owed), the timer's breaches booked."""
    us_claim(world)
    cn_vehicle_sold(world)
    cn_repair(world, 1, CN_START + timedelta(days=10), hours=130)
    world.tick()
    return world.persistence.events.head_position()


def second_stretch(world: World) -> int:
    """A day later: the (deemed approved) claim paid, four more repairs (one long), a refund asked, the timer ticked."""
    world.clock.now = CN_NOW + timedelta(days=1)
    world.app.handle_claim(call(), PostPayment(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, credit_reference="C"))
    for n in range(2, 6):
        cn_repair(world, n, CN_START + timedelta(days=10 * n), hours=130 if n == 2 else 30)
    request_refund(world)
    world.tick()
    return world.persistence.events.head_position()


def test_the_read_models_at_p_are_what_the_live_ones_held_when_the_head_was_p(world: World) -> None:
    p = first_stretch(world)
    then = live(world)
    case_then = world.app.get_statutory_case(CN_VIN)
    assert (len(then.claims), len(then.clocks), len(then.entries)) == (1, 4, 2)
    head = second_stretch(world)
    now = live(world)
    assert head > p
    assert (len(now.claims), len(now.clocks), len(now.entries)) == (1, 14, 4)
    assert now.claims != then.claims  # the claim paid since
    read_models = ReadModelsAt(world.persistence.events, MIGRATIONS)

    assert as_of(read_models, p) == then
    assert as_of(read_models, head) == now
    assert statutory_case_at(world.persistence.events, CN_VIN, p) == case_then
    assert statutory_case_at(world.persistence.events, CN_VIN, head) == world.app.get_statutory_case(CN_VIN)
    assert live(world) == now  # the live tables were never touched


def test_a_copy_is_cached_and_a_later_one_replays_only_the_stretch_after_the_nearest_earlier(world: World) -> None:
    p = first_stretch(world)
    head = second_stretch(world)
    read_models = ReadModelsAt(world.persistence.events, MIGRATIONS, batch_size=7, cache_size=2)

    first = read_models.at("claims", p)
    again = read_models.at("claims", p)
    later = read_models.at("claims", head)
    from_scratch = ReadModelsAt(world.persistence.events, MIGRATIONS).at("claims", head)

    claim_events = [e for e in world.persistence.events.read_all(0, 10_000) if e.topic.startswith("claims.claim.")]
    assert first.events_replayed == sum(1 for e in claim_events if (e.position or 0) <= p) > 0
    assert again.events_replayed == 0
    assert later.events_replayed == sum(1 for e in claim_events if (e.position or 0) > p) > 0
    assert from_scratch.events_replayed == len(claim_events)
    assert seen(later.database).claims == seen(from_scratch.database).claims
    assert seen(read_models.at("claims", p).database).claims == seen(first.database).claims  # the base is unchanged


def test_the_cache_keeps_only_the_newest_copies(world: World) -> None:
    head = first_stretch(world)
    read_models = ReadModelsAt(world.persistence.events, MIGRATIONS, cache_size=1)
    read_models.at("claims", head)
    read_models.at("commitments", head)
    assert read_models.at("commitments", head).events_replayed == 0
    assert read_models.at("claims", head).events_replayed > 0  # pushed out by the commitments' copy


def test_a_recorded_moment_names_the_longest_stretch_of_the_log_recorded_by_then(world: World) -> None:
    p = first_stretch(world)
    head = second_stretch(world)
    store = world.persistence.events

    assert resolve_position(store, position=None, recorded_at=CN_NOW) == p
    assert resolve_position(store, position=None, recorded_at=CN_NOW + timedelta(hours=23)) == p
    assert resolve_position(store, position=None, recorded_at=CN_NOW + timedelta(days=1)) == head
    assert resolve_position(store, position=None, recorded_at=CN_START.replace(year=2020)) == 0
    assert resolve_position(store, position=p, recorded_at=None) == p


def test_refusals_name_what_is_wrong(world: World) -> None:
    head = first_stretch(world)
    store = world.persistence.events
    with pytest.raises(PositionBeyondHeadError) as beyond:
        resolve_position(store, position=head + 1, recorded_at=None)
    assert (beyond.value.reason, beyond.value.metadata) == (
        "POSITION_BEYOND_HEAD", {"position": str(head + 1), "head": str(head)},
    )  # fmt: skip
    for position, recorded_at, field in ((-1, None, "position"), (None, None, "as_of"), (1, CN_NOW, "as_of")):
        with pytest.raises(InvalidCommandError) as bad:
            resolve_position(store, position=position, recorded_at=recorded_at)
        assert [v.field for v in bad.value.violations] == [field]
    with pytest.raises(InvalidCommandError) as unknown:
        ReadModelsAt(store, MIGRATIONS).at("rm_claims", head)
    assert [v.field for v in unknown.value.violations] == ["read_model"]
    with pytest.raises(NotFoundError):
        statutory_case_at(store, CN_VIN, 3)  # only the US vehicle's first events by then


def test_a_replay_stops_between_batches_when_its_caller_is_gone_and_keeps_nothing(world: World) -> None:
    head = first_stretch(world)
    read_models = ReadModelsAt(world.persistence.events, MIGRATIONS, batch_size=5)
    asked: list[int] = []

    def gone_after_two_batches() -> bool:
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(ReplayStoppedError) as stopped:
        read_models.at("claims", head, gone_after_two_batches)
    assert (stopped.value.reason, stopped.value.metadata["reached"]) == ("REPLAY_STOPPED", "10")
    full = read_models.at("claims", head)
    assert full.events_replayed > 0  # nothing of the stopped replay was kept
    assert seen(full.database).claims == live(world).claims


def test_callers_asking_for_the_same_copy_at_once_share_one_replay(world: World) -> None:
    head = first_stretch(world)
    read_models = ReadModelsAt(world.persistence.events, MIGRATIONS, batch_size=3)
    with ThreadPoolExecutor(max_workers=4) as pool:
        copies = list(pool.map(lambda _: read_models.at("commitments", head), range(4)))
    replayed = sorted(c.events_replayed for c in copies)
    assert replayed[:3] == [0, 0, 0]
    assert replayed[3] > 0
    assert all(seen(c.database).clocks == live(world).clocks for c in copies)


class ReadsCounted:
    """The store, with each ``read_all`` call's starting position noted."""

    def __init__(self, store: Any) -> None:
        self._store, self.reads_after, self.limits = store, list[int](), list[int]()

    def read_all(self, after: int, limit: int) -> Any:
        self.reads_after.append(after)
        self.limits.append(limit)
        return self._store.read_all(after, limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_moments_found_once_are_not_read_again_and_later_ones_read_on_from_them(world: World) -> None:
    p = first_stretch(world)
    head = second_stretch(world)
    store, moments = ReadsCounted(world.persistence.events), RecordedMoments()

    assert moments.resolve(store, CN_NOW) == p  # ended by the first event of the second stretch: for good
    assert store.reads_after[0] == 0
    store.reads_after.clear()
    assert moments.resolve(store, CN_NOW) == p
    assert store.reads_after == []
    later = CN_NOW + timedelta(days=2)
    assert moments.resolve(store, later) == head  # read on from p, not from the start
    assert store.reads_after[0] == p

    cn_repair(world, 9, CN_START + timedelta(days=90), hours=10)  # recorded a day after CN_NOW: before `later`
    assert moments.resolve(store, later) == world.persistence.events.head_position() > head  # it reached the head


def test_a_moment_before_the_first_event_is_found_from_one_small_page_and_a_later_one_in_widening_pages(
    world: World,
) -> None:
    # given a log of two stretches
    first_stretch(world)
    head = second_stretch(world)
    store = ReadsCounted(world.persistence.events)
    # when a moment before anything was recorded is resolved
    before_all = resolve_position(store, position=None, recorded_at=datetime(2000, 1, 1, tzinfo=UTC))
    # then it names the empty log, found by reading one page of 16 events
    assert before_all == 0
    assert store.limits == [16]
    # when a moment after everything is resolved from the start
    store.limits.clear()
    assert resolve_position(store, position=None, recorded_at=CN_NOW + timedelta(days=30)) == head
    # then the pages read doubled from 16 (up to the bound of 500)
    assert store.limits[:3] == [16, 32, 64]
    assert all(b == min(a * 2, 500) for a, b in zip(store.limits, store.limits[1:], strict=False))


def test_a_memory_store_has_read_models_at_a_position_too() -> None:
    store = open_store(parse_store_url("memory://")).events
    head = write_history(store, 300, run="MEM")
    copy = ReadModelsAt(store, MIGRATIONS).at("claims", head)
    claims = seen(copy.database).claims
    assert len(claims) == -(-300 // make_template().events_per_unit)
    assert {c.status for c in claims} == {"PAID"}
