"""`make bench` (part 2): projection catch-up beside a raw read of the log, and live lag under steady writes.

For each store (SQLite file, PostgreSQL schema): pre-write ``--events`` vehicle/claim events (whole units
of the real mix, request records included: see bench/history.py) with ``store.append`` in batches, then
in the same run:

- raw: read the whole log with ``store.read_all`` in pages of 500 (decoded events, no handlers);
- catch-up: the vehicles and claims projections from position zero to the head, one runner (as in
  ``claims serve``: one read feeds both), and each projection alone (as a ``claims project`` worker runs
  it); events/s is log events per second until the projection(s) reached the head. Projections read only
  the topics they handle (the store filters in SQL; their positions still pass every event), so one can
  outrun the raw read; the same combined run reading every event (no topic filter) is shown beside it;
- lag: a writer appends one command's events at a steady rate for ``--seconds`` while an in-process runner
  (woken by each append) follows; lag = from the moment append() returned (committed) to the moment both
  projections had committed a batch reaching that position.

Each rate is the median of ``--repeat`` runs. When catch-up misses its goal (half the raw rate and 20,000
events/s), a cProfile of one combined catch-up names the top costs. Results: bench/results/projections.json
and docs/benchmarks-projections.md.
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import io
import json
import os
import pstats
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench import machine
from bench.history import unit_appends, write_history
from claims.adapters.persistence.database import Transaction
from claims.adapters.persistence.factory import Persistence, open_store, parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.application.messages import RecordedEvent
from claims.config import REPO_ROOT
from claims.projections.claims import ClaimProjection
from claims.projections.runner import Projection, ProjectionRunner
from claims.projections.vehicles import VehicleProjection

DEFAULT_PG = os.environ.get("CLAIMS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
GOAL_RATIO, GOAL_RATE = 0.5, 20_000
# The doc's hand-written notes (history, before/after) start here; a run rewrites what is above only.
NOTES = "<!-- notes: written by hand; `python -m bench.projections` keeps everything below this line -->"
TABLES = ("rm_vehicle_coverages", "rm_vehicles", "rm_claims")


class EveryEvent:
    """``projection`` fed every event of the log, as before projections declared their topics."""

    topics = None

    def __init__(self, projection: Projection) -> None:
        self._projection, self.name = projection, projection.name

    def handle(self, tx: Transaction, event: RecordedEvent) -> None:
        self._projection.handle(tx, event)


def _database(store: Persistence) -> Any:
    assert store.database is not None
    return store.database


def read_raw(store: Persistence) -> float:
    """Events/s reading the whole log in pages of 500, decoded, no handlers."""
    began, after, count = time.perf_counter(), 0, 0
    while page := store.events.read_all(after, 500):
        after = page[-1].position or after
        count += len(page)
    return count / (time.perf_counter() - began)


def reset(store: Persistence) -> None:
    with _database(store).write() as tx:
        for table in TABLES:
            tx.execute(f"DELETE FROM {table}")
        tx.execute("UPDATE projection_tracking SET position = 0")


def catch_up(store: Persistence, make: Callable[[], list[Projection]], head: int, batch: int) -> float:
    """Events/s from position zero until every projection reached the head."""
    reset(store)
    runner = ProjectionRunner(store.events, _database(store), make(), batch_size=batch)
    began = time.perf_counter()
    runner.catch_up()
    elapsed = time.perf_counter() - began
    assert all(p == head for p in runner.positions().values()), runner.positions()
    return head / elapsed


def profile(store: Persistence, head: int, batch: int, top: int = 8) -> list[str]:
    """The top costs of one combined catch-up: by own time, then our own functions by cumulative time."""
    reset(store)
    runner = ProjectionRunner(store.events, _database(store), [VehicleProjection(), ClaimProjection()], batch)
    profiler = cProfile.Profile()
    profiler.enable()
    began = time.perf_counter()
    runner.catch_up()
    elapsed = time.perf_counter() - began
    profiler.disable()
    stats: dict[Any, Any] = pstats.Stats(profiler, stream=io.StringIO()).stats  # type: ignore[attr-defined]

    def line(key: Any, value: Any) -> str:
        (path, number, function), (_cc, calls, own, cumulative, _callers) = key, value
        where = path.split("site-packages/")[-1].split("/src/")[-1].split("/lib/python3")[-1]
        return f"{own:6.3f} s own, {cumulative:6.3f} s cumulative, {calls:>7} calls  {function} ({where}:{number})"

    by_own = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    ours = [kv for kv in stats.items() if "/src/claims/" in kv[0][0] and not kv[0][2].startswith("<")]
    by_cumulative = sorted(ours, key=lambda kv: kv[1][3], reverse=True)[: top + 2]
    return [
        f"one catch-up of {head:,} events under the profiler: {elapsed:.2f} s",
        "by own time:",
        *(line(k, v) for k, v in by_own),
        "our functions by cumulative time:",
        *(line(k, v) for k, v in by_cumulative),
    ]


def lag(store: Persistence, rate: float, seconds: float, batch: int, poll: float) -> dict[str, float]:
    """Lag percentiles (ms) while a writer appends ``rate`` commands/s and an in-process runner follows."""
    runner = ProjectionRunner(store.events, _database(store), [VehicleProjection(), ClaimProjection()], batch)
    runner.catch_up()
    reached: dict[str, list[tuple[int, float]]] = {"vehicles": [], "claims": []}
    runner.on_progress(lambda name, position: reached[name].append((position, time.perf_counter())))
    store.events.observe_appends(lambda _position: runner.wake())
    runner.start(interval=poll)
    commits: list[tuple[int, float]] = []
    appends = unit_appends()
    events = 0
    began = time.perf_counter()
    n = 0
    while (now := time.perf_counter()) - began < seconds:
        due = began + n / rate
        if due > now:
            time.sleep(due - now)
        append = next(appends)
        position = store.events.append(append)
        commits.append((position, time.perf_counter()))
        events += len(append)
        n += 1
    written = time.perf_counter() - began
    head = commits[-1][0]
    for name in reached:
        runner.wait_for(name, head, timeout=30)
    runner.stop()
    lags = []
    for position, committed in commits:
        done = []
        for progress in reached.values():
            i = bisect.bisect_left([p for p, _ in progress], position)
            done.append(progress[i][1])
        lags.append(max(0.0, max(done) - committed) * 1000)
    lags.sort()
    return {
        "appends": len(commits),
        "appends_per_second": len(commits) / written,
        "events_per_second": events / written,
        "p50_ms": statistics.median(lags),
        "p99_ms": lags[min(len(lags) - 1, int(len(lags) * 0.99))],
        "max_ms": lags[-1],
    }


def measure(label: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    location = parse_store_url(url)
    apply_migrations(location, REPO_ROOT / "migrations")
    store = open_store(location)
    try:
        head = write_history(store.events, args.events)
        raw = statistics.median(read_raw(store) for _ in range(args.repeat))
        both = statistics.median(
            catch_up(store, lambda: [VehicleProjection(), ClaimProjection()], head, args.batch)
            for _ in range(args.repeat)
        )
        unfiltered = statistics.median(
            catch_up(store, lambda: [EveryEvent(VehicleProjection()), EveryEvent(ClaimProjection())], head, args.batch)
            for _ in range(args.repeat)
        )
        vehicles = statistics.median(
            catch_up(store, lambda: [VehicleProjection()], head, args.batch) for _ in range(args.repeat)
        )
        claims = statistics.median(
            catch_up(store, lambda: [ClaimProjection()], head, args.batch) for _ in range(args.repeat)
        )
        result: dict[str, Any] = {
            "store": label,
            "events": head,
            "raw_per_second": raw,
            "catch_up": {
                "vehicles + claims": both,
                "vehicles + claims, every event read": unfiltered,
                "vehicles alone": vehicles,
                "claims alone": claims,
            },
        }
        met = both >= GOAL_RATIO * raw and both >= GOAL_RATE
        result["profile"] = [] if met and not args.profile else profile(store, head, args.batch)
        result["lag"] = lag(store, args.rate, args.seconds, args.batch, args.poll)
        return result
    finally:
        store.close()


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmarks: projections",
        "",
        f"Latest run: {results['when']} with `make bench` (`python -m bench.projections`): "
        f"{results['events_requested']:,} pre-written events per store (the real mix of one unit of work: a vehicle "
        "sold and covered, odometer readings, a repair order, a two-line claim decided and paid, request records; "
        f"see bench/history.py), batches of {results['batch']}, median of {results['repeat']} runs.",
        "",
        "Catch-up: log events per second from position zero until the projection(s) reached the head. Raw: "
        "`store.read_all` in pages of 500 (every event decoded, no handlers), same run. Goal: at least "
        f"{GOAL_RATIO:.1f} × raw and {GOAL_RATE:,} events/s. Projections read only the topics they handle (the "
        "store filters in SQL; a batch covers up to that many log positions and the tracking position moves past "
        "every one of them), so they need not decode the events nobody handles and can outrun the raw read; "
        '"every event read" is the same combined run fed the whole log, as before projections declared topics.',
        "",
        "| store | raw read ev/s | catch-up | ev/s | ratio to raw | goal met |",
        "|---|---:|---|---:|---:|---|",
    ]
    for r in results["stores"]:
        for name, rate in r["catch_up"].items():
            met = rate >= GOAL_RATIO * r["raw_per_second"] and rate >= GOAL_RATE
            lines.append(
                f"| {r['store']} | {r['raw_per_second']:,.0f} | {name} | {rate:,.0f} | "
                f"{rate / r['raw_per_second']:.2f} | {'yes' if met else 'no'} |"
            )
    lines += [
        "",
        f"Live lag under steady writes: one writer appends one command's events (2–3 events) at "
        f"{results['rate']:.0f} appends/s for {results['seconds']:.0f} s while an in-process runner (woken by each "
        "append, as in `claims serve`) follows; lag runs from append() returning (committed) to both projections "
        "having committed a batch that reaches that position.",
        "",
        "| store | appends | appends/s | events/s | lag p50 ms | lag p99 ms | lag max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["stores"]:
        g = r["lag"]
        lines.append(
            f"| {r['store']} | {g['appends']} | {g['appends_per_second']:.0f} | {g['events_per_second']:.0f} | "
            f"{g['p50_ms']:.1f} | {g['p99_ms']:.1f} | {g['max_ms']:.1f} |"
        )
    for r in results["stores"]:
        if r["profile"]:
            lines += ["", f"Top costs of one combined catch-up on {r['store']} (cProfile, by own time):", "", "```"]
            lines += r["profile"]
            lines += ["```"]
    info = results["machine"]
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="events to pre-write per store")
    parser.add_argument("--batch", type=int, default=500, help="events per projection transaction")
    parser.add_argument("--repeat", type=int, default=3, help="runs per rate (the median is reported)")
    parser.add_argument("--rate", type=float, default=100.0, help="appends per second during the lag run")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the lag run")
    parser.add_argument("--poll", type=float, default=0.05, help="the runner's idle poll interval (appends wake it)")
    parser.add_argument("--profile", action="store_true", help="profile catch-up even when it meets the goal")
    parser.add_argument("--postgres", default=DEFAULT_PG, help="DSN; empty to skip PostgreSQL")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ and bench/results/ alone")
    args = parser.parse_args()
    stores = []
    with tempfile.TemporaryDirectory() as folder:
        stores.append(measure("sqlite", f"sqlite:///{folder}/bench.db", args))
    if args.postgres:
        schema = f"claims_bench_{uuid.uuid4().hex[:8]}"
        try:
            stores.append(measure("postgresql", f"{args.postgres}?schema={schema}", args))
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    results = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "events_requested": args.events,
        "batch": args.batch,
        "repeat": args.repeat,
        "rate": args.rate,
        "seconds": args.seconds,
        "machine": machine.describe(),
        "stores": stores,
    }
    text = markdown(results)
    print(text)
    if not args.no_write:
        root = Path(__file__).resolve().parents[1]
        (root / "bench" / "results" / "projections.json").write_text(json.dumps(results, indent=2) + "\n")
        doc = root / "docs" / "benchmarks-projections.md"
        before = doc.read_text() if doc.exists() else ""
        notes = before[before.index(NOTES) :] if NOTES in before else ""
        doc.write_text(text + (f"\n{notes}" if notes else ""))


if __name__ == "__main__":
    main()
