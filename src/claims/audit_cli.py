"""`claims audit verify`: recompute the event log's hash chain offline, straight from the store.

It reads the store directly through a read-only connection (SQL only, no server; a SELECT-only role or a
read-only copy of the SQLite file is enough), prints the report and exits 0 when the history is intact up
to the chain's head, 1 on any mismatch, 2 when it cannot run.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import typer

from claims.adapters.persistence.chain import GENESIS
from claims.adapters.persistence.checkpoint import (
    CheckpointError,
    CheckpointSigner,
    SignedCheckpoint,
    generate_key_pair,
    load_public_key,
    verify_checkpoint,
)
from claims.adapters.persistence.checkpoint_keeper import checkpoint_files, read_checkpoint
from claims.adapters.persistence.factory import Persistence, open_store, parse_store_url
from claims.adapters.persistence.migrations import NotMigratedError, require_migrated
from claims.adapters.persistence.read_only import ReadOnlyStoreError, open_read_only
from claims.adapters.persistence.verify import Checkpoint, verify_history
from claims.config import Settings


def verify(
    store: str = typer.Option(None, "--store", help="Store URL (default: CLAIMS_STORE_URL)."),
    from_position: int = typer.Option(None, "--from-position", help="Start after a trusted checkpoint's position."),
    from_hash: str = typer.Option(None, "--from-hash", help="The trusted checkpoint's chain hash (hex)."),
    signed: str = typer.Option(None, "--checkpoint", help="Start after a signed checkpoint (JSON, as printed)."),
    public_key: str = typer.Option(None, "--public-key", help="The PEM public key that signed --checkpoint."),
) -> None:
    """Recompute the hash chain from the start (or a trusted checkpoint); exit non-zero on any mismatch."""
    settings = Settings(**({"store_url": store} if store else {}))  # type: ignore[arg-type]
    location = parse_store_url(settings.store_url)
    if location.backend == "memory":
        typer.echo("claims: audit verify needs a SQLite or PostgreSQL store, not memory://", err=True)
        raise typer.Exit(code=2)
    if (from_position is None) != (from_hash is None):
        typer.echo("claims: a checkpoint is --from-position and --from-hash together", err=True)
        raise typer.Exit(code=2)
    if (signed is None) != (public_key is None):
        typer.echo("claims: a signed checkpoint is --checkpoint and --public-key together", err=True)
        raise typer.Exit(code=2)
    if signed is not None and from_position is not None:
        typer.echo("claims: start from --checkpoint or from --from-position/--from-hash, not both", err=True)
        raise typer.Exit(code=2)
    checkpoint = None
    if signed is not None:
        checkpoint = _trusted(Path(signed), Path(public_key))
    if from_position is not None:
        try:
            checkpoint = Checkpoint(from_position, bytes.fromhex(from_hash))
        except ValueError:
            typer.echo("claims: --from-hash is 64 hex digits", err=True)
            raise typer.Exit(code=2) from None
        if len(checkpoint.chain_hash) != 32:
            typer.echo("claims: --from-hash is 64 hex digits", err=True)
            raise typer.Exit(code=2)
    try:  # read-only rights are enough: nothing here can write (see adapters/persistence/read_only.py)
        reader = open_read_only(location)
    except ReadOnlyStoreError as e:
        typer.echo(f"claims: {e}", err=True)
        raise typer.Exit(code=2) from None
    try:
        if checkpoint is not None and checkpoint.position == 0 and checkpoint.chain_hash == GENESIS:
            checkpoint = None  # a checkpoint of the empty chain: verify from the start
        report = verify_history(reader.database, checkpoint)
    except (sqlite3.Error, psycopg.Error) as e:
        typer.echo(f"claims: cannot read the hash chain of {location.describe()} (not migrated?): {e}", err=True)
        raise typer.Exit(code=2) from None
    finally:
        reader.close()
    typer.echo(f"{location.describe()}: {report.describe()}")
    raise typer.Exit(code=0 if report.intact else 1)


def _trusted(path: Path, public_key: Path) -> Checkpoint:
    """The signed checkpoint in ``path``, verified with ``public_key``; exit 1 (forged) or 2 (unreadable)."""
    try:
        key = load_public_key(public_key)
        signed = SignedCheckpoint.from_json(path.read_text())
    except (CheckpointError, OSError) as e:
        typer.echo(f"claims: {e}", err=True)
        raise typer.Exit(code=2) from None
    try:
        verify_checkpoint(key, signed)
    except CheckpointError as e:
        typer.echo(f"claims: REFUSED checkpoint {path}: {e}", err=True)
        raise typer.Exit(code=1) from None
    return signed.trusted


def keygen(
    out_file: str = typer.Argument(..., help="Where to write the PEM private key (the public key: OUT.pub)."),
) -> None:
    """Write a new Ed25519 key pair for signing checkpoints: OUT (private, keep it secret) and OUT.pub."""
    out = Path(out_file)
    public_out = out.with_name(out.name + ".pub")
    for path in (out, public_out):
        if path.exists():
            typer.echo(f"claims: {path} exists; not overwriting a key", err=True)
            raise typer.Exit(code=2)
    private_pem, public_pem = generate_key_pair()
    out.touch(mode=0o600)
    out.write_bytes(private_pem)
    public_out.write_bytes(public_pem)
    typer.echo(
        f"private key: {out} (set CLAIMS_CHECKPOINT_KEY_FILE to it)\npublic key: {public_out} (give to auditors)"
    )


def checkpoint(
    store: str = typer.Option(None, "--store", help="Store URL (default: CLAIMS_STORE_URL)."),
    key_file: str = typer.Option(None, "--key", help="PEM private key (default: CLAIMS_CHECKPOINT_KEY_FILE)."),
) -> None:
    """Sign the chain's current sealed head (read from the store directly) and print the checkpoint as JSON."""
    overrides: dict[str, object] = {}
    if store:
        overrides["store_url"] = store
    if key_file is not None:
        overrides["checkpoint_key_file"] = Path(key_file)
    settings = Settings(**overrides)  # type: ignore[arg-type]
    if settings.checkpoint_key_file is None:
        typer.echo(
            "claims: cannot sign a checkpoint: no key configured (CLAIMS_CHECKPOINT_KEY_FILE or --key)", err=True
        )
        raise typer.Exit(code=2)
    try:
        signer = CheckpointSigner.from_file(settings.checkpoint_key_file)
    except CheckpointError as e:
        typer.echo(f"claims: {e}", err=True)
        raise typer.Exit(code=2) from None
    persistence = _open(settings)
    try:
        assert persistence.database is not None
        signed = signer.sign_head(persistence.database, datetime.now(UTC))
    except CheckpointError as e:
        typer.echo(f"claims: {e}", err=True)
        raise typer.Exit(code=2) from None
    finally:
        persistence.close()
    typer.echo(signed.to_json())


