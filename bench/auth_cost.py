"""What TLS and authentication cost: the same calls, in one run, against one `claims serve` per setting.

Settings, each a `claims serve` on the same migrated SQLite store (projections and timer off: only the calls
measured run); the load comes from this process over loopback (closed loop, N clients, each with its own
channel), in slices interleaved across the settings:

- plaintext, auth off (the baseline: every call acts as the system);
- TLS (server certificate), auth off;
- plaintext, bearer token + policy, the key looked up in the store on every call (CLAIMS_KEY_CACHE_SECONDS=0);
- TLS, bearer token + policy, a lookup per call;
- TLS, bearer token + policy with the default 1-second key cache;
- mutual TLS, client certificate (principals file) + policy.

Calls: ``StatutoryService.ListRulePacks`` (cheap: no store access, so the fixed cost shows) and
``VehicleService.GetVehicle`` of one registered vehicle (one stream read). Results: bench/results/auth.json and
docs/benchmarks-auth.md. ``--rounds 1 --seconds 0.5 --no-write`` is a smoke run; figures worth quoting need a
quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
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


@contextmanager
def serving(store_url: str, env: dict[str, str]) -> Iterator[str]:
    settings = {"CLAIMS_STORE_URL": store_url, "CLAIMS_LISTEN": "127.0.0.1:0", "CLAIMS_LOG_LEVEL": "INFO",
                "CLAIMS_WEB_LISTEN": ""}  # fmt: skip
    quiet = {"CLAIMS_TIMER_INTERVAL_SECONDS": "0", "CLAIMS_RUN_PROJECTIONS": "false"}  # only the calls measured
    full = {**os.environ, **settings, **quiet, **env}
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
    on_tls = {"CLAIMS_AUTH": "on", **tls}
    per_call, cached = {"CLAIMS_KEY_CACHE_SECONDS": "0"}, {"CLAIMS_KEY_CACHE_SECONDS": "1"}
    plain: Callable[[str], grpc.Channel] = grpc.insecure_channel
    return [
        Setting("plaintext, auth off (baseline)", {"CLAIMS_AUTH": "off"}, plain),
        Setting("TLS, auth off", {"CLAIMS_AUTH": "off", **tls}, tls_connect(certs, None)),
        Setting("plaintext, token (lookup per call) + policy", {"CLAIMS_AUTH": "on", **per_call}, plain, bearer),
        Setting("TLS, token (lookup per call) + policy", {**on_tls, **per_call}, tls_connect(certs, None), bearer),
        Setting("TLS, token (1 s key cache) + policy", {**on_tls, **cached}, tls_connect(certs, None), bearer),
        Setting("mutual TLS, certificate + policy", {"CLAIMS_AUTH": "on", **mutual}, tls_connect(certs, DEALER)),
    ]


def markdown(results: dict[str, object]) -> str:
    rows = results["figures"]
    assert isinstance(rows, list)
    lines = [
        "# What TLS and authentication cost",
        "",
        f"Latest run: {results['when']} with `python -m bench.auth_cost`: {results['rounds']} interleaved slices "
        f"of {results['seconds']} s per setting and call, {results['clients']} concurrent clients, closed loop over "
        "loopback, one `claims serve` per setting (all running, one measured at a time), all in one run. "
        "Ratio: to the same call in the baseline setting; p50/p99: median over the slices.",
        "",
        "| setting | call | calls/s | ratio | p50 ms | p99 ms | slices (calls/s) |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    baseline: dict[str, float] = {}
    for row in rows:
        if "baseline" in row["setting"]:
            baseline[row["call"]] = row["per_second"]
        base = baseline.get(row["call"])
        ratio = f"{row['per_second'] / base:.2f}" if base else "—"
        cells = [row["setting"], row["call"], f"{row['per_second']:.0f}", ratio]
        cells += [f"{row['p50_ms']:.2f}", f"{row['p99_ms']:.2f}", ", ".join(map(str, row["slices_per_second"]))]
        lines.append("| " + " | ".join(cells) + " |")
    info = results["machine"]
    assert isinstance(info, dict)
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), ""]
    if results.get("note"):
        lines += [str(results["note"]), ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one measured slice")
    parser.add_argument("--rounds", type=int, default=3, help="slices per setting and call, interleaved")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--no-write", action="store_true", help="print only (a smoke run)")
    parser.add_argument("--note", default="", help="a sentence about the conditions, printed under the table")
    args = parser.parse_args()
    calls = (("ListRulePacks", list_packs), ("GetVehicle", get_vehicle))
    slices: dict[tuple[str, str], list[load.Figure]] = {}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as servers:
        store_url = f"sqlite:///{folder}/bench.db"
        apply_migrations(parse_store_url(store_url), REPO_ROOT / "migrations")
        with serving(store_url, {"CLAIMS_AUTH": "off"}) as target:
            register(target)
        every = settings(Path(folder), store_url)
        # Every server runs at once (idle but for the one measured) and the slices are interleaved, so a
        # shared machine's changing load falls on every setting alike.
        targets = [servers.enter_context(serving(store_url, setting.env)) for setting in every]
        for setting, target in zip(every, targets, strict=True):
            for _, make in calls:
                load.run("warm-up", target, args.clients, 0.5, make(setting.metadata), connect=setting.connect)
        for _ in range(args.rounds):
            for setting, target in zip(every, targets, strict=True):
                for label, make in calls:
                    call = make(setting.metadata)
                    figure = load.run(label, target, args.clients, args.seconds, call, connect=setting.connect)
                    if figure.errors:
                        raise SystemExit(f"{setting.name} / {label}: {figure.errors} calls failed")
                    slices.setdefault((setting.name, label), []).append(figure)
    figures: list[dict[str, object]] = []
    for (name, label), measured in slices.items():
        total_calls = sum(f.calls for f in measured)
        total_seconds = sum(f.seconds for f in measured)
        figures.append({
            "setting": name, "call": label, "calls": total_calls, "seconds": total_seconds,
            "per_second": total_calls / total_seconds, "errors": 0, "clients": args.clients,
            "p50_ms": statistics.median(f.p50_ms for f in measured),
            "p99_ms": statistics.median(f.p99_ms for f in measured),
            "slices_per_second": [round(f.per_second) for f in measured],
        })  # fmt: skip
    results = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": args.seconds,
        "rounds": args.rounds,
        "clients": args.clients,
        "machine": machine.describe(),
        "note": args.note,
        "figures": figures,
    }
    print(markdown(results))
    if not args.no_write:
        (ROOT / "bench" / "results" / "auth.json").write_text(json.dumps(results, indent=2) + "\n")
        (ROOT / "docs" / "benchmarks-auth.md").write_text(markdown(results))


if __name__ == "__main__":
    main()
