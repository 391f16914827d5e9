"""The ``claims`` command: serve, migrate."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import grpc
import typer

from claims.adapters.persistence.factory import StoreLocation, parse_store_url
from claims.adapters.persistence.migrations import NotMigratedError, apply_migrations, pending_migrations
from claims.audit_cli import checkpoint as audit_checkpoint
from claims.audit_cli import checkpoints as audit_checkpoints
from claims.audit_cli import keygen as audit_keygen
from claims.audit_cli import read_model_at as audit_read_model_at
from claims.audit_cli import verify as audit_verify
from claims.auth_cli import certs_app, keys_app
from claims.config import Settings
from claims.recheck_cli import audit_recheck

if TYPE_CHECKING:
    from claims.projections.runner import Projection

cli = typer.Typer(
    help="claims — an event-sourced warranty and claims engine. Settings come from CLAIMS_* environment variables.",
    no_args_is_help=True,
    add_completion=False,
)


def _configure_logging(settings: Settings) -> None:
    from claims.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format, sys.stderr)


@cli.command()
def serve(
    listen: str = typer.Option(None, help="host:port to listen on (default: CLAIMS_LISTEN or 127.0.0.1:50051)."),
    store: str = typer.Option(None, help="Store URL (default: CLAIMS_STORE_URL or sqlite:///var/claims.db)."),
) -> None:
    """Run the gRPC server until Ctrl-C or SIGTERM; in-flight calls finish before it stops."""
    from claims.adapters.grpc.auth.principals import PrincipalsFileError
    from claims.adapters.grpc.auth.transport import InsecureListenError
    from claims.bootstrap import start_engine

    overrides = {k: v for k, v in {"listen": listen, "store_url": store}.items() if v}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    _configure_logging(settings)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("claims").info("received %s, finishing in-flight calls", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        engine = start_engine(settings)
    except (NotMigratedError, InsecureListenError, PrincipalsFileError) as e:
        typer.echo(f"claims: {e}", err=True)
        raise typer.Exit(code=2) from None
    host = settings.listen.rsplit(":", 1)[0]
    auth = "auth on" if settings.auth == "on" else "auth OFF: every call acts as the system"
    logging.getLogger("claims").info(
        "claims listening on %s:%d (gRPC, %s, %s), store %s",
        host,
        engine.port,
        engine.transport,
        auth,
        engine.persistence.location.describe(),
    )
    if engine.web is not None:
        logging.getLogger("claims").info(
            "web console at %s, %s (sign in with an API key)", engine.web.url, engine.web.transport.description
        )
    if engine.metrics is not None:
        metrics_host = settings.metrics_listen.rsplit(":", 1)[0]
        logging.getLogger("claims").info("metrics at http://%s:%d/metrics", metrics_host, engine.metrics.port)
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
def demo(
    target: str = typer.Option("127.0.0.1:50051", help="host:port of a running `claims serve`."),
    store: str = typer.Option(None, help="The server's store, where the demo mints its API keys (CLAIMS_STORE_URL)."),
) -> None:
    """Play a day at a dealership against a running server, through the public API only, and summarise it. It
    acts as its own dealer, the manufacturer's desk and an insurer, with API keys minted in the local store for
    the run and revoked at its end."""
    from claims.auth_cli import demo_keys
    from claims.demo import run

    try:
        with demo_keys(store) as mint:
            for line in run(target, mint):
                typer.echo(line)
    except grpc.FutureTimeoutError:
        typer.echo(f"claims demo: no server answers at {target}; start one with `make run`", err=True)
        raise typer.Exit(code=1) from None
    except grpc.RpcError as e:
        typer.echo(f"claims demo: the server refused a step: {e.code().name} {e.details()}", err=True)
        raise typer.Exit(code=1) from None


rules = typer.Typer(
    help="Statutory rule packs: list them, or evaluate a vehicle's history under another one (what-if).",
    no_args_is_help=True,
)
cli.add_typer(rules, name="rules")


def _echo_lines(lines: Iterator[str], target: str) -> None:
    try:
        for line in lines:
            typer.echo(line)
    except grpc.FutureTimeoutError:
        typer.echo(f"claims rules: no server answers at {target}; start one with `make run`", err=True)
        raise typer.Exit(code=1) from None
    except grpc.RpcError as e:
        status = f"{e.code().name}: {e.details()}" if isinstance(e, grpc.Call) else str(e)
        typer.echo(f"claims rules: {status}", err=True)
        raise typer.Exit(code=1) from None


@rules.command("what-if")
def rules_what_if(
    vin: str = typer.Argument(..., help="The vehicle's VIN (or serial number)."),
    pack: str = typer.Option(..., "--pack", help="The pack id to evaluate under, e.g. CN-2013."),
    version: str = typer.Option(..., "--version", help="The pack's version, e.g. 1."),
    target: str = typer.Option("127.0.0.1:50051", help="host:port of a running `claims serve`."),
) -> None:
    """Evaluate a vehicle's stored history under another pack version (writing nothing) and show what differs."""
    from claims.adapters.grpc.rules_client import what_if_lines

    _echo_lines(what_if_lines(target, vin, pack, version), target)


