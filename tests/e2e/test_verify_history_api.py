"""AuditService.VerifyHistory and GetCheckpoint over the real server (the chain projection runs in-process)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import grpc
import pytest
from cryptography.hazmat.primitives import serialization

from claims.adapters.persistence.checkpoint import SignedCheckpoint, generate_key_pair, verify_checkpoint
from claims.adapters.persistence.factory import parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.api.v1 import audit_pb2 as pb
from claims.api.v1 import audit_pb2_grpc as pb_grpc
from claims.api.v1 import vehicles_pb2_grpc
from claims.bootstrap import start_engine
from claims.config import Settings
from tests.conftest import MIGRATIONS, FixedClock
from tests.e2e.conftest import Api, _with_closed_repair_order
from tests.e2e.requests import reading_request


def sealed(api: Api) -> int:
    head = api.head()
    assert api.engine.runner is not None
    assert api.engine.runner.wait_for("chain", head, timeout=10)
    return head


def test_verify_history_is_intact_then_finds_a_changed_payload_byte_at_its_position(claims_api: Api) -> None:
    audit = pb_grpc.AuditServiceStub(claims_api.channel)
    head = sealed(claims_api)
    intact = audit.VerifyHistory(pb.VerifyHistoryRequest(), timeout=10)
    assert intact.intact
    assert (intact.position, intact.verified_count, intact.mismatch) == (head, head, pb.HISTORY_MISMATCH_UNSPECIFIED)
    assert len(bytes.fromhex(intact.head_hash_hex)) == 32

    target = 3
    path = claims_api.engine.persistence.location.sqlite_path
    with sqlite3.connect(path) as conn:
        state = conn.execute("SELECT state FROM stored_events WHERE rowid = ?", (target,)).fetchone()[0]
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (bytes([state[0] ^ 1]) + state[1:], target))
    tampered = audit.VerifyHistory(pb.VerifyHistoryRequest(), timeout=10)
    assert not tampered.intact
    assert (tampered.position, tampered.mismatch) == (target, pb.HISTORY_MISMATCH_CHANGED)
    assert tampered.head_hash_hex == ""
    assert "differs from what was sealed" in tampered.detail


def test_get_checkpoint_without_a_key_is_a_failed_precondition(claims_api: Api) -> None:
    audit = pb_grpc.AuditServiceStub(claims_api.channel)
    with pytest.raises(grpc.RpcError) as e:
        audit.GetCheckpoint(pb.GetCheckpointRequest(), timeout=5)
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "CLAIMS_CHECKPOINT_KEY_FILE" in (e.value.details() or "")


def test_a_malformed_trusted_hash_is_an_invalid_argument(claims_api: Api) -> None:
    audit = pb_grpc.AuditServiceStub(claims_api.channel)
    with pytest.raises(grpc.RpcError) as e:
        audit.VerifyHistory(pb.VerifyHistoryRequest(trusted_position=2, trusted_hash_hex="zz"), timeout=5)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_get_checkpoint_signs_the_sealed_head_and_verify_history_starts_from_it(
    tmp_path: Path, clock: FixedClock
) -> None:
    private_pem, public_pem = generate_key_pair()
    key = tmp_path / "checkpoint.pem"
    key.write_bytes(private_pem)
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    apply_migrations(parse_store_url(url), MIGRATIONS)
    settings = Settings(
        store_url=url,
        listen="127.0.0.1:0",
        auth="off",
        grace_seconds=1,
        migrations_dir=MIGRATIONS,
        checkpoint_key_file=key,
        checkpoint_dir=tmp_path / "checkpoints",
    )
    engine = start_engine(settings, clock)
    channel = grpc.insecure_channel(f"127.0.0.1:{engine.port}")
    try:
        api = _with_closed_repair_order(Api(engine, channel, vehicles_pb2_grpc.VehicleServiceStub(channel)))
        head = sealed(api)
        audit = pb_grpc.AuditServiceStub(channel)
        got = audit.GetCheckpoint(pb.GetCheckpointRequest(), timeout=5)
        signed = SignedCheckpoint.from_json(got.checkpoint_json)
        verify_checkpoint(serialization.load_pem_public_key(public_pem), signed)  # type: ignore[arg-type]
        assert (got.position, got.chain_hash_hex, got.key_id) == (head, signed.chain_hash.hex(), signed.key_id)
        kept = tmp_path / "checkpoints" / f"checkpoint-{head:020d}.json"
        assert SignedCheckpoint.from_json(kept.read_text()) == signed  # on demand: also kept as a file
        whole = audit.VerifyHistory(pb.VerifyHistoryRequest(), timeout=10)
        assert whole.head_hash_hex == got.chain_hash_hex
        clock.advance(hours=1)
        later = api.vehicles.RecordOdometerReading(reading_request("15200", "2026-11-23T10:00:00Z"), timeout=5)
        assert later is not None
        sealed(api)
        from_checkpoint = audit.VerifyHistory(
            pb.VerifyHistoryRequest(trusted_position=got.position, trusted_hash_hex=got.chain_hash_hex), timeout=10
        )
        assert from_checkpoint.intact
        assert from_checkpoint.verified_count == api.head() - head
        forged = audit.VerifyHistory(
            pb.VerifyHistoryRequest(trusted_position=got.position, trusted_hash_hex="00" * 32), timeout=10
        )
        assert (forged.intact, forged.mismatch, forged.position) == (False, pb.HISTORY_MISMATCH_CHANGED, head)
    finally:
        channel.close()
        engine.stop(grace=1)
