"""`claims audit verify`: recompute the event log's hash chain offline, straight from the store.

It reads the store directly through a read-only connection (SQL only, no server; a SELECT-only role or a
read-only copy of the SQLite file is enough), prints the report and exits 0 when the history is intact up
to the chain's head, 1 on any mismatch, 2 when it cannot run. ``read-model-at`` prints a read model as of a
log position (what AuditService.GetReadModelAt answers), replayed from the store into a scratch copy in memory.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import typer
from google.protobuf import json_format

from claims.adapters.grpc.read_model_at_view import READ_MODEL_FIELDS, get_read_model_at
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
from claims.api.v1 import audit_pb2
from claims.config import Settings
from claims.domain.errors import ClaimsError, InvalidCommandError
from claims.projections.as_of import ReadModelsAt


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


def read_model_at(
    read_model: str = typer.Argument(..., help="claims, commitments, compensation or statutory_case."),
    position: int = typer.Option(None, "--position", help="The global log position (0: the empty log)."),
    recorded_at: str = typer.Option(
        None, "--at", help="Instead of --position: the log recorded by this moment (ISO 8601 with offset)."
    ),
    query: str = typer.Option(
        "{}",
        "--query",
        help="The live RPC's request as JSON (ListClaims, ListCommitments, ListCompensation or GetStatutoryCase), "
        'e.g. \'{"dealerId": "D042", "pageSize": 10}\' or \'{"vin": "..."}\'.',
    ),
    store: str = typer.Option(None, "--store", help="Store URL (default: CLAIMS_STORE_URL)."),
) -> None:
    """Print a read model as it stood at a log position, as JSON: what AuditService.GetReadModelAt answers.

    Built by replaying the projection over the log up to the position into a scratch copy in memory (the live
    tables are not read or written): O(events up to the position). Exit 2 when the request is refused.
    """
    name = read_model.replace("-", "_")
    if name not in READ_MODEL_FIELDS:
        typer.echo(f"claims: no read model {read_model!r}; known: {', '.join(READ_MODEL_FIELDS)}", err=True)
        raise typer.Exit(code=2)
    request = audit_pb2.GetReadModelAtRequest()
    try:
        json_format.Parse(query, getattr(request, name))
    except json_format.ParseError as e:
        typer.echo(f"claims: --query is not a {getattr(request, name).DESCRIPTOR.name} in JSON: {e}", err=True)
        raise typer.Exit(code=2) from None
    getattr(request, name).SetInParent()  # an empty query still names the read model
    if position is not None:
        request.position = position
    if recorded_at is not None:
        try:
            request.recorded_at.FromJsonString(recorded_at.replace("+00:00", "Z"))
        except ValueError:
            typer.echo(f"claims: --at {recorded_at!r} is not an RFC 3339 moment with its offset", err=True)
            raise typer.Exit(code=2) from None
    settings = Settings(**({"store_url": store} if store else {}))  # type: ignore[arg-type]
    persistence = _open(settings)
    try:
        read_models = ReadModelsAt(persistence.events, settings.migrations_dir)
        answer = get_read_model_at(persistence.events, read_models, request)
    except InvalidCommandError as e:
        fields = "; ".join(f"{v.field}: {v.description}" for v in e.violations)
        typer.echo(f"claims: {e.message}: {fields}", err=True)
        raise typer.Exit(code=2) from None
    except ClaimsError as e:
        typer.echo(f"claims: {e.message}", err=True)
        raise typer.Exit(code=2) from None
    finally:
        persistence.close()
    typer.echo(json_format.MessageToJson(answer, sort_keys=True))