@rules.command("list")
def rules_list(
    target: str = typer.Option("127.0.0.1:50051", help="host:port of a running `claims serve`."),
    parameters: bool = typer.Option(False, "--parameters", help="Show each pack's parameters as JSON too."),
) -> None:
    """List the shipped rule packs: id, version, jurisdiction, kind, period in force, title and rules."""
    from claims.adapters.grpc.rules_client import pack_lines

    _echo_lines(pack_lines(target, parameters=parameters), target)


_PROJECT_HELP = (
    "Run projection workers until Ctrl-C or SIGTERM: exactly one active worker per projection.\n\n"
    "PostgreSQL: each projection is taken with an advisory lock held on a dedicated connection for the worker's "
    "lifetime; a second `claims project` waits and takes over when the first dies. SQLite: one process owns the "
    "file, so no lock is taken (`claims serve` runs projections itself by default; set CLAIMS_RUN_PROJECTIONS=false "
    "on servers whose projections run here)."
)


@cli.command(help=_PROJECT_HELP)
def project(
    projection: Annotated[
        list[str] | None,
        typer.Option("--projection", "-p", help="A projection to run (repeatable; default: every registered one)."),
    ] = None,
    store: str = typer.Option(None, help="Store URL (default: CLAIMS_STORE_URL)."),
    batch_size: int = typer.Option(None, min=1, help="Events per transaction (default: CLAIMS_PROJECTION_BATCH_SIZE)."),
) -> None:
    """Run the projection workers (see ``_PROJECT_HELP``)."""
    from claims.adapters.persistence.factory import open_store
    from claims.projections.worker import ProjectionWorker

    settings = Settings(**({"store_url": store} if store else {}))  # type: ignore[arg-type]
    _configure_logging(settings)
    location = parse_store_url(settings.store_url)
    projections = _projections_or_exit(location, settings, projection)
    persistence = open_store(location)
    from claims.bootstrap import start_metrics, utc_now

    metrics = start_metrics(settings, persistence, utc_now)
    if metrics is not None:
        logging.getLogger("claims").info("metrics at %s (/metrics, port %d)", settings.metrics_listen, metrics.port)
    stop = _stop_on_signals()
    workers = [
        ProjectionWorker(
            persistence,
            p,
            batch_size=batch_size or settings.projection_batch_size,
            poll_seconds=settings.projection_poll_seconds,
            retry_seconds=settings.projection_lock_retry_seconds,
        )
        for p in projections
    ]
    exclusive = "one active worker each, by advisory lock" if location.backend == "postgresql" else "SQLite: no lock"
    logging.getLogger("claims").info(
        "claims project: %s on %s (%s)", ", ".join(w.name for w in workers), location.describe(), exclusive
    )
    for worker in workers:
        if metrics is not None:
            worker.runner.on_progress(metrics.record_projection_batch)
        worker.start()
    if metrics is not None:
        from claims.projections.worker import WorkerState

        metrics.watch_workers(lambda: {w.name: w.state is WorkerState.ACTIVE for w in workers})
    stop.wait()
    for worker in workers:
        worker.stop()
    if metrics is not None:
        metrics.close()
    persistence.close()
    logging.getLogger("claims").info("stopped")


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("claims").info("received %s, finishing the batch in hand", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def _projections_or_exit(location: StoreLocation, settings: Settings, names: list[str] | None) -> list[Projection]:
    """The named (or all registered) projections of a migrated SQL store; exit 2 with a message otherwise."""
    from claims.adapters.persistence.migrations import require_migrated
    from claims.projections import registry

    if location.backend == "memory":
        typer.echo("claims: projections need a SQLite or PostgreSQL store, not memory://", err=True)
        raise typer.Exit(code=2)
    try:
        require_migrated(location, settings.migrations_dir)
        return registry.create_all(names, snapshot_interval=settings.snapshot_interval)
    except (NotMigratedError, registry.UnknownProjectionError) as e:
        typer.echo(f"claims: {e}", err=True)
        raise typer.Exit(code=2) from None


projections_cli = typer.Typer(
    help="Read models: how far each has got, and rebuilding one from the log.", no_args_is_help=True
)
cli.add_typer(projections_cli, name="projections")


@projections_cli.command("list")
def projections_list(store: str = typer.Option(None, help="Store URL (default: CLAIMS_STORE_URL).")) -> None:
    """Each registered projection with its tracking position and how far it is behind the log's head."""
    from claims.adapters.persistence.factory import open_store
    from claims.projections.runner import ProjectionRunner

    settings = Settings(**({"store_url": store} if store else {}))  # type: ignore[arg-type]
    location = parse_store_url(settings.store_url)
    projections = _projections_or_exit(location, settings, None)
    persistence = open_store(location)
    try:
        assert persistence.database is not None
        positions = ProjectionRunner(persistence.events, persistence.database, projections).positions()
        head = persistence.events.head_position()
    finally:
        persistence.close()
    for name, position in positions.items():
        typer.echo(f"{name:<12} position {position:>10}  behind by {head - position}")


_REBUILD_HELP = (
    "Rebuild NAME from position zero into fresh tables, prove they equal the live ones row by row, swap them in.\n\n"
    "Safe while workers or the server run the projection. Exit status: 0 when the rebuilt tables equal the live "
    "ones; 1 when they differ (row counts and the first difference are shown, and nothing is swapped unless "
    "--force, which then exits 0); 2 when the rebuild cannot run."
)


@projections_cli.command("rebuild", help=_REBUILD_HELP)
def projections_rebuild(
    name: str = typer.Argument(..., help="The projection to rebuild, e.g. vehicles or claims."),
    store: str = typer.Option(None, help="Store URL (default: CLAIMS_STORE_URL)."),
    batch_size: int = typer.Option(None, min=1, help="Events per transaction (default: CLAIMS_PROJECTION_BATCH_SIZE)."),
    check: bool = typer.Option(False, "--check", help="Only rebuild and compare; never swap."),
    force: bool = typer.Option(False, "--force", help="Swap the rebuilt tables in even when they differ."),
) -> None:
    """Rebuild one projection and prove it (see ``_REBUILD_HELP``)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from claims.adapters.persistence.factory import open_store
    from claims.projections import registry
    from claims.projections.rebuild import RebuildError, rebuild

    settings = Settings(**({"store_url": store} if store else {}))  # type: ignore[arg-type]
    location = parse_store_url(settings.store_url)
    (projection,) = _projections_or_exit(location, settings, [name])
    persistence = open_store(location)
    bar = Progress(
        TextColumn(f"rebuilding {name}"), BarColumn(), MofNCompleteColumn(), TextColumn("positions"),
        TimeElapsedColumn(), console=Console(stderr=True),
    )  # fmt: skip
    try:
        with bar:
            task = bar.add_task(name, total=None)
            report = rebuild(
                persistence, projection, registry.tables_of(projection),
                batch_size=batch_size or settings.projection_batch_size, swap=not check, force=force,
                progress=lambda done, target: bar.update(task, completed=done, total=target),
            )  # fmt: skip
    except (RebuildError, registry.UnknownProjectionError) as e:
        typer.echo(f"claims: {e}", err=True)
        raise typer.Exit(code=2) from None
    finally:
        persistence.close()
    typer.echo(f"{name}: replayed {report.events} events, positions 1 to {report.position}")
    for count in report.counts:
        typer.echo(f"  {count.table:<24} live {count.live:>9} rows   rebuilt {count.rebuilt:>9} rows")
    if report.difference is None:
        done = "swapped in" if report.swapped else "checked only, nothing swapped"
        typer.echo(f"equal: every rebuilt row equals its live row at position {report.position} ({done})")
        return
    typer.echo(f"DIFFERENT: first difference: {report.difference.describe()}")
    if report.swapped:
        typer.echo("swapped in anyway (--force): the live tables now hold the rebuilt rows")
        return
    typer.echo("not swapped: the live tables are unchanged (rerun with --force to replace them)")
    raise typer.Exit(code=1)


audit_app = typer.Typer(
    help="The stored history for auditors: export it for offline tools, verify its hash chain.", no_args_is_help=True
)
cli.add_typer(audit_app, name="audit")
audit_app.command("verify")(audit_verify)
audit_app.command("keygen")(audit_keygen)
audit_app.command("checkpoint")(audit_checkpoint)
audit_app.command("checkpoints")(audit_checkpoints)
audit_app.command("recheck")(audit_recheck)
audit_app.command("read-model-at")(audit_read_model_at)
cli.add_typer(keys_app, name="keys")
cli.add_typer(certs_app, name="certs")


@audit_app.command("export")
def audit_export(
    output: str = typer.Option("-", "--output", "-o", help="The JSON Lines file to write; - for stdout."),
    store: str = typer.Option(None, help="Store URL (default: CLAIMS_STORE_URL)."),
    after: int = typer.Option(0, "--after", min=0, help="Only events after this position (resume an export)."),
) -> None:
    """Write the stored events up to the head, in log order, as JSON Lines: one event per line with its position,
    stream id, version, topic, metadata and payload, reading the store directly."""
    import json

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from claims.adapters.persistence.factory import open_store
    from claims.application.audit_feed import AuditFeed, payload_of
    from claims.domain.errors import InvalidCommandError
    from claims.projections.chain import sealed_hashes

    settings = Settings(**({"store_url": store} if store else {}))  # type: ignore[arg-type]
    persistence = open_store(parse_store_url(settings.store_url))
    bar = Progress(
        TextColumn("exporting"), BarColumn(), MofNCompleteColumn(), TextColumn("positions"), TimeElapsedColumn(),
        console=Console(stderr=True),
    )  # fmt: skip
    sink = sys.stdout if output == "-" else open(output, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    written = 0
    try:
        head = persistence.events.head_position()
        feed = AuditFeed(persistence.events, after)
        database = persistence.database
        sealed: dict[int, str] = {}
        with bar:
            task = bar.add_task("export", total=head, completed=after)
            for recorded in feed.until(head):
                position = recorded.position or 0
                if database is not None and position not in sealed:  # one query per page of 500 positions
                    sealed = sealed_hashes(database, position - 1, position + 499)
                meta = recorded.metadata
                line = {
                    "position": recorded.position,
                    "stream_id": str(recorded.stream_id),
                    "version": recorded.version,
                    "topic": recorded.topic,
                    "metadata": {
                        "actor": meta.actor, "request_id": meta.request_id, "correlation_id": meta.correlation_id,
                        "causation_id": meta.causation_id, "recorded_at": meta.recorded_at.isoformat(),
                    },
                    "payload": payload_of(recorded),
                    # The position's link in the hash chain; null for events not yet sealed (or a memory store).
                    "chain_hash": sealed.get(position),
                }  # fmt: skip
                sink.write(json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
                written += 1
                bar.update(task, completed=recorded.position)
            bar.update(task, completed=head)
    except InvalidCommandError as e:
        typer.echo(f"claims audit export: {e}", err=True)
        raise typer.Exit(code=2) from None
    finally:
        if sink is not sys.stdout:
            sink.close()
        persistence.close()
    typer.echo(f"exported {written} events, positions {after + 1} to {head}", err=True)


def main() -> None:
    cli()
