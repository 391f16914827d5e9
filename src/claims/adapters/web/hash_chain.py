"""What the auditor pages read of the hash chain: its sealed head, the latest kept checkpoint, and verification,
with the very functions AuditService's VerifyHistory and GetCheckpoint use."""

from __future__ import annotations

from dataclasses import dataclass

from claims.adapters.persistence.checkpoint import SignedCheckpoint, sealed_head
from claims.adapters.persistence.checkpoint_keeper import CheckpointKeeper, checkpoint_files, read_checkpoint
from claims.adapters.persistence.database import Database
from claims.adapters.persistence.verify import VerifyReport, verify_history


@dataclass(frozen=True)
class HashChain:
    """The store's chain, and the keeper of its signed checkpoints (None: no signing key is configured)."""

    database: Database
    keeper: CheckpointKeeper | None = None

    def head(self) -> tuple[int, bytes]:
        """The sealed head: its position and the hash sealed there."""
        return sealed_head(self.database)

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        """The newest checkpoint kept as a file, None when none is (or no key signs them)."""
        files = checkpoint_files(self.keeper.directory) if self.keeper is not None else []
        return read_checkpoint(files[-1]) if files else None

    def verify(self) -> VerifyReport:
        """Recompute the whole chain from genesis against the raw log (reads every event: run it on request)."""
        return verify_history(self.database)
