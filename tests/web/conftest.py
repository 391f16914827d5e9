"""A real engine with authentication and the console on free ports, a desk and a dealer with one claim each, and a
headless Debian chromium driven by Playwright (skipped with the reason when chromium is absent, unless
CLAIMS_TEST_REQUIRE_BROWSER=1)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import tests.e2e.conftest  # noqa: F401  (first: it and auth_fixtures import each other in this order)
from tests.conftest import FixedClock
from tests.e2e import requests as rq
from tests.e2e.auth_fixtures import AuthServer, serve_with_auth

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
TIMEOUT = 10
DEALER, MAKE, CLAIM = "D042", "ACME", "C-1001"
SEEDED_AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # the clock fixture's start (tests/conftest.py)


@dataclass
class Console:
    """The running engine, its console's URL and tokens for anyone."""

    server: AuthServer
    url: str

    def token(self, principal: str) -> str:
        return self.server.token(principal)


def seed_claim(server: AuthServer, dealer: str = DEALER, make: str = MAKE, claim: str = CLAIM) -> None:
    """A vehicle of ``make`` sold by ``dealer``, a closed repair order and a filed two-line claim."""
    api = server.api_as(f"dealer:{dealer}")
    api.vehicles.RegisterVehicle(rq.register_request(dealer_id=dealer, manufacturer=make), timeout=TIMEOUT)
    api.vehicles.AttachCoverage(rq.coverage_request(), timeout=TIMEOUT)
    api.repair_orders.OpenRepairOrder(rq.open_ro_request(dealer_id=dealer), timeout=TIMEOUT)
    ro = {"dealer_id": dealer, "ro_number": "RO-1001"}
    api.repair_orders.RecordRepairWork(rq.work_request(**ro), timeout=TIMEOUT)
    api.repair_orders.CloseRepairOrder(rq.close_ro_request(**ro), timeout=TIMEOUT)
    api.claims.FileClaim(rq.file_claim_request(dealer_id=dealer, claim_number=claim), timeout=TIMEOUT)
    runner, head = server.engine.runner, server.engine.persistence.events.head_position()
    assert runner is not None
    assert runner.wait_for("claims", head, TIMEOUT)
    assert runner.wait_for("vehicles", head, TIMEOUT)


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store holding ``seed_claim``'s history with every projection caught up, made once a session (the
    seeding costs about a second; each test starts its own engine on a copy)."""
    folder = tmp_path_factory.mktemp("seeded")
    for server in serve_with_auth(folder, FixedClock(SEEDED_AT), tls=False):
        seed_claim(server)
        runner, head = server.engine.runner, server.engine.persistence.events.head_position()
        assert runner is not None
        assert all(runner.wait_for(name, head, TIMEOUT) for name in runner.names)
    return folder / "claims.db"


@pytest.fixture
def console(tmp_path: Path, clock: FixedClock, seeded_store: Path) -> Iterator[Console]:
    """The real engine with the console on free ports, on its own copy of the seeded store."""
    assert clock.now == SEEDED_AT, "the seeded history was recorded at the clock fixture's time"
    for file in seeded_store.parent.glob(f"{seeded_store.name}*"):  # the database and any WAL beside it
        shutil.copy(file, tmp_path / file.name)
    store = f"sqlite:///{tmp_path / seeded_store.name}"
    for server in serve_with_auth(tmp_path, clock, tls=False, web_listen="127.0.0.1:0", store_url=store):
        assert server.engine.web_port
        yield Console(server, f"http://127.0.0.1:{server.engine.web_port}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("CLAIMS_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CLAIMS_TEST_REQUIRE_BROWSER=1 but {CHROMIUM} is missing (make browser installs it)")
        pytest.skip(f"no Debian chromium at {CHROMIUM}: `apt-get install -y chromium` (make browser) to run")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT * 1000)
    yield context.new_page()
    context.close()
