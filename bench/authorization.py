"""What the authorization check costs, in one run: the same reads with and without it, in-process.

On one migrated SQLite store holding one unit of the real mix (bench/history.py: a vehicle of manufacturer
BENCH, a repair order, a claim filed), for ``--seconds`` each:

(measured in ten slices taken in turn, so a busy machine's load falls on every case alike)

- ``check_rpc`` alone (the role table lookup the auth interceptor makes before every call);
- ``ClaimsApplication.get_claim`` as SYSTEM (no ownership check: what authentication off does), as the
  owning dealer (a comparison of ids), as the desk of the vehicle's make (its make, read once and kept), as an
  insurer (the vehicle read again: the contracts on it change) and as another make's desk (NOT_FOUND).

The transport's share (TLS, authentication by token or certificate) is measured end to end over gRPC by
bench/auth_cost.py. Writes docs/benchmarks-authorization.md and bench/results/authorization.json; ``--seconds 0.5``
is a smoke run.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import machine
from bench.history import _NOW as NOW
from bench.history import CLAIM, DEALER
from bench.history import _unit_commands as unit_commands
from claims.adapters.grpc.policy import check_rpc
from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.application.app import ClaimsApplication
from claims.application.messages import CallContext
from claims.application.principal import SYSTEM, Principal
from claims.config import REPO_ROOT
from claims.domain.errors import NotFoundError
from claims.domain.vehicle.commands import RegisterVehicle

MAKER = "BENCH"
RESULTS = Path(__file__).resolve().parent / "results" / "authorization.json"


def rate(work: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``work`` over about ``seconds`` (checked every 50 calls)."""
    calls, start = 0, time.perf_counter()
    while True:
        for _ in range(50):
            work()
        calls += 50
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed


def interleaved(cases: dict[str, Callable[[], object]], seconds: float, rounds: int = 10) -> dict[str, float]:
    """Calls per second of each case, measured in ``rounds`` slices taken in turn, so that the load of a shared
    machine falls on every case alike."""
    totals = dict.fromkeys(cases, 0.0)
    for _ in range(rounds):
        for name, work in cases.items():
            totals[name] += rate(work, seconds / rounds)
    return {name: total / rounds for name, total in totals.items()}


def hidden(app: ClaimsApplication, principal: Principal) -> Callable[[], object]:
    def call() -> object:
        try:
            return app.get_claim(DEALER, CLAIM, principal)
        except NotFoundError as e:
            return e

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        location = parse_store_url(f"sqlite:///{folder}/bench.db")
        apply_migrations(location, REPO_ROOT / "migrations")
        persistence = open_store(location)
        try:
            app = ClaimsApplication(persistence.events, lambda: NOW)
            handlers = {"vehicle": app.handle_vehicle, "repair_order": app.handle_repair_order,
                        "claim": app.handle_claim}  # fmt: skip
            for n, (kind, command) in enumerate(unit_commands()):
                if isinstance(command, RegisterVehicle):
                    command = command.model_copy(update={"manufacturer": MAKER})
                call = CallContext(actor=f"dealer:{DEALER}", request_id=f"authz-{n}", correlation_id="authz")
                handlers[kind](call, command)
            dealer, desk = Principal.parse(f"dealer:{DEALER}"), Principal.parse(f"oem_desk:{MAKER}")
            other_desk, insurer = Principal.parse("oem_desk:OTHER"), Principal.parse("insurer:I-BENCH")
            method = "/claims.api.v1.ClaimService/GetClaim"
            cases: dict[str, Callable[[], object]] = {
                "check_rpc (role table)": lambda: check_rpc(method, dealer),
                "get_claim as SYSTEM (no check)": lambda: app.get_claim(DEALER, CLAIM, SYSTEM),
                "get_claim as the owning dealer": lambda: app.get_claim(DEALER, CLAIM, dealer),
                "get_claim as the desk of its make": lambda: app.get_claim(DEALER, CLAIM, desk),
                "get_claim as an insurer (hidden)": hidden(app, insurer),
                "get_claim as another make's desk (hidden)": hidden(app, other_desk),
            }
            figures = interleaved(cases, args.seconds)
        finally:
            persistence.close()
    baseline = figures["get_claim as SYSTEM (no check)"]
    lines = [
        "# Benchmarks: what the authorization check costs",
        "",
        f"`python -m bench.authorization --seconds {args.seconds:g}`: in-process on SQLite, one claim of the real mix"
        " (bench/history.py); each case measured in ten slices taken in turn. The role table is one dict lookup per"
        " call; a dealer's ownership check compares ids; an insurer's reads the claim's vehicle as well (the contracts"
        " on it now), one more stream read; a desk's needs only the vehicle's make, fixed at registration, so the"
        " vehicle is read once and kept. TLS and authentication over gRPC: bench/auth_cost.py.",
        "",
        "| measurement | calls/s | vs SYSTEM |",
        "|---|---:|---:|",
    ]
    for name, value in figures.items():
        relative = "" if name.startswith("check_rpc") else f"{value / baseline:.2f}x"
        lines.append(f"| {name} | {value:,.0f} | {relative} |")
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.describe().items()), ""]
    text = "\n".join(lines)
    print(text)
    (REPO_ROOT / "docs" / "benchmarks-authorization.md").write_text(text, encoding="utf-8")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"machine": machine.describe(), "seconds": args.seconds, "calls_per_second": figures}, indent=2)
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
