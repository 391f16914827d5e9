"""The load the suite sends, each a top-level function the suite runs in a process of its own.

All use the same Python client (grpcio, sync stubs, one channel per client thread): echo and FileClaim
differ only in the call. Unit ``i`` of the workload (bench/workload.py) is filed at most once.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import grpc
import psycopg

from bench import echo, load, mixed, workload
from claims.api.v1 import claims_pb2_grpc


def echo_closed(target: str, clients: int, seconds: float) -> load.Figure:
    payload = echo.PAYLOAD

    def call(channel: grpc.Channel, _client: int, _n: int) -> None:
        echo.echo_call(channel)(payload, timeout=10)

    load.run("warm-up", target, clients, 1.0, call)
    return load.run("echo (Python client)", target, clients, seconds, call)


def file_closed(
    name: str, target: str, clients: int, seconds: float, run: str, first: int, per_client: int
) -> load.Figure:
    """Closed loop: client c files units first + c * per_client + n for n = 0, 1, ... (its own products)."""

    def call(channel: grpc.Channel, client: int, n: int) -> int:
        request = workload.file_claim_request(run, first + client * per_client + n)
        answer = claims_pb2_grpc.ClaimServiceStub(channel).FileClaim(request, timeout=30)
        return int(answer.result.position)

    return load.run(name, target, clients, seconds, call, per_client=per_client)


def mixed_closed(name: str, target: str, clients: int, seconds: float, run: str) -> load.Figure:
    """Closed loop: each call is one whole journey of the mixed workload (bench/mixed.py, 18 RPCs)."""
    dealers: dict[int, mixed.Dealer] = {}

    def call(channel: grpc.Channel, client: int, n: int) -> int:
        dealer = dealers.get(client)
        if dealer is None:
            dealer = dealers[client] = mixed.Dealer(channel, run, client)
        return dealer.journey(n)

    return load.run(name, target, clients, seconds, call)


def file_paced(name: str, target: str, clients: int, rate: float, seconds: float, run: str, first: int) -> load.Figure:
    """Open loop at ``rate`` filings/s: call n files unit first + n."""

    def future(channel: grpc.Channel, n: int) -> Any:
        request = workload.file_claim_request(run, first + n)
        return claims_pb2_grpc.ClaimServiceStub(channel).FileClaim.future(request, timeout=30)

    return load.paced(name, target, clients, rate, seconds, future, lambda answer: int(answer.result.position))


def watch_tracking(url: str, schema: str, until_file: str, timeout: float, poll: float) -> list[tuple[float, int]]:
    """Every ``poll`` s: (time.monotonic() once read, the lowest tracking position of any projection); until the
    position written to ``until_file`` (by the suite, once the load is over) is reached, or ``timeout`` s."""
    query = "SELECT MIN(position) FROM projection_tracking"
    samples: list[tuple[float, int]] = []
    if url.startswith("sqlite:///"):
        conn: Any = sqlite3.connect(f"file:{url.removeprefix('sqlite:///')}?mode=ro", uri=True)
    else:
        conn = psycopg.connect(url.split("?")[0], autocommit=True)
        conn.execute(f'SET search_path TO "{schema}"')
    until = Path(until_file)
    try:
        end = time.monotonic() + timeout
        while (asked := time.monotonic()) < end:
            row = conn.execute(query).fetchone()
            samples.append((time.monotonic(), int(row[0] or 0)))  # seen by now: an upper bound on when
            if until.exists() and (text := until.read_text().strip()) and samples[-1][1] >= int(text):
                break
            time.sleep(max(0.0, asked + poll - time.monotonic()))
    finally:
        conn.close()
    return samples
