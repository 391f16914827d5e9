"""`make bench`: ``state_at`` (GetStateAt) p50/p99 for a claim with 1,000 events, on both stores.

For each store: one unit of the real mix (bench/history.py: a vehicle, a repair order, a claim filed,
decided and paid), then the claim's stream is grown to 1,000 events by appending a part-return request, then
receipts and inspections of one part alternately (``store.append`` with real claim events), one minute apart.
(Alternating requests and receipts would pile up 500 part returns, each receipt copying all of them: a fold
that is quadratic in the stream, not what a real claim looks like.) Then ``--calls`` calls
each of ``state_at`` as of version 500, as of a recorded time in the middle, and now.
Writes docs/benchmarks-state-at.md and bench/results/state_at.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import timedelta

import psycopg

from bench import machine
from bench.history import _NOW as NOW
from bench.history import CLAIM, DEALER
from bench.history import _unit_commands as unit_commands
from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.application.app import ClaimsApplication
from claims.application.messages import CallContext, NewEvent
from claims.application.state_at import SubjectKind, state_at
from claims.config import REPO_ROOT
from claims.domain.claim.events import PartInspected, PartReceived, PartReturnRequested
from claims.domain.ids import claim_id_for

DEFAULT_PG = os.environ.get("CLAIMS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
EVENTS = 1_000


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(name: str, url: str, calls: int) -> dict[str, object]:
    location = parse_store_url(url)
    apply_migrations(location, REPO_ROOT / "migrations")
    persistence = open_store(location)
    store = persistence.events
    try:
        app = ClaimsApplication(store, lambda: NOW)
        handlers = {"vehicle": app.handle_vehicle, "repair_order": app.handle_repair_order, "claim": app.handle_claim}
        for n, (kind, command) in enumerate(unit_commands()):
            call = CallContext(actor=f"dealer:{DEALER}", request_id=f"state-at-{n}", correlation_id="state-at")
            handlers[kind](call, command)
        key = (DEALER, CLAIM)
        stream_id = claim_id_for(*key)
        claim = store.load(stream_id)
        last, meta = claim[-1], claim[-1].metadata
        pending: list[NewEvent] = []
        for version in range(last.version + 1, EVENTS + 1):
            when = meta.recorded_at + timedelta(minutes=version)
            event: PartReturnRequested | PartReceived | PartInspected
            if version == last.version + 1:
                event = PartReturnRequested(line_no=1, part_number="P-1", requested_at=when)
            elif version % 2:
                event = PartReceived(line_no=1, received_at=when)
            else:
                event = PartInspected(
                    line_no=1, finding=f"check {version}", inspected_by="INSPECTOR", inspected_at=when
                )
            pending.append(NewEvent(stream_id, version, event, replace(meta, recorded_at=when)))
        store.append(pending)
        middle = store.load(stream_id)[EVENTS // 2 - 1].metadata.recorded_at + timedelta(seconds=30)
        cases = {"version 500": {"version": EVENTS // 2}, "time in the middle": {"at": middle}, "now": {}}
        row: dict[str, object] = {"store": name, "events": EVENTS, "calls": calls}
        for label, kwargs in cases.items():
            samples = []
            for _ in range(calls):
                began = time.perf_counter()
                answer = state_at(store, SubjectKind.CLAIM, key, **kwargs)  # type: ignore[arg-type]
                samples.append((time.perf_counter() - began) * 1000)
            assert answer.version == (EVENTS // 2 if label != "now" else EVENTS), (label, answer.version)
            row[label] = {"p50_ms": statistics.median(samples), "p99_ms": _percentile(samples, 0.99)}
        return row
    finally:
        persistence.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--postgres", default=DEFAULT_PG, help="DSN; empty to skip PostgreSQL")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows.append(measure("sqlite", f"sqlite:///{folder}/state_at.db", args.calls))
    if args.postgres:
        schema = f"claims_state_at_{uuid.uuid4().hex[:8]}"
        try:
            rows.append(measure("postgresql", f"{args.postgres}?schema={schema}", args.calls))
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    lines = [
        "# Benchmarks: state as of any moment (GetStateAt)",
        "",
        f"`python -m bench.state_at`: a claim stream of {EVENTS:,} events; p50/p99 over {args.calls} calls of"
        " `state_at` each. Design: `load_with_positions` reads the stream with one query for the events (only"
        " up to the version, when one is asked for) and one for all their positions — before, one `position_of`"
        " query per event — then filters by recorded time in memory and folds. No time → version index or"
        " snapshots: the events carry their recorded time, and what remains is decoding and folding the events"
        " (about half each for 1,000).",
        "",
        "| store | as of | p50 ms | p99 ms |",
        "|---|---|---:|---:|",
    ]
    for r in rows:
        for label in ("version 500", "time in the middle", "now"):
            t = r[label]
            lines.append(f"| {r['store']} | {label} | {t['p50_ms']:.2f} | {t['p99_ms']:.2f} |")  # type: ignore[index]
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.describe().items()), ""]
    text = "\n".join(lines)
    print(text)
    (REPO_ROOT / "docs" / "benchmarks-state-at.md").write_text(text)
    (REPO_ROOT / "bench" / "results" / "state_at.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
