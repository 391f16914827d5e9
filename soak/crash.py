"""Crash rounds: kill -9 a `claims serve` (or a `claims project` worker) under load, restart, check nothing was lost.

One round: a bounded concurrent load of mixed commands (register a CN vehicle, attach its 三包 coverage,
record readings, open a repair order a week back so two commitment clocks are already due, record the work,
close it, file a claim, more readings), a SIGKILL at a random moment, a restart on the same store, every
unanswered command retried with its request id. Then the checks, each a ``Finding`` when it fails:

- every command answered OK is answered again, identically, when retried with its request id (and a
  command whose answer was lost in the crash gets one answer, however often it is retried);
- the log holds each accepted request exactly once: the events carrying a request id are one atomic append
  (consecutive positions) with exactly one request record; no command answered with an error wrote anything;
- every read model equals a rebuild from the log (the rebuild's own row-by-row comparison);
- the hash chain verifies (``claims audit verify``, read-only);
- each due commitment clock's breach is recorded exactly once (by the timer, across the kills).

``python -m soak.crash --rounds 20`` runs it from the command line; tests/reliability runs 3 rounds per store.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import dataclasses
import os
import random
import secrets
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from claims.adapters.persistence.factory import StoreLocation, open_store, parse_store_url
from claims.adapters.persistence.read_only import open_read_only
from claims.adapters.persistence.verify import verify_history
from claims.api.v1 import claims_pb2, claims_pb2_grpc, repair_orders_pb2, repair_orders_pb2_grpc
from claims.api.v1 import vehicles_pb2 as vpb
from claims.api.v1 import vehicles_pb2_grpc as vgrpc
from claims.domain.vin import vin_check_digit
from claims.projections import registry
from claims.projections.rebuild import rebuild
from soak.server import QUICK_RECONNECT, free_port, wait_serving

CLAIMS = [sys.executable, "-m", "claims"]
# Answers that say nothing about whether the command was applied: retried after the restart.
IN_DOUBT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED,
            grpc.StatusCode.UNKNOWN}  # fmt: skip
BREACHED = "claims.commitment.CommitmentBreached"
DUE_CLOCKS = ("CN-COURTESY-CAR", "SELLER-REPAIR-48H")  # both due a week after a repair order opened
ACCEPTED = "claims.request.RequestAccepted"
RETRY_CHANNEL = (*QUICK_RECONNECT, ("grpc.use_local_subchannel_pool", 1))


class Forked:
    """A process forked by a ``soak.warm`` parent: not this process's child, so it is watched through a pidfd."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        try:
            self._fd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # already gone
            self._fd = None

    def poll(self) -> int | None:
        """None while it runs; once it has ended, -1 (its parent's kernel reaped it and kept no status)."""
        return None if self._fd is not None and not select.select([self._fd], [], [], 0)[0] else -1

    def wait(self, timeout: float) -> int:
        if self._fd is not None and not select.select([self._fd], [], [], timeout)[0]:
            raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout)
        self.close()
        return -1

    def send_signal(self, number: int) -> None:
        if self._fd is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._fd, number)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Process:
    """A `claims` sub-command run again and again after kills: each run is forked from one warm parent
    (``soak.warm``) that imported the code base once, its output appended to a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.process: Forked | None = None
        self._parent: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Run the command once more, forked from the warm parent (started now if there is none)."""
        if self._parent is None or self._parent.poll() is not None:
            with self.log.open("ab") as out:
                self._parent = subprocess.Popen(
                    [sys.executable, "-m", "soak.warm", *self.args], env=self.env, stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=out,
                )  # fmt: skip
        assert self._parent.stdin is not None
        assert self._parent.stdout is not None
        self._parent.stdin.write(b"go\n")
        self._parent.stdin.flush()
        answer = self._parent.stdout.readline()
        if not answer.strip():
            raise RuntimeError(f"the warm parent of {self.args} ended: see {self.log}")
        self.process = Forked(int(answer))

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process is not None:
            self.process.close()
        if self._parent is not None:
            assert self._parent.stdin is not None
            self._parent.stdin.close()  # it forks no more and ends
            self._parent.wait(timeout=30)
            self._parent = None


