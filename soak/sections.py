"""The soak's sections: fuzz every RPC (lane ``fuzz``); race fifty clients on one vehicle, then kill -9 servers and
a projection worker under load (lane ``faults``). Each starts its own servers."""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import timestamp_pb2

from claims.api.v1 import common_pb2, vehicles_pb2, vehicles_pb2_grpc
from soak import fuzz, fuzz_client
from soak.runner import SectionReport, SoakContext, section
from soak.server import Server, start_server
from soak.world import BYSTANDER_SERIAL, seed_world


@section("fuzz", seconds=575, lane="fuzz")
def fuzz_every_rpc(ctx: SoakContext) -> SectionReport:
    """Several server processes (a Python server is bound to one core), each with its own store and world."""
    report = SectionReport("fuzz")
    servers: list[Server] = []
    try:
        for number in range(ctx.args.servers):
            servers.append(
                start_server(
                    f"sqlite:///{ctx.workdir / f'claims-{number}.db'}",
                    max_message_bytes=str(fuzz_client.SOAK_MESSAGE_LIMIT),
                    timer_interval_seconds="0",
                )
            )
        _fuzz(ctx, servers, report)
    finally:
        for server in servers:
            code = server.stop()
            if code != 0:
                report.mismatches.append(f"server {server.target} exited with {code} when asked to stop")
    return report


def _fuzz(ctx: SoakContext, servers: list[Server], report: SectionReport) -> None:
    for server in servers:
        with grpc.insecure_channel(server.target) as channel:
            seeded = seed_world(channel)
        report.lines.append(f"seeded {server.target}: " + ", ".join(f"{k} {v}" for k, v in seeded.items()))
        report.requests += len(seeded)
    target: int = ctx.args.cases_per_rpc
    methods = fuzz.all_methods()
    spawn = multiprocessing.get_context("spawn")  # grpc does not survive a fork of a process that used it
    counter, stop, results = spawn.Value("q", 0), spawn.Event(), spawn.Queue()
    plans = [fuzz_client.Plan(s.target, target, ctx.args.seed, ctx.deadline, ctx.args.workers) for s in servers]
    clients = [
        spawn.Process(target=fuzz_client.run, args=(plan, counter, stop, results, n), name=f"fuzz-client-{n}")
        for n, plan in enumerate(plans)
    ]
    bystanders = [Bystander(server.target) for server in servers]
    watchers = [threading.Thread(target=b.run, args=(stop,), name="bystander", daemon=True) for b in bystanders]
    started = time.monotonic()
    for process in [*clients, *watchers]:
        process.start()
    tallies: dict[int, fuzz.Tally] = {}
    progress, every = [], 60.0  # cases begun by each minute: how the rate held up while the other lane ran
    while len(tallies) < len(clients):
        if time.monotonic() - started >= every * (len(progress) + 1):
            progress.append(min(counter.value * fuzz_client.CHUNK, target * len(methods)))
        if not all(server.alive for server in servers):
            stop.set()  # a dead server is the finding; its clients would only count refused connections
        try:
            number, tally = results.get(timeout=0.5)
        except queue.Empty:
            if not any(c.is_alive() for c in clients) and results.empty():
                report.mismatches.append(f"fuzz clients ended without a report: {[c.exitcode for c in clients]}")
                break
            continue
        tallies[number] = tally
    elapsed = time.monotonic() - started
    stop.set()
    for process in [*clients, *watchers]:
        process.join()
    total = fuzz.Tally()
    leaked: list[str] = []
    for number, (server, bystander) in enumerate(zip(servers, bystanders, strict=True)):
        tally = tallies.get(number, fuzz.Tally())
        total.merge(tally)
        if not server.alive:
            report.mismatches.append(f"server {server.target} died: {list(server.tail)[-5:]}")
            continue
        leaked += sorted(server.correlation_ids() & tally.rejected_mutations)
        report.mismatches += [f"bystander call failed: {e}" for e in bystander.errors[:20]]
        if server.internal_errors:
            report.mismatches.append(f"server {server.target} logged {server.internal_errors} unexpected errors")
    answered, failed = sum(b.answered for b in bystanders), sum(b.failed for b in bystanders)
    report.fuzz_cases.update(total.cases)
    report.requests += total.total + answered + failed
    report.mismatches += total.findings
    report.mismatches += [f"refused mutation {c} left events in the log" for c in leaked]
    report.lines.append(
        f"{total.total} cases in {elapsed:.0f} s ({total.total / max(elapsed, 1e-9):.0f}/s, {len(servers)} servers, "
        f"{len(clients)} client processes of {ctx.args.workers} threads); families: {dict(total.families)}"
    )
    report.lines.append(
        f"mutations: {total.accepted_mutations} accepted, {len(total.rejected_mutations)} refused, "
        f"{len(leaked)} refused ones found in the log"
    )
    report.lines.append(f"bystanders: {answered} answered, {failed} failed while fuzzing")
    report.lines.append(
        "cases begun per minute: " + ", ".join(f"{b - a}" for a, b in zip([0, *progress], progress, strict=False))
    )
    report.lines += fuzz.summary_lines(total)
    short = sorted(m.name for m in methods if total.cases[m.name] < target)
    if short:
        report.short_of_target.append(
            f"fuzz: {len(short)} RPCs got fewer than {target} cases within the time bound "
            f"(fewest: {min(total.cases[m.name] for m in methods)})"
        )


