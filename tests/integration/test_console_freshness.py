"""A console page waits, a bounded moment, for its read models to show what the log held when it was asked for:
what a person (or a colleague) just wrote is on the next list, even while the projections are catching up."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest

from claims.adapters.persistence.factory import Persistence
from claims.adapters.web import pages
from claims.adapters.web.pages import Console
from claims.application.app import ClaimsApplication
from claims.projections.runner import ProjectionRunner
from claims.projections.vehicles import VehicleDirectory, VehicleProjection
from tests.builders import VIN, call, register_vehicle
from tests.conftest import FixedClock


def listed(directory: VehicleDirectory) -> list[str]:
    rows = directory.list(dealer_id="", jurisdiction="", after="", limit=10)
    return [row.identifier for row in rows]


def console_of(store: Persistence, clock: FixedClock) -> tuple[ClaimsApplication, ProjectionRunner, Console]:
    assert store.database is not None
    app = ClaimsApplication(store.events, clock)
    runner = ProjectionRunner(store.events, store.database, [VehicleProjection()])
    authenticator: Any = object()  # not asked: no page is rendered here
    return app, runner, Console(app, None, authenticator, vehicles=VehicleDirectory(store.database), runner=runner)


def test_a_page_waits_for_its_read_model_to_reach_what_was_written_before_it_was_asked(
    sqlite_store: Persistence, clock: FixedClock
) -> None:
    # Given a vehicle just registered and a read model that only catches up 300 ms later
    app, runner, console = console_of(sqlite_store, clock)
    app.handle_vehicle(call(), register_vehicle())
    assert console.vehicles is not None
    assert listed(console.vehicles) == []
    later = threading.Timer(0.3, runner.catch_up)
    later.start()
    try:
        # When a page asks its read model to be caught up
        began = time.monotonic()
        console.caught_up("vehicles")
        waited = time.monotonic() - began
    finally:
        later.join()
    # Then it returned once the read model had the vehicle, not before
    assert listed(console.vehicles) == [VIN]
    assert 0.2 < waited < pages.FRESH_WITHIN


def test_a_read_model_that_does_not_catch_up_holds_a_page_only_a_bounded_moment(
    sqlite_store: Persistence, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a vehicle registered and a read model that is not running, and a page's wait of 200 ms
    app, _, console = console_of(sqlite_store, clock)
    app.handle_vehicle(call(), register_vehicle())
    monkeypatch.setattr(pages, "FRESH_WITHIN", 0.2)
    # When a page asks its read model, and one the runner does not have, to be caught up
    began = time.monotonic()
    with caplog.at_level(logging.WARNING, logger=pages.__name__):
        console.caught_up("vehicles", "no-such-projection")
    waited = time.monotonic() - began
    # Then it waited about the bound, said so in the log, and the page goes on with what the read model holds
    assert 0.15 < waited < 1.0
    assert "read model vehicles behind position" in caplog.text
    assert console.vehicles is not None
    assert listed(console.vehicles) == []
