"""`make bench`: ``state_at`` (GetStateAt) p50/p99 for a claim with 1,000 events, on both stores.

For each store: one unit of the real mix (bench/history.py: a vehicle, a repair order, a claim filed,
decided and paid), then the claim's stream is grown to 1,000 events by appending a part-return request, then
receipts and inspections of one part alternately (``store.append`` with real claim events), one minute apart,
and the snapshots projection is caught up.
(Alternating requests and receipts would pile up 500 part returns, each receipt copying all of them: a fold
that is not what a real claim looks like.) Then ``--calls`` calls each of the GetStateAt handler as of
version 500, as of a recorded time in the middle, and now: by full replay, from snapshots with every event in
the response, and from snapshots with a page of 100 events.
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
from claims.adapters.grpc.state_at_view import get_state_at
from claims.adapters.persistence.factory import Persistence, open_store, parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.api.v1 import audit_pb2 as pb
from claims.application.app import ClaimsApplication
from claims.application.messages import CallContext, NewEvent
from claims.application.snapshots import DEFAULT_SNAPSHOT_INTERVAL
from claims.config import REPO_ROOT
from claims.domain.claim.events import PartInspected, PartReceived, PartReturnRequested
from claims.domain.ids import claim_id_for
from claims.projections.runner import ProjectionRunner
from claims.projections.snapshots import SnapshotProjection, SqlStateIndex

DEFAULT_PG = os.environ.get("CLAIMS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
EVENTS = 1_000


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# How each figure is taken: with the snapshots projection's index or without (a full replay, as before it), and
# how many of the events that made the state the response carries (0: all of them).
MODES: dict[str, tuple[bool, int]] = {
    "replay, all events": (False, 0),
    "snapshot, all events": (True, 0),
    "snapshot, page of 100": (True, 100),
}
LABELS = ("version 500", "time in the middle", "now")


def prepare(persistence: Persistence, interval: int) -> tuple[SqlStateIndex, dict[str, pb.GetStateAtRequest], float]:
    """The claim of 1,000 events, the snapshots projection caught up (how long that took, ms), the requests."""
    store = persistence.events
    app = ClaimsApplication(store, lambda: NOW)
    handlers = {"vehicle": app.handle_vehicle, "repair_order": app.handle_repair_order, "claim": app.handle_claim}
    for n, (kind, command) in enumerate(unit_commands()):
        call = CallContext(actor=f"dealer:{DEALER}", request_id=f"state-at-{n}", correlation_id="state-at")
        handlers[kind](call, command)
    stream_id = claim_id_for(DEALER, CLAIM)
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
            event = PartInspected(line_no=1, finding=f"check {version}", inspected_by="INSPECTOR", inspected_at=when)
        pending.append(NewEvent(stream_id, version, event, replace(meta, recorded_at=when)))
    store.append(pending)
    assert persistence.database is not None
    began = time.perf_counter()
    ProjectionRunner(store, persistence.database, [SnapshotProjection(interval)]).catch_up()
    projected_ms = (time.perf_counter() - began) * 1000
    middle = store.load(stream_id)[EVENTS // 2 - 1].metadata.recorded_at + timedelta(seconds=30)
    ref = pb.AuditClaimRef(dealer_id=DEALER, claim_number=CLAIM)
    at_middle = pb.GetStateAtRequest(claim=ref)
    at_middle.recorded_at.FromDatetime(middle)
    cases = {
        "version 500": pb.GetStateAtRequest(claim=ref, version=EVENTS // 2),
        "time in the middle": at_middle,
        "now": pb.GetStateAtRequest(claim=ref),
    }
    return SqlStateIndex(persistence.database), cases, projected_ms


def measure(name: str, url: str, calls: int, interval: int = DEFAULT_SNAPSHOT_INTERVAL) -> dict[str, object]:
    location = parse_store_url(url)
    apply_migrations(location, REPO_ROOT / "migrations")
    persistence = open_store(location)
    store = persistence.events
    try:
        index, cases, projected_ms = prepare(persistence, interval)
        row: dict[str, object] = {
            "store": name, "events": EVENTS, "calls": calls, "interval": interval, "projected_ms": projected_ms
        }  # fmt: skip
        for mode, (use_index, page) in MODES.items():
            for label, request in cases.items():
                asked = pb.GetStateAtRequest()
                asked.CopyFrom(request)
                asked.events_page_size = page
                samples = []
                for _ in range(calls):
                    began = time.perf_counter()
                    answer = get_state_at(store, asked, index if use_index else None)
                    samples.append((time.perf_counter() - began) * 1000)
                assert answer.version == (EVENTS // 2 if label != "now" else EVENTS), (label, answer.version)
                assert len(answer.events) == (page or answer.version), (mode, label, len(answer.events))
                row[f"{mode} / {label}"] = {"p50_ms": statistics.median(samples), "p99_ms": _percentile(samples, 0.99)}
        return row
    finally:
        persistence.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--interval", type=int, default=DEFAULT_SNAPSHOT_INTERVAL, help="events between snapshots")
    parser.add_argument("--postgres", default=DEFAULT_PG, help="DSN; empty to skip PostgreSQL")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows.append(measure("sqlite", f"sqlite:///{folder}/state_at.db", args.calls, args.interval))
    if args.postgres:
        schema = f"claims_state_at_{uuid.uuid4().hex[:8]}"
        try:
            rows.append(measure("postgresql", f"{args.postgres}?schema={schema}", args.calls, args.interval))
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    lines = [
        "# Benchmarks: state as of any moment (GetStateAt)",
        "",
        f"`python -m bench.state_at`: a claim stream of {EVENTS:,} events; p50/p99 over {args.calls} calls each of"
        " the GetStateAt handler (`get_state_at`: parse, load, fold, build the response protobuf; no network)."
        " *replay*: no index, every event up to the version read, decoded and folded (as before snapshots)."
        f" *snapshot*: the snapshots projection (a snapshot every {args.interval} events and a recorded time →"
        " version index) caught up; the state is folded from the nearest snapshot, and the response carries all"
        " the events that made it (`events_page_size` 0) or the first page of 100.",
        "",
        "| store | mode | as of | p50 ms | p99 ms |",
        "|---|---|---|---:|---:|",
    ]
    for r in rows:
        for mode in MODES:
            for label in LABELS:
                t = r[f"{mode} / {label}"]
                lines.append(f"| {r['store']} | {mode} | {label} | {t['p50_ms']:.2f} | {t['p99_ms']:.2f} |")  # type: ignore[index]
    lines += [""] + [
        f"Catching the snapshots projection up over the {r['store']} store's whole log: {r['projected_ms']:.0f} ms."
        for r in rows
    ]
    load = f"load average (1 min) {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.describe().items()) + f"; {load}", ""]
    text = "\n".join(lines)
    print(text)
    (REPO_ROOT / "docs" / "benchmarks-state-at.md").write_text(text)
    (REPO_ROOT / "bench" / "results" / "state_at.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
