"""The vehicle page and the auditor's pages as people use them: headless chromium against the real engine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claims.adapters.persistence.checkpoint import generate_key_pair
from claims.api.v1 import audit_pb2, audit_pb2_grpc
from tests.builders import CN_VIN, VIN
from tests.conftest import FixedClock
from tests.e2e import requests as rq
from tests.e2e.auth_fixtures import serve_with_auth
from tests.e2e.requests import CN_DEALER
from tests.e2e.test_statutory_api import registered, repair
from tests.web.conftest import CLAIM, DEALER, TIMEOUT, Console, seed_claim
from tests.web.test_browser import sign_in


@pytest.fixture
def keyed_console(tmp_path: Path, clock: FixedClock) -> Iterator[Console]:
    """The console fixture's engine and claim, with a key that signs checkpoints of the hash chain."""
    key = tmp_path / "checkpoint-key.pem"
    key.write_bytes(generate_key_pair()[0])
    settings = {"checkpoint_key_file": key, "checkpoint_dir": tmp_path / "checkpoints"}
    for server in serve_with_auth(tmp_path, clock, tls=False, web_listen="127.0.0.1:0", **settings):
        seed_claim(server)
        yield Console(server, f"http://127.0.0.1:{server.engine.web_port}")


def coverage_state(page: Any, table: str, code: str = "BASIC") -> str | None:
    state: str | None = page.get_attribute(f"[data-testid={table}] tr[data-code='{code}'] td[data-state]", "data-state")
    return state


def test_a_dealer_follows_the_claims_vin_to_its_vehicle_coverage_and_repair_order(console: Console, page: Any) -> None:
    # Given the selling dealer signed in, on its claim
    sign_in(page, console, f"dealer:{DEALER}")
    page.goto(f"{console.url}/claims/{DEALER}/{CLAIM}")
    # When it follows the claim's VIN
    page.click("[data-testid=vin-link]")
    # Then the vehicle page shows the coverage in force today, the odometer history and its closed repair order
    assert page.inner_text("[data-testid=vin]") == VIN
    assert coverage_state(page, "coverages") == "IN_FORCE"
    assert "15104" in page.inner_text("[data-testid=readings]")
    orders = page.inner_text("[data-testid=repair-orders]")
    assert "RO-1001" in orders
    assert "CLOSED" in orders
    assert page.locator("svg[data-testid=repair-chart] rect").count() == 1
    # And the statutory case, clocks and compensation sections the dealer's role may read
    for part in ("statutory-case", "clocks", "compensation-balances"):
        assert page.locator(f"[data-testid={part}]").count() == 1
    # And its header links to the vehicles but not to the auditor's pages
    assert "/audit" not in (page.inner_html("[data-testid=nav]"))
    # And in Chinese the page's labels come from the catalog
    page.click("[data-testid=languages] a[hreflang=zh]")
    assert "今日保修状态" in page.inner_text("main")


def test_the_desk_of_another_make_gets_no_such_vehicle(console: Console, page: Any) -> None:
    # Given the desk of another make signed in
    sign_in(page, console, "oem_desk:OTHERCO")
    # When it opens the ACME vehicle by its address
    response = page.goto(f"{console.url}/vehicles/{VIN}")
    # Then there is no such vehicle for it
    assert response.status == 404
    assert f"no vehicle or product {VIN} is registered" in page.inner_text("[role=alert]")


def test_coverage_evaluated_past_its_term_or_its_distance_limit_shows_it_expired(console: Console, page: Any) -> None:
    # Given the make's desk on the vehicle (36 months / 36,000 mi from delivery on 2025-01-12, in force today)
    sign_in(page, console, "oem_desk:ACME")
    page.goto(f"{console.url}/vehicles/{VIN}")
    assert coverage_state(page, "coverages") == "IN_FORCE"
    # When it evaluates the coverages on a date after the term
    page.fill("[data-testid=evaluate] input[name=on]", "2028-06-01")
    page.click("[data-testid=evaluate] button")
    # Then they show expired by time, and today's stay in force
    assert coverage_state(page, "coverages-evaluated") == "EXPIRED_BY_TIME"
    assert coverage_state(page, "coverages") == "IN_FORCE"
    # When it evaluates them today at a reading past the distance limit
    page.fill("[data-testid=evaluate] input[name=on]", "")
    page.fill("[data-testid=evaluate] input[name=reading]", "40000")
    page.click("[data-testid=evaluate] button")
    # Then they show expired by distance
    assert coverage_state(page, "coverages-evaluated") == "EXPIRED_BY_DISTANCE"


