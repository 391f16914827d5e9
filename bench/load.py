"""Load generators, run in a process of their own (``in_process``) against a server in another.

- closed loop (``run``): N clients, each with its own channel and one call in flight, for a fixed time
  (or until each has made its share of calls);
- open loop (``paced``): calls sent at a fixed rate whatever the answers, round-robin over N channels,
  latency measured from when each call was due (so a server falling behind shows in the figures).

Every load is bounded in time and sends only to the loopback target it is given.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

import grpc

# A call: (channel, client, n) -> the global position it committed, if it is a command.
Call = Callable[[grpc.Channel, int, int], int | None]


@dataclass
class Figure:
    """Throughput and latency of one measured run."""

    name: str
    clients: int
    calls: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    first_error: str = ""
    # (position, time.monotonic() when the answer arrived) of every command, when asked for.
    commits: list[tuple[int, float]] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "commits"}
        return out | {"per_second": self.per_second}


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0


def _check_loopback(target: str) -> None:
    if not target.startswith(("127.", "localhost:", "[::1]:")):
        raise ValueError(f"load is sent to loopback targets only, not {target}")


def run(
    name: str,
    target: str,
    clients: int,
    seconds: float,
    make_call: Call,
    per_client: int | None = None,
    connect: Callable[[str], grpc.Channel] = grpc.insecure_channel,
) -> Figure:
    """Call ``make_call(channel, client, n)`` from ``clients`` threads until ``seconds`` pass
    (or each client has made ``per_client`` calls, whichever comes first); ``connect`` opens each client's
    channel (plaintext unless given, e.g. a TLS channel)."""
    _check_loopback(target)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    commits: list[list[tuple[int, float]]] = [[] for _ in range(clients)]
    errors = [0] * clients
    first_error: list[str] = []
    start = threading.Barrier(clients + 1)
    stop = threading.Event()

    def client(i: int) -> None:
        with connect(target) as channel:
            grpc.channel_ready_future(channel).result(timeout=10)
            start.wait()
            n = 0
            while not stop.is_set() and (per_client is None or n < per_client):
                t0 = time.perf_counter()
                try:
                    position = make_call(channel, i, n)
                    latencies[i].append(time.perf_counter() - t0)
                    if position is not None:
                        commits[i].append((position, time.monotonic()))
                except grpc.RpcError as e:
                    errors[i] += 1
                    if not first_error:
                        first_error.append(f"{e.code()}: {e.details()}")  # type: ignore[attr-defined]
                n += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:  # until the time is up, or every client has made its share
        t.join(max(0.0, began + seconds - time.perf_counter()))
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    flat = sorted(x for per in latencies for x in per)
    return Figure(
        name, clients, len(flat), sum(errors), elapsed,
        statistics.median(flat) * 1000 if flat else 0.0, percentile(flat, 0.99) * 1000,
        first_error[0] if first_error else "", sorted(c for per in commits for c in per),
    )  # fmt: skip


def paced(
    name: str,
    target: str,
    channels: int,
    rate: float,
    seconds: float,
    make_future: Callable[[Any, int], Any],
    position: Callable[[Any], int] | None = None,
) -> Figure:
    """Send ``rate`` calls/s for ``seconds`` (call n on channel n % channels via ``make_future(channel, n)``,
    which returns a grpc future); latency runs from when the call was due to when its answer arrived.
    With ``position`` (answer -> global position), each command's position and arrival are kept too."""
    _check_loopback(target)
    opened = [grpc.insecure_channel(target) for _ in range(channels)]
    for channel in opened:
        grpc.channel_ready_future(channel).result(timeout=10)
    latencies: list[float] = []
    errors: list[str] = []
    commits: list[tuple[int, float]] = []
    lock = threading.Lock()
    outstanding = threading.Semaphore(0)
    sent = 0

    def done(due: float) -> Callable[[Any], None]:
        def callback(future: Any) -> None:
            took, arrived = time.perf_counter() - due, time.monotonic()
            with lock:
                if future.exception() is None:
                    latencies.append(took)
                    if position is not None:
                        commits.append((position(future.result()), arrived))
                else:
                    errors.append(str(future.exception().code()))
            outstanding.release()

        return callback

    began = time.perf_counter()
    while (due := began + sent / rate) < began + seconds:
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        make_future(opened[sent % channels], sent).add_done_callback(done(due))
        sent += 1
    for _ in range(sent):
        outstanding.acquire(timeout=60)
    elapsed = time.perf_counter() - began
    for channel in opened:
        channel.close()
    ordered = sorted(latencies)
    return Figure(
        name, channels, len(ordered), len(errors), elapsed,
        statistics.median(ordered) * 1000 if ordered else 0.0, percentile(ordered, 0.99) * 1000,
        errors[0] if errors else "", sorted(commits),
    )  # fmt: skip


def in_process(function: Callable[..., Any], *args: Any) -> Any:
    """Run ``function(*args)`` in a fresh process (spawned: no state shared with this one) and return its result."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def start_in_process(function: Callable[..., Any], *args: Any) -> tuple[ProcessPoolExecutor, Any]:
    """Start ``function(*args)`` in a fresh process; the caller reads ``future.result()`` and shuts the pool."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    return pool, pool.submit(function, *args)
