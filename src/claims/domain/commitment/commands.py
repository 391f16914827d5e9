"""What the commitment timer asks: record that a clock ran out."""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime

from claims.domain.base import Frozen
from claims.domain.values import Reference


class RecordBreach(Frozen):
    """The clock of ``commitment_code`` on a subject, started at ``started_at``, ran past ``due_at``.

    ``vehicle_id`` and ``dealer_id`` say whom the subject concerns (the compensation ledger's keys).
    """

    commitment_code: Reference
    subject_id: UUID
    subject_kind: Reference
    started_at: AwareDatetime
    due_at: AwareDatetime
    vehicle_id: UUID | None = None
    dealer_id: Reference | None = None


CommitmentCommand = RecordBreach

__all__ = ["CommitmentCommand", "RecordBreach"]
