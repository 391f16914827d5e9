"""`python -m bench.read_model_at`: what a read model as of a position costs (GetReadModelAt), on both stores.

For each store: a synthetic history of ``--events`` events (bench/history.py: the real mix of vehicles, repair
orders and claims filed, decided and paid), then, for the claims read model (the busiest: a claim event in
about every third position):

- cold: a copy at the head, replayed from position 0 (events replayed, ms, events/s, bytes held in memory);
- half then head: a copy at head/2, then one at the head that starts from it (only the second half replayed);
- cached: ``--calls`` reads of the head's cached copy (p50/p99 ms of the query behind one ListClaims page).

Writes docs/benchmarks-read-model-at.md and bench/results/read_model_at.json unless ``--no-write``.
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
from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.config import REPO_ROOT
from claims.projections.as_of import ReadModelsAt
from claims.projections.claims import ClaimDirectory

DEFAULT_PG = os.environ.get("CLAIMS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
MIGRATIONS = REPO_ROOT / "migrations"


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(began: float) -> float:
    return (time.perf_counter() - began) * 1000


def measure(name: str, url: str, events: int, calls: int) -> dict[str, object]:
    location = parse_store_url(url)
    apply_migrations(location, MIGRATIONS)
    persistence = open_store(location)
    store = persistence.events
    try:
        head = write_history(store, events)
        half = head // 2
        read_models = ReadModelsAt(store, MIGRATIONS)
        ReadModelsAt(store, MIGRATIONS).at("claims", 0)  # migrate the template once, outside the timings

        began = time.perf_counter()
        cold = ReadModelsAt(store, MIGRATIONS).at("claims", head)
        cold_ms = _ms(began)

        began = time.perf_counter()
        first_half = read_models.at("claims", half)
        half_ms = _ms(began)
        began = time.perf_counter()
        rest = read_models.at("claims", head)
        rest_ms = _ms(began)

        samples = []
        for _ in range(calls):
            began = time.perf_counter()
            copy = read_models.at("claims", head)
            rows = ClaimDirectory(copy.database).list(
                dealer_id="", vin="", status="", filed_from=None, filed_to=None, after="", limit=51
            )
            samples.append(_ms(began))
        assert len(rows) == 51
        return {
            "store": name,
            "head": head,
            "cold": {"events": cold.events_replayed, "ms": cold_ms, "bytes": cold.size_bytes()},
            "half": {"events": first_half.events_replayed, "ms": half_ms},
            "head_from_half": {"events": rest.events_replayed, "ms": rest_ms},
            "cached_page": {"calls": calls, "p50_ms": statistics.median(samples), "p99_ms": _percentile(samples, 0.99)},
        }
    finally:
        persistence.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--postgres", default=DEFAULT_PG, help="DSN; empty to skip PostgreSQL")
    parser.add_argument("--no-write", action="store_true", help="print only (a smoke run)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows.append(measure("sqlite", f"sqlite:///{folder}/read_model_at.db", args.events, args.calls))
    if args.postgres:
        schema = f"claims_read_model_at_{uuid.uuid4().hex[:8]}"
        try:
            rows.append(measure("postgresql", f"{args.postgres}?schema={schema}", args.events, args.calls))
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    lines = [
        "# Benchmarks: read models as of a position (GetReadModelAt)",
        "",
        f"`python -m bench.read_model_at`: a synthetic history of about {args.events:,} events; the claims read"
        " model built in a scratch copy (in-memory SQLite, the projection's own handler) by replaying the claim"
        " events among the first P positions. Cold: from position 0 to the head. Half, then head: the copy at"
        " the head starts from the cached copy at head/2. Cached page: one ListClaims page (50 rows) read from"
        f" the head's cached copy, p50/p99 over {args.calls} calls.",
        "",
        "| store | head | cold: events | cold ms | events/s | copy MiB | half ms | head from half: events | ms"
        " | cached page p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cold, half, rest, page = r["cold"], r["half"], r["head_from_half"], r["cached_page"]
        lines.append(
            f"| {r['store']} | {r['head']} | {cold['events']} | {cold['ms']:.0f} |"  # type: ignore[index]
            f" {cold['events'] / cold['ms'] * 1000:.0f} | {cold['bytes'] / 2**20:.1f} |"  # type: ignore[index]
            f" {half['ms']:.0f} | {rest['events']} | {rest['ms']:.0f} |"  # type: ignore[index]
            f" {page['p50_ms']:.2f} | {page['p99_ms']:.2f} |"  # type: ignore[index]
        )
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.describe().items()), ""]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        (REPO_ROOT / "docs" / "benchmarks-read-model-at.md").write_text(text)
        (REPO_ROOT / "bench" / "results" / "read_model_at.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