def checkpoints(
    directory: str = typer.Option(None, "--dir", help="Checkpoint directory (default: CLAIMS_CHECKPOINT_DIR)."),
    public_key: str = typer.Option(None, "--public-key", help="PEM public key to verify each checkpoint with."),
) -> None:
    """List the kept checkpoints (position, signed at, key id), verifying each with --public-key; exit 1 on any bad."""
    where = Path(directory) if directory else Settings().checkpoint_dir
    if not where.is_dir():
        typer.echo(f"claims: no checkpoint directory {where}", err=True)
        raise typer.Exit(code=2)
    key = None
    if public_key is not None:
        try:
            key = load_public_key(Path(public_key))
        except CheckpointError as e:
            typer.echo(f"claims: {e}", err=True)
            raise typer.Exit(code=2) from None
    bad = 0
    files = checkpoint_files(where)
    for path in files:
        try:
            signed = read_checkpoint(path)
        except CheckpointError as e:
            bad += 1
            typer.echo(f"{path.name}  UNREADABLE: {e}")
            continue
        status = "unverified"
        if key is not None:
            try:
                verify_checkpoint(key, signed)
                status = "OK"
            except CheckpointError as e:
                bad += 1
                status = f"REFUSED: {e}"
        stamp = signed.signed_at.astimezone(UTC).isoformat(timespec="seconds")
        typer.echo(f"position {signed.position}  signed_at {stamp}  key {signed.key_id}  {status}")
    typer.echo(f"{len(files)} checkpoint(s) in {where}" + (f", {bad} bad" if bad else ""))
    raise typer.Exit(code=1 if bad else 0)


def _open(settings: Settings) -> Persistence:
    location = parse_store_url(settings.store_url)
    if location.backend == "memory":
        typer.echo("claims: auditing needs a SQLite or PostgreSQL store, not memory://", err=True)
        raise typer.Exit(code=2)
    try:
        require_migrated(location, settings.migrations_dir)
    except NotMigratedError as e:
        typer.echo(f"claims: {e}", err=True)
        raise typer.Exit(code=2) from None
    return open_store(location)
