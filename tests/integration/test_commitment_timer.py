"""The commitment timer on a SQLite file: due consequences recorded exactly once, across ticks, timers and restarts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from claims.adapters.persistence.factory import StoreLocation, open_store
from claims.adapters.persistence.migrations import apply_migrations
from claims.application.timers import ClockBoard, CommitmentTimer, DueClock, request_id_for
from claims.bootstrap import start_engine
from claims.config import Settings
from claims.domain.claim.values import ClaimStatus
from claims.domain.commitment.events import CommitmentBreached
from claims.projections.claims import ClaimDirectory
from claims.projections.commitments import ClockStatus
from tests.builders import CN_VIN
from tests.conftest import MIGRATIONS, FixedClock, sqlite_location
from tests.integration.commitment_scenes import (
    CLAIM_ID,
    CN_CASE_ID,
    DAY_30_ENDS,
    World,
    answer,
    entitled_to_refund,
    request_refund,
    us_claim,
)
from tests.unit.domain import claim_builders as cb

DEEMED = "claims.claim.ClaimDeemedApproved"
BREACHED = "claims.commitment.CommitmentBreached"
ANSWER = "CN-REPLACE-REFUND-ANSWER"


@pytest.fixture
def location(tmp_path: Path) -> StoreLocation:
    location = sqlite_location(tmp_path)
    apply_migrations(location, MIGRATIONS)
    return location


@contextmanager
def running(location: StoreLocation, clock: FixedClock) -> Iterator[World]:
    """A process's worth of objects on the store file: store, application, projections, timer."""
    persistence = open_store(location)
    try:
        yield World(persistence, clock)
    finally:
        persistence.close()


class LaggingBoard:
    """A read model that has not yet seen what the last tick did (a crash before it caught up, a second timer)."""

    def __init__(self, board: ClockBoard) -> None:
        self._board = board
        self.seen: list[DueClock] = []

    def position(self) -> int:
        return 10**9

    def due(self, now: datetime, limit: int) -> list[DueClock]:
        return self.seen or self._board.due(now, limit)


def status(world: World) -> ClaimStatus:
    return world.app.get_claim(cb.DEALER, cb.CLAIM_NUMBER)[0].status


def test_a_california_claim_is_deemed_approved_on_its_30th_day_exactly_once_across_a_restart(
    location: StoreLocation, clock: FixedClock
) -> None:
    with running(location, clock) as world:
        us_claim(world)
        clock.advance(days=29)
        assert world.tick() == []
        assert status(world) == ClaimStatus.UNDER_REVIEW

        clock.now = DAY_30_ENDS  # the 30th day has run out undecided
        world.catch_up()
        (fired,) = world.timer.tick()
        assert fired.clock.commitment_code == "US-CA-CLAIM-DECISION"
        assert request_id_for(fired.clock) == f"timer/US-CA-CLAIM-DECISION/{CLAIM_ID}/2026-03-10T10:00:00.000000+00:00"
        claim = world.app.get_claim(cb.DEALER, cb.CLAIM_NUMBER)[0]
        assert (claim.status, claim.deemed_approved_at) == (ClaimStatus.APPROVED, DAY_30_ENDS)
        assert world.count(DEEMED) == 1
        # The process dies here, before its projections saw the approval.

    with running(location, clock) as world:  # the restart: new store, application, projections and timer
        lagging = LaggingBoard(world.board)
        (again,) = CommitmentTimer(world.app, lagging, catch_up_seconds=0).tick()  # still sees the clock as due
        assert again.result == fired.result  # the first answer, and nothing written
        assert world.count(DEEMED) == 1

        assert world.tick() == []  # caught up: the clock is breached, the payment clock runs
        assert world.tick() == []
        assert world.count(DEEMED) == 1
        assert status(world) == ClaimStatus.APPROVED
        decision = world.clock_of("US-CA-CLAIM-DECISION", subject_id=CLAIM_ID)
        assert (decision.status, decision.breached_at, decision.stopped_at) == (
            ClockStatus.BREACHED, DAY_30_ENDS, DAY_30_ENDS
        )  # fmt: skip
        assert world.clock_of("US-CA-CLAIM-PAYMENT", subject_id=CLAIM_ID).started_at == DAY_30_ENDS
        row = ClaimDirectory(world.persistence.database).get(str(CLAIM_ID))  # type: ignore[arg-type]
        assert row is not None
        assert (row.status, row.approved_total) == ("APPROVED", "582.75")


