"""AuditService: request → audit feed over the event store → one proto message per stored event, nothing else."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import grpc
from eventsourcing.persistence import ApplicationRecorder

from claims.adapters.grpc.identity import current_principal
from claims.adapters.grpc.mapping import has, timestamp_to_proto, timestamp_value
from claims.adapters.grpc.read_model_at_view import get_read_model_at
from claims.adapters.grpc.state_at_view import event_message, get_state_at
from claims.adapters.persistence.chain import GENESIS
from claims.adapters.persistence.checkpoint import CheckpointSigner
from claims.adapters.persistence.checkpoint_keeper import CheckpointKeeper
from claims.adapters.persistence.database import Database
from claims.adapters.persistence.verify import Checkpoint, Mismatch, verify_history
from claims.api.v1 import audit_pb2 as pb
from claims.api.v1 import audit_pb2_grpc as pb_grpc
from claims.application import access
from claims.application.audit_feed import AuditFeed, AuditFilter, parse_filter, require_visible_subject
from claims.application.messages import RecordedEvent
from claims.application.ports import EventStore
from claims.projections.as_of import ReadModelsAt
from claims.projections.snapshots import SqlStateIndex

POLL_SECONDS = 0.1


def audit_filter(request: pb.StreamEventsRequest) -> AuditFilter:
    """The request's filter, checked (INVALID_ARGUMENT naming each bad field)."""
    f = request.filter
    subject = f.WhichOneof("subject")
    return parse_filter(
        stream_id=f.stream_id,
        vin=f.vin,
        claim=(f.claim.dealer_id, f.claim.claim_number) if subject == "claim" else None,
        event_types=list(f.event_types),
        recorded_from=timestamp_value(f.recorded_from, has(f, "recorded_from")),
        recorded_to=timestamp_value(f.recorded_to, has(f, "recorded_to")),
    )


def event_to_proto(recorded: RecordedEvent) -> pb.StreamEventsResponse:
    assert recorded.position is not None
    return pb.StreamEventsResponse(event=event_message(recorded))


