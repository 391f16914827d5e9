"""The soak driver: pluggable sections, each bounded in time, and one summary of what was tried and found.

A section is a function ``(SoakContext) -> SectionReport`` registered with ``@section(name, seconds, lane)``;
it starts the servers it needs (``soak.server.start_server``, loopback only) and stops by its deadline, or
sooner once its target is reached. Lanes run side by side, each its sections in order: the fuzzer keeps the
cores busy while the crash rounds wait for kills and restarts, so the soak takes as long as its longest lane,
and each lane's bounds must add up to less than its total bound. The runner prints each section's own lines as it
ends, then the totals: rounds, kills, requests, fuzz cases per RPC and mismatches. Exit status: 0 clean,
1 mismatches found, 3 a target not reached within the time bound.

Two targets (issue 17): ``make soak`` (the defaults) sends at least ``CASES_PER_RPC`` fuzz cases to every RPC
within ten minutes; ``make soak-long`` (``--total-seconds 1780 --cases-per-rpc 10000``, outside CI) sends 10,000
within thirty. A longer total stretches every section's default bound by the same factor. A fuzz case costs
2.5-3 ms of CPU on two cores, mostly the gRPC stack, so 10,000 per RPC (510,000 cases) needs more than ten minutes
of two cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# The whole soak must finish within ten minutes: in every lane, the sections' shares add up to less.
TOTAL_LIMIT_SECONDS = 580.0
# Fuzz cases each RPC must get within the default ten minutes (make soak-long asks 10,000 within thirty).
CASES_PER_RPC = 4_000


@dataclass
class SoakContext:
    """What a section is given: its deadline, a scratch folder and the command line."""

    deadline: float
    workdir: Path
    args: argparse.Namespace

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline


@dataclass
class SectionReport:
    """What one section tried and found."""

    name: str
    rounds: int = 0
    kills: int = 0
    requests: int = 0
    fuzz_cases: Counter[str] = field(default_factory=Counter)
    mismatches: list[str] = field(default_factory=list)
    short_of_target: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    seconds: float = 0.0


Section = Callable[[SoakContext], SectionReport]


@dataclass(frozen=True)
class Registered:
    run: Section
    seconds: float
    lane: str


SECTIONS: dict[str, Registered] = {}


def section(name: str, seconds: float, lane: str) -> Callable[[Section], Section]:
    """Register a section with its default share of its lane's time bound."""

    def register(run: Section) -> Section:
        SECTIONS[name] = Registered(run, seconds, lane)
        return run

    return register


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m soak", description=__doc__)
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated, in order (default: all)")
    parser.add_argument(
        "--seconds", action="append", default=[], metavar="NAME=S", help="a section's time bound (repeatable)"
    )
    parser.add_argument("--cases-per-rpc", type=int, default=CASES_PER_RPC, help="fuzz cases to send to each RPC")
    parser.add_argument(
        "--total-seconds",
        type=float,
        default=TOTAL_LIMIT_SECONDS,
        help="the bound every lane must fit; the sections' default bounds stretch by the same factor",
    )
    parser.add_argument("--servers", type=int, default=2, help="server processes the fuzz section spreads over")
    parser.add_argument("--workers", type=int, default=8, help="threads in each fuzzing client process")
    parser.add_argument("--clients", type=int, default=50, help="racing clients in the concurrency section")
    parser.add_argument("--rounds", type=int, default=40, help="concurrency rounds (each: 50-client races, a replay)")
    parser.add_argument("--seed", type=int, default=20261123, help="the fuzzer's seed")
    return parser.parse_args(argv)


def section_bounds(chosen: list[str], args: argparse.Namespace) -> dict[str, float]:
    """Each chosen section's time bound: its default stretched to ``--total-seconds``, or as ``--seconds`` sets it;
    refused when a lane's bounds add up to more than the total."""
    stretch = args.total_seconds / TOTAL_LIMIT_SECONDS
    bounds = {name: SECTIONS[name].seconds * stretch for name in chosen}
    for item in args.seconds:
        name, _, value = item.partition("=")
        bounds[name] = float(value)
    lanes: dict[str, float] = {}
    for name in chosen:
        lanes[SECTIONS[name].lane] = lanes.get(SECTIONS[name].lane, 0.0) + bounds[name]
    for lane, seconds in lanes.items():
        if seconds > args.total_seconds:
            raise SystemExit(
                f"lane {lane}: its sections' bounds add up to {seconds:.0f} s, over {args.total_seconds:.0f} s"
            )
    return bounds


def main(argv: list[str] | None = None) -> int:
    from soak import sections as _sections  # noqa: F401 - registers the sections

    args = parse(sys.argv[1:] if argv is None else argv)
    chosen = [name.strip() for name in args.sections.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown sections {unknown}; known: {sorted(SECTIONS)}")
    bounds = section_bounds(chosen, args)
    lanes: dict[str, list[str]] = {}
    for name in chosen:
        lanes.setdefault(SECTIONS[name].lane, []).append(name)
    reports: dict[str, SectionReport] = {}
    printing = threading.Lock()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="claims-soak-") as scratch:

        def run_lane(names: list[str]) -> None:
            for name in names:
                begun = time.monotonic()
                with printing:
                    print(f"== {name} (up to {bounds[name]:.0f} s, from {begun - started:.0f} s)", flush=True)
                folder = Path(scratch) / name
                folder.mkdir()
                try:
                    report = SECTIONS[name].run(SoakContext(begun + bounds[name], folder, args))
                except Exception as error:  # noqa: BLE001 - a section that breaks is a finding; the other lanes go on
                    traceback.print_exc()
                    report = SectionReport(name, mismatches=[f"{name}: the section failed: {error!r}"])
                report.seconds = time.monotonic() - begun
                reports[name] = report
                with printing:
                    print(f"== {name} done in {report.seconds:.0f} s", flush=True)
                    for line in report.lines:
                        print(f"   {line}", flush=True)

        threads = [threading.Thread(target=run_lane, args=(n,), name=f"lane-{lane}") for lane, n in lanes.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    ordered = [reports[name] for name in chosen if name in reports]
    print(summary(ordered, time.monotonic() - started), flush=True)
    if any(r.mismatches for r in ordered):
        return 1
    return 3 if any(r.short_of_target for r in ordered) else 0


def summary(reports: list[SectionReport], elapsed: float) -> str:
    cases: Counter[str] = Counter()
    for report in reports:
        cases.update(report.fuzz_cases)
    mismatches = [m for r in reports for m in r.mismatches]
    short = [s for r in reports for s in r.short_of_target]
    lines = [
        "== soak summary",
        f"sections: {', '.join(f'{r.name} {r.seconds:.0f} s' for r in reports)}; "
        f"total {elapsed:.0f} s, the lanes side by side",
        f"rounds: {sum(r.rounds for r in reports)}",
        f"kills: {sum(r.kills for r in reports)}",
        f"requests: {sum(r.requests for r in reports)}",
    ]
    if cases:
        lines.append(
            f"fuzz cases: {sum(cases.values())} over {len(cases)} RPCs, "
            f"per RPC min {min(cases.values())} / max {max(cases.values())}"
        )
    lines += [f"short of target: {s}" for s in short]
    lines.append(f"mismatches: {len(mismatches)}")
    lines += [f"  - {m}" for m in mismatches[:50]]
    return "\n".join(lines)
