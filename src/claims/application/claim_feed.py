"""Changes to the claims under one insurer's contracts, read from the global log in its order.

A claim is under the insurer's contracts when, at the position it was filed, its vehicle had a contract
of the insurer sold before and not yet cancelled or expired (the rule the contracts read model links
claims by). That depends only on the log before the filing, so the feed after any position is exactly
the tail of the feed from zero: resuming after the last position received repeats nothing and skips
nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar, get_args
from uuid import UUID

from claims.application.messages import RecordedEvent
from claims.application.ports import EventStore
from claims.application.streams import CLAIMS
from claims.application.widening import Widening
from claims.domain.claim.events import ClaimEvent, ClaimFiled
from claims.domain.claim.lines import total, zero
from claims.domain.claim.state import Claim
from claims.domain.claim.values import ClaimStatus
from claims.domain.contract.events import ContractCancelled, ContractExpired
from claims.domain.errors import FieldViolation, InvalidCommandError
from claims.domain.values import Money
from claims.domain.vehicle.events import ServiceContractLinked

K = TypeVar("K")
V = TypeVar("V")

# Remembered facts are derived from the log alone, so forgetting one only costs reading it again.
_REMEMBERED = 10_000
# The feed reads only claim events: the store filters by topic, so the rest of the log is passed over unread.
CLAIM_TOPICS = tuple(sorted(event.TOPIC for event in get_args(ClaimEvent)))
# Positions covered by one poll (claim events among them are decoded; the rest are skipped in the query).
POLL_POSITIONS = 2_000
# The first poll covers fewer: a watcher that stops after its first changes then decodes a few (see widening).
FIRST_POLL_POSITIONS = 64


class _Bounded(Generic[K, V]):
    """A small least-recently-used memory, safe to share between threads."""

    def __init__(self, size: int = _REMEMBERED) -> None:
        self._items: OrderedDict[K, V] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            if len(self._items) > self._size:
                self._items.popitem(last=False)


class FeedMemory:
    """What feeds derived from the log, shared by every feed over one store: all of it is a fact of the log
    before a position (the contracts a claim was filed under, a claim's state at a version), so it never goes
    stale, and a second feed over the same events reads and folds nothing again."""

    def __init__(self, size: int = _REMEMBERED) -> None:
        self.contracts: _Bounded[tuple[str, UUID], tuple[str, ...]] = _Bounded(size)
        self.states: _Bounded[tuple[UUID, int], Claim] = _Bounded(size)
        # A vehicle's contract links (of every insurer) up to the version read: later reads fetch only the tail.
        self.links: _Bounded[UUID, tuple[int, tuple[ContractLink, ...]]] = _Bounded(size)


@dataclass(frozen=True)
class ContractLink:
    """A contract linked on a vehicle: whose, which, the vehicle stream version that linked it and that event's
    log position (the sale's, for the feed)."""

    insurer_id: str
    contract_number: str
    contract_id: UUID
    version: int
    position: int


@dataclass(frozen=True)
class ClaimChange:
    """One change to a claim: its log position, the event's name, and the claim's status and amounts right after.

    ``approved_total`` is what the desk has approved line by line so far; ``paid_total`` is zero until paid.
    """

    position: int
    change: str
    claim_id: UUID
    dealer_id: str
    claim_number: str
    vin: str
    status: ClaimStatus
    claimed_total: Money
    approved_total: Money
    paid_total: Money
    changed_at: datetime
    contract_numbers: tuple[str, ...]
    version: int

    @classmethod
    def of(cls, recorded: RecordedEvent, claim: Claim, contract_numbers: tuple[str, ...]) -> ClaimChange:
        assert recorded.position is not None
        currency = claim.currency
        return cls(
            position=recorded.position,
            change=type(recorded.event).__name__,
            claim_id=claim.claim_id,
            dealer_id=claim.dealer_id,
            claim_number=claim.claim_number,
            vin=claim.vin,
            status=claim.status,
            claimed_total=claim.current.totals.total,
            approved_total=total((line.approved for line in claim.lines()), currency),
            paid_total=claim.payment.total if claim.payment is not None else zero(currency),
            changed_at=recorded.metadata.recorded_at,
            contract_numbers=contract_numbers,
            version=recorded.version,
        )


class ClaimFeed:
    """Polls the log after ``position`` for changes to claims under the insurer's contracts."""

    def __init__(self, store: EventStore, insurer_id: str, after: int, memory: FeedMemory) -> None:
        violations = []
        if not insurer_id:
            violations.append(FieldViolation("insurer_id", "required: the insurer whose contracts to watch"))
        if after < 0:
            violations.append(FieldViolation("after_position", "must not be negative"))
        elif after > (head := store.head_position()):
            violations.append(FieldViolation("after_position", f"beyond the newest position {head}"))
        if violations:
            raise InvalidCommandError(violations)
        self._store, self._insurer = store, insurer_id
        self.position = after
        self._memory = memory
        self._windows = Widening(FIRST_POLL_POSITIONS, POLL_POSITIONS)

    def poll(self, limit: int | None = None) -> list[ClaimChange]:
        """The changes among the next ``limit`` positions of the log (up to its head); ``position`` moves past
        all of them. Only claim events are read: the store skips the others in its query. Without a ``limit``,
        polls widen from ``FIRST_POLL_POSITIONS`` to ``POLL_POSITIONS``."""
        scan = self._store.scan(self.position, limit or self._windows.take(), CLAIM_TOPICS)
        changes = [change for recorded in scan.events if (change := self._change(recorded)) is not None]
        self.position = scan.end
        return changes

    def _change(self, recorded: RecordedEvent) -> ClaimChange | None:
        numbers = self._contracts_for(recorded)
        return ClaimChange.of(recorded, self._state_after(recorded), numbers) if numbers else None

    def _contracts_for(self, recorded: RecordedEvent) -> tuple[str, ...]:
        """The insurer's contracts the claim was filed under (none: not the insurer's claim)."""
        claim_id = recorded.stream_id
        known = self._memory.contracts.get((self._insurer, claim_id))
        if known is None:
            if isinstance(recorded.event, ClaimFiled):
                filed, filed_at = recorded.event, recorded.position
            else:
                first = self._store.load(claim_id)[0]
                assert isinstance(first.event, ClaimFiled)
                filed, filed_at = first.event, self._store.position_of(claim_id, 1)
            assert filed_at is not None
            known, complete = self._in_force_at(filed.vehicle_id, filed_at)
            if complete:  # a set read past a link whose position was not known is not a fact to keep
                self._memory.contracts.put((self._insurer, claim_id), known)
        return known

    def _in_force_at(self, vehicle_id: UUID, position: int) -> tuple[tuple[str, ...], bool]:
        """Numbers of the insurer's contracts on the vehicle sold before ``position`` and not ended by then, and
        whether every link of the vehicle was placed in the log (else the numbers may lack one)."""
        numbers: list[str] = []
        links, complete = self._links(vehicle_id)
        for link in links:
            if link.insurer_id != self._insurer:
                continue
            if link.position > position:  # sold after the claim was filed
                continue
            ended = next(
                (
                    e
                    for e in self._store.load(link.contract_id)
                    if isinstance(e.event, ContractCancelled | ContractExpired)
                ),
                None,
            )
            ended_at = None if ended is None else self._store.position_of(link.contract_id, ended.version)
            if ended_at is None or ended_at > position:
                numbers.append(link.contract_number)
        return tuple(numbers), complete

    def _links(self, vehicle_id: UUID) -> tuple[tuple[ContractLink, ...], bool]:
        """Every contract linked on the vehicle so far, with where it was linked: the remembered ones, and those in
        the events after them (read with their positions in one query), and whether none had to be left out.

        An event read without its position is placed with ``position_of``, as ``read_at`` does; a link that cannot
        be placed at all is left out of this answer, and the vehicle is remembered only up to the version before
        it, so the next read asks for that link again instead of losing it for the life of the process."""
        version, links = self._memory.links.get(vehicle_id) or (0, ())
        tail = self._store.load_with_positions(vehicle_id, after=version)
        if not tail:
            return links, True
        found: list[ContractLink] = []
        gap: int | None = None  # the version of the first link that could not be placed
        for recorded in tail:
            event = recorded.event
            if not isinstance(event, ServiceContractLinked):
                continue
            at = (
                recorded.position
                if recorded.position is not None
                else self._store.position_of(vehicle_id, recorded.version)
            )
            if at is None:
                gap = recorded.version if gap is None else gap
                continue
            found.append(ContractLink(event.insurer_id, event.contract_number, event.contract_id, recorded.version, at))
        every = links + tuple(found)
        if gap is None:
            self._memory.links.put(vehicle_id, (tail[-1].version, every))
        else:
            self._memory.links.put(vehicle_id, (gap - 1, tuple(link for link in every if link.version < gap)))
        return every, gap is None

    def _state_after(self, recorded: RecordedEvent) -> Claim:
        """The claim as of this event's version: evolved from the one before when remembered, else replayed."""
        claim_id, version = recorded.stream_id, recorded.version
        remembered = self._memory.states.get((claim_id, version))
        if remembered is not None:
            return remembered
        before = self._memory.states.get((claim_id, version - 1))
        if before is not None:
            state = CLAIMS.fold(before, [recorded.event])
        else:
            state = CLAIMS.fold(None, [e.event for e in self._store.load(claim_id)[:version]])
        assert state is not None
        self._memory.states.put((claim_id, version), state)
        return state
