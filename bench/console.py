"""`python -m bench.console`: the console's claim queue on ``--claims`` claims (100,000 by default), on both stores.

The read models are filled with synthetic rows (five makes, 20,000 vehicles, claims filed over a year, a third
under review, amounts from 100 to 5,000; on PostgreSQL analyzed, as autovacuum would have them), then the real
engine serves the console and a desk signed in with an API key asks for its queue over HTTP (httpx, one
connection), ``--calls`` times per page:

- the default queue (under review, the desk's make, oldest first), and with each filter (claimed at least 4,500;
  filed at least 180 days ago), and a page 1,000 rows deep (keyset cursor);
- baselines in the same run: the raw keyset read of 51 rows from rm_claims (no filter, no rendering), and
  ``/healthz`` over the same connection (the HTTP round trip without a page).

Writes docs/benchmarks-console.md and bench/results/console.json unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench import machine
from bench.load import percentile
from claims.adapters.grpc.auth.keys import new_key
from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.adapters.persistence.group_commit import GroupCommitSettings
from claims.adapters.persistence.migrations import apply_migrations
from claims.bootstrap import start_engine
from claims.config import REPO_ROOT, Settings
from claims.projections.columns import stored_instant

DEFAULT_PG = os.environ.get("CLAIMS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
MIGRATIONS = REPO_ROOT / "migrations"
MAKES = ("GM", "FORD", "ACME", "SAIC", "BYD")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
STATUSES = ("UNDER_REVIEW",) * 3 + ("APPROVED", "PAID", "PAID", "RETURNED", "REJECTED", "PARTIALLY_APPROVED")
RAW = (
    "SELECT claim_id, dealer_id, claim_number, claim_type, vin, ro_number, status, currency, claimed_total,"
    " approved_total, paid_total, filed_at, decision_due_on, version FROM rm_claims ORDER BY filed_at, claim_id"
    " LIMIT 51"
)


def fill(url: str, claims: int) -> None:
    """Synthetic rows straight into rm_vehicles and rm_claims (the projections' tables, not their events)."""
    rng = random.Random(7)
    persistence = open_store(parse_store_url(url), GroupCommitSettings(0, 1))
    assert persistence.database is not None
    vehicles = [(str(uuid.uuid4()), f"VIN{n:014d}", MAKES[n % len(MAKES)], f"D{n % 200:03d}") for n in range(20_000)]
    with persistence.database.write() as tx:
        tx.execute_many(
            "INSERT INTO rm_vehicles (vehicle_id, identifier, identifier_kind, model, model_year, jurisdiction,"
            " dealer_id, owner_ref, invoice_date, delivery_date, price_amount, price_currency, odometer_value,"
            " odometer_unit, coverage_count, version, last_position, manufacturer) VALUES (:id, :vin, 'VIN', 'M',"
            " 2026, 'US-CA', :dealer, 'O', '2026-01-01', '2026-01-01', '30000.00', 'USD', '0', 'MI', 1, 1, 0, :make)",
            [{"id": v, "vin": vin, "make": make, "dealer": dealer} for v, vin, make, dealer in vehicles],
        )
        rows = []
        for n in range(claims):
            vehicle_id, vin, _, dealer = vehicles[rng.randrange(len(vehicles))]
            filed = NOW - timedelta(seconds=rng.randrange(365 * 86_400))
            rows.append({
                "id": str(uuid.uuid4()), "dealer": dealer, "number": f"C-{n}", "vin": vin, "vehicle": vehicle_id,
                "status": STATUSES[n % len(STATUSES)], "claimed": f"{rng.randrange(10_000, 500_000) / 100:.2f}",
                "filed": stored_instant(filed), "due": (filed + timedelta(days=30)).date().isoformat(),
            })  # fmt: skip
        tx.execute_many(
            "INSERT INTO rm_claims (claim_id, dealer_id, claim_number, claim_type, vin, vehicle_id, ro_number, status,"
            " currency, claimed_total, approved_total, paid_total, deducted_total, charged_back_total, filed_at,"
            " last_received_at, decision_due_on, decided_at, paid_at, version_count, version, last_position) VALUES"
            " (:id, :dealer, :number, 'NORMAL_REPAIR', :vin, :vehicle, 'RO-1', :status, 'USD', :claimed, '0.00',"
            " '0.00', '0.00', '0.00', :filed, :filed, :due, NULL, NULL, 1, 1, 0)",
            rows,
        )
        if tx.dialect == "postgresql":  # the planner's statistics, as autovacuum keeps them on a table grown by use
            tx.execute("ANALYZE rm_vehicles")
            tx.execute("ANALYZE rm_claims")
    persistence.close()


def timed(calls: int, call: Callable[[], Any]) -> dict[str, float]:
    call()  # warm
    samples = []
    for _ in range(calls):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return {"p50_ms": statistics.median(samples), "p99_ms": percentile(sorted(samples), 0.99)}


def measure(name: str, url: str, claims: int, calls: int) -> dict[str, Any]:
    apply_migrations(parse_store_url(url), MIGRATIONS)
    fill(url, claims)
    settings = Settings(
        store_url=url, listen="127.0.0.1:0", web_listen="127.0.0.1:0", migrations_dir=MIGRATIONS, auth="on",
        metrics_listen="",
    )  # fmt: skip
    engine = start_engine(settings, lambda: NOW)
    try:
        assert engine.keys is not None
        assert engine.persistence.database is not None
        key, token = new_key("oem_desk:GM", "bench", NOW)
        engine.keys.add(key)
        client = httpx.Client(base_url=f"http://127.0.0.1:{engine.web_port}", timeout=30)
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/signin").text)
        assert csrf
        assert client.post("/signin", data={"csrf": csrf.group(1), "key": token}).status_code == 303

        def page(path: str) -> Callable[[], None]:
            def get() -> None:
                response = client.get(path)
                assert response.status_code == 200, response.text[:300]

            return get

        def raw() -> None:
            with engine.persistence.database.read() as tx:  # type: ignore[union-attr]
                assert len(tx.rows(RAW, {})) == 51

        deep, depth = "/claims", 0
        while depth < 1_000 and (found := re.search(r'after=([^"&]+)"', client.get(deep).text)):
            deep, depth = f"/claims?status=UNDER_REVIEW&dealer=&age=&amount=&after={found.group(1)}", depth + 50
        rows = client.get("/claims?amount=4500").text.count('data-testid="row-')
        return {
            "store": name, "claims": claims, "rows_on_filtered_page": rows, "deep_page_starts_at": depth,
            "raw_keyset_read": timed(calls, raw), "healthz": timed(calls, page("/healthz")),
            "queue": timed(calls, page("/claims")), "amount_at_least_4500": timed(calls, page("/claims?amount=4500")),
            "filed_180_days_ago": timed(calls, page("/claims?age=180")), "page_1000_deep": timed(calls, page(deep)),
        }  # fmt: skip
    finally:
        engine.stop(grace=1)


COLUMNS = ("raw_keyset_read", "healthz", "queue", "amount_at_least_4500", "filed_180_days_ago", "page_1000_deep")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--postgres", default=DEFAULT_PG, help="DSN; empty to skip PostgreSQL")
    parser.add_argument("--no-write", action="store_true", help="print only (a smoke run)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results.append(measure("sqlite", f"sqlite:///{Path(folder) / 'console.db'}", args.claims, args.calls))
    if args.postgres:
        schema = f"claims_console_{uuid.uuid4().hex[:8]}"
        try:
            results.append(measure("postgresql", f"{args.postgres}?schema={schema}", args.claims, args.calls))
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    lines = [
        "# Benchmarks: the console's claim queue",
        "",
        f"`python -m bench.console`: {args.claims:,} claims on 20,000 vehicles of five makes in the read models, the"
        " real engine serving the console, a desk (one make: a fifth of the claims) signed in with an API key asking"
        f" for its queue over HTTP, {args.calls} calls a page, p50 / p99 ms. Baselines in the same run: the raw keyset"
        " read of 51 rows (no filter, no page) and /healthz (the HTTP round trip alone).",
        "",
        "| store | raw keyset read | /healthz | queue (under review, own make) | claimed >= 4,500 | filed >= 180 days"
        " ago | 1,000 rows deep |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        cells = " | ".join(f"{r[c]['p50_ms']:.2f} / {r[c]['p99_ms']:.2f}" for c in COLUMNS)
        lines.append(f"| {r['store']} | {cells} |")
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.describe().items()),
              f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.2f}", ""]  # fmt: skip
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        (REPO_ROOT / "docs" / "benchmarks-console.md").write_text(text)
        (REPO_ROOT / "bench" / "results" / "console.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
