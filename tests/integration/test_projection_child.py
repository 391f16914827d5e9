"""`claims serve` runs its projections in a child process (issue 18): woken by appends, its progress reported
to the server's runner, stopped with the server, and never outliving a server that was killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from claims.adapters.persistence.factory import StoreLocation
from claims.adapters.persistence.migrations import apply_migrations
from claims.bootstrap import Engine, start_engine
from claims.config import Settings
from claims.projections import registry
from tests.builders import call, register_vehicle
from tests.conftest import MIGRATIONS, FixedClock


def _engine(url: str, clock: FixedClock, **overrides: object) -> Engine:
    settings = Settings(store_url=url, listen="127.0.0.1:0", auth="off", **overrides)  # type: ignore[arg-type]
    return start_engine(settings, clock)


def _sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    from claims.adapters.persistence.factory import parse_store_url

    apply_migrations(parse_store_url(url), MIGRATIONS)
    return url


def _postgres_url(location: StoreLocation) -> str:
    from tests.conftest import POSTGRES_DSN

    apply_migrations(location, MIGRATIONS)
    return f"{POSTGRES_DSN}{'&' if '?' in POSTGRES_DSN else '?'}schema={location.schema}"


def _gone(pid: int, within: float) -> bool:
    """Whether process ``pid`` has exited (a zombie counts) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return True
        if "State:\tZ" in state:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_the_child_runs_every_projection_woken_by_appends_and_reports_to_the_server(
    store: str, tmp_path: Path, clock: FixedClock, request: pytest.FixtureRequest
) -> None:
    # Given a server whose projections run in a child process that would otherwise poll twice a minute
    url = _sqlite_url(tmp_path) if store == "sqlite" else _postgres_url(request.getfixturevalue("postgres_schema"))
    engine = _engine(url, clock, projection_poll_seconds=30)
    try:
        assert engine.runner is not None
        assert engine.projection_child is not None
        child_pid = engine.projection_child.pid
        assert child_pid is not None
        assert child_pid != os.getpid()
        reported: list[tuple[str, int]] = []
        engine.runner.on_progress(lambda name, position: reported.append((name, position)))
        # When a vehicle is registered
        result = engine.app.handle_vehicle(call(), register_vehicle())
        # Then every projection gets past it soon (woken by the append), and the server hears of it from the child
        assert engine.runner.wait_for("vehicles", result.position, timeout=10)
        deadline = time.monotonic() + 10
        while min(engine.runner.positions().values()) < result.position and time.monotonic() < deadline:
            time.sleep(0.02)
        assert min(engine.runner.positions().values()) >= result.position
        assert set(engine.runner.positions()) == set(registry.names())
        assert any(name == "vehicles" and position >= result.position for name, position in reported)
        # and no projection thread runs in the server's own interpreter
        assert "projections" not in {t.name for t in threading.enumerate()}
    finally:
        engine.stop(grace=0)
    # And the child stops with the server
    assert _gone(child_pid, within=10)


def test_a_server_told_so_runs_its_projections_on_a_thread_of_its_own(tmp_path: Path, clock: FixedClock) -> None:
    # Given CLAIMS_PROJECTION_PROCESS off
    engine = _engine(_sqlite_url(tmp_path), clock, projection_process=False, projection_poll_seconds=30)
    try:
        # When a vehicle is registered, then the in-process runner takes it, and there is no child
        assert engine.projection_child is None
        assert engine.runner is not None
        result = engine.app.handle_vehicle(call(), register_vehicle())
        assert engine.runner.wait_for("vehicles", result.position, timeout=5)
    finally:
        engine.stop(grace=0)


def test_the_child_ends_when_its_server_is_killed(tmp_path: Path) -> None:
    # Given a server process (start_engine in a Python of its own) with its projection child
    url = _sqlite_url(tmp_path)
    script = textwrap.dedent(
        f"""
        import sys, time
        from claims.bootstrap import start_engine
        from claims.config import Settings
        engine = start_engine(Settings(store_url={url!r}, listen="127.0.0.1:0", auth="off"))
        print(engine.projection_child.pid, flush=True)
        time.sleep(600)
        """
    )
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        child_pid = int(server.stdout.readline())
        assert not _gone(child_pid, within=0.5)  # it is running
        # When the server is killed with SIGKILL (no clean-up runs)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        # Then the child sees its pipe close and exits
        assert _gone(child_pid, within=10)
    finally:
        if server.poll() is None:
            server.kill()
