"""Periodic checkpoints in `claims serve`: signed when the sealed head moved, kept as files, listed by the CLI."""

from __future__ import annotations

import time
from pathlib import Path

import grpc
from typer.testing import CliRunner

from claims.adapters.persistence.checkpoint import generate_key_pair, load_public_key, verify_checkpoint
from claims.adapters.persistence.checkpoint_keeper import checkpoint_files, read_checkpoint
from claims.adapters.persistence.factory import parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.api.v1 import vehicles_pb2_grpc
from claims.bootstrap import start_engine
from claims.cli import cli
from claims.config import Settings
from tests.conftest import MIGRATIONS, FixedClock
from tests.e2e.conftest import Api, _with_closed_repair_order
from tests.e2e.requests import reading_request


def _wait_for(condition: object, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_the_thread_keeps_a_checkpoint_when_the_head_moved_and_stops_with_the_engine(
    tmp_path: Path, clock: FixedClock
) -> None:
    private_pem, public_pem = generate_key_pair()
    key, public = tmp_path / "checkpoint.pem", tmp_path / "checkpoint.pem.pub"
    key.write_bytes(private_pem)
    public.write_bytes(public_pem)
    directory = tmp_path / "checkpoints"
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    apply_migrations(parse_store_url(url), MIGRATIONS)
    settings = Settings(
        store_url=url,
        listen="127.0.0.1:0",
        auth="off",
        grace_seconds=1,
        migrations_dir=MIGRATIONS,
        checkpoint_key_file=key,
        checkpoint_interval_seconds=0.05,
        checkpoint_dir=directory,
    )
    engine = start_engine(settings, clock)
    channel = grpc.insecure_channel(f"127.0.0.1:{engine.port}")
    try:
        assert engine.checkpoints is not None
        assert engine.checkpoints.alive
        api = _with_closed_repair_order(Api(engine, channel, vehicles_pb2_grpc.VehicleServiceStub(channel)))
        head = api.head()
        assert engine.runner is not None
        assert engine.runner.wait_for("chain", head, timeout=10)
        first = directory / f"checkpoint-{head:020d}.json"
        assert _wait_for(first.exists)
        signed = read_checkpoint(first)
        verify_checkpoint(load_public_key(public), signed)
        assert signed.position == head

        time.sleep(0.3)  # several intervals with the head where it was: nothing new, the file untouched
        assert checkpoint_files(directory)[-1] == first
        assert read_checkpoint(first) == signed

        clock.advance(hours=1)
        api.vehicles.RecordOdometerReading(reading_request("15200", "2026-11-23T10:00:00Z"), timeout=5)
        later = api.head()
        assert engine.runner.wait_for("chain", later, timeout=10)
        assert _wait_for((directory / f"checkpoint-{later:020d}.json").exists)
        assert not list(directory.glob(".checkpoint-*"))  # no temporary file left behind
    finally:
        channel.close()
        engine.stop(grace=1)
    assert engine.checkpoints is not None
    assert not engine.checkpoints.alive

    listed = CliRunner().invoke(cli, ["audit", "checkpoints", "--dir", str(directory), "--public-key", str(public)])
    assert listed.exit_code == 0, listed.output
    assert f"position {head}  signed_at " in listed.output
    assert f"key {signed.key_id}  OK" in listed.output
    assert f"position {later}  " in listed.output
    # Heads sealed while the history was written may have been kept too (the thread samples every 0.05 s):
    # every file is listed and verified, none at the empty chain's position 0.
    kept = checkpoint_files(directory)
    assert kept[0] != directory / f"checkpoint-{0:020d}.json"
    assert f"{len(kept)} checkpoint(s)" in listed.output
    assert " bad" not in listed.output

    forged = directory / f"checkpoint-{later + 1:020d}.json"
    forged.write_text(first.read_text().replace(signed.chain_hash.hex(), "00" * 32))
    refused = CliRunner().invoke(cli, ["audit", "checkpoints", "--dir", str(directory), "--public-key", str(public)])
    assert refused.exit_code == 1
    assert "REFUSED: bad signature" in refused.output
    assert f"{len(kept) + 1} checkpoint(s)" in refused.output
    assert "1 bad" in refused.output


def test_no_thread_without_an_interval(tmp_path: Path, clock: FixedClock) -> None:
    private_pem, _ = generate_key_pair()
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
    )
    engine = start_engine(settings, clock)
    try:
        assert engine.checkpoints is None
    finally:
        engine.stop(grace=1)