@dataclass
class Bystander:
    """Another client asking the same questions throughout: it must keep getting answers, and the product it
    reads (which no fuzz case names) must stay as it was registered."""

    target: str
    answered: int = 0
    failed: int = 0

    def __post_init__(self) -> None:
        self.errors: list[str] = []

    def run(self, stop: threading.Event) -> None:
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        with grpc.insecure_channel(self.target) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            vehicles = vehicles_pb2_grpc.VehicleServiceStub(channel)
            while not stop.wait(0.1):
                try:
                    status = health.Check(health_pb2.HealthCheckRequest(), timeout=10).status
                    read = vehicles_pb2.GetVehicleRequest(identifier=BYSTANDER_SERIAL)
                    vehicle = vehicles.GetVehicle(read, timeout=10).vehicle
                    assert status == health_pb2.HealthCheckResponse.SERVING
                    assert (vehicle.identifier, vehicle.version) == (BYSTANDER_SERIAL, 1), vehicle
                    self.answered += 2
                except (grpc.RpcError, AssertionError) as error:
                    self.failed += 1
                    self.errors.append(repr(error)[:200])


# --- concurrency -----------------------------------------------------------------------------------------------


# 40 rounds took 33 s on a quiet day; on a busier one 29 took 47 s (40 would take about 65 s). The crash section
# after it has ended within about 320 s, so the lane stays within the 580 s total.
@section("concurrency", seconds=90, lane="faults")
def race_on_one_vehicle(ctx: SoakContext) -> SectionReport:
    report = SectionReport("concurrency")
    server = start_server(f"sqlite:///{ctx.workdir / 'claims.db'}", timer_interval_seconds="0")
    channels = [grpc.insecure_channel(server.target) for _ in range(ctx.args.clients)]
    run = uuid.uuid4().hex[:6].upper()
    try:
        with ThreadPoolExecutor(ctx.args.clients, thread_name_prefix="racer") as pool:
            racer = Racer(channels, pool, report)
            for round_no in range(ctx.args.rounds):
                if ctx.expired() or not server.alive:
                    break
                racer.round(f"SOAK-{run}-{round_no:03d}")
                report.rounds += 1
    finally:
        for channel in channels:
            channel.close()
        code = server.stop()
    if code != 0:
        report.mismatches.append(f"the server exited with {code}")
    if server.internal_errors:
        report.mismatches.append(f"the server logged {server.internal_errors} unexpected errors")
    if report.rounds < ctx.args.rounds:
        report.short_of_target.append(f"concurrency: {report.rounds} of {ctx.args.rounds} rounds within the bound")
    report.lines.append(
        f"{report.rounds} rounds of {ctx.args.clients} clients on one product each: 3 races with expected_version "
        f"(one winner, the rest ABORTED), 1 without (no accepted reading lost), then a serial replay compared"
    )
    report.lines.append(f"{report.requests} requests, {len(report.mismatches)} mismatches")
    return report


def _hours(value: int) -> common_pb2.Distance:
    return common_pb2.Distance(value=str(value), unit=common_pb2.DISTANCE_UNIT_HOURS)


def _at(day: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=1_738_400_000 + day * 86_400)  # 2025-02-01 + day


