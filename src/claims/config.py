"""Settings, read once from ``CLAIMS_*`` environment variables (or a .env file); nothing else reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything an operator can set."""

    model_config = SettingsConfigDict(env_prefix="CLAIMS_", env_file=".env", extra="ignore", frozen=True)

    store_url: str = Field(
        default="sqlite:///var/claims.db",
        description="sqlite:///relative/path.db, sqlite:////absolute/path.db, memory:// (tests only), "
        "or postgresql://user:password@host:port/database?schema=name",
    )
    listen: str = Field(default="127.0.0.1:50051", description="host:port the gRPC server binds")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="the least severe records logged (DEBUG adds one line per successful RPC)"
    )
    migrations_dir: Path = Field(default=REPO_ROOT / "migrations", description="folder holding sqlite/ and postgresql/")
    part_usage_file: Path = Field(
        default=REPO_ROOT / "reference" / "part_usage.json",
        description="JSON object: part number → the most one vehicle carries (for the claim quantity check)",
    )
    statutory_inputs_file: Path = Field(
        default=REPO_ROOT / "reference" / "statutory.json",
        description="JSON: per jurisdiction the CN usage coefficient, courtesy-car daily rate and holidays",
    )
    grace_seconds: float = Field(default=10.0, ge=0, description="how long in-flight calls may finish on shutdown")
    max_workers: int = Field(default=16, ge=1, le=256, description="gRPC server threads")
    max_message_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=64 * 1024,
        le=64 * 1024 * 1024,
        description="largest request or response body the server accepts or sends; a larger request is refused "
        "with RESOURCE_EXHAUSTED before it is read",
    )
    max_concurrent_rpcs: int = Field(
        default=128,
        ge=1,
        le=100_000,
        description="calls (streams included) the server serves at once; one more is refused with "
        "RESOURCE_EXHAUSTED instead of queueing without bound",
    )
    health_interval_seconds: float = Field(default=2.0, gt=0, description="how often the store's health is checked")
    run_projections: bool = Field(
        default=True,
        description="run the read-model projections inside `claims serve` (the embedded default); set false on "
        "production servers whose projections run in `claims project` worker processes (one active per projection)",
    )
    projection_process: bool = Field(
        default=True,
        description="with run_projections, run them in a child process of `claims serve` (its own interpreter, "
        "so RPC threads and projections do not share one GIL); false runs them on a thread of the server",
    )
    gc_freeze_seconds: float = Field(
        default=1.0,
        ge=0,
        le=3600,
        description="how often `claims serve` moves the objects that survived into Python's permanent GC "
        "generation (gc.freeze), so a full collection walks only newer ones and stalls calls for a few ms "
        "instead of hundreds; 0: never (the default collector)",
    )
    projection_batch_size: int = Field(
        default=500, ge=1, le=100_000, description="events a projection processes per transaction (rows + position)"
    )
    projection_poll_seconds: float = Field(
        default=0.05, gt=0, le=60, description="how often an idle projection looks for new events (appends wake it)"
    )
    projection_linger_seconds: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description="woken by appends, how long `claims serve`'s projections wait for more before their next batch "
        "(fewer, fuller batches: less CPU per event, at most this much more lag); 0: a batch at every wake-up",
    )
    snapshot_interval: int = Field(
        default=100,
        ge=1,
        le=1_000_000,
        description="the snapshots projection keeps a stream's folded state every this many events (GetStateAt "
        "folds at most this many less one); every process running projections must use the same value",
    )
    projection_lock_retry_seconds: float = Field(
        default=1.0, gt=0, le=600, description="how often a standby `claims project` worker tries to take over"
    )
    timer_interval_seconds: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="how often the commitment timer records clocks that ran out (deemed approvals, breaches); "
        "0 runs no timer in this process. Several timers never fire twice (deterministic request ids)",
    )
    checkpoint_key_file: Path | None = Field(
        default=None,
        description="PEM Ed25519 private key that signs checkpoints of the hash chain (`claims audit keygen` "
        "writes one); unset: checkpoints cannot be signed",
    )
    checkpoint_interval_seconds: float = Field(
        default=0.0,
        ge=0,
        description="how often `claims serve` signs the sealed head (when it moved since the last checkpoint) and "
        "writes it to CLAIMS_CHECKPOINT_DIR; 0 signs only on demand (GetCheckpoint). Needs CLAIMS_CHECKPOINT_KEY_FILE",
    )
    group_commit_window_ms: float = Field(
        default=1.0,
        ge=0,
        le=1000,
        description="how long the store's committer waits, after the first append, for concurrent appends to "
        "write in the same transaction (group commit); 0 takes only those already waiting",
    )
    group_commit_max_batch: int = Field(
        default=64, ge=1, le=10_000, description="the most commands one group-commit transaction writes"
    )
    checkpoint_dir: Path = Field(
        default=Path("var/checkpoints"),
        description="where signed checkpoints are written as JSON (`checkpoint-<position>.json`) for auditors to fetch",
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="text: one readable line per record (the default, for `make run`); json: one JSON object per "
        "line with time, level, logger, message and, inside a call, request_id, correlation_id, method and trace_id "
        "(use json in production)",
    )
    metrics_listen: str = Field(
        default="",
        pattern=r"^(|.+:\d+)$",
        description="host:port where `claims serve` and `claims project` serve Prometheus metrics at /metrics "
        "(e.g. 127.0.0.1:9464; port 0 picks a free one); empty: no metrics endpoint",
    )
    web_listen: str = Field(
        default="127.0.0.1:8080",
        pattern=r"^(|.+:\d+)$",
        description="host:port where `claims serve` serves the web console (sign in with an API key; port 0 picks a "
        "free one); empty: no console",
    )
    tracing: Literal["off", "console", "otlp"] = Field(
        default="off",
        description="OpenTelemetry tracing of every RPC through the standard gRPC server instrumentation: off, "
        "console (spans printed to stdout) or otlp (spans sent to CLAIMS_OTLP_ENDPOINT)",
    )
    otlp_endpoint: str = Field(
        default="http://127.0.0.1:4317",
        description="the OTLP/gRPC collector spans are sent to when CLAIMS_TRACING=otlp",
    )
    service_name: str = Field(
        default="claims", min_length=1, description="service.name of the spans this process sends"
    )
    read_model_at_cache_size: int = Field(
        default=4,
        ge=0,
        le=64,
        description="how many scratch copies of read models as of a position (GetReadModelAt) `claims serve` keeps "
        "in memory, each the size of its read model then; 0 keeps none",
    )
    auth: Literal["on", "off"] = Field(
        default="on",
        description="on: every call authenticates (API key or client certificate) and is authorized by role and "
        "organisation; off: every call acts as the system (allowed only on a loopback address)",
    )
    tls_cert_file: Path | None = Field(default=None, description="PEM server certificate chain; with the key: TLS")
    tls_key_file: Path | None = Field(default=None, description="PEM private key of the server certificate")
    tls_client_ca_file: Path | None = Field(
        default=None,
        description="PEM CA that signs client certificates: mutual TLS, every client presents a certificate "
        "(identified through CLAIMS_PRINCIPALS_FILE, or by a bearer token sent as well)",
    )
    principals_file: Path | None = Field(
        default=None,
        description="TOML [certificates] table: client certificate subject CN or SAN → principal "
        "(`dealer:D-100`); re-read when it changes",
    )
    behind_tls_proxy: bool = Field(
        default=False,
        description="plaintext on a non-loopback address is allowed because a TLS-terminating proxy is in front",
    )
    key_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        le=5,
        description="how long the server may reuse an API key it looked up (0: the store is asked on every call, "
        "~40 µs on SQLite but 1.5-3 ms on PostgreSQL); a revoked key stops working within this time, a new key at once",
    )