def test_two_timers_on_one_due_clock_record_one_deemed_approval(location: StoreLocation, clock: FixedClock) -> None:
    with running(location, clock) as world:
        us_claim(world)
        clock.now = DAY_30_ENDS + timedelta(hours=1)
        world.catch_up()
        first, second = LaggingBoard(world.board), LaggingBoard(world.board)
        second.seen = world.board.due(clock(), 10)  # both read the clock before either acted
        CommitmentTimer(world.app, first, catch_up_seconds=0).tick()
        CommitmentTimer(world.app, second, catch_up_seconds=0).tick()
        assert world.count(DEEMED) == 1
        assert world.tick() == []


def test_a_cn_remedy_request_answered_late_is_breached_exactly_once(location: StoreLocation, clock: FixedClock) -> None:
    with running(location, clock) as world:
        entitled_to_refund(world)
        request_refund(world)  # Monday 2026-06-01: the answer is due by the end of 2026-06-15
        clock.now = datetime(2026, 6, 15, 23, 0, tzinfo=UTC)
        assert world.tick() == []
        clock.now = datetime(2026, 6, 16, 0, 5, tzinfo=UTC)
        (fired,) = world.tick()
        assert (fired.clock.commitment_code, fired.clock.subject_id) == (ANSWER, CN_CASE_ID)
        assert world.tick() == []
        clock.advance(days=1)
        answer(world)
        case, _ = world.app.get_statutory_case(CN_VIN)
        assert case.remedy is not None
        assert case.remedy.answered_late
        assert world.tick() == []

    with running(location, clock) as world:
        assert world.tick() == []
        assert world.count(BREACHED) == 1
        (breach,) = [e.event for e in world.persistence.events.read_all(0, 10_000) if e.topic == BREACHED]
        assert isinstance(breach, CommitmentBreached)
        assert (breach.consequence, breach.amount, breach.dealer_id) == ("OVERDUE", None, "D042")
        assert breach.due_at == datetime(2026, 6, 15, 23, 59, 59, 999999, tzinfo=UTC)
        late = world.clock_of(ANSWER, subject_id=CN_CASE_ID)
        assert (late.status, late.breached_at, late.stopped_at) == (
            ClockStatus.BREACHED, datetime(2026, 6, 16, 0, 5, tzinfo=UTC), datetime(2026, 6, 17, 0, 5, tzinfo=UTC)
        )  # fmt: skip
        assert world.clock_of("CN-REPLACE-REFUND-COMPLETION", subject_id=CN_CASE_ID).status == ClockStatus.OPEN


def test_a_cn_answer_given_late_before_any_tick_is_breached_once_at_the_next_tick(
    location: StoreLocation, clock: FixedClock
) -> None:
    with running(location, clock) as world:
        entitled_to_refund(world)
        request_refund(world)
        clock.now = datetime(2026, 6, 17, 10, tzinfo=UTC)
        answer(world)
        assert len(world.tick()) == 1
        assert world.tick() == []
        assert world.count(BREACHED) == 1
        assert world.clock_of(ANSWER, subject_id=CN_CASE_ID).breached_at == clock()


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_the_server_runs_the_timer_at_its_own_clock(location: StoreLocation, clock: FixedClock) -> None:
    settings = Settings(
        store_url=f"sqlite:///{location.sqlite_path}",
        listen="127.0.0.1:0",
        auth="off",
        grace_seconds=0,
        migrations_dir=MIGRATIONS,
        timer_interval_seconds=0.05,
    )
    engine = start_engine(settings, clock)
    try:
        assert engine.timer is not None
        writer = World(engine.persistence, clock)  # writes only: the server's own projections and timer run
        us_claim(writer)
        time.sleep(0.3)
        assert writer.count(DEEMED) == 0
        clock.now = DAY_30_ENDS
        assert eventually(lambda: writer.count(DEEMED) == 1)
        time.sleep(0.3)
        assert writer.count(DEEMED) == 1
        assert status(writer) == ClaimStatus.APPROVED
    finally:
        engine.stop(grace=0)
