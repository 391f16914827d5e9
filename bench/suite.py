"""`make bench`: every figure of the benchmark table beside a baseline measured in the same run.

One run, on this machine, bounded in time (each figure ``--seconds``; ``--quick`` for a smoke run):

1. echo: a bare gRPC echo service on the server ``claims serve`` builds (bench/echo.py), loaded by our
   Python client and by Node's @grpc/grpc-js (bench/node/echo_load.js), 16 clients;
2. per store (SQLite file, PostgreSQL schema), a real ``claims serve`` process (its projections in its
   child process, as shipped) and load generators in processes of their own, all on loopback:
   - peak: FileClaim (3 lines, all checks) from 16 closed-loop clients; beside it the library's plain
     path (Application + Aggregate, one save per command, 16 threads) and, on PostgreSQL, raw psycopg
     single-row commits from 16 connections; and the echo rate;
   - the mixed workload (bench/mixed.py): whole dealer journeys of 18 RPCs, half writes, half reads;
   - latency at half the peak: an open-loop paced load at 50 % of the measured peak, p50/p99 from
     when each call was due;
   - live projection lag at peak: the closed loop again (and the paced run) while a watcher process polls the lowest
     tracking position of the server's projections; lag = from the answer's arrival (the command's
     commit is before it) to the first poll that saw every projection past its position;
3. per store, on a fresh log of the real mix (bench/history.py): projection catch-up against the raw
   log read, hash-chain verification (bench/verification.py) and GetStateAt (bench/state_at.py).

Prints one table (ours | baseline | ratio | goal | met?) and writes bench/results/latest.json and
docs/benchmarks.md (the hand-written notes below the marker in that file are kept).
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench import baselines, generators, machine, mixed, state_at, verification, workload
from bench.history import write_history
from bench.load import Figure, in_process, percentile, start_in_process
from bench.projections import read_raw
from claims.adapters.persistence.factory import Persistence, open_store, parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.config import REPO_ROOT
from claims.projections import registry
from claims.projections.claims import ClaimProjection
from claims.projections.runner import Projection, ProjectionRunner
from claims.projections.vehicles import VehicleProjection

DEFAULT_PG = os.environ.get("CLAIMS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
NODE_CLIENT = REPO_ROOT / "bench" / "node" / "echo_load.js"
NODE_GRPC = REPO_ROOT / "tools" / "node" / "node_modules" / "@grpc" / "grpc-js"
NOTES = "<!-- notes: written by hand; `make bench` keeps everything below this line -->"


@dataclass
class Row:
    """One line of the table: our figure, the baseline it is read against, and the goal."""

    figure: str
    ours: float
    unit: str
    baseline_name: str = ""
    baseline: float | None = None
    goal: str = ""
    minimum_ratio: float | None = None  # met when ours / baseline >= this
    maximum: float | None = None  # met when ours <= this (no baseline)
    minimum: float | None = None  # and, when set, ours >= this
    detail: str = ""

    @property
    def ratio(self) -> float | None:
        return self.ours / self.baseline if self.baseline else None

    @property
    def met(self) -> bool | None:
        verdicts = []
        if self.minimum_ratio is not None:
            verdicts.append(self.ratio is not None and self.ratio >= self.minimum_ratio)
        if self.maximum is not None:
            verdicts.append(self.ours <= self.maximum)
        if self.minimum is not None:
            verdicts.append(self.ours >= self.minimum)
        return all(verdicts) if verdicts else None


# --- processes -------------------------------------------------------------------------------------------


@contextmanager
def server(command: list[str], env: dict[str, str]) -> Iterator[str]:
    """Start a server process that prints ``listening on HOST:PORT`` on stderr; yield the target."""
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                raise SystemExit(f"{' '.join(command)} exited before listening")
            if found := re.search(r"listening on ([\d.]+:\d+)", line):
                break
        else:
            raise SystemExit(f"{' '.join(command)} did not listen within 60 s")
        # keep reading its log, or a full pipe would stall the server
        threading.Thread(target=deque, args=(process.stderr, 0), daemon=True).start()
        yield found.group(1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def claims_env(store_url: str) -> dict[str, str]:
    """The server's settings: authentication off (loopback), as the cost of TLS and auth is bench.auth_cost's."""
    return {**os.environ, "CLAIMS_STORE_URL": store_url, "CLAIMS_LISTEN": "127.0.0.1:0", "CLAIMS_LOG_LEVEL": "INFO",
            "CLAIMS_AUTH": "off", "CLAIMS_WEB_LISTEN": ""}  # fmt: skip


@contextmanager
def postgres_schema(dsn: str, prefix: str) -> Iterator[str]:
    """A uniquely named schema, dropped afterwards (never one we did not create)."""
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# --- echo ------------------------------------------------------------------------------------------------


def measure_echo(args: argparse.Namespace) -> dict[str, Any]:
    env = {**os.environ, "CLAIMS_LOG_LEVEL": "WARNING"}
    out: dict[str, Any] = {}
    with server([sys.executable, "-m", "bench.echo"], env) as target:
        out["python"] = in_process(generators.echo_closed, target, args.clients, args.seconds).summary()
        say(f"echo, Python client: {out['python']['per_second']:,.0f}/s")
        node = shutil.which("node")
        if node and NODE_GRPC.exists():
            command = [node, str(NODE_CLIENT), target, str(args.clients), str(args.seconds)]
            subprocess.run([*command[:3], str(args.clients), "1"], capture_output=True, timeout=60)  # warm-up
            done = subprocess.run(command, capture_output=True, text=True, timeout=args.seconds + 60)
            if done.returncode == 0:
                result = json.loads(done.stdout.strip().splitlines()[-1])
                out["node"] = result | {"per_second": result["calls"] / result["seconds"]}
                say(f"echo, Node @grpc/grpc-js client: {out['node']['per_second']:,.0f}/s")
            else:
                out["node_error"] = done.stderr.strip()[-500:]
        else:
            out["node_error"] = "node or tools/node/node_modules/@grpc/grpc-js missing (make bench installs it)"
    return out


# --- commands over gRPC ----------------------------------------------------------------------------------


def lowest_tracking(store: Persistence) -> int:
    assert store.database is not None
    with store.database.read() as tx:
        rows = tx.rows("SELECT MIN(position) AS low FROM projection_tracking")
    return int(rows[0]["low"] or 0)


def wait_caught_up(store: Persistence, head: int, timeout: float = 300) -> float:
    """Wait until every projection of the server reached ``head``; the seconds it took."""
    began = time.monotonic()
    while lowest_tracking(store) < head:
        if time.monotonic() - began > timeout:
            raise SystemExit(f"the server's projections did not reach {head} within {timeout:.0f} s")
        time.sleep(0.1)
    return time.monotonic() - began


class Units:
    """Hands out fresh setup units (written to the store before each run that files claims for them)."""

    def __init__(self, store: Persistence, run: str) -> None:
        self.store, self.setup, self.next = store, workload.Setup(run), 0

    def write(self, count: int) -> int:
        first = self.next
        head = workload.write_units(self.store.events, self.setup, first, count)
        self.next += count
        wait_caught_up(self.store, head)
        return first


def lag_figures(commits: list[tuple[int, float]], samples: list[tuple[float, int]]) -> dict[str, float]:
    """Per command: from its answer's arrival to the first sample at or past its position (ms)."""
    seen = [position for _, position in samples]
    lags = []
    for position, answered in commits:
        i = bisect.bisect_left(seen, position)
        if i == len(seen):
            continue
        lags.append(max(0.0, samples[i][0] - answered) * 1000)
    lags.sort()
    return {
        "commands": len(commits),
        "measured": len(lags),
        "p50_ms": statistics.median(lags) if lags else math.nan,
        "p99_ms": percentile(lags, 0.99) if lags else math.nan,
        "max_ms": lags[-1] if lags else math.nan,
    }


