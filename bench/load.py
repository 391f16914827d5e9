"""A closed-loop load generator: N clients, each with its own channel, for a fixed time."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import grpc


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

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds


def run(
    name: str,
    target: str,
    clients: int,
    seconds: float,
    make_call: Callable[[grpc.Channel, int, int], None],
    per_client: int | None = None,
    connect: Callable[[str], grpc.Channel] = grpc.insecure_channel,
) -> Figure:
    """Call ``make_call(channel, client, n)`` from ``clients`` threads until ``seconds`` pass
    (or, with ``per_client``, until each client has made that many calls); ``connect`` opens each client's
    channel (plaintext unless given, e.g. a TLS channel)."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
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
                    make_call(channel, i, n)
                    latencies[i].append(time.perf_counter() - t0)
                except grpc.RpcError:
                    errors[i] += 1
                n += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    if per_client is None:
        time.sleep(seconds)
        stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    flat = sorted(x for per in latencies for x in per)
    p99 = flat[min(len(flat) - 1, int(len(flat) * 0.99))] if flat else 0.0
    return Figure(
        name, clients, len(flat), sum(errors), elapsed, statistics.median(flat) * 1000 if flat else 0.0, p99 * 1000
    )
