"""``decide`` and ``evolve`` for one run of a commitment's clock: its breach is recorded at most once."""

from __future__ import annotations

from claims.domain.base import Frozen
from claims.domain.commitment.commands import CommitmentCommand, RecordBreach
from claims.domain.commitment.events import CommitmentBreached, CommitmentEvent
from claims.domain.context import DecisionContext
from claims.domain.errors import FieldViolation, InvalidCommandError, PreconditionFailedError
from claims.domain.statutory.commitments import Commitment, commitment


class BreachRecord(Frozen):
    """A clock's recorded breach."""

    breach: CommitmentBreached


def decide(state: BreachRecord | None, command: CommitmentCommand, ctx: DecisionContext) -> list[CommitmentEvent]:
    """The breach, unless it is recorded already ([]); refused while the clock still runs."""
    if state is not None:
        return []
    clock = _known(command.commitment_code)
    if command.due_at <= command.started_at:
        raise InvalidCommandError([FieldViolation("due_at", "a clock runs out after it starts")])
    if ctx.now < command.due_at:
        subject = f"commitments/{clock.code}/subjects/{command.subject_id}"
        message = f"the clock runs until {command.due_at.isoformat()}"
        raise PreconditionFailedError.refusal(
            "COMMITMENT_NOT_DUE", subject, message, commitment_code=clock.code, due_at=command.due_at.isoformat()
        )
    return [_breached(clock, command, ctx)]


def _breached(clock: Commitment, command: RecordBreach, ctx: DecisionContext) -> CommitmentBreached:
    return CommitmentBreached(
        **command.model_dump(exclude={"commitment_code"}),
        commitment_code=clock.code,
        statute=clock.source,
        breached_at=ctx.now,
        consequence=clock.breach.consequence,
        amount=clock.breach.compensation,
    )


def _known(code: str) -> Commitment:
    try:
        return commitment(code)
    except KeyError:
        raise InvalidCommandError([FieldViolation("commitment_code", f"no commitment {code}")]) from None


def evolve(state: BreachRecord | None, event: CommitmentEvent) -> BreachRecord:
    """Apply one event; never raises for business reasons, never reads a clock."""
    match event:
        case CommitmentBreached():
            return BreachRecord(breach=event)
