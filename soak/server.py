"""A real `claims serve` process on 127.0.0.1 for a soak section, its stderr drained and watched."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections import deque
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from claims.api.v1 import audit_pb2, audit_pb2_grpc


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
    """Migrate ``store_url`` and serve it; ``settings`` are CLAIMS_* variables (without the prefix)."""
    env = {**os.environ, "CLAIMS_STORE_URL": store_url, "CLAIMS_LISTEN": "127.0.0.1:0", "CLAIMS_LOG_LEVEL": "INFO",
           "CLAIMS_AUTH": "off"}  # fmt: skip
    env |= {f"CLAIMS_{name.upper()}": value for name, value in settings.items()}
    subprocess.run([sys.executable, "-m", "claims", "migrate"], env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "claims", "serve"], env=env, stderr=subprocess.PIPE, text=True, errors="replace"
    )
    assert process.stderr is not None
    first = process.stderr.readline()
    found = re.search(r"listening on ([\d.]+:\d+)", first)
    if not found:
        process.kill()
        raise SystemExit(f"the server did not start: {first.strip()}")
    server = Server(process, found.group(1), store_url)
    threading.Thread(target=server._drain, name="server-stderr", daemon=True).start()
    return server
