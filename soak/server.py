"""A real `claims serve` process on 127.0.0.1 for a soak section, its stderr drained and watched."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from claims.api.v1 import audit_pb2, audit_pb2_grpc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# A channel whose connection was refused waits out a reconnect backoff (1 s at first) before it tries again: a
# server coming up is asked every 50 ms instead.
QUICK_RECONNECT = (("grpc.initial_reconnect_backoff_ms", 50), ("grpc.min_reconnect_backoff_ms", 50),
                   ("grpc.max_reconnect_backoff_ms", 100))  # fmt: skip


def wait_serving(address: str, timeout: float = 60.0) -> None:
    """Until the server at ``address`` answers its health check SERVING."""
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(address, options=QUICK_RECONNECT) as channel:
        health: Any = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                if (
                    health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                    == health_pb2.HealthCheckResponse.SERVING
                ):
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.05)
    raise TimeoutError(f"no SERVING answer from {address} within {timeout} s")


@dataclass
class Server:
    """A running server process: where it listens, and what it logged."""

    process: subprocess.Popen[str]
    target: str
    store_url: str
    internal_errors: int = 0
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=20))

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def healthy(self) -> bool:
        with grpc.insecure_channel(self.target) as channel:
            try:
                answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            except grpc.RpcError:
                return False
        return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)

    def stop(self) -> int:
        """SIGTERM, then wait; answers the exit code."""
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def correlation_ids(self) -> set[str]:
        """Every correlation id on a stored event, read over the audit API."""
        seen: set[str] = set()
        with grpc.insecure_channel(self.target) as channel:
            stream = audit_pb2_grpc.AuditServiceStub(channel).StreamEvents(
                audit_pb2.StreamEventsRequest(after_position=0), timeout=300
            )
            for answer in stream:
                seen.add(answer.event.correlation_id)
        return seen

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.tail.append(line.rstrip())
            if "unexpected error" in line:
                self.internal_errors += 1


def start_server(store_url: str, **settings: str) -> Server:
    """Migrate ``store_url`` and serve it; ``settings`` are CLAIMS_* variables (without the prefix).

    The server logs at WARNING: a fuzzed server refuses almost every call, and a line per refusal (INFO) costs
    it more than many refusals do. What the soak watches for, an unexpected error, is logged at ERROR."""
    target = f"127.0.0.1:{free_port()}"
    env = {**os.environ, "CLAIMS_STORE_URL": store_url, "CLAIMS_LISTEN": target, "CLAIMS_LOG_LEVEL": "WARNING",
           "CLAIMS_AUTH": "off", "CLAIMS_WEB_LISTEN": ""}  # fmt: skip
    env |= {f"CLAIMS_{name.upper()}": value for name, value in settings.items()}
    subprocess.run([sys.executable, "-m", "claims", "migrate"], env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "claims", "serve"], env=env, stderr=subprocess.PIPE, text=True, errors="replace"
    )
    server = Server(process, target, store_url)
    threading.Thread(target=server._drain, name="server-stderr", daemon=True).start()
    try:
        wait_serving(target)
    except TimeoutError:
        process.kill()
        raise SystemExit(f"the server did not start: {list(server.tail)[-5:]}") from None
    return server
