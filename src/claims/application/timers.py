"""The commitment timer: on each tick, carry out the consequence of every clock that ran out, exactly once.

It reads the clocks that are due from the commitments read model (a ``ClockBoard``), at the application's
own clock, and runs each consequence through the application like any caller, as ``system:timer`` with a
request id derived from the clock run (commitment, subject, start). So a tick that crashes after its
command, a tick repeated before the read model caught up, or two timers in two processes all send the same
request, and the request record answers every repeat with the first result. Under that, the domain refuses
twice anyway: a deemed-approved claim answers ``[]``, and a breach is appended at version 1 of the clock
run's own stream.

The read model lags the log: a tick first waits (briefly) for it to reach the log's head as of the tick, so
a clock stopped just in time is not taken for one that ran out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from claims.application.messages import CallContext, CommandResult
from claims.domain.claim.commands import DeemApproval
from claims.domain.commitment.commands import RecordBreach
from claims.domain.errors import ClaimsError
from claims.domain.statutory.clocks import DeemedOutcome

if TYPE_CHECKING:
    from claims.application.app import ClaimsApplication

log = logging.getLogger("claims.timer")

TIMER_ACTOR = "system:timer"
DEFAULT_BATCH = 100

# Called after each tick with the clocks found due, the consequence sent for each one fired ("deemed_approval"
# or "breach"), and how many the application refused (metrics).
TickObserver = Callable[[int, list[str], int], None]


@dataclass(frozen=True)
class DueClock:
    """A run of a commitment's clock that ran out and whose consequence is not recorded yet.

    ``stopped`` when it was stopped, late: only the breach can still be recorded, not a deemed outcome.
    """

    commitment_code: str
    subject_id: UUID
    subject_kind: str
    subject_ref: str
    vehicle_id: UUID | None
    dealer_id: str | None
    started_at: datetime
    due_at: datetime
    consequence: str
    stopped: bool


class ClockBoard(Protocol):
    """Where the timer reads clocks: the commitments read model."""

    def position(self) -> int:
        """How far the read model has processed the log."""
        ...

    def due(self, now: datetime, limit: int) -> list[DueClock]:
        """Up to ``limit`` clocks due at ``now``, earliest first."""
        ...


def request_id_for(clock: DueClock) -> str:
    """The one request id a clock run's consequence is ever sent under."""
    started = clock.started_at.astimezone(UTC).isoformat(timespec="microseconds")
    return f"timer/{clock.commitment_code}/{clock.subject_id}/{started}"


@dataclass(frozen=True)
class Fired:
    """A consequence the timer sent, and what the application answered (the first answer, on a repeat)."""

    clock: DueClock
    result: CommandResult


class CommitmentTimer:
    """One tick at a time: due clocks → deemed approvals and breaches, through the application."""

    def __init__(
        self,
        app: ClaimsApplication,
        board: ClockBoard,
        *,
        batch: int = DEFAULT_BATCH,
        catch_up_seconds: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._app, self._board, self._batch = app, board, batch
        self._catch_up_seconds, self._sleep = catch_up_seconds, sleep
        self._observers: list[TickObserver] = []

    def on_tick(self, observer: TickObserver) -> None:
        """Call ``observer(due, fired consequences, refused)`` after each tick that read the due clocks."""
        self._observers.append(observer)

    def tick(self) -> list[Fired]:
        """Act on the clocks due now (at most one batch); a refused consequence is logged and skipped."""
        now = self._app.clock()
        if not self._caught_up(self._app.store.head_position()):
            log.info("commitments read model is behind the log; the timer waits for the next tick")
            return []
        fired: list[Fired] = []
        due = self._board.due(now, self._batch)
        for clock in due:
            try:
                fired.append(Fired(clock, self._fire(clock)))
            except ClaimsError as error:
                log.warning("timer: %s on %s not recorded: %s", clock.commitment_code, clock.subject_id, error)
        for observer in self._observers:
            observer(len(due), [consequence_of(f.clock) for f in fired], len(due) - len(fired))
        return fired

    def _caught_up(self, head: int) -> bool:
        deadline = time.monotonic() + self._catch_up_seconds
        while self._board.position() < head:
            if time.monotonic() >= deadline:
                return False
            self._sleep(0.02)
        return True

    def _fire(self, clock: DueClock) -> CommandResult:
        request_id = request_id_for(clock)
        call = CallContext(actor=TIMER_ACTOR, request_id=request_id, correlation_id=request_id)
        if consequence_of(clock) == "deemed_approval":
            assert clock.dealer_id is not None
            approval = DeemApproval(
                dealer_id=clock.dealer_id,
                claim_number=clock.subject_ref,
                commitment_code=clock.commitment_code,
                due_at=clock.due_at,
            )
            return self._app.handle_claim(call, approval)
        breach = RecordBreach(
            commitment_code=clock.commitment_code,
            subject_id=clock.subject_id,
            subject_kind=clock.subject_kind,
            started_at=clock.started_at,
            due_at=clock.due_at,
            vehicle_id=clock.vehicle_id,
            dealer_id=clock.dealer_id,
        )
        return self._app.handle_commitment(call, breach)


def consequence_of(clock: DueClock) -> str:
    """What the timer sends for ``clock``: a deemed approval of an undecided claim, else a breach."""
    deems_approval = clock.consequence == DeemedOutcome.APPROVED.value and clock.subject_kind == "claim"
    return "deemed_approval" if deems_approval and not clock.stopped and clock.dealer_id is not None else "breach"


class TimerThread:
    """Ticks a timer every ``interval`` seconds in a daemon thread until stopped."""

    def __init__(self, timer: CommitmentTimer, interval: float) -> None:
        if interval <= 0:
            raise ValueError("a timer ticks at a positive interval")
        self._timer, self._interval = timer, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def timer(self) -> CommitmentTimer:
        """The timer it ticks (a tick can also be run at once, as the thread runs it)."""
        return self._timer

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="commitment-timer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._timer.tick()
            except Exception:
                # The store may be briefly unavailable; the next tick tries again (nothing was half-done).
                log.exception("timer tick failed; it will be retried")