def test_the_auditor_reads_the_log_verifies_the_chain_and_sees_the_claim_as_of_version_1(
    keyed_console: Console, page: Any
) -> None:
    # Given a sealed log (the chain projection has caught up), a checkpoint signed of it, and the auditor signed in
    console, engine = keyed_console, keyed_console.server.engine
    assert engine.runner is not None
    assert engine.runner.wait_for("chain", engine.persistence.events.head_position(), TIMEOUT)
    audit = audit_pb2_grpc.AuditServiceStub(console.server.api_as("auditor").channel)
    signed = audit.GetCheckpoint(audit_pb2.GetCheckpointRequest(), timeout=TIMEOUT)
    sign_in(page, console, "auditor")
    # When it opens the audit log
    page.click("[data-testid=nav] a[href='/audit']")
    # Then it sees the latest events with their positions, the claim's filing among them
    log = page.inner_text("[data-testid=log]")
    assert "ClaimFiled" in log
    positions = [int(p) for p in page.locator("[data-testid=position]").all_inner_texts()]
    assert positions == sorted(positions)
    assert positions[-1] == int(page.inner_text("[data-testid=head]"))
    # When it verifies the hash chain
    page.click("[data-testid=nav] a[href='/audit/chain']")
    page.click("[data-testid=verify] button")
    # Then the chain is intact, with the head hash the sealed head shows
    assert page.get_attribute("[data-testid=report]", "data-intact") == "true"
    head_hash = page.inner_text("[data-testid=head-hash]")
    assert len(head_hash) == 64
    assert head_hash == page.inner_text("[data-testid=sealed-hash]") == signed.chain_hash_hex
    # And the latest signed checkpoint, of that head, by its key
    assert signed.key_id in page.inner_text("[data-testid=checkpoint]")
    assert signed.chain_hash_hex in page.inner_text("[data-testid=checkpoint]")
    # When it asks for the claim as of version 1
    page.goto(f"{console.url}/audit/claims/{DEALER}/{CLAIM}?version=1")
    # Then it sees the state the filing made, and that one event
    assert page.inner_text("[data-testid=state-version]") == "1"
    assert "ClaimFiled" in page.inner_text("[data-testid=state-events]")
    assert CLAIM in page.inner_text("[data-testid=state-json]")


def test_a_dealer_may_not_open_the_auditors_pages(console: Console, page: Any) -> None:
    # Given the dealer signed in
    sign_in(page, console, f"dealer:{DEALER}")
    # When it opens the whole log and the hash chain
    log = page.goto(f"{console.url}/audit")
    # Then both are refused with the reason
    assert log.status == 403
    assert "the whole log, or a stream named by id, is for auditors" in page.inner_text("[role=alert]")
    chain = page.goto(f"{console.url}/audit/chain")
    assert chain.status == 403
    assert "dealer may not call /claims.api.v1.AuditService/VerifyHistory" in page.inner_text("[role=alert]")


def test_the_vehicle_page_shows_the_statutory_case_and_the_compensation_owed(console: Console, page: Any) -> None:
    # Given a CN vehicle back from one repair of 130 hours (6 statutory days: a courtesy car was owed)
    api = console.server.api_as(f"dealer:{CN_DEALER}")
    registered(api)
    repair(api, 1, datetime(2026, 11, 2, 8, 0, tzinfo=UTC), hours=130)
    engine = console.server.engine
    assert engine.runner is not None
    for name in ("commitments", "compensation"):
        assert engine.runner.wait_for(name, engine.persistence.events.head_position(), TIMEOUT)
    # When its dealer opens the vehicle
    sign_in(page, console, f"dealer:{CN_DEALER}")
    page.goto(f"{console.url}/vehicles/{CN_VIN}")
    # Then it sees the case's determination: the pack and version, and each rule's outcome with its facts
    assert page.inner_text("[data-testid=pack]").startswith("CN-")
    courtesy = page.locator("[data-testid=eligibility] tr", has_text="courtesy_car")
    assert courtesy.locator("td[data-fired]").get_attribute("data-fired") == "true"
    assert "days_owed=1" in courtesy.inner_text()
    # And the compensation owed on it, and the commitment clock the long repair breached
    assert "CN¥300.00" in page.inner_text("[data-testid=compensation-balances]")
    statuses = page.locator("[data-testid=clocks] td[data-status]").evaluate_all(
        "cells => cells.map(c => c.dataset.status)"
    )
    assert "BREACHED" in statuses


def test_an_auditor_following_the_log_sees_a_new_event_arrive(console: Console, page: Any) -> None:
    # Given the auditor following the log
    sign_in(page, console, "auditor")
    page.goto(f"{console.url}/audit")
    page.click("[data-testid=follow]")
    assert page.locator("[data-testid=following]").count() == 1
    assert "ClaimLineDecided" not in page.inner_text("[data-testid=log]")
    # When the desk decides a line over gRPC
    claims = console.server.api_as("oem_desk:ACME").claims
    claims.DecideClaimLine(rq.decide_request(1), timeout=TIMEOUT)
    # Then the page shows the decision at the head of the log without anyone reloading it
    page.wait_for_selector("[data-testid=log] td:has-text('ClaimLineDecided')", timeout=15_000)
    assert page.locator("[data-testid=following]").count() == 1
