"""As of a log position: which position an auditor's "when" names, and a statutory case folded up to it.

A read model at position P is what its projection makes of the log's first P positions. "When" is given as a
position (0 for the empty log, at most the head) or as a recorded moment, which names the longest stretch of the
log from its start whose events were all recorded at or before it: finding it reads the log from the start up to
the first event recorded after the moment (O(events up to P)); recorded times need not rise with positions
(clocks of several writers), so the stretch ends at the first one that is later, never skipping over it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from uuid import UUID

from claims.application.messages import RecordedEvent
from claims.application.ports import EventStore
from claims.application.streams import STATUTORY_CASES
from claims.application.widening import Widening
from claims.domain.errors import ClaimsError, FieldViolation, InvalidCommandError, NotFoundError
from claims.domain.ids import statutory_case_id_for, vehicle_id_for
from claims.domain.statutory_case.state import StatutoryCase

_PAGE = 500
# The first read is small: a moment before the log's first event (or soon after it) is answered by a few events.
_FIRST_PAGE = 16


class PositionBeyondHeadError(ClaimsError):
    """Raised for a position the log has not reached (yet): it may be asked again once the log gets there."""

    reason = "POSITION_BEYOND_HEAD"

    def __init__(self, position: int, head: int) -> None:
        super().__init__(
            f"position {position} is beyond the head of the log ({head})",
            metadata={"position": str(position), "head": str(head)},
        )
        self.position, self.head = position, head


class RecordedMoments:
    """The stretches already found for recorded moments, so that finding one again, or a later one, reads less.

    Every event up to the stretch found for moment M was recorded at or before M, and the log's first positions
    never change: so the stretch for any later moment starts at least there, and the log is read on from it. A
    stretch that ended at a later event is the answer for M for good; one that ended at the head may still grow.
    The newest ``size`` moments are kept.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._found: OrderedDict[datetime, tuple[int, bool]] = OrderedDict()  # moment -> (position, final)
        self._lock = threading.Lock()

    def resolve(self, store: EventStore, moment: datetime) -> int:
        with self._lock:
            known = self._found.get(moment)
            if known is not None and known[1]:
                self._found.move_to_end(moment)
                return known[0]
            start = max((p for m, (p, _) in self._found.items() if m <= moment), default=0)
        position, final = _last_position_recorded_by(store, moment, start)
        with self._lock:
            self._found[moment] = (position, final)
            self._found.move_to_end(moment)
            while len(self._found) > self._size:
                self._found.popitem(last=False)
        return position


def resolve_position(
    store: EventStore,
    *,
    position: int | None,
    recorded_at: datetime | None,
    moments: RecordedMoments | None = None,
) -> int:
    """The log position named by exactly one of ``position`` and ``recorded_at`` (see the module's docstring);
    ``moments`` remembers the stretches found for recorded moments."""
    if (position is None) == (recorded_at is None):
        raise InvalidCommandError([FieldViolation("as_of", "a position or a recorded time: exactly one")])
    if recorded_at is not None:
        if recorded_at.tzinfo is None:
            raise InvalidCommandError([FieldViolation("recorded_at", "a moment with its UTC offset")])
        if moments is not None:
            return moments.resolve(store, recorded_at)
        return _last_position_recorded_by(store, recorded_at, 0)[0]
    assert position is not None
    if position < 0:
        raise InvalidCommandError([FieldViolation("position", "positions start at 0 (the empty log)")])
    head = store.head_position()
    if position > head:
        raise PositionBeyondHeadError(position, head)
    return position


def _last_position_recorded_by(store: EventStore, moment: datetime, start: int) -> tuple[int, bool]:
    """Where the stretch recorded by ``moment`` ends, reading on from ``start`` (known to lie within it), and
    whether a later event ended it (final) rather than the head (which may still grow)."""
    reached = after = start
    pages = Widening(_FIRST_PAGE, _PAGE)
    while page := store.read_all(after, pages.take()):
        for recorded in page:
            if recorded.metadata.recorded_at > moment:
                return reached, True
            reached = recorded.position or reached
        after = page[-1].position or after
    return reached, False


def statutory_case_at(store: EventStore, vin: str, position: int) -> tuple[StatutoryCase, int]:
    """``vin``'s statutory case as the log's first ``position`` positions made it, and its version there.

    NOT_FOUND, as GetStatutoryCase says it, when the vehicle was not registered or had no case by then.
    """
    if not _up_to(store, vehicle_id_for(vin), position):
        raise NotFoundError(
            f"no vehicle or product {vin} was registered at position {position}",
            metadata={"identifier": vin, "position": str(position)},
        )
    events = _up_to(store, statutory_case_id_for(vehicle_id_for(vin)), position)
    state = STATUTORY_CASES.fold(None, [r.event for r in events])
    if state is None:
        raise NotFoundError(
            f"{vin} had no statutory case at position {position} (no repair with statutory facts yet)",
            metadata={"vin": vin, "position": str(position)},
        )
    return state, events[-1].version


def _up_to(store: EventStore, stream_id: UUID, position: int) -> list[RecordedEvent]:
    """The stream's events at or before ``position``, in version order."""
    chosen: list[RecordedEvent] = []
    for recorded in store.load_with_positions(stream_id):
        at = recorded.position if recorded.position is not None else store.position_of(stream_id, recorded.version)
        if at is None or at > position:
            break  # a stream's positions rise with its versions
        chosen.append(recorded)
    return chosen
