"""Commitment breaches: each run of a clock has its own stream, so its breach is appended at version 1, once."""

from __future__ import annotations

from claims.application.commands import StreamType, UnitOfWork
from claims.domain.commitment import decide as breach_rules
from claims.domain.commitment.commands import CommitmentCommand
from claims.domain.commitment.decide import BreachRecord
from claims.domain.context import DecisionContext
from claims.domain.ids import commitment_breach_id_for

BREACHES: StreamType[BreachRecord] = StreamType("commitment_breach", breach_rules.evolve)


def run_commitment_command(unit: UnitOfWork, command: CommitmentCommand) -> None:
    """Record a clock's breach on its own stream (nothing when it is recorded already)."""
    stream_id = commitment_breach_id_for(command.commitment_code, command.subject_id, command.started_at)
    state = unit.load(stream_id, BREACHES)
    unit.record(stream_id, breach_rules.decide(state, command, DecisionContext(now=unit.now)))
