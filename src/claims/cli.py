"""The ``claims`` command: serve, migrate."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

import grpc
import typer

from claims.adapters.persistence.factory import parse_store_url
from claims.adapters.persistence.migrations import NotMigratedError, apply_migrations, pending_migrations
from claims.config import Settings

cli = typer.Typer(
    help="claims — an event-sourced warranty and claims engine. Settings come from CLAIMS_* environment variables.",
    no_args_is_help=True,
    add_completion=False,
)


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stderr)


@cli.command()
def serve(
    listen: str = typer.Option(None, help="host:port to listen on (default: CLAIMS_LISTEN or 127.0.0.1:50051)."),
    store: str = typer.Option(None, help="Store URL (default: CLAIMS_STORE_URL or sqlite:///var/claims.db)."),
) -> None:
    """Run the gRPC server until Ctrl-C or SIGTERM; in-flight calls finish before it stops."""
    from claims.bootstrap import start_engine

    overrides = {k: v for k, v in {"listen": listen, "store_url": store}.items() if v}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    _configure_logging(settings.log_level)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("claims").info("received %s, finishing in-flight calls", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        engine = start_engine(settings)
    except NotMigratedError as e:
        typer.echo(f"claims: {e}", err=True)
        raise typer.Exit(code=2) from None
    host = settings.listen.rsplit(":", 1)[0]
    logging.getLogger("claims").info(
        "claims listening on %s:%d (gRPC, plaintext), store %s",
        host,
        engine.port,
        engine.persistence.location.describe(),
    )
    stop.wait()
    engine.stop()
    logging.getLogger("claims").info("stopped")


@cli.command()
def migrate(
    store: str = typer.Option(None, help="Store URL (default: CLAIMS_STORE_URL)."),
    check: bool = typer.Option(False, "--check", help="Only list pending migrations; exit 1 if there are any."),
) -> None:
    """Apply the versioned SQL migrations in migrations/ to the store."""
    settings = Settings(**({"store_url": store} if store else {}))  # type: ignore[arg-type]
    location = parse_store_url(settings.store_url)
    if check:
        pending = pending_migrations(location, settings.migrations_dir)
        typer.echo(f"{location.describe()}: " + (f"pending {', '.join(pending)}" if pending else "up to date"))
        raise typer.Exit(code=1 if pending else 0)
    applied = apply_migrations(location, settings.migrations_dir)
    typer.echo(f"{location.describe()}: " + (f"applied {', '.join(applied)}" if applied else "already up to date"))


@cli.command()
def demo(target: str = typer.Option("127.0.0.1:50051", help="host:port of a running `claims serve`.")) -> None:
    """Play a day at a dealership against a running server, through the public API only, and summarise it."""
    from claims.demo import run

    try:
        for line in run(target):
            typer.echo(line)
    except grpc.FutureTimeoutError:
        typer.echo(f"claims demo: no server answers at {target}; start one with `make run`", err=True)
        raise typer.Exit(code=1) from None


def main() -> None:
    cli()