class Racer:
    """Races the clients on one fresh product per round and checks what the log kept."""

    def __init__(self, channels: list[grpc.Channel], pool: ThreadPoolExecutor, report: SectionReport) -> None:
        self.channels, self.pool, self.report = channels, pool, report
        self.stubs = [vehicles_pb2_grpc.VehicleServiceStub(c) for c in channels]

    def register(self, serial: str) -> None:
        request = vehicles_pb2.RegisterVehicleRequest(
            request_id=str(uuid.uuid4()), identifier=serial, identifier_kind=vehicles_pb2.IDENTIFIER_KIND_SERIAL,
            model="Soak", jurisdiction="EU-DE", dealer_id="D-SOAK", owner_ref="C1", invoice_date="2025-01-10",
            delivery_date="2025-01-12", price=common_pb2.Money(amount="999.00", currency="EUR"),
            odometer_at_delivery=_hours(0),
        )  # fmt: skip
        self.stubs[0].RegisterVehicle(request, timeout=30)
        self.report.requests += 1

    def read(self, serial: str) -> vehicles_pb2.Vehicle:
        self.report.requests += 1
        return self.stubs[0].GetVehicle(vehicles_pb2.GetVehicleRequest(identifier=serial), timeout=30).vehicle

    def race(self, requests: list[Any]) -> list[tuple[Any, Any, grpc.StatusCode]]:
        barrier = threading.Barrier(len(requests))

        def one(index: int) -> tuple[Any, Any, grpc.StatusCode]:
            barrier.wait(timeout=60)
            try:
                return requests[index], self.stubs[index].RecordOdometerReading(requests[index], timeout=60), _OK
            except grpc.RpcError as error:
                return requests[index], None, error.code()  # type: ignore[attr-defined]

        self.report.requests += len(requests)
        return list(self.pool.map(one, range(len(requests))))

    def round(self, serial: str) -> None:
        mismatch: Callable[[str], None] = lambda text: self.report.mismatches.append(f"{serial}: {text}")  # noqa: E731
        self.register(serial)
        accepted: list[Any] = []
        for race_no in range(3):
            version = self.read(serial).version
            requests = [self.reading(serial, 100 * race_no + i, race_no, version) for i in range(len(self.channels))]
            answers = self.race(requests)
            codes = sorted(code.name for _, _, code in answers)
            winners = [(request, response) for request, response, code in answers if code == _OK]
            losers = [code for _, _, code in answers if code != _OK]
            if len(winners) != 1 or any(code != grpc.StatusCode.ABORTED for code in losers):
                counted = {c: codes.count(c) for c in set(codes)}
                mismatch(f"race {race_no} at version {version}: {counted}")
            elif winners[0][1].result.version != version + 1:
                mismatch(f"the winner of race {race_no} got version {winners[0][1].result.version}")
            accepted += [request for request, _ in winners]
        free = [self.reading(serial, 1_000 + i, 10) for i in range(len(self.channels))]
        answers = self.race(free)
        ok = sorted(((req, resp) for req, resp, code in answers if code == _OK), key=lambda a: a[1].result.version)
        allowed = {_OK, grpc.StatusCode.ABORTED, grpc.StatusCode.FAILED_PRECONDITION}
        if any(code not in allowed for _, _, code in answers) or not ok:
            mismatch(f"free race answered {sorted({code.name for _, _, code in answers})}")
        highest = max((int(req.reading.value) for req, _ in ok), default=0)
        refused = [req for req, _, code in answers if code == grpc.StatusCode.FAILED_PRECONDITION]
        if any(int(req.reading.value) >= highest for req in refused):
            mismatch("a reading above every accepted one was refused as a rollback")
        vehicle = self.read(serial)
        kept = [(r.reading.value, r.read_at.seconds) for r in vehicle.readings]
        wanted = [(req.reading.value, req.read_at.seconds) for req in [*accepted, *(req for req, _ in ok)]]
        if kept != wanted:
            mismatch(f"the vehicle kept {len(kept)} readings, {len(wanted)} were accepted (lost or extra updates)")
        self.replay(serial, [*accepted, *(req for req, _ in ok)], vehicle, mismatch)

    @staticmethod
    def reading(serial: str, hours: int, day: int, version: int | None = None) -> Any:
        request = vehicles_pb2.RecordOdometerReadingRequest(
            request_id=str(uuid.uuid4()), identifier=serial, reading=_hours(hours), read_at=_at(day)
        )
        if version is not None:
            request.expected_version = version
        return request

    def replay(
        self, serial: str, accepted: list[Any], raced: vehicles_pb2.Vehicle, mismatch: Callable[[str], None]
    ) -> None:
        """The accepted requests again, one at a time, on a twin product: the same history must result."""
        twin = f"{serial}-R"
        self.register(twin)
        for request in accepted:
            again = vehicles_pb2.RecordOdometerReadingRequest()
            again.CopyFrom(request)
            again.request_id, again.identifier = str(uuid.uuid4()), twin
            self.stubs[0].RecordOdometerReading(again, timeout=30)
            self.report.requests += 1
        replayed = self.read(twin)
        same = [(r.reading.value, r.read_at.seconds) for r in replayed.readings] == [
            (r.reading.value, r.read_at.seconds) for r in raced.readings
        ]
        if not same or replayed.version != raced.version:
            mismatch(f"serial replay differs: version {replayed.version} vs {raced.version}")


