"""`claims audit keygen` → `checkpoint` → `verify --checkpoint`: intact, forged refused, tampering found."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from bench.history import write_history
from claims.adapters.persistence.factory import Persistence
from claims.cli import cli
from claims.projections.chain import ChainProjection
from claims.projections.runner import ProjectionRunner


def test_keygen_checkpoint_and_verify_from_it_then_tamper(sqlite_store: Persistence, tmp_path: Path) -> None:
    assert sqlite_store.database is not None
    write_history(sqlite_store.events, 120, batch=40)
    ProjectionRunner(sqlite_store.events, sqlite_store.database, [ChainProjection()], batch_size=50).catch_up()
    db = sqlite_store.location.sqlite_path
    store = ["--store", f"sqlite:///{db}"]
    runner = CliRunner()
    key = tmp_path / "checkpoint.pem"
    made = runner.invoke(cli, ["audit", "keygen", str(key)])
    assert made.exit_code == 0, made.output
    public = tmp_path / "checkpoint.pem.pub"
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")

    unsigned = runner.invoke(cli, ["audit", "checkpoint", *store], env={"CLAIMS_CHECKPOINT_KEY_FILE": None})
    assert unsigned.exit_code != 0
    assert "no key configured" in unsigned.output

    signed = runner.invoke(cli, ["audit", "checkpoint", *store], env={"CLAIMS_CHECKPOINT_KEY_FILE": str(key)})
    assert signed.exit_code == 0, signed.output
    checkpoint = json.loads(signed.stdout)
    head = checkpoint["position"]
    assert head >= 120
    file = tmp_path / "cp.json"
    file.write_text(signed.stdout)
    verify = ["audit", "verify", *store, "--checkpoint", str(file), "--public-key", str(public)]
    intact = runner.invoke(cli, verify)
    assert intact.exit_code == 0, intact.output
    assert f"intact up to position {head}, head hash {checkpoint['chain_hash']}" in intact.output

    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**checkpoint, "chain_hash": "00" * 32}))
    refused = runner.invoke(cli, ["audit", "verify", *store, "--checkpoint", str(forged), "--public-key", str(public)])
    assert refused.exit_code == 1
    assert "REFUSED" in refused.output
    assert "bad signature" in refused.output

    # More history sealed after the checkpoint; a payload byte changed there is found from the checkpoint.
    write_history(sqlite_store.events, 60, batch=30)
    ProjectionRunner(sqlite_store.events, sqlite_store.database, [ChainProjection()], batch_size=50).catch_up()
    target = head + 10
    with sqlite3.connect(db) as conn:
        state = conn.execute("SELECT state FROM stored_events WHERE rowid = ?", (target,)).fetchone()[0]
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (bytes([state[0] ^ 1]) + state[1:], target))
    tampered = runner.invoke(cli, verify)
    assert tampered.exit_code == 1, tampered.output
    assert f"MISMATCH at position {target}: CHANGED" in tampered.output
