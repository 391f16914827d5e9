"""Rebuilding a projection from position zero on SQLite and PostgreSQL: it proves the rebuilt tables equal the
live ones (or shows the first difference and refuses to swap), and exactly-once survives a crash mid-batch."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest
from typer.testing import CliRunner

from bench.history import unit_appends, write_history
from claims.adapters.persistence.database import Transaction
from claims.adapters.persistence.factory import Persistence
from claims.application.messages import RecordedEvent
from claims.cli import cli
from claims.projections import registry
from claims.projections.claims import ClaimProjection
from claims.projections.rebuild import RebuildReport, rebuild
from claims.projections.runner import ProjectionRunner
from claims.projections.vehicles import VehicleProjection


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Persistence:
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


def store_url(store: Persistence) -> str:
    location = store.location
    if location.backend == "sqlite":
        return f"sqlite:///{location.sqlite_path}"
    return f"postgresql://{location.user}@{location.host}:{location.port}/{location.dbname}?schema={location.schema}"


def runner(store: Persistence, *projections: Any, batch_size: int = 100) -> ProjectionRunner:
    assert store.database is not None
    chosen = list(projections) or [VehicleProjection(), ClaimProjection()]
    return ProjectionRunner(store.events, store.database, chosen, batch_size=batch_size)


def check(store: Persistence, name: str) -> RebuildReport:
    """Rebuild ``name`` beside the live tables and compare, without swapping."""
    projection = registry.create(name)
    return rebuild(store, projection, registry.tables_of(projection), swap=False)


def execute(store: Persistence, sql: str, **params: Any) -> None:
    assert store.database is not None
    with store.database.write() as tx:
        tx.execute(sql, params)


def test_a_rebuild_equals_the_live_tables_and_is_swapped_in(store: Persistence) -> None:
    head = write_history(store.events, 600)
    runner(store).catch_up()
    projection = VehicleProjection()
    progress: list[tuple[int, int]] = []
    report = rebuild(store, projection, registry.tables_of(projection), batch_size=64, progress=_record(progress))
    assert (report.equal, report.swapped, report.position, report.events) == (True, True, head, head)
    units = -(-600 // 26)
    assert [(c.table, c.live, c.rebuilt) for c in report.counts] == [
        ("rm_vehicles", units, units), ("rm_vehicle_coverages", units, units)
    ]  # fmt: skip
    assert progress[-1] == (head, head)
    assert len(progress) >= head // 64
    assert runner(store).position("vehicles") == head
    assert check(store, "vehicles").equal  # the swapped-in rows are still what the log says


def _record(into: list[tuple[int, int]]) -> Any:
    return lambda done, target: into.append((done, target))


def test_a_tampered_live_row_is_shown_as_the_first_difference_exit_1_and_nothing_is_swapped(
    store: Persistence,
) -> None:
    write_history(store.events, 300)
    runner(store).catch_up()
    execute(store, "UPDATE rm_vehicles SET owner_ref = 'TAMPERED' WHERE identifier LIKE :unit", unit="%00000007")
    cli_runner = CliRunner()

    result = cli_runner.invoke(cli, ["projections", "rebuild", "vehicles", "--store", store_url(store)])
    assert result.exit_code == 1, result.output
    assert "rm_vehicles              live        12 rows   rebuilt        12 rows" in result.stdout
    assert "DIFFERENT: first difference: rm_vehicles (vehicle_id=" in result.stdout
    assert "owner_ref is 'TAMPERED' live but 'CUST-1' rebuilt" in result.stdout
    assert "not swapped" in result.stdout
    assert check(store, "vehicles").difference is not None  # still tampered

    forced = cli_runner.invoke(cli, ["projections", "rebuild", "vehicles", "--force", "--store", store_url(store)])
    assert forced.exit_code == 0, forced.output
    assert "swapped in anyway (--force)" in forced.stdout
    again = cli_runner.invoke(cli, ["projections", "rebuild", "vehicles", "--check", "--store", store_url(store)])
    assert again.exit_code == 0, again.output
    assert "equal: every rebuilt row equals its live row" in again.stdout


def test_a_missing_row_and_a_row_the_log_never_made_are_both_found(store: Persistence) -> None:
    write_history(store.events, 300)
    runner(store).catch_up()
    execute(store, "DELETE FROM rm_claims WHERE claim_number LIKE :unit", unit="%00000003")
    missing = check(store, "claims")
    assert [(c.live, c.rebuilt) for c in missing.counts] == [(11, 12)]
    assert missing.difference is not None
    assert missing.difference.describe().endswith("missing from the live table (the log produces it)")

    execute(
        store,
        "INSERT INTO rm_vehicle_coverages (coverage_id, vehicle_id, code, kind, starts_on, ends_on, distance_limit,"
        " distance_unit, component_groups) SELECT :id, vehicle_id, 'EXTRA', kind, starts_on, ends_on,"
        " distance_limit, distance_unit, component_groups FROM rm_vehicle_coverages WHERE code = 'BASIC' LIMIT 1",
        id="ffffffff-ffff-4fff-bfff-ffffffffffff",
    )
    extra = check(store, "vehicles")
    assert [(c.table, c.live, c.rebuilt) for c in extra.counts][1] == ("rm_vehicle_coverages", 13, 12)
    assert extra.difference is not None
    assert extra.difference.key == {"coverage_id": extra.difference.key["coverage_id"]}
    assert str(extra.difference.key["coverage_id"]) == "ffffffff-ffff-4fff-bfff-ffffffffffff"
    assert extra.difference.describe().endswith("in the live table only (the log does not produce it)")


class FailsOnPayment(ClaimProjection):
    """Crashes in the middle of a batch, after writing part of it."""

    def handle_batch(self, tx: Transaction, events: Sequence[RecordedEvent]) -> None:
        super().handle_batch(tx, events)
        if any(event.topic == "claims.claim.ClaimPaid" and (event.position or 0) > 150 for event in events):
            raise RuntimeError("crash mid-batch")


def test_a_projection_that_crashes_mid_batch_restarts_where_it_was_and_equals_a_rebuild(store: Persistence) -> None:
    head = write_history(store.events, 520)
    crashing = runner(store, FailsOnPayment(), batch_size=64)
    with pytest.raises(RuntimeError):
        crashing.catch_up()
    stopped_at = crashing.position("claims")
    assert 0 < stopped_at < head
    assert stopped_at % 64 == 0

    healthy = runner(store, ClaimProjection(), batch_size=64)
    healthy.catch_up()
    assert healthy.position("claims") == head
    assert healthy.run_once() == 0
    report = check(store, "claims")
    assert report.equal, report.difference
    assert [(c.live, c.rebuilt) for c in report.counts] == [(20, 20)]


def test_a_rebuild_while_a_runner_follows_steady_writes_still_proves_equality(store: Persistence) -> None:
    write_history(store.events, 1000)
    live = runner(store, batch_size=50)
    live.start(interval=0.01)
    stop = threading.Event()
    appends = unit_appends()

    def writer() -> None:
        while not stop.is_set():
            store.events.append(next(appends))
            time.sleep(0.002)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.2)
        projection = VehicleProjection()
        report = rebuild(store, projection, registry.tables_of(projection), batch_size=100)
        assert report.equal, report.difference
        assert report.swapped
    finally:
        stop.set()
        thread.join()
    head = store.events.head_position()
    assert live.wait_for("vehicles", head, timeout=20)
    assert live.wait_for("claims", head, timeout=20)
    live.stop()
    assert check(store, "vehicles").equal
    assert check(store, "claims").equal


def test_an_unknown_projection_is_refused_with_the_known_names(store: Persistence) -> None:
    result = CliRunner().invoke(cli, ["projections", "rebuild", "nope", "--store", store_url(store)])
    assert result.exit_code == 2
    assert "no projection named 'nope'; known: vehicles, claims" in result.stderr
