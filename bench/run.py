"""`make bench`: commands per second over gRPC beside a health-check baseline, on SQLite and PostgreSQL.

Each store gets a fresh `claims serve` process on 127.0.0.1; the load comes from this process over
loopback, 8 concurrent clients, bounded in time. Results: bench/results/latest.json and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import grpc
import psycopg
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench import claims_load, load, machine
from claims.api.v1 import common_pb2, vehicles_pb2, vehicles_pb2_grpc

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = os.environ.get("CLAIMS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
PROJECTIONS_LINK = (
    "Projection catch-up beside a raw read of the log, and live lag under steady writes: "
    "[benchmarks-projections.md](benchmarks-projections.md) (`python -m bench.projections`, also run by `make bench`)."
)


def start_server(store_url: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "CLAIMS_STORE_URL": store_url, "CLAIMS_LISTEN": "127.0.0.1:0", "CLAIMS_LOG_LEVEL": "WARNING"}
    env["CLAIMS_AUTH"] = "off"  # the store's throughput; bench/auth_cost.py measures what TLS and auth cost
    subprocess.run([sys.executable, "-m", "claims", "migrate"], env=env, check=True, capture_output=True)
    env["CLAIMS_LOG_LEVEL"] = "INFO"
    process = subprocess.Popen([sys.executable, "-m", "claims", "serve"], env=env, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    found = re.search(r"listening on ([\d.]+:\d+)", process.stderr.readline())
    if not found:
        process.kill()
        raise SystemExit("the server did not start")
    return process, found.group(1)


def health_call(channel: grpc.Channel, _client: int, _n: int) -> None:
    health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)


def register_call(run_id: str) -> Callable[[grpc.Channel, int, int], None]:
    def call(channel: grpc.Channel, client: int, n: int) -> None:
        serial = f"BENCH-{run_id}-{client:02d}-{n:07d}"
        request = vehicles_pb2.RegisterVehicleRequest(
            request_id=str(uuid.uuid4()), identifier=serial, identifier_kind=vehicles_pb2.IDENTIFIER_KIND_SERIAL,
            model="Bench", jurisdiction="EU-DE", dealer_id=f"D{client:03d}", owner_ref="C1",
            invoice_date="2025-01-10", delivery_date="2025-01-12",
            price=common_pb2.Money(amount="999.00", currency="EUR"),
            odometer_at_delivery=common_pb2.Distance(value="0", unit=common_pb2.DISTANCE_UNIT_HOURS),
        )  # fmt: skip
        vehicles_pb2_grpc.VehicleServiceStub(channel).RegisterVehicle(request, timeout=10)

    return call


def measure(store: str, store_url: str, clients: int, seconds: float, claims: int) -> list[load.Figure]:
    process, target = start_server(store_url)
    try:
        run_id = uuid.uuid4().hex[:6].upper()
        load.run("warm-up", target, clients, 1.0, health_call)
        baseline = load.run(f"{store}: health Check (baseline)", target, clients, seconds, health_call)
        register = load.run(f"{store}: RegisterVehicle", target, clients, seconds, register_call(run_id))
        per_client = max(1, claims // clients)
        setup = load.run("setup", target, clients, 0, claims_load.setup_call(run_id), per_client=per_client)
        if setup.errors:
            raise SystemExit(f"setting up repair orders failed {setup.errors} times")
        filed = load.run(
            f"{store}: FileClaim (3 lines, all checks)",
            target,
            clients,
            0,
            claims_load.file_call(run_id),
            per_client=per_client,
        )
        return [baseline, register, filed]
    finally:
        process.terminate()
        process.wait(timeout=30)


def markdown(results: dict[str, object]) -> str:
    rows = results["figures"]
    assert isinstance(rows, list)
    lines = [
        "# Benchmarks",
        "",
        f"Latest run: {results['when']} with `make bench` ({results['seconds']} s per figure, "
        f"{results['clients']} concurrent clients, closed loop over loopback, a fresh `claims serve` per store).",
        "",
        "| figure | calls/s | ratio to baseline | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    baseline = 0.0
    for row in rows:
        if "baseline" in row["name"]:
            baseline = row["per_second"]
        ratio = f"{row['per_second'] / baseline:.2f}" if baseline else "—"
        cells = [
            row["name"],
            f"{row['per_second']:.0f}",
            ratio,
            f"{row['p50_ms']:.2f}",
            f"{row['p99_ms']:.2f}",
            row["errors"],
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    info = results["machine"]
    assert isinstance(info, dict)
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), ""]
    lines += [PROJECTIONS_LINK, ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--claims", type=int, default=800, help="claims filed per store (split across the clients)")
    parser.add_argument("--postgres", default=DEFAULT_PG, help="DSN; empty to skip PostgreSQL")
    args = parser.parse_args()
    figures: list[load.Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        figures += measure("sqlite", f"sqlite:///{folder}/bench.db", args.clients, args.seconds, args.claims)
    if args.postgres:
        schema = f"claims_bench_{uuid.uuid4().hex[:8]}"
        try:
            figures += measure(
                "postgresql", f"{args.postgres}?schema={schema}", args.clients, args.seconds, args.claims
            )
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    results = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": args.seconds,
        "clients": args.clients,
        "machine": machine.describe(),
        "figures": [f.__dict__ | {"per_second": f.per_second} for f in figures],
    }
    print(markdown(results))
    (ROOT / "bench" / "results" / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (ROOT / "docs" / "benchmarks.md").write_text(markdown(results))


if __name__ == "__main__":
    main()
