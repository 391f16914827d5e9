"""What TLS and authentication cost: the same calls, in one run, against a fresh `claims serve` per setting.

Settings, each on the same migrated SQLite store, the load from this process over loopback (closed loop, N
clients, each with its own channel):

- plaintext, auth off (the baseline: every call acts as the system);
- TLS (server certificate), auth off;
- plaintext, bearer token + policy (the key looked up in the store on every call);
- TLS, bearer token + policy;
- TLS, bearer token + policy with a 2-second key cache (CLAIMS_KEY_CACHE_SECONDS=2);
- mutual TLS, client certificate (principals file) + policy.

Calls: ``StatutoryService.ListRulePacks`` (cheap: no store access, so the fixed cost shows) and
``VehicleService.GetVehicle`` of one registered vehicle (one stream read). Results: bench/results/auth.json and
docs/benchmarks-auth.md. ``--seconds 1`` is a smoke run; the figures worth quoting need a quiet machine.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import grpc

from bench import load, machine
from claims.adapters.grpc.auth.certs import DevCerts, issue_client, principals_toml, write_dev_certs
from claims.adapters.grpc.auth.keys import SqlKeyStore, new_key
from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.api.v1 import common_pb2, statutory_pb2, statutory_pb2_grpc, vehicles_pb2, vehicles_pb2_grpc
from claims.config import REPO_ROOT

ROOT = Path(__file__).resolve().parents[1]
DEALER = "dealer:D-BENCH"
SERIAL = "BENCH-AUTH-0001"
Call = Callable[[grpc.Channel, int, int], None]


@dataclass
class Setting:
    name: str
    env: dict[str, str]
    connect: Callable[[str], grpc.Channel]
    metadata: tuple[tuple[str, str], ...] = ()
    figures: list[load.Figure] = field(default_factory=list)


@contextmanager
def serving(store_url: str, env: dict[str, str]) -> Iterator[str]:
    settings = {"CLAIMS_STORE_URL": store_url, "CLAIMS_LISTEN": "127.0.0.1:0", "CLAIMS_LOG_LEVEL": "INFO"}
    full = {**os.environ, **settings, "CLAIMS_TIMER_INTERVAL_SECONDS": "0", **env}
    process = subprocess.Popen([sys.executable, "-m", "claims", "serve"], env=full, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    line = process.stderr.readline()
    found = re.search(r"listening on ([\d.]+:\d+)", line)
    try:
        if not found:
            raise SystemExit(f"the server did not start: {line}{process.stderr.read() if process.poll() else ''}")
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=30)


def tls_connect(certs: DevCerts, client: str | None) -> Callable[[str], grpc.Channel]:
    def connect(target: str) -> grpc.Channel:
        key = chain = None
        if client is not None:
            issued = certs.clients[client]
            key, chain = issued.key.read_bytes(), issued.cert.read_bytes()
        credentials = grpc.ssl_channel_credentials(certs.ca_cert.read_bytes(), key, chain)
        return grpc.secure_channel(target, credentials, options=[("grpc.ssl_target_name_override", "localhost")])

    return connect


def list_packs(metadata: tuple[tuple[str, str], ...]) -> Call:
    def call(channel: grpc.Channel, _client: int, _n: int) -> None:
        stub = statutory_pb2_grpc.StatutoryServiceStub(channel)
        stub.ListRulePacks(statutory_pb2.ListRulePacksRequest(), timeout=10, metadata=metadata)

    return call


def get_vehicle(metadata: tuple[tuple[str, str], ...]) -> Call:
    request = vehicles_pb2.GetVehicleRequest(identifier=SERIAL, as_of_date="2025-06-01")

    def call(channel: grpc.Channel, _client: int, _n: int) -> None:
        vehicles_pb2_grpc.VehicleServiceStub(channel).GetVehicle(request, timeout=10, metadata=metadata)

    return call


def register(target: str) -> None:
    """One vehicle for GetVehicle, sold by the bench's dealer (registered through a server with auth off)."""
    request = vehicles_pb2.RegisterVehicleRequest(
        request_id=str(uuid.uuid4()), identifier=SERIAL, identifier_kind=vehicles_pb2.IDENTIFIER_KIND_SERIAL,
        model="Bench", jurisdiction="EU-DE", dealer_id=DEALER.split(":")[1], owner_ref="C1",
        invoice_date="2025-01-10", delivery_date="2025-01-12", price=common_pb2.Money(amount="999.00", currency="EUR"),
        odometer_at_delivery=common_pb2.Distance(value="0", unit=common_pb2.DISTANCE_UNIT_HOURS),
    )  # fmt: skip
    with grpc.insecure_channel(target) as channel:
        vehicles_pb2_grpc.VehicleServiceStub(channel).RegisterVehicle(request, timeout=10)


