"""Composition root: settings → store → application → projections → gRPC server."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import grpc
from grpc_health.v1 import health, health_pb2
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter

from claims.adapters.grpc.audit_servicer import AuditServicer
from claims.adapters.grpc.auth.authenticator import Authenticator
from claims.adapters.grpc.auth.interceptor import AuthInterceptor
from claims.adapters.grpc.auth.keys import KeyLookup, KeyStore, MemoryKeyStore, SqlKeyStore
from claims.adapters.grpc.auth.principals import PrincipalsFile
from claims.adapters.grpc.auth.transport import plan_transport
from claims.adapters.grpc.claims_servicer import ClaimServicer
from claims.adapters.grpc.insurer_servicer import InsurerServicer
from claims.adapters.grpc.observability import ObservabilityInterceptor
from claims.adapters.grpc.policy import check_rpc
from claims.adapters.grpc.preauth_servicer import PreAuthorizationServicer
from claims.adapters.grpc.repair_orders_servicer import RepairOrderServicer
from claims.adapters.grpc.server import SERVICE_NAMES, create_server
from claims.adapters.grpc.statutory_servicer import StatutoryServicer
from claims.adapters.grpc.vehicles_servicer import VehicleServicer
from claims.adapters.http.door import DoorPlan, open_door, plan_door
from claims.adapters.persistence.checkpoint import CheckpointSigner
from claims.adapters.persistence.checkpoint_keeper import CheckpointKeeper, CheckpointThread
from claims.adapters.persistence.factory import Persistence, open_store, parse_store_url
from claims.adapters.persistence.group_commit import GroupCommitSettings
from claims.adapters.persistence.migrations import pending_migrations, require_migrated
from claims.adapters.reference import load_part_usage, load_statutory_inputs
from claims.adapters.web.app import Console, build_web_app
from claims.adapters.web.hash_chain import HashChain
from claims.adapters.web.server import WebServer, plan_web_transport
from claims.application.app import ClaimsApplication
from claims.application.timers import CommitmentTimer, TimerThread
from claims.config import Settings
from claims.heap import HeapFreezer
from claims.metrics import LogSnapshot, Metrics
from claims.projections import registry
from claims.projections.as_of import ReadModelsAt
from claims.projections.child import ProjectionProcess
from claims.projections.claims import ClaimDirectory
from claims.projections.commitment_queries import CommitmentQueries
from claims.projections.commitments import CommitmentDirectory
from claims.projections.contracts import ContractDirectory
from claims.projections.lag import StoreProbe
from claims.projections.runner import ProjectionRunner
from claims.projections.vehicles import VehicleDirectory
from claims.tracing import tracer_provider, tracing_interceptor

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
    keys: KeyStore | None = None  # API keys (issue 7): `claims keys` and tests mint them here
    transport: str = ""  # how it listens, for the start-up log line: "mutual TLS ...", "no TLS (loopback)"
    metrics: Metrics | None = None
    tracer: TracerProvider | None = None
    projection_child: ProjectionProcess | None = None  # the projections' own process (CLAIMS_PROJECTION_PROCESS)
    heap: HeapFreezer | None = None  # short full GCs (CLAIMS_GC_FREEZE_SECONDS)
    web: WebServer | None = None  # the console (issue 19), None when CLAIMS_WEB_LISTEN is empty
    _stopped: threading.Event = field(default_factory=threading.Event)
    _migrated: threading.Event = field(default_factory=threading.Event)

    def stop(self, grace: float | None = None) -> None:
        """Refuse new calls, let in-flight ones finish, then stop projections and close the store."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.health.enter_graceful_shutdown()
        grace = self.settings.grace_seconds if grace is None else grace
        if self.web is not None:
            self.web.stop(grace)
        self.server.stop(grace).wait()
        if self.timer is not None:
            self.timer.stop()
        if self.checkpoints is not None:
            self.checkpoints.stop()
        if self.projection_child is not None:
            self.projection_child.stop()
        if self.runner is not None:
            self.runner.stop()
        if self.heap is not None:
            self.heap.stop()
        if self.metrics is not None:
            self.metrics.close()
        if self.tracer is not None:
            self.tracer.shutdown()  # exports the spans still queued
        self.persistence.close()

    @property
    def web_port(self) -> int | None:
        """The console's bound port, None when it is off."""
        return None if self.web is None else self.web.port

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


