"""How projections are wired: appends wake the in-process runner, batches are a setting, `claims serve` can
leave projections to workers, and the registry knows every read model by name."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from bench.history import unit_appends, write_history
from claims.adapters.persistence.factory import Persistence
from claims.bootstrap import start_engine
from claims.config import Settings
from claims.projections import registry
from claims.projections.claims import ClaimProjection
from claims.projections.runner import ProjectionRunner
from claims.projections.vehicles import VehicleProjection
from tests.builders import call, register_vehicle
from tests.conftest import MIGRATIONS, FixedClock


def reaches(runner: ProjectionRunner, name: str, position: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while runner.position(name) < position:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_an_append_wakes_a_runner_that_would_otherwise_sleep_a_minute(sqlite_store: Persistence) -> None:
    assert sqlite_store.database is not None
    runner = ProjectionRunner(sqlite_store.events, sqlite_store.database, [VehicleProjection()])
    woken: list[int] = []
    sqlite_store.events.observe_appends(woken.append)
    sqlite_store.events.observe_appends(lambda _position: runner.wake())
    runner.start(interval=60)
    try:
        time.sleep(0.1)  # the runner found nothing and went to sleep
        appends = unit_appends()
        position = sqlite_store.events.append(next(appends))
        assert woken == [position]
        assert reaches(runner, "vehicles", position, within=2)  # not ``wait_for``: that wakes the runner itself
    finally:
        runner.stop()


def test_a_failing_append_observer_does_not_fail_the_append(sqlite_store: Persistence) -> None:
    def broken(_position: int) -> None:
        raise RuntimeError("observer bug")

    sqlite_store.events.observe_appends(broken)
    position = sqlite_store.events.append(next(unit_appends()))
    assert sqlite_store.events.head_position() == position


def test_many_events_commit_per_transaction_up_to_the_batch_size(sqlite_store: Persistence) -> None:
    assert sqlite_store.database is not None
    head = write_history(sqlite_store.events, 1200)
    runner = ProjectionRunner(sqlite_store.events, sqlite_store.database, [VehicleProjection(), ClaimProjection()], 500)
    batches: list[tuple[str, int]] = []
    runner.on_progress(lambda name, position: batches.append((name, position)))
    assert runner.catch_up() == 2 * head
    vehicle_batches = [p for n, p in batches if n == "vehicles"]
    assert vehicle_batches == [500, 1000, head]  # three transactions for 1,200-odd events
    assert [p for n, p in batches if n == "claims"] == vehicle_batches  # both fed from one read per batch


def test_the_batch_size_and_the_in_process_projections_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMS_PROJECTION_BATCH_SIZE", "64")
    monkeypatch.setenv("CLAIMS_RUN_PROJECTIONS", "false")
    settings = Settings()
    assert (settings.projection_batch_size, settings.run_projections) == (64, False)
    assert Settings.model_fields["run_projections"].description
    assert Settings.model_fields["projection_batch_size"].description
    monkeypatch.delenv("CLAIMS_RUN_PROJECTIONS")
    assert Settings().run_projections is True


def test_the_linger_is_a_setting_of_at_most_a_second_and_never_negative(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given no linger set, then 20 ms
    assert Settings().projection_linger_seconds == 0.02
    # When one is set, it is read; 0 turns it off
    monkeypatch.setenv("CLAIMS_PROJECTION_LINGER_SECONDS", "0")
    assert Settings().projection_linger_seconds == 0
    # And a negative linger, or one over a second, is refused naming the setting
    for wrong in ("-0.01", "1.5"):
        monkeypatch.setenv("CLAIMS_PROJECTION_LINGER_SECONDS", wrong)
        with pytest.raises(ValidationError, match="projection_linger_seconds"):
            Settings()


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    from claims.adapters.persistence.factory import parse_store_url
    from claims.adapters.persistence.migrations import apply_migrations

    url = f"sqlite:///{tmp_path / 'claims.db'}"
    apply_migrations(parse_store_url(url), MIGRATIONS)
    return Settings(store_url=url, listen="127.0.0.1:0", auth="off", **overrides)  # type: ignore[arg-type]


def test_serve_runs_projections_in_process_and_appends_wake_them(tmp_path: Path, clock: FixedClock) -> None:
    engine = start_engine(_settings(tmp_path, projection_poll_seconds=30), clock)
    try:
        assert engine.runner is not None
        result = engine.app.handle_vehicle(call(), register_vehicle())
        assert reaches(engine.runner, "vehicles", result.position, within=2)  # woken by the append, not polled
    finally:
        engine.stop(grace=0)


def test_serve_runs_every_registered_projection_as_claims_project_does(tmp_path: Path, clock: FixedClock) -> None:
    engine = start_engine(_settings(tmp_path, run_projections=False), clock)
    try:
        assert engine.runner is not None
        assert engine.runner.names == registry.names()
        assert {"vehicles", "claims", "contracts", "commitments", "compensation"} <= set(engine.runner.names)
    finally:
        engine.stop(grace=0)


def test_serve_leaves_projections_to_workers_when_told(tmp_path: Path, clock: FixedClock) -> None:
    engine = start_engine(_settings(tmp_path, run_projections=False), clock)
    try:
        assert engine.runner is not None
        result = engine.app.handle_vehicle(call(), register_vehicle())
        assert not engine.runner.wait_for("vehicles", result.position, timeout=0.3)  # nobody runs it here
        worker = ProjectionRunner(engine.persistence.events, engine.persistence.database, [VehicleProjection()])  # type: ignore[arg-type]
        worker.catch_up()  # as a `claims project` worker would
        assert engine.runner.wait_for("vehicles", result.position, timeout=1)  # reads wait on the tracking row
    finally:
        engine.stop(grace=0)


def test_the_registry_creates_projections_by_name_with_their_tables() -> None:
    assert registry.names()[:2] == ["vehicles", "claims"]
    assert [p.name for p in registry.create_all(["claims", "vehicles", "claims"])] == ["claims", "vehicles"]
    assert [p.name for p in registry.create_all()] == registry.names()
    assert registry.tables_of(registry.create("vehicles")) == ("rm_vehicles", "rm_vehicle_coverages")
    assert registry.tables_of(registry.create("claims")) == ("rm_claims",)
    for name in registry.names():
        assert registry.tables_of(registry.create(name))
    with pytest.raises(registry.UnknownProjectionError, match="known: vehicles, claims"):
        registry.create("nope")