@dataclass
class Sent:
    """One command as a client sent it, and what it was answered."""

    method: str
    request: Message
    outcome: str = "unsent"  # ok | error | in-doubt
    code: str = ""
    result: tuple[str, int, int] | None = None  # stream id, version, position
    detail: str = ""  # what an error answer said

    @property
    def request_id(self) -> str:
        return str(getattr(self.request, "request_id"))  # noqa: B009 - every mutation has one


@dataclass
class Findings:
    """What a round found wrong (empty: nothing lost) and what it did."""

    problems: list[str] = field(default_factory=list)
    commands: int = 0
    in_doubt: int = 0
    retried: int = 0
    breaches: int = 0

    def check(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)


def make_vin(run: str, n: int) -> str:
    """A CN VIN with a valid check digit, unique per run (letters a VIN cannot hold become digits)."""
    body = f"LSVNV218{run.translate(str.maketrans('IOQ', '109'))}{n:04d}".ljust(17, "0")[:17]
    vin = body[:8] + "0" + body[9:]
    return vin[:8] + vin_check_digit(vin) + vin[9:]


class Client:
    """One dealer's script of commands against the API; stops at the first answer that is not OK."""

    def __init__(self, channel: grpc.Channel, run: str, n: int, now: datetime) -> None:
        self.vehicles = vgrpc.VehicleServiceStub(channel)
        self.repair_orders = repair_orders_pb2_grpc.RepairOrderServiceStub(channel)
        self.claims = claims_pb2_grpc.ClaimServiceStub(channel)
        self.dealer, self.vin, self.now = f"D-CR-{run}-{n}", make_vin(run, n), now
        self.sent: list[Sent] = []

    def script(self) -> Iterator[tuple[Callable[..., Any], Sent]]:
        now, dealer, vin = self.now, self.dealer, self.vin
        sold = (now - timedelta(days=90)).date().isoformat()
        opened, closed = now - timedelta(days=7), now - timedelta(hours=2)

        def iso(moment: datetime) -> str:
            return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")

        def req(message: type[Message], **body: Any) -> Message:
            return json_format.ParseDict({"request_id": str(uuid.uuid4()), **body}, message())

        def km(value: int) -> dict[str, str]:
            return {"value": str(value), "unit": "DISTANCE_UNIT_KM"}

        def cny(amount: str) -> dict[str, str]:
            return {"amount": amount, "currency": "CNY"}

        yield self.vehicles.RegisterVehicle, Sent("RegisterVehicle", req(
            vpb.RegisterVehicleRequest, identifier=vin, model="Qin PLUS", model_year=2026, jurisdiction="CN",
            dealer_id=dealer, owner_ref="CUST-1", invoice_date=sold, delivery_date=sold, price=cny("100000.00"),
            odometer_at_delivery=km(0)))  # fmt: skip
        yield self.vehicles.AttachCoverage, Sent("AttachCoverage", req(
            vpb.AttachCoverageRequest, identifier=vin, code="CN-SANBAO", kind="COVERAGE_KIND_STATUTORY",
            period={"months": 24, "distance_limit": "50000", "distance_unit": "DISTANCE_UNIT_KM"},
            start_rule="START_RULE_DELIVERY_DATE", component_groups=["COMPONENT_GROUP_ENGINE"]))  # fmt: skip
        yield self.vehicles.RecordOdometerReading, Sent("RecordOdometerReading", req(
            vpb.RecordOdometerReadingRequest, identifier=vin, reading=km(1000),
            read_at=iso(opened - timedelta(days=1))))  # fmt: skip
        yield self.repair_orders.OpenRepairOrder, Sent("OpenRepairOrder", req(
            repair_orders_pb2.OpenRepairOrderRequest, dealer_id=dealer, ro_number="RO-1", vin=vin,
            opened_at=iso(opened), odometer_in=km(1200), complaint="engine misfires"))  # fmt: skip
        part = "12638824"
        yield self.repair_orders.RecordRepairWork, Sent("RecordRepairWork", req(
            repair_orders_pb2.RecordRepairWorkRequest, dealer_id=dealer, ro_number="RO-1", cause="cracked coil boot",
            correction="replaced ignition coil", defect={"causal_part_number": part, "failure_code": "P0300"},
            parts_replaced=[{"part_number": part, "quantity": 1}]))  # fmt: skip
        yield self.repair_orders.CloseRepairOrder, Sent("CloseRepairOrder", req(
            repair_orders_pb2.CloseRepairOrderRequest, dealer_id=dealer, ro_number="RO-1", closed_at=iso(closed),
            odometer_out=km(1201)))  # fmt: skip
        yield self.claims.FileClaim, Sent("FileClaim", req(
            claims_pb2.FileClaimRequest, dealer_id=dealer, claim_number="C-1", claim_type="CLAIM_TYPE_NORMAL_REPAIR",
            ro_number="RO-1", vin=vin, currency="CNY",
            header={"odometer": km(1200), "defect": {"causal_part_number": part, "failure_code": "P0300"},
                    "component_group": "COMPONENT_GROUP_ENGINE", "complaint": "engine misfires",
                    "cause": "cracked coil boot", "correction": "replaced ignition coil"},
            lines=[{"line_no": 1, "labour": {"operation_code": "ENG001", "hours": "1.5", "rate": cny("300.00")}},
                   {"line_no": 2, "part": {"part_number": part, "quantity": 1, "unit_price": cny("480.00"),
                                           "causal": True}}]))  # fmt: skip
        for k in range(1, 1000):
            yield self.vehicles.RecordOdometerReading, Sent("RecordOdometerReading", req(
                vpb.RecordOdometerReadingRequest, identifier=vin, reading=km(1201 + k),
                read_at=iso(closed + timedelta(seconds=k))))  # fmt: skip

    def run(self, stop: threading.Event) -> None:
        for call, sent in self.script():
            if stop.is_set():
                return
            self.sent.append(sent)
            send(call, sent)
            if sent.outcome != "ok":
                return


