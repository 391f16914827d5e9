"""Composition root: settings → store → application → projections → gRPC server."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import grpc
from grpc_health.v1 import health, health_pb2

from claims.adapters.grpc.audit_servicer import AuditServicer
from claims.adapters.grpc.claims_servicer import ClaimServicer
from claims.adapters.grpc.insurer_servicer import InsurerServicer
from claims.adapters.grpc.preauth_servicer import PreAuthorizationServicer
from claims.adapters.grpc.repair_orders_servicer import RepairOrderServicer
from claims.adapters.grpc.server import SERVICE_NAMES, create_server
from claims.adapters.grpc.statutory_servicer import StatutoryServicer
from claims.adapters.grpc.vehicles_servicer import VehicleServicer
from claims.adapters.persistence.checkpoint import CheckpointSigner
from claims.adapters.persistence.checkpoint_keeper import CheckpointKeeper, CheckpointThread
from claims.adapters.persistence.factory import Persistence, open_store, parse_store_url
from claims.adapters.persistence.migrations import pending_migrations, require_migrated
from claims.adapters.reference import load_part_usage, load_statutory_inputs
from claims.application.app import ClaimsApplication
from claims.application.timers import CommitmentTimer, TimerThread
from claims.config import Settings
from claims.projections import registry
from claims.projections.claims import ClaimDirectory
from claims.projections.commitment_queries import CommitmentQueries
from claims.projections.commitments import CommitmentDirectory
from claims.projections.contracts import ContractDirectory
from claims.projections.runner import ProjectionRunner
from claims.projections.vehicles import VehicleDirectory

log = logging.getLogger("claims")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Engine:
    """A running engine: the server, its port, and what to stop on shutdown."""

    settings: Settings
    persistence: Persistence
    app: ClaimsApplication
    runner: ProjectionRunner | None
    server: grpc.Server
    port: int
    health: health.HealthServicer
    timer: TimerThread | None = None
    checkpoints: CheckpointThread | None = None
    _stopped: threading.Event = field(default_factory=threading.Event)
    _migrated: threading.Event = field(default_factory=threading.Event)

    def stop(self, grace: float | None = None) -> None:
        """Refuse new calls, let in-flight ones finish, then stop projections and close the store."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.health.enter_graceful_shutdown()
        self.server.stop(self.settings.grace_seconds if grace is None else grace).wait()
        if self.timer is not None:
            self.timer.stop()
        if self.checkpoints is not None:
            self.checkpoints.stop()
        if self.runner is not None:
            self.runner.stop()
        self.persistence.close()

    def check_health(self) -> bool:
        """SERVING only while the store answers and is migrated."""
        try:
            self.persistence.events.head_position()
            # Applied migrations stay applied: once this code's migrations are all in, only reachability is checked.
            if not self._migrated.is_set() and not pending_migrations(
                self.persistence.location, self.settings.migrations_dir
            ):
                self._migrated.set()
            healthy = self._migrated.is_set()
        except Exception:
            log.warning("store health check failed", exc_info=True)
            healthy = False
        status = health_pb2.HealthCheckResponse.SERVING if healthy else health_pb2.HealthCheckResponse.NOT_SERVING
        if not self._stopped.is_set():
            for name in ("", *SERVICE_NAMES):
                self.health.set(name, status)
        return healthy

    def _watch_health(self) -> None:
        while not self._stopped.wait(self.settings.health_interval_seconds):
            self.check_health()


def start_engine(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Engine:
    """Open the (migrated) store and start serving; the caller owns ``stop()``."""
    location = parse_store_url(settings.store_url)
    require_migrated(location, settings.migrations_dir)
    persistence = open_store(location)
    app = ClaimsApplication(
        persistence.events,
        clock,
        part_usage=load_part_usage(settings.part_usage_file),
        statutory=load_statutory_inputs(settings.statutory_inputs_file),
    )
    runner = directory = claim_directory = None
    timer: TimerThread | None = None
    contract_directory: ContractDirectory | None = None
    commitment_queries: CommitmentQueries | None = None
    if persistence.database is not None:
        runner = ProjectionRunner(  # every registered projection, as `claims project` runs them
            persistence.events, persistence.database, registry.create_all(), batch_size=settings.projection_batch_size
        )
        directory = VehicleDirectory(persistence.database)
        claim_directory = ClaimDirectory(persistence.database)
        contract_directory = ContractDirectory(persistence.database)
        commitment_queries = CommitmentQueries(persistence.database)
        if settings.run_projections:  # else `claims project` workers run them; reads wait on the tracking rows
            wake = runner.wake
            persistence.events.observe_appends(lambda _position: wake())
            runner.start(interval=settings.projection_poll_seconds)
        if settings.timer_interval_seconds > 0:  # the timer reads rm_commitments at the application's clock
            board = CommitmentDirectory(persistence.database)
            timer = TimerThread(CommitmentTimer(app, board), settings.timer_interval_seconds)
    signer = CheckpointSigner.from_file(settings.checkpoint_key_file)
    keeper: CheckpointKeeper | None = None
    checkpoints: CheckpointThread | None = None
    if signer.configured and persistence.database is not None:  # checkpoints are kept as files for auditors
        keeper = CheckpointKeeper(signer, persistence.database, settings.checkpoint_dir, clock)
        if settings.checkpoint_interval_seconds > 0:
            checkpoints = CheckpointThread(keeper, settings.checkpoint_interval_seconds)
    server, port, health_servicer = create_server(
        VehicleServicer(app, directory, runner),
        RepairOrderServicer(app),
        ClaimServicer(app, claim_directory, runner),
        PreAuthorizationServicer(app),
        StatutoryServicer(app, commitment_queries, runner),
        InsurerServicer(app, contract_directory, runner),
        AuditServicer(
            persistence.events,
            recorder=persistence.recorder if persistence.database is not None else None,
            database=persistence.database,
            signer=signer,
            clock=clock,
            keeper=keeper,
        ),
        settings.listen,
        max_workers=settings.max_workers,
        max_message_bytes=settings.max_message_bytes,
        max_concurrent_rpcs=settings.max_concurrent_rpcs,
    )
    server.start()
    engine = Engine(settings, persistence, app, runner, server, port, health_servicer, timer, checkpoints)
    if timer is not None:
        timer.start()
    if checkpoints is not None:
        checkpoints.start()
    engine.check_health()
    threading.Thread(target=engine._watch_health, name="health", daemon=True).start()
    return engine
