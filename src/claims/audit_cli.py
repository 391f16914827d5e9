"""`claims audit verify`: recompute the event log's hash chain offline, straight from the store.

It reads the store directly (SQL only, no server, nothing written), prints the report and exits
0 when the history is intact up to the chain's head, 1 on any mismatch, 2 when it cannot run.
The lead wires ``verify`` into the ``claims audit`` sub-app.
"""

from __future__ import annotations

import typer

from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.adapters.persistence.migrations import NotMigratedError, require_migrated
from claims.adapters.persistence.verify import Checkpoint, verify_history
from claims.config import Settings


def verify(
    store: str = typer.Option(None, "--store", help="Store URL (default: CLAIMS_STORE_URL)."),
    from_position: int = typer.Option(None, "--from-position", help="Start after a trusted checkpoint's position."),
    from_hash: str = typer.Option(None, "--from-hash", help="The trusted checkpoint's chain hash (hex)."),
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
    checkpoint = None
    if from_position is not None:
        try:
            checkpoint = Checkpoint(from_position, bytes.fromhex(from_hash))
        except ValueError:
            typer.echo("claims: --from-hash is 64 hex digits", err=True)
            raise typer.Exit(code=2) from None
        if len(checkpoint.chain_hash) != 32:
            typer.echo("claims: --from-hash is 64 hex digits", err=True)
            raise typer.Exit(code=2)
    try:
        require_migrated(location, settings.migrations_dir)
    except NotMigratedError as e:
        typer.echo(f"claims: {e}", err=True)
        raise typer.Exit(code=2) from None
    persistence = open_store(location)
    try:
        assert persistence.database is not None
        report = verify_history(persistence.recorder, persistence.database, checkpoint)
    finally:
        persistence.close()
    typer.echo(f"{location.describe()}: {report.describe()}")
    raise typer.Exit(code=0 if report.intact else 1)
