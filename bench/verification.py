"""`make bench` (part 3): hash-chain verification rate beside a raw read of the log, on both stores.

For each store: write ``--events`` events of the real mix (bench/history.py), seal them with the chain
projection, then in the same run time (a) the raw log read: the same plain-SQL rows verification walks,
undecoded, without hashing — what verification must read at the least; (b) for reference the library's
own read (``recorder.select_notifications``, pages of 500, rows become Notification objects); and (c)
``verify_history`` from the start. Goal (issue 6): verification at least 0.5 × the raw read and at least
100,000 events/s.
Writes docs/benchmarks-verification.md and bench/results/verification.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid

import psycopg

from bench import machine
from bench.history import write_history
from claims.adapters.persistence.factory import Persistence, open_store, parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.adapters.persistence.verify import log_rows, verify_history
from claims.config import REPO_ROOT
from claims.projections.chain import ChainProjection
from claims.projections.runner import ProjectionRunner

DEFAULT_PG = os.environ.get("CLAIMS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def _library_read(persistence: Persistence) -> float:
    """The library's own log read: ``select_notifications`` in pages of 500 (rows become Notification objects)."""
    began, start, count = time.perf_counter(), 1, 0
    while page := persistence.recorder.select_notifications(start, 500):
        count += len(page)
        start = page[-1].id + 1
    return count / (time.perf_counter() - began)


def _raw_read(persistence: Persistence) -> float:
    """The least verification must read: the same plain-SQL rows verify walks, without hashing or comparing."""
    assert persistence.database is not None
    began = time.perf_counter()
    count = sum(1 for _ in log_rows(persistence.database, 0))
    return count / (time.perf_counter() - began)


def measure(name: str, url: str, events: int, repeat: int) -> dict[str, object]:
    location = parse_store_url(url)
    apply_migrations(location, REPO_ROOT / "migrations")
    persistence = open_store(location)
    try:
        assert persistence.database is not None
        written = write_history(persistence.events, events)
        runner = ProjectionRunner(persistence.events, persistence.database, [ChainProjection()])
        while runner.run_once():
            pass
        raw, library, verify = [], [], []
        for _ in range(repeat):
            raw.append(_raw_read(persistence))
            library.append(_library_read(persistence))
            began = time.perf_counter()
            report = verify_history(persistence.database)
            verify.append(report.verified / (time.perf_counter() - began))
            assert report.intact, report.describe()
        raw_rate, verify_rate = statistics.median(raw), statistics.median(verify)
        return {"store": name, "events": written, "raw_per_second": raw_rate,
                "library_read_per_second": statistics.median(library), "verify_per_second": verify_rate,
                "ratio": verify_rate / raw_rate}  # fmt: skip
    finally:
        persistence.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=DEFAULT_PG, help="DSN; empty to skip PostgreSQL")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows.append(measure("sqlite", f"sqlite:///{folder}/verify.db", args.events, args.repeat))
    if args.postgres:
        schema = f"claims_verify_{uuid.uuid4().hex[:8]}"
        try:
            rows.append(measure("postgresql", f"{args.postgres}?schema={schema}", args.events, args.repeat))
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    lines = [
        "# Benchmarks: verifying the hash chain",
        "",
        f"`python -m bench.verification`: {args.events:,} events of the real mix, sealed by the chain projection, then"
        f" median of {args.repeat}: the raw log read (the plain-SQL rows verification walks, no hashing), the"
        " library's `select_notifications` read for reference, and `verify_history` from the start, same run."
        " Goal: at least 0.5 × raw and 100,000 events/s.",
        "",
        "| store | events | raw read ev/s | library read ev/s | verify ev/s | ratio to raw | goal met |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        met = r["ratio"] >= 0.5 and r["verify_per_second"] >= 100_000  # type: ignore[operator]
        lines.append(f"| {r['store']} | {r['events']:,} | {r['raw_per_second']:,.0f} |"
                     f" {r['library_read_per_second']:,.0f} | {r['verify_per_second']:,.0f} |"
                     f" {r['ratio']:.2f} | {'yes' if met else 'no'} |")  # fmt: skip
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.describe().items()), ""]
    text = "\n".join(lines)
    print(text)
    (REPO_ROOT / "docs" / "benchmarks-verification.md").write_text(text)
    (REPO_ROOT / "bench" / "results" / "verification.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