def send(call: Callable[..., Any], sent: Sent, timeout: float = 10.0, *, wait_for_ready: bool = False) -> None:
    try:
        response = call(sent.request, timeout=timeout, wait_for_ready=wait_for_ready)
    except grpc.RpcError as e:
        code = e.code()
        sent.code, sent.detail = code.name, (e.details() or "")[:200]
        sent.outcome = "in-doubt" if code in IN_DOUBT else "error"
        return
    r = response.result
    sent.outcome, sent.code, sent.result = "ok", "OK", (r.stream_id, r.version, r.position)


STUBS = {
    "RegisterVehicle": ("vehicles", "RegisterVehicle"), "AttachCoverage": ("vehicles", "AttachCoverage"),
    "RecordOdometerReading": ("vehicles", "RecordOdometerReading"),
    "OpenRepairOrder": ("repair_orders", "OpenRepairOrder"), "RecordRepairWork": ("repair_orders", "RecordRepairWork"),
    "CloseRepairOrder": ("repair_orders", "CloseRepairOrder"), "FileClaim": ("claims", "FileClaim"),
}  # fmt: skip


class Rig:
    """A store, the server on it (and, with ``victim="worker"``, a projection worker), and the rounds."""

    def __init__(self, store_url: str, folder: Path, victim: str = "server", clients: int = 6) -> None:
        self.store_url, self.folder, self.victim, self.clients = store_url, folder, victim, clients
        folder.mkdir(parents=True, exist_ok=True)
        self.location: StoreLocation = parse_store_url(store_url)
        self.address = f"127.0.0.1:{free_port()}"
        env = {
            **os.environ, "CLAIMS_STORE_URL": store_url, "CLAIMS_LISTEN": self.address, "CLAIMS_AUTH": "off",
            "CLAIMS_WEB_LISTEN": "", "CLAIMS_TIMER_INTERVAL_SECONDS": "0.2", "CLAIMS_GRACE_SECONDS": "1",
            "CLAIMS_LOG_LEVEL": "WARNING",
            "CLAIMS_RUN_PROJECTIONS": "false" if victim == "worker" else "true",
        }  # fmt: skip
        self.env = env
        self.server = Process(["serve"], env, folder / "server.log")
        self.worker = Process(["project"], env, folder / "worker.log")
        self.all_sent: list[Sent] = []
        self.kills = 0

    def __enter__(self) -> Rig:
        subprocess.run([*CLAIMS, "migrate"], env=self.env, check=True, capture_output=True, timeout=120)
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.worker.stop()
        self.server.stop()

    def _start(self) -> None:
        if self.server.process is None or self.server.process.poll() is not None:
            self.server.start()
        if self.victim == "worker" and (self.worker.process is None or self.worker.process.poll() is not None):
            self.worker.start()
        wait_serving(self.address)

    def round(self, rng: random.Random, load_seconds: float = 1.5) -> Findings:
        findings = Findings()
        run = secrets.token_hex(2).upper() + str(rng.randrange(10))
        now = datetime.now(UTC).replace(microsecond=0)
        with grpc.insecure_channel(self.address) as channel:
            clients = [Client(channel, run, n, now) for n in range(self.clients)]
            stop = threading.Event()
            threads = [threading.Thread(target=c.run, args=(stop,), daemon=True) for c in clients]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.2, load_seconds))
            (self.server if self.victim == "server" else self.worker).kill()
            self.kills += 1
            time.sleep(rng.uniform(0.0, 0.3))
            stop.set()
            for t in threads:
                t.join(timeout=60)
            self._start()
        # Retries wait for the server to be reachable, over a channel with its own connections and a short reconnect
        # backoff: with three rigs restarting side by side, once in about 60 rounds every retry of a round failed at
        # once with UNAVAILABLE after the server answered SERVING (channels to one address share connections unless
        # told not to, and one refused while the server was down waits out a reconnect backoff first).
        with grpc.insecure_channel(self.address, options=RETRY_CHANNEL) as channel:
            stubs = {"vehicles": vgrpc.VehicleServiceStub(channel),
                     "repair_orders": repair_orders_pb2_grpc.RepairOrderServiceStub(channel),
                     "claims": claims_pb2_grpc.ClaimServiceStub(channel)}  # fmt: skip
            sent = [s for c in clients for s in c.sent]
            findings.commands = len(sent)
            for s in sent:
                call = getattr(stubs[STUBS[s.method][0]], STUBS[s.method][1])
                if s.outcome == "in-doubt":  # the answer was lost: one answer now, the same on every retry
                    findings.in_doubt += 1
                    send(call, s, wait_for_ready=True)
                    findings.check(
                        s.outcome != "in-doubt",
                        f"{s.method} {s.request_id} still in doubt after restart ({s.code} {s.detail})",
                    )
                if s.outcome == "ok":
                    again = Sent(s.method, s.request)
                    send(call, again, wait_for_ready=True)
                    findings.retried += 1
                    findings.check(
                        (again.outcome, again.result) == ("ok", s.result),
                        f"{s.method} {s.request_id}: first answer {s.result}, "
                        f"retry {again.outcome} {again.code} {again.result} {again.detail}",
                    )
            self.all_sent += sent
        self.check_store(findings)
        return findings

    def check_store(self, findings: Findings) -> None:
        """The log, the read models, the chain and the timer's breaches, against what the clients were told."""
        opened_store = open_store(self.location)
        persistence = dataclasses.replace(opened_store, events=ReadOnce(opened_store.events))
        try:
            breaches = check_log(persistence, self.all_sent, findings)
            opened = [s for s in self.all_sent if s.method == "OpenRepairOrder" and s.outcome == "ok"]
            findings.breaches = sum(breaches.values())
            findings.check(all(n == 1 for n in breaches.values()), f"breaches recorded more than once: {breaches}")
            expected = {(code, s.result[0]) for s in opened if s.result for code in DUE_CLOCKS}
            deadline = time.monotonic() + 30
            while not expected <= set(breaches) and time.monotonic() < deadline:
                time.sleep(0.1)  # the timer fires due clocks after the projections catch up
                breaches = self._breaches(persistence)
            findings.check(all(n == 1 for n in breaches.values()), f"breaches recorded more than once: {breaches}")
            missing = expected - set(breaches)
            findings.check(not missing, f"due clocks never breached: {sorted(missing)[:3]} ({len(missing)})")
            findings.breaches = sum(breaches.values())
            self._wait_projections(persistence)
            for projection in registry.create_all():
                report = rebuild(persistence, projection, registry.tables_of(projection), swap=False)
                findings.check(
                    report.difference is None,
                    f"read model {projection.name} differs from a rebuild: "
                    f"{report.difference.describe() if report.difference else ''}",
                )
        finally:
            opened_store.close()
        reader = open_read_only(self.location)
        try:
            verified = verify_history(reader.database)
        finally:
            reader.close()
        findings.check(verified.intact, f"hash chain: {verified.describe()}")

    @staticmethod
    def _breaches(persistence: Any) -> Counter[tuple[str, str]]:
        found: Counter[tuple[str, str]] = Counter()
        after = 0
        while scan := persistence.events.scan(after, 5000, (BREACHED,)):
            if scan.end == after:
                break
            for e in scan.events:
                found[(e.event.commitment_code, str(e.event.subject_id))] += 1
            after = scan.end
        return found

    @staticmethod
    def _wait_projections(persistence: Any, timeout: float = 60.0) -> None:
        head = persistence.events.head_position()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with persistence.database.read() as tx:
                rows = tx.rows("SELECT MIN(position) AS behind FROM projection_tracking")
            if rows and rows[0]["behind"] is not None and int(rows[0]["behind"]) >= head:
                return
            time.sleep(0.2)


