"""Projection workers on PostgreSQL: exactly one active per projection (advisory lock on a dedicated connection);
a standby takes over when the active one stops, loses its connection or is killed, and the result always equals
a rebuild from position zero (nothing processed twice, nothing skipped). On SQLite a worker needs no lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from bench.history import write_history
from claims.adapters.persistence.connection import DedicatedConnection, advisory_key
from claims.adapters.persistence.factory import Persistence, StoreLocation
from claims.projections import registry
from claims.projections.claims import ClaimProjection
from claims.projections.rebuild import rebuild
from claims.projections.runner import ProjectionRunner
from claims.projections.vehicles import VehicleProjection
from claims.projections.worker import AdvisoryLock, NoLock, ProjectionWorker, WorkerState, lock_for
from tests.conftest import POSTGRES_DSN

CLAIMS = [sys.executable, "-m", "claims"]


def url(location: StoreLocation) -> str:
    if location.backend == "sqlite":
        return f"sqlite:///{location.sqlite_path}"
    return f"postgresql://{location.user}@{location.host}:{location.port}/{location.dbname}?schema={location.schema}"


def position(store: Persistence, name: str) -> int:
    assert store.database is not None
    with store.database.read() as tx:
        rows = tx.rows("SELECT position FROM projection_tracking WHERE projection = :n", {"n": name})
    return int(rows[0]["position"]) if rows else 0


def eventually(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def equals_a_rebuild(store: Persistence, name: str) -> bool:
    projection = registry.create(name)
    report = rebuild(store, projection, registry.tables_of(projection), swap=False)
    assert report.equal, report.difference and report.difference.describe()
    return report.equal


def worker(store: Persistence, projection: VehicleProjection | ClaimProjection) -> ProjectionWorker:
    return ProjectionWorker(store, projection, batch_size=25, poll_seconds=0.01, retry_seconds=0.05)


@pytest.fixture
def workers() -> Iterator[list[ProjectionWorker]]:
    started: list[ProjectionWorker] = []
    yield started
    for w in started:
        w.stop()


def test_a_standby_worker_waits_then_takes_over_and_nothing_is_processed_twice(
    postgres_store: Persistence, workers: list[ProjectionWorker]
) -> None:
    write_history(postgres_store.events, 1500)
    first, second = worker(postgres_store, VehicleProjection()), worker(postgres_store, VehicleProjection())
    workers += [first, second]
    first.start()
    assert first.wait_until(WorkerState.ACTIVE, 10)
    second.start()
    assert second.wait_until(WorkerState.WAITING, 10)
    time.sleep(0.3)  # it keeps trying, and keeps failing, while the first holds the lock
    assert (first.state, second.state) == (WorkerState.ACTIVE, WorkerState.WAITING)

    head = write_history(postgres_store.events, 1500)
    first.stop()  # its connection closes: the server releases the lock
    assert first.state is WorkerState.STOPPED
    assert second.wait_until(WorkerState.ACTIVE, 10)
    assert eventually(lambda: position(postgres_store, "vehicles") == head)
    assert equals_a_rebuild(postgres_store, "vehicles")


def test_a_worker_that_loses_its_lock_connection_steps_back_and_the_standby_takes_over(
    postgres_store: Persistence, workers: list[ProjectionWorker]
) -> None:
    head = write_history(postgres_store.events, 3000)
    first, second = worker(postgres_store, ClaimProjection()), worker(postgres_store, ClaimProjection())
    workers += [first, second]
    first.start()
    assert first.wait_until(WorkerState.ACTIVE, 10)
    second.start()
    assert second.wait_until(WorkerState.WAITING, 10)
    assert isinstance(first.lock, AdvisoryLock)
    assert first.lock.connection is not None
    doomed = first.lock.connection.backend_pid
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (doomed,))  # as if its network went away

    assert second.wait_until(WorkerState.ACTIVE, 10)
    assert first.wait_until(WorkerState.WAITING, 10)  # it noticed, and now stands by
    assert eventually(lambda: position(postgres_store, "claims") == head)
    assert equals_a_rebuild(postgres_store, "claims")


def test_a_worker_process_killed_mid_catch_up_is_taken_over_and_the_result_equals_a_rebuild(
    postgres_store: Persistence, tmp_path: Path
) -> None:
    settled = write_history(postgres_store.events, 300)
    env = {
        **os.environ,
        "CLAIMS_STORE_URL": url(postgres_store.location),
        "CLAIMS_PROJECTION_LOCK_RETRY_SECONDS": "0.1",
    }
    command = [*CLAIMS, "project", "-p", "vehicles", "-p", "claims", "--batch-size", "10"]
    logs = {name: tmp_path / f"{name}.log" for name in ("a", "b")}
    with logs["a"].open("w") as a_log:
        first = subprocess.Popen(command, env=env, stderr=a_log)
    second = None
    try:
        assert eventually(lambda: all(position(postgres_store, n) == settled for n in ("vehicles", "claims")))
        with logs["b"].open("w") as b_log:
            second = subprocess.Popen(command, env=env, stderr=b_log)
        assert eventually(lambda: logs["b"].read_text().count(": waiting (another worker holds it)") == 2)
        head = write_history(postgres_store.events, 8000)  # far faster than the first worker follows, 10 at a time
        os.kill(first.pid, signal.SIGKILL)  # no clean-up at all: the batch in flight dies with it
        first.wait(timeout=10)
        reached = {name: position(postgres_store, name) for name in ("vehicles", "claims")}
        assert all(settled <= p < head for p in reached.values()), reached  # killed in the middle of catching up

        assert eventually(lambda: logs["b"].read_text().count(": active") == 2)
        assert eventually(lambda: all(position(postgres_store, n) == head for n in ("vehicles", "claims")), 60)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=20)
    assert second is not None
    assert second.returncode == 0
    assert "projection vehicles: active" in logs["a"].read_text()
    assert equals_a_rebuild(postgres_store, "vehicles")
    assert equals_a_rebuild(postgres_store, "claims")


def test_the_lock_key_depends_on_the_store_and_the_projection(postgres_store: Persistence) -> None:
    location = postgres_store.location
    other_schema = StoreLocation(**{**location.__dict__, "schema": location.schema + "_other"})
    keys = {
        advisory_key(location, "vehicles"),
        advisory_key(location, "claims"),
        advisory_key(other_schema, "vehicles"),
    }
    assert len(keys) == 3
    assert all(-(2**63) <= k < 2**63 for k in keys)
    with DedicatedConnection(location) as one, DedicatedConnection(location) as two:
        assert one.try_advisory_lock(advisory_key(location, "vehicles"))
        assert not two.try_advisory_lock(advisory_key(location, "vehicles"))
        assert two.try_advisory_lock(advisory_key(other_schema, "vehicles"))  # another store's projection


def test_on_sqlite_a_worker_takes_no_lock_and_catches_up(sqlite_store: Persistence) -> None:
    head = write_history(sqlite_store.events, 500)
    assert isinstance(lock_for(sqlite_store, "vehicles"), NoLock)
    only = worker(sqlite_store, VehicleProjection())
    only.start()
    try:
        assert only.wait_until(WorkerState.ACTIVE, 10)
        assert eventually(lambda: position(sqlite_store, "vehicles") == head)
    finally:
        only.stop()
    assert equals_a_rebuild(sqlite_store, "vehicles")


def test_claims_project_runs_every_registered_projection_until_sigterm(sqlite_store: Persistence) -> None:
    head = write_history(sqlite_store.events, 300)
    env = {**os.environ, "CLAIMS_STORE_URL": url(sqlite_store.location)}
    process = subprocess.Popen([*CLAIMS, "project"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        names = registry.names()
        assert {"vehicles", "claims"} <= set(names)
        assert eventually(lambda: all(position(sqlite_store, n) == head for n in names))
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert f"claims project: {', '.join(names)} on sqlite " in stderr
    assert "(SQLite: no lock)" in stderr


def test_a_runner_refuses_a_batch_another_runner_already_committed(postgres_store: Persistence) -> None:
    assert postgres_store.database is not None
    write_history(postgres_store.events, 100)
    slow = ProjectionRunner(postgres_store.events, postgres_store.database, [VehicleProjection()], batch_size=40)
    fast = ProjectionRunner(postgres_store.events, postgres_store.database, [VehicleProjection()], batch_size=40)
    events = postgres_store.events.read_all(0, 40)
    fast.run_once()
    from claims.projections.runner import TrackingConflictError

    with pytest.raises(TrackingConflictError):  # it read position 0 before the other committed
        slow._apply_all([(VehicleProjection(), events)], 0, events[-1].position or 0)
    assert position(postgres_store, "vehicles") == events[-1].position