def watched(url: str, schema: str, until: Path, args: argparse.Namespace, *load: Any) -> tuple[Figure, dict[str, Any]]:
    """Run ``load`` (a generator and its arguments) in a process while another polls the server's projections;
    the load's figure and the projection lag of its commands."""
    pool, watching = start_in_process(generators.watch_tracking, url, schema, str(until), args.seconds + 60, args.poll)
    try:
        time.sleep(1.5)  # the watcher process is up and polling
        figure: Figure = in_process(*load)
        until.write_text(str(max((p for p, _ in figure.commits), default=0)))
        samples = watching.result()
    finally:
        pool.shutdown()
    return figure, lag_figures(figure.commits, samples) | {"poll_ms": args.poll * 1000}


def measure_commands(label: str, url: str, schema: str, folder: str, args: argparse.Namespace) -> dict[str, Any]:
    location = parse_store_url(url)
    apply_migrations(location, REPO_ROOT / "migrations")
    store = open_store(location)
    out: dict[str, Any] = {"store": label}
    clients, seconds = args.clients, args.seconds
    try:
        with server([sys.executable, "-m", "claims", "serve"], claims_env(url)) as target:
            run = uuid.uuid4().hex[:6].upper()
            units = Units(store, run)
            out["events_per_claim"] = units.setup.events_per_claim
            # probe (also the warm-up): how fast, to size the setup of the measured runs
            per_client = 10 if args.quick else 30
            first = units.write(clients * per_client)
            probe = in_process(generators.file_closed, "probe", target, clients, seconds / 2, run, first, per_client)
            if probe.errors:
                raise SystemExit(f"{label}: FileClaim failed {probe.errors} times: {probe.first_error}")
            rate = max(probe.per_second, 20.0)
            # three times what the probe rate needs (the probe runs cold), at most --max-units a run (a run
            # that uses them all stops early; its rate stands)
            per_client = min(math.ceil(rate * 3 * seconds / clients) + 5, args.max_units // clients)
            first = units.write(clients * per_client)
            peak = in_process(generators.file_closed, "FileClaim", target, clients, seconds, run, first, per_client)
            out["peak"] = peak.summary()
            out["peak_ran_out"] = ran_out = peak.calls + peak.errors >= clients * per_client
            say(
                f"{label}: FileClaim {peak.per_second:,.0f}/s (p50 {peak.p50_ms:.1f} ms, p99 {peak.p99_ms:.1f} ms, "
                f"{peak.errors} errors{'; ran out of set-up units' if ran_out else ''})"
            )
            # latency at half the peak, open loop
            half = peak.per_second / 2
            paced_seconds = min(seconds, args.max_units / half)
            first = units.write(math.ceil(half * paced_seconds) + 1)
            paced_load = (generators.file_paced, "paced", target, clients, half, paced_seconds, run, first)
            paced, paced_lag = watched(url, schema, Path(folder) / f"paced-{label}.until", args, *paced_load)
            out["half_peak"] = paced.summary() | {"rate": half, "lag": paced_lag}
            say(
                f"{label}: at {half:,.0f}/s paced: p50 {paced.p50_ms:.1f} ms, p99 {paced.p99_ms:.1f} ms; "
                f"projection lag p99 {paced_lag['p99_ms']:.1f} ms"
            )
            # live lag at peak
            first = units.write(clients * per_client)
            peak_load = (generators.file_closed, "lag", target, clients, seconds, run, first, per_client)
            busy, out["lag"] = watched(url, schema, Path(folder) / f"lag-{label}.until", args, *peak_load)
            out["lag"]["per_second"] = busy.per_second
            say(
                f"{label}: lag at {busy.per_second:,.0f}/s: p99 {out['lag']['p99_ms']:.1f} ms "
                f"({out['lag']['measured']} of {out['lag']['commands']} commands seen by the watcher)"
            )
            # the mixed workload: whole journeys, half writes and half reads (bench/mixed.py)
            journeys = in_process(generators.mixed_closed, "mixed", target, clients, seconds, run[:2])
            if journeys.errors:
                raise SystemExit(f"{label}: mixed workload failed {journeys.errors} times: {journeys.first_error}")
            out["mixed"] = journeys.summary() | {"rpcs_per_second": journeys.per_second * mixed.RPCS_PER_JOURNEY}
            say(f"{label}: mixed workload {out['mixed']['rpcs_per_second']:,.0f} RPC/s ({journeys.per_second:,.1f} "
                f"journeys/s, p99 {journeys.p99_ms:.0f} ms)")  # fmt: skip
        # baselines, same run, same concurrency, the server stopped
        if label == "sqlite":
            plain = in_process(
                baselines.plain_path, "sqlite", f"{folder}/plain.db", clients, seconds, out["events_per_claim"]
            )
            out["plain"] = plain.summary()
        else:
            dsn = url.split("?")[0]
            with postgres_schema(dsn, "claims_bench_plain") as plain_schema:
                plain = in_process(baselines.plain_path, "postgresql", f"{dsn}?schema={plain_schema}", clients, seconds,
                                   out["events_per_claim"])  # fmt: skip
                out["plain"] = plain.summary()
                raw = in_process(baselines.raw_single_row, dsn, plain_schema, clients, seconds)
                out["raw"] = raw.summary()
                say(f"{label}: raw psycopg single-row commits {raw.per_second:,.0f}/s")
        say(f"{label}: plain eventsourcing path {plain.per_second:,.0f}/s")
    finally:
        store.close()
    return out


# --- the log: catch-up, verification, state as of ----------------------------------------------------------


def _reset(store: Persistence, projections: list[Projection]) -> None:
    assert store.database is not None
    with store.database.write() as tx:
        for projection in projections:
            for table in reversed(registry.tables_of(projection)):
                tx.execute(f"DELETE FROM {table}")
        tx.execute("UPDATE projection_tracking SET position = 0")


def _catch_up(store: Persistence, names: list[str], head: int, batch: int) -> float:
    projections = registry.create_all(names)
    _reset(store, projections)
    assert store.database is not None
    runner = ProjectionRunner(store.events, store.database, projections, batch_size=batch)
    began = time.perf_counter()
    runner.catch_up()
    elapsed = time.perf_counter() - began
    assert all(p >= head for p in runner.positions().values()), runner.positions()
    return head / elapsed


def measure_catch_up(label: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    location = parse_store_url(url)
    apply_migrations(location, REPO_ROOT / "migrations")
    store = open_store(location)
    try:
        head = write_history(store.events, args.events)
        repeat = args.repeat
        both = [VehicleProjection().name, ClaimProjection().name]
        return {
            "store": label,
            "events": head,
            "raw_per_second": statistics.median(read_raw(store) for _ in range(repeat)),
            "all_per_second": statistics.median(_catch_up(store, [], head, 500) for _ in range(repeat)),
            "vehicles_claims_per_second": statistics.median(_catch_up(store, both, head, 500) for _ in range(repeat)),
        }
    finally:
        store.close()


def each_store(args: argparse.Namespace, prefix: str, folder: str, name: str) -> Iterator[tuple[str, str, str]]:
    """(label, store url, schema) for SQLite and (unless skipped) PostgreSQL, the schema made and dropped."""
    yield "sqlite", f"sqlite:///{folder}/{name}.db", ""
    if args.postgres:
        with postgres_schema(args.postgres, prefix) as schema:
            yield "postgresql", f"{args.postgres}?schema={schema}", schema


# --- the table -------------------------------------------------------------------------------------------


def rows_of(results: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    echo = results["echo"]
    echo_rate = echo["python"]["per_second"]
    clients = results["clients"]
    stores = {s["store"]: s for s in results["commands"]}
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    for label in ("postgresql", "sqlite"):
        if label not in stores:
            continue
        s = stores[label]
        ours = s["peak"]["per_second"]
        what = f"FileClaim/s over gRPC, {clients} clients, {name[label]} (3 lines, all checks)"
        rows.append(Row(what, ours, "cmd/s", f"eventsourcing plain path, one save per command, {clients} threads",
                        s["plain"]["per_second"], ">= 1x (goal beyond: 5x PostgreSQL, 3x SQLite)",
                        minimum_ratio=1.0))  # fmt: skip
        if "raw" in s:
            rows.append(Row(what, ours, "cmd/s", f"raw psycopg single-row commits, {clients} connections",
                            s["raw"]["per_second"], "— (reported)"))  # fmt: skip
    for label in ("postgresql", "sqlite"):
        if label in stores:
            rows.append(Row(f"FileClaim/s end to end over gRPC, {name[label]}", stores[label]["peak"]["per_second"],
                            "cmd/s", "bare gRPC echo, same server settings, same Python client", echo_rate,
                            ">= 0.25x (goal beyond: 0.5x)", minimum_ratio=0.25))  # fmt: skip
    for label in ("postgresql", "sqlite"):
        if label in stores and "mixed" in stores[label]:
            m = stores[label]["mixed"]
            rows.append(Row(f"mixed workload RPC/s, {name[label]} (journeys of 18 RPCs: register, open/work/close RO, "
                            "file, decide 2 lines, pay; 9 reads)", m["rpcs_per_second"], "RPC/s",
                            "bare gRPC echo, same server settings, same Python client", echo_rate, "— (reported)",
                            detail=f"{m['per_second']:,.1f} journeys/s, journey p50 {m['p50_ms']:.0f} ms, "
                            f"p99 {m['p99_ms']:.0f} ms, {m['errors']} errors"))  # fmt: skip
    if "node_error" in echo:
        rows.append(Row("echo/s, our Python client (is it the bottleneck?)", echo_rate, "calls/s",
                        f"echo/s, Node @grpc/grpc-js client: not run ({echo['node_error'][:200]})",
                        goal=">= 0.9x (drives it as hard)"))  # fmt: skip
    if "node" in echo:
        node = echo["node"]
        detail = f"Node p50 {node['p50_ms']:.1f} ms, p99 {node['p99_ms']:.1f} ms"
        rows.append(Row("echo/s, our Python client (is it the bottleneck?)", echo_rate, "calls/s",
                        "echo/s, Node @grpc/grpc-js client", node["per_second"], ">= 0.9x (drives it as hard)",
                        minimum_ratio=0.9, detail=detail))  # fmt: skip
    for label in ("postgresql", "sqlite"):
        if label in stores:
            h = stores[label]["half_peak"]
            rows.append(Row(f"FileClaim p99 latency at 50% of peak ({h['rate']:,.0f}/s open loop), {name[label]}",
                            h["p99_ms"], "ms", goal="p99 <= 50 ms", maximum=50.0,
                            detail=f"p50 {h['p50_ms']:.1f} ms, {h['calls']} calls, {h['errors']} errors"))  # fmt: skip
    for c in results["catch_up"]:
        for key, what in (("all_per_second", "every projection of `claims serve`"),
                          ("vehicles_claims_per_second", "vehicles + claims")):  # fmt: skip
            rows.append(Row(f"projection catch-up, {what}, {name[c['store']]}", c[key], "ev/s",
                            "raw log read (store.read_all, pages of 500)", c["raw_per_second"], ">= 0.5x",
                            minimum_ratio=0.5, detail=f"{c['events']:,} events"))  # fmt: skip
    for label in ("postgresql", "sqlite"):
        if label in stores:
            g, h = stores[label]["lag"], stores[label]["half_peak"]
            rows.append(Row(f"live projection lag p99 at peak writes ({g['per_second']:,.0f} cmd/s), {name[label]}",
                            g["p99_ms"], "ms", goal="p99 <= 250 ms (goal beyond: 100 ms)", maximum=250.0,
                            detail=f"p50 {g['p50_ms']:.1f} ms, max {g['max_ms']:.1f} ms, polled every "
                            f"{g['poll_ms']:.0f} ms; at half the peak: p50 {h['lag']['p50_ms']:.1f} ms, "
                            f"p99 {h['lag']['p99_ms']:.1f} ms"))  # fmt: skip
    for v in results["verification"]:
        rows.append(Row(f"hash-chain verification, {name[v['store']]}", v["verify_per_second"], "ev/s",
                        "raw log read (the same plain-SQL rows, no hashing)", v["raw_per_second"],
                        ">= 0.5x and >= 100,000 ev/s", minimum_ratio=0.5, minimum=100_000.0,
                        detail=f"{v['events']:,} events"))  # fmt: skip
    for t in results["state_at"]:
        for case in ("version 500", "time in the middle", "now"):
            paged, whole, replay = (
                t[f"{mode} / {case}"]
                for mode in ("snapshot, page of 100", "snapshot, all events", "replay, all events")
            )
            rows.append(Row(f"GetStateAt p99, 1,000-event claim, as of {case}, first 100 events, {name[t['store']]}",
                            paged["p99_ms"], "ms", goal="— (reported)",
                            detail=f"p50 {paged['p50_ms']:.2f} ms; all 1,000 events: p50 {whole['p50_ms']:.1f} / "
                            f"p99 {whole['p99_ms']:.1f} ms; full replay without snapshots: p50 "
                            f"{replay['p50_ms']:.1f} / p99 {replay['p99_ms']:.1f} ms"))  # fmt: skip
    return rows


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if math.isnan(value):
        return "n/a"
    return f"{value:,.1f} {unit}" if unit == "ms" else f"{value:,.0f} {unit}"


def table(rows: list[Row]) -> list[str]:
    lines = ["| figure | ours | baseline (same run) | ratio | goal | met? |", "|---|---:|---|---:|---|---|"]
    for r in rows:
        baseline = f"{r.baseline_name}: {_number(r.baseline, r.unit)}" if r.baseline_name else "—"
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "—"
        met = {True: "yes", False: "**no**", None: "—"}[r.met]
        ours = _number(r.ours, r.unit) + (f" ({r.detail})" if r.detail else "")
        lines.append(f"| {r.figure} | {ours} | {baseline} | {ratio} | {r.goal or '—'} | {met} |")
    return lines


def markdown(results: dict[str, Any], rows: list[Row]) -> str:
    info = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Latest run: {results['when']}, `make bench{' --quick' if results['quick'] else ''}` "
        f"({results['seconds']:g} s per figure, {results['clients']} concurrent clients, everything on loopback, "
        f"whole suite {results['took_seconds']:.0f} s). Every baseline was measured in the same run on the same "
        "machine; the method is in the docstring of bench/suite.py. Raw figures: bench/results/latest.json.",
        "",
        *table(rows),
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()) + ".",
        "",
        "How each figure is taken:",
        "",
        "- FileClaim: a `claims serve` process per store (projections, timer and health check running in it, "
        "as shipped); each claim is for its own closed repair order, written to the store beforehand; the "
        "load generator is a separate process (grpcio sync stubs, one channel per client, closed loop).",
        "- Plain path: `eventsourcing` `Application` + `Aggregate`, one `save()` per command with as many "
        f"events as FileClaim appends ({results['commands'][0]['events_per_claim'] if results['commands'] else '?'}),"
        " the same number of threads, the same SQLite / PostgreSQL. Raw psycopg: one INSERT per autocommit, "
        "one connection per thread, a table shaped like the library's.",
        "- Echo: `/bench.v1.EchoService/Echo` (a StringValue in and out) added to the server `create_server` "
        "builds (same thread pool, options, interceptor), loaded by the same Python client, and by Node "
        "@grpc/grpc-js (bench/node/echo_load.js).",
        "- Latency at 50 % of peak: open loop at half the measured FileClaim rate, latency from when each call "
        "was due (a server falling behind shows).",
        "- Live lag: the peak closed loop again (and the paced run at half the peak) while a separate process "
        "polls the lowest tracking position of the server's projections; lag = from the answer's arrival "
        "(after the commit) to the first poll that saw every projection past the command's position (so it "
        "errs high by up to one poll interval, and low by the answer's trip back).",
        "- Catch-up, verification and GetStateAt run in this process on a fresh log of the real mix "
        "(bench/history.py), median of repeats; details in "
        "[benchmarks-projections.md](benchmarks-projections.md), "
        "[benchmarks-verification.md](benchmarks-verification.md), "
        "[benchmarks-state-at.md](benchmarks-state-at.md) (`python -m bench.projections` etc. for the long forms).",
        "",
    ]
    return "\n".join(lines)


def say(text: str) -> None:
    print(f"[{datetime.now(UTC).strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def postgres_version(dsn: str) -> str:
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"
    except psycopg.Error as e:
        return f"unreachable ({e.__class__.__name__})"


def client_versions() -> dict[str, str]:
    """psycopg, and the Node client's node and @grpc/grpc-js, as this run used them."""
    out = {"psycopg": psycopg.__version__}
    node = shutil.which("node")
    if node:
        out["node"] = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    package = NODE_GRPC / "package.json"
    if package.exists():
        out["@grpc/grpc-js"] = json.loads(package.read_text())["version"]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: short figures, small logs")
    parser.add_argument("--seconds", type=float, help="length of each timed figure (default 8, quick 2)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--events", type=int, help="events in the log for catch-up and verification (20,000)")
    parser.add_argument("--repeat", type=int, help="runs per log figure, the median reported (3, quick 1)")
    parser.add_argument("--calls", type=int, help="GetStateAt calls per case (200, quick 20)")
    parser.add_argument("--poll", type=float, default=0.005, help="how often the lag watcher polls (s)")
    parser.add_argument("--max-units", type=int, default=8_000, help="claims set up per timed run, at most")
    parser.add_argument("--postgres", default=DEFAULT_PG, help="DSN; empty to skip PostgreSQL")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ and bench/results/ alone")
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (2.0 if args.quick else 8.0)
    args.events = args.events or (3_000 if args.quick else 20_000)
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.calls = args.calls or (20 if args.quick else 200)
    began = time.monotonic()
    pg_version = postgres_version(args.postgres) if args.postgres else "skipped"
    if pg_version.startswith("unreachable"):
        say(f"PostgreSQL at {args.postgres} is {pg_version}: its rows are left out of this run")
        args.postgres = ""
    results: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": args.quick,
        "seconds": args.seconds,
        "clients": args.clients,
        "machine": machine.describe() | {"postgresql": pg_version} | client_versions(),
    }
    results["echo"] = measure_echo(args)
    with tempfile.TemporaryDirectory() as folder:
        results["commands"] = [
            measure_commands(label, url, schema, folder, args)
            for label, url, schema in each_store(args, "claims_bench", folder, "commands")
        ]
        results["catch_up"] = []
        for label, url, _ in each_store(args, "claims_bench_log", folder, "log"):
            results["catch_up"].append(measure_catch_up(label, url, args))
            say(f"{label}: catch-up {results['catch_up'][-1]['all_per_second']:,.0f} ev/s")
        results["verification"] = [
            verification.measure(label, url, args.events, args.repeat)
            for label, url, _ in each_store(args, "claims_bench_verify", folder, "verify")
        ]
        say("verification done")
        results["state_at"] = [
            state_at.measure(label, url, args.calls)
            for label, url, _ in each_store(args, "claims_bench_state_at", folder, "state_at")
        ]
    results["took_seconds"] = time.monotonic() - began
    rows = rows_of(results)
    results["rows"] = [r.__dict__ | {"ratio": r.ratio, "met": r.met} for r in rows]
    text = markdown(results, rows)
    print(text)
    if not args.no_write:
        (REPO_ROOT / "bench" / "results" / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
        doc = REPO_ROOT / "docs" / "benchmarks.md"
        before = doc.read_text() if doc.exists() else ""
        notes = before[before.index(NOTES) :] if NOTES in before else NOTES + "\n"
        doc.write_text(text + "\n" + notes)


if __name__ == "__main__":
    main()