_OK = grpc.StatusCode.OK


CRASH_ROUNDS = 20


@section("crash", seconds=480, lane="faults")
def kill_and_restart(ctx: SoakContext) -> SectionReport:
    """kill -9 under load, restart, check nothing was lost (soak/crash.py): on SQLite the server, on PostgreSQL
    the server and a projection worker, ``CRASH_ROUNDS`` rounds each while the bound allows. The three rigs run
    side by side, each on its own store (a schema of its own on PostgreSQL) with its own seeded randomness: a
    round spends most of its time waiting for a restart and a catch-up, which the others fill."""
    import os
    import random

    import psycopg

    from soak.crash import Findings, Rig

    report = SectionReport("crash")
    dsn = os.environ.get("CLAIMS_SOAK_POSTGRES_DSN") or os.environ.get(
        "CLAIMS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
    )
    lines: dict[str, str] = {}
    tallying = threading.Lock()

    def rounds(make_rig: Callable[[], Rig], label: str, seed: int) -> None:
        rng = random.Random(seed)
        done: list[Findings] = []
        broke: list[str] = []
        rig: Rig | None = None
        try:
            rig = make_rig()
            with rig:
                while len(done) < CRASH_ROUNDS and not ctx.expired():
                    done.append(rig.round(rng))
        except Exception as error:  # noqa: BLE001 - a rig that breaks is a finding; the other rigs go on
            broke.append(f"{label}: the rig failed after {len(done)} rounds: {error!r}")
        kills = rig.kills if rig is not None else 0
        with tallying:
            report.rounds += len(done)
            report.kills += kills
            report.requests += sum(f.commands + f.in_doubt + f.retried for f in done)
            report.mismatches += [f"{label}: {p}" for f in done for p in f.problems] + broke
            if len(done) < CRASH_ROUNDS:
                short = f"crash: {len(done)} of {CRASH_ROUNDS} rounds on {label} within the bound"
                report.short_of_target.append(short)
            lines[label] = (
                f"{label}: {len(done)} rounds, {kills} kills, {sum(f.commands for f in done)} commands, "
                f"{sum(f.in_doubt for f in done)} in doubt at a kill and retried, "
                f"{done[-1].breaches if done else 0} breaches fired once each, "
                f"{sum(len(f.problems) for f in done)} mismatches"
            )

    sqlite_dir = ctx.workdir / "crash-sqlite"
    rigs: list[tuple[Callable[[], Rig], str]] = [
        (lambda: Rig(f"sqlite:///{sqlite_dir / 'claims.db'}", sqlite_dir), "SQLite (server)")
    ]
    schemas = [f"claims_soak_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            for schema in schemas:
                conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.Error as e:
        report.short_of_target.append(f"crash: no PostgreSQL at {dsn} ({e}); rounds on SQLite only")
        schemas = []
    else:
        urls = [f"{dsn}{'&' if '?' in dsn else '?'}schema={schema}" for schema in schemas]
        pg_dir = ctx.workdir / "crash-postgres"
        rigs.append((lambda: Rig(urls[0], pg_dir / "server"), "PostgreSQL (server)"))
        rigs.append((lambda: Rig(urls[1], pg_dir / "worker", victim="worker"), "PostgreSQL (projection worker)"))
    threads = [
        threading.Thread(target=rounds, args=(make, label, 20261123 + n), name=f"crash-{n}")
        for n, (make, label) in enumerate(rigs)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        if schemas:
            with psycopg.connect(dsn, autocommit=True) as conn:
                for schema in schemas:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    report.lines += [lines[label] for _, label in rigs if label in lines]
    return report