class ReadOnce:
    """A store's events as one round's checks read them: the log is read and decoded once, and the checks of the
    log and the rebuild of every read model replay those same events (eight reads of the whole log a round
    otherwise, each decoding it again). Anything but ``read_all`` goes to the store itself."""

    def __init__(self, events: Any) -> None:
        self._events = events
        self._log: list[Any] = []
        self._positions: list[int] = []

    def read_all(self, after: int, limit: int) -> list[Any]:
        start = bisect.bisect_right(self._positions, after)
        if start + limit > len(self._log):  # past what was read: read on from there (the log only grows)
            since = self._positions[-1] if self._positions else 0
            while batch := self._events.read_all(since, 2000):
                self._log += batch
                self._positions += [int(e.position) for e in batch]
                since = self._positions[-1]
                if len(self._log) >= start + limit:
                    break
            start = bisect.bisect_right(self._positions, after)
        return self._log[start : start + limit]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._events, name)


def check_log(persistence: Any, sent: list[Sent], findings: Findings) -> Counter[tuple[str, str]]:
    """Each accepted request is one atomic append with one request record; every OK'd command's events are in
    the log, no refused command's are. Returns the breaches recorded per (commitment, subject)."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    breaches: Counter[tuple[str, str]] = Counter()
    after = 0
    while batch := persistence.events.read_all(after, 2000):
        for e in batch:
            assert e.position is not None
            groups[f"{e.metadata.actor}\x00{e.metadata.request_id}"].append((e.position, e.topic))
            if e.topic == BREACHED:
                breaches[(e.event.commitment_code, str(e.event.subject_id))] += 1
        after = batch[-1].position or after
    for key, events in groups.items():
        positions = sorted(p for p, _ in events)
        accepted = sum(1 for _, t in events if t == ACCEPTED)
        findings.check(accepted == 1, f"request {key!r}: {accepted} request records")
        findings.check(
            positions[-1] - positions[0] + 1 == len(positions), f"request {key!r}: events in more than one append"
        )
    written = {key.split("\x00", 1)[1] for key in groups}
    for s in sent:
        if s.outcome == "error":
            findings.check(s.request_id not in written, f"{s.method} answered {s.code} but wrote events")
        if s.outcome == "ok":
            findings.check(s.request_id in written, f"{s.method} answered OK but its events are not in the log")
    return breaches


def run_rounds(store_url: str, folder: Path, rounds: int, victim: str, seed: int, clients: int = 6) -> list[Findings]:
    rng = random.Random(seed)
    results = []
    with Rig(store_url, folder, victim, clients) as rig:
        for _ in range(rounds):
            results.append(rig.round(rng))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--store", default="", help="store URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--victim", choices=("server", "worker"), default="server")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        url = args.store or f"sqlite:///{folder}/crash.db"
        results = run_rounds(url, Path(folder), args.rounds, args.victim, args.seed)
    problems = [p for r in results for p in r.problems]
    print(
        f"crash rounds: {len(results)}, kills: {len(results)} ({args.victim}), commands: "
        f"{sum(r.commands for r in results)}, in doubt at the kill: {sum(r.in_doubt for r in results)}, "
        f"retried: {sum(r.retried for r in results)}, breaches: {results[-1].breaches if results else 0}, "
        f"mismatches: {len(problems)}"
    )
    for p in problems:
        print("  MISMATCH:", p)
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    main()