def settings(folder: Path, store_url: str) -> list[Setting]:
    persistence = open_store(parse_store_url(store_url))
    assert persistence.database is not None
    key, token = new_key(DEALER, "bench", datetime.now(UTC))
    SqlKeyStore(persistence.database).add(key)
    persistence.close()
    certs = write_dev_certs(folder / "certs")
    issue_client(certs, DEALER)
    principals = folder / "principals.toml"
    principals.write_text(principals_toml([DEALER]))
    tls = {"CLAIMS_TLS_CERT_FILE": str(certs.server_cert), "CLAIMS_TLS_KEY_FILE": str(certs.server_key)}
    mutual = {**tls, "CLAIMS_TLS_CLIENT_CA_FILE": str(certs.ca_cert), "CLAIMS_PRINCIPALS_FILE": str(principals)}
    bearer = (("authorization", f"Bearer {token}"),)
    plain: Callable[[str], grpc.Channel] = grpc.insecure_channel
    return [
        Setting("plaintext, auth off (baseline)", {"CLAIMS_AUTH": "off"}, plain),
        Setting("TLS, auth off", {"CLAIMS_AUTH": "off", **tls}, tls_connect(certs, None)),
        Setting("plaintext, token + policy", {"CLAIMS_AUTH": "on"}, plain, bearer),
        Setting("TLS, token + policy", {"CLAIMS_AUTH": "on", **tls}, tls_connect(certs, None), bearer),
        Setting(
            "TLS, token + policy, 2 s key cache",
            {"CLAIMS_AUTH": "on", "CLAIMS_KEY_CACHE_SECONDS": "2", **tls},
            tls_connect(certs, None),
            bearer,
        ),
        Setting("mutual TLS, certificate + policy", {"CLAIMS_AUTH": "on", **mutual}, tls_connect(certs, DEALER)),
    ]


def markdown(results: dict[str, object]) -> str:
    rows = results["figures"]
    assert isinstance(rows, list)
    lines = [
        "# What TLS and authentication cost",
        "",
        f"Latest run: {results['when']} with `python -m bench.auth_cost` ({results['seconds']} s per figure, "
        f"{results['clients']} concurrent clients, closed loop over loopback, a fresh `claims serve` per setting, "
        "all in one run). Ratio: to the same call in the baseline setting.",
        "",
        "| setting | call | calls/s | ratio | p50 ms | p99 ms | errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    baseline: dict[str, float] = {}
    for row in rows:
        if "baseline" in row["setting"]:
            baseline[row["call"]] = row["per_second"]
        base = baseline.get(row["call"])
        ratio = f"{row['per_second'] / base:.2f}" if base else "—"
        cells = [row["setting"], row["call"], f"{row['per_second']:.0f}", ratio]
        cells += [f"{row['p50_ms']:.2f}", f"{row['p99_ms']:.2f}", str(row["errors"])]
        lines.append("| " + " | ".join(cells) + " |")
    info = results["machine"]
    assert isinstance(info, dict)
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--no-write", action="store_true", help="print only (a smoke run)")
    args = parser.parse_args()
    figures: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as folder:
        store_url = f"sqlite:///{folder}/bench.db"
        apply_migrations(parse_store_url(store_url), REPO_ROOT / "migrations")
        with serving(store_url, {"CLAIMS_AUTH": "off"}) as target:
            register(target)
        for setting in settings(Path(folder), store_url):
            with serving(store_url, setting.env) as target:
                for label, make in (("ListRulePacks", list_packs), ("GetVehicle", get_vehicle)):
                    call = make(setting.metadata)
                    load.run("warm-up", target, args.clients, 0.5, call, connect=setting.connect)
                    figure = load.run(label, target, args.clients, args.seconds, call, connect=setting.connect)
                    if figure.errors:
                        raise SystemExit(f"{setting.name} / {label}: {figure.errors} calls failed")
                    figures.append({"setting": setting.name, "call": label} | figure.__dict__)
                    figures[-1]["per_second"] = figure.per_second
                    print(f"{setting.name:<40} {label:<14} {figure.per_second:8.0f}/s p50 {figure.p50_ms:.2f} ms")
    results = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": args.seconds,
        "clients": args.clients,
        "machine": machine.describe(),
        "figures": figures,
    }
    print(markdown(results))
    if not args.no_write:
        (ROOT / "bench" / "results" / "auth.json").write_text(json.dumps(results, indent=2) + "\n")
        (ROOT / "docs" / "benchmarks-auth.md").write_text(markdown(results))


if __name__ == "__main__":
    main()