def start_metrics(settings: Settings, persistence: Persistence, clock: Callable[[], datetime]) -> Metrics | None:
    """The process's metrics served on CLAIMS_METRICS_LISTEN, reading lag from the store; None when unset."""
    if not settings.metrics_listen:
        return None
    metrics = Metrics()
    if persistence.database is not None:
        metrics.watch_store(StoreProbe(persistence.events, persistence.database, clock).snapshot)
    else:
        events = persistence.events
        metrics.watch_store(lambda: LogSnapshot(head=events.head_position()))
    # Group commit batch sizes: the store calls this after each committed transaction.
    persistence.events.observe_commits(metrics.record_commit_batch)
    metrics.serve(settings.metrics_listen)
    return metrics


def start_engine(
    settings: Settings, clock: Callable[[], datetime] = utc_now, *, span_exporter: SpanExporter | None = None
) -> Engine:
    """Open the (migrated) store and start serving; the caller owns ``stop()``.

    ``span_exporter`` replaces the configured span exporter (tests); spans are made only when CLAIMS_TRACING is on.
    """
    location = parse_store_url(settings.store_url)
    plan = plan_transport(  # refuses plaintext or auth off where they are unsafe, before touching the store
        settings.listen,
        auth=settings.auth == "on",
        cert_file=settings.tls_cert_file,
        key_file=settings.tls_key_file,
        client_ca_file=settings.tls_client_ca_file,
        behind_tls_proxy=settings.behind_tls_proxy,
    )
    web_transport = None
    if settings.web_listen:  # the console follows the same rule: no plain HTTP off loopback
        web_transport = plan_web_transport(
            settings.web_listen, cert_file=settings.tls_cert_file, key_file=settings.tls_key_file,
            behind_tls_proxy=settings.behind_tls_proxy,
        )  # fmt: skip
    principals = PrincipalsFile(settings.principals_file) if settings.principals_file is not None else None
    require_migrated(location, settings.migrations_dir)
    group_commit = GroupCommitSettings(settings.group_commit_window_ms / 1000, settings.group_commit_max_batch)
    persistence = open_store(location, group_commit)
    keys: KeyStore = SqlKeyStore(persistence.database) if persistence.database is not None else MemoryKeyStore()
    authenticator = Authenticator(KeyLookup(keys, settings.key_cache_seconds), principals)
    interceptors = [AuthInterceptor(authenticator, check_rpc)] if settings.auth == "on" else []
    metrics = start_metrics(settings, persistence, clock)
    tracer = tracer_provider(
        settings.tracing,
        service_name=settings.service_name,
        otlp_endpoint=settings.otlp_endpoint,
        exporter=span_exporter,
    )
    observers: list[grpc.ServerInterceptor] = [] if tracer is None else [tracing_interceptor(tracer)]
    observers.append(ObservabilityInterceptor(metrics))
    app = ClaimsApplication(
        persistence.events,
        clock,
        part_usage=load_part_usage(settings.part_usage_file),
        statutory=load_statutory_inputs(settings.statutory_inputs_file),
    )
    runner = directory = claim_directory = None
    child: ProjectionProcess | None = None
    timer: TimerThread | None = None
    contract_directory: ContractDirectory | None = None
    commitment_queries: CommitmentQueries | None = None
    if persistence.database is not None:
        runner = ProjectionRunner(  # every registered projection, as `claims project` runs them
            persistence.events,
            persistence.database,
            registry.create_all(snapshot_interval=settings.snapshot_interval),
            batch_size=settings.projection_batch_size,
        )
        directory = VehicleDirectory(persistence.database)
        claim_directory = ClaimDirectory(persistence.database)
        contract_directory = ContractDirectory(persistence.database)
        commitment_queries = CommitmentQueries(persistence.database)
        if metrics is not None:
            runner.on_progress(metrics.record_projection_batch)
        if settings.run_projections and settings.projection_process:  # in a child interpreter, on another core
            child = ProjectionProcess(settings, runner.progressed)  # started once the server is
            wake = child.wake
            persistence.events.observe_appends(lambda _position: wake())
        elif settings.run_projections:  # else `claims project` workers run them; reads wait on the tracking rows
            wake = runner.wake
            persistence.events.observe_appends(lambda _position: wake())
            runner.start(interval=settings.projection_poll_seconds, linger=settings.projection_linger_seconds)
        if settings.timer_interval_seconds > 0:  # the timer reads rm_commitments at the application's clock
            board = CommitmentDirectory(persistence.database)
            commitment_timer = CommitmentTimer(app, board)
            if metrics is not None:
                commitment_timer.on_tick(metrics.record_timer_tick)
            timer = TimerThread(commitment_timer, settings.timer_interval_seconds)
    signer = CheckpointSigner.from_file(settings.checkpoint_key_file)
    keeper: CheckpointKeeper | None = None
    checkpoints: CheckpointThread | None = None
    if signer.configured and persistence.database is not None:  # checkpoints are kept as files for auditors
        keeper = CheckpointKeeper(signer, persistence.database, settings.checkpoint_dir, clock)
        if settings.checkpoint_interval_seconds > 0:
            checkpoints = CheckpointThread(keeper, settings.checkpoint_interval_seconds)
    door_plan = plan_door(tls=plan.credentials is not None, mutual=plan.mutual) if settings.web_listen else DoorPlan()
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
            read_models=ReadModelsAt(
                persistence.events, settings.migrations_dir, cache_size=settings.read_model_at_cache_size
            ),
        ),
        settings.listen,
        max_workers=settings.max_workers,
        credentials=plan.credentials,
        interceptors=interceptors,
        observers=observers,
        max_message_bytes=settings.max_message_bytes,
        max_concurrent_rpcs=settings.max_concurrent_rpcs,
        local_socket=door_plan.local_socket,
    )
    server.start()
    engine = Engine(
        settings, persistence, app, runner, server, port, health_servicer, timer, checkpoints, keys,
        plan.description, metrics, tracer, child,
    )  # fmt: skip
    if settings.web_listen:  # sessions are signed with a per-process secret: a restart signs everyone out
        chain = HashChain(persistence.database, keeper) if persistence.database is not None else None
        console = Console(
            app, claim_directory, authenticator, commitments=commitment_queries, vehicles=directory, chain=chain,
            runner=runner,
        )  # fmt: skip
        assert web_transport is not None
        door = open_door(settings.listen, port, door_plan, services=SERVICE_NAMES,
                         max_message_bytes=settings.max_message_bytes)  # fmt: skip
        web = build_web_app(
            console, secret_key=secrets.token_urlsafe(32), secure_cookie=web_transport.secure_cookie,
            extra_routes=door.routes if door else (),
        )  # fmt: skip
        engine.web = WebServer(web, settings.web_listen, web_transport, on_stop=door.close if door else None)
        engine.web.start()
    if child is not None:
        child.start()
    if settings.gc_freeze_seconds > 0:
        engine.heap = HeapFreezer(settings.gc_freeze_seconds).start()
    if timer is not None:
        timer.start()
    if checkpoints is not None:
        checkpoints.start()
    engine._migrated.set()  # checked above, before anything was served: the first health check need not ask again
    engine.check_health()
    threading.Thread(target=engine._watch_health, name="health", daemon=True).start()
    return engine