class AuditServicer(pb_grpc.AuditServiceServicer):
    """Auditor-facing, read-only access to the stored log."""

    def __init__(
        self,
        store: EventStore,
        poll_seconds: float = POLL_SECONDS,
        *,
        recorder: ApplicationRecorder | None = None,
        database: Database | None = None,
        signer: CheckpointSigner | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        keeper: CheckpointKeeper | None = None,
        read_models: ReadModelsAt | None = None,
    ) -> None:
        self._store, self._poll = store, poll_seconds
        self._keeper = keeper  # where on-demand checkpoints are also written
        self._recorder, self._database, self._signer, self._clock = recorder, database, signer, clock
        self._read_models = read_models  # scratch copies of the read models as of a position
        # The snapshots projection's index and snapshots, where the store has SQL (else GetStateAt replays whole).
        self._state_index = SqlStateIndex(database) if database is not None else None

    def VerifyHistory(
        self, request: pb.VerifyHistoryRequest, context: grpc.ServicerContext
    ) -> pb.VerifyHistoryResponse:
        if self._recorder is None or self._database is None:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "the hash chain needs a SQLite or PostgreSQL store")
        assert self._recorder is not None
        assert self._database is not None
        trusted = _trusted_checkpoint(request, context)
        report = verify_history(self._database, trusted)  # in this RPC's worker thread
        return pb.VerifyHistoryResponse(
            intact=report.intact,
            position=report.position,
            head_hash_hex=report.head_hash.hex() if report.head_hash is not None else "",
            mismatch=_MISMATCH[report.mismatch],
            detail=report.detail,
            verified_count=report.verified,
            unsealed_count=report.unsealed,
        )

    def GetCheckpoint(
        self, request: pb.GetCheckpointRequest, context: grpc.ServicerContext
    ) -> pb.GetCheckpointResponse:
        if self._signer is None or not self._signer.configured:
            context.abort(
                grpc.StatusCode.FAILED_PRECONDITION,
                "no checkpoint key is configured: set CLAIMS_CHECKPOINT_KEY_FILE to an Ed25519 PEM private key",
            )
        if self._database is None:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "the hash chain needs a SQLite or PostgreSQL store")
        assert self._signer is not None
        assert self._database is not None
        signed = self._signer.sign_head(self._database, self._clock())
        if self._keeper is not None:
            self._keeper.keep(signed)
        return pb.GetCheckpointResponse(
            position=signed.position,
            chain_hash_hex=signed.chain_hash.hex(),
            signed_at=timestamp_to_proto(signed.signed_at),
            key_id=signed.key_id,
            signature_hex=signed.signature.hex(),
            checkpoint_json=signed.to_json(),
        )

    def GetStateAt(self, request: pb.GetStateAtRequest, context: grpc.ServicerContext) -> pb.GetStateAtResponse:
        return get_state_at(self._store, request, self._state_index)

    def GetReadModelAt(
        self, request: pb.GetReadModelAtRequest, context: grpc.ServicerContext
    ) -> pb.GetReadModelAtResponse:
        if self._read_models is None:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "this server builds no read models as of a position")
        assert self._read_models is not None
        # The replay stops between batches once the call is cancelled or past its deadline.
        return get_read_model_at(self._store, self._read_models, request, lambda: not context.is_active())

    def StreamEvents(
        self, request: pb.StreamEventsRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.StreamEventsResponse]:
        chosen = audit_filter(request)
        principal, f = current_principal(), request.filter
        subject = f.WhichOneof("subject")
        require_visible_subject(
            self._store,
            principal,
            vin=f.vin if subject == "vin" else "",
            claim=(f.claim.dealer_id, f.claim.claim_number) if subject == "claim" else None,
        )
        feed = AuditFeed(self._store, request.after_position, chosen)
        # Each message is sent before the next is taken and each page read only when the last is sent: gRPC
        # blocks the yield while the client is behind, so a slow auditor holds at most one page here.
        if not request.follow:
            head = self._store.head_position()
            for recorded in feed.until(head):
                if not context.is_active():
                    return
                if access.sees_event(principal, recorded.event):
                    yield event_to_proto(recorded)
            return
        while context.is_active():
            before = feed.position
            for recorded in feed.poll():
                if access.sees_event(principal, recorded.event):
                    yield event_to_proto(recorded)
            if feed.position == before:
                time.sleep(self._poll)


_MISMATCH = {
    None: pb.HISTORY_MISMATCH_UNSPECIFIED,
    Mismatch.CHANGED: pb.HISTORY_MISMATCH_CHANGED,
    Mismatch.MISSING: pb.HISTORY_MISMATCH_MISSING,
    Mismatch.INSERTED: pb.HISTORY_MISMATCH_INSERTED,
    Mismatch.REORDERED: pb.HISTORY_MISMATCH_REORDERED,
    Mismatch.TRUNCATED: pb.HISTORY_MISMATCH_TRUNCATED,
}


def _trusted_checkpoint(request: pb.VerifyHistoryRequest, context: grpc.ServicerContext) -> Checkpoint | None:
    """The request's trusted checkpoint, or None (from the start); INVALID_ARGUMENT when malformed."""
    if not request.trusted_hash_hex and request.trusted_position == 0:
        return None
    try:
        chain_hash = bytes.fromhex(request.trusted_hash_hex)
    except ValueError:
        chain_hash = b""
    if len(chain_hash) != 32 or request.trusted_position < 0:
        context.abort(
            grpc.StatusCode.INVALID_ARGUMENT,
            "a trusted checkpoint is a position (not negative) and trusted_hash_hex (64 hex digits)",
        )
    if request.trusted_position == 0 and chain_hash == GENESIS:
        return None
    return Checkpoint(request.trusted_position, chain_hash)
