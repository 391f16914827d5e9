"""The console as a person uses it: headless Debian chromium against the real engine on free ports."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import CLAIM, DEALER, Console


def sign_in(page: Any, console: Console, principal: str) -> None:
    page.goto(f"{console.url}/signin")
    page.fill("input[name=key]", console.token(principal))
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("[data-testid=who]")


def test_a_desk_decides_a_line_from_its_queue(console: Console, page: Any) -> None:
    # Given the make's desk signed in
    sign_in(page, console, "oem_desk:ACME")
    # When it opens its queue (claims under review) and the claim waiting there
    page.goto(f"{console.url}/claims")
    page.click(f"[data-testid=queue] a:has-text('{CLAIM}')")
    # And approves line 1
    page.select_option("[data-testid=decide-1] select[name=decision]", "APPROVE")
    page.click("[data-testid=decide-1] button")
    # Then the claim page shows the line approved
    assert page.get_attribute("[data-testid=decision-1]", "data-decision") == "APPROVE"
    assert page.inner_text("[data-testid=decision-1]").strip() == "Approve"
    # And the timeline shows the decision, by the desk's key, on a drawn time axis
    page.click("[data-testid=timeline-link]")
    events = page.inner_text("[data-testid=events]")
    assert "ClaimFiled" in events
    assert "ClaimLineDecided" in events
    assert "oem_desk:ACME via key:" in events
    # And the vehicle's and the repair order's events with them, in log order
    assert page.locator("[data-testid=events] tr[data-subject=vehicle]").count() >= 1
    assert "RepairOrderClosed" in events
    positions = [int(p) for p in page.locator("[data-testid=events] tbody tr td:first-child").all_inner_texts()]
    assert positions == sorted(positions)
    assert page.locator("svg[data-testid=axis] circle").count() >= 3


def test_another_makes_desk_gets_no_such_claim(console: Console, page: Any) -> None:
    # Given the desk of another make
    sign_in(page, console, "oem_desk:OTHERCO")
    # When it lists every claim and opens the claim and its timeline by their address
    page.goto(f"{console.url}/claims?status=")
    assert CLAIM not in page.inner_text("[data-testid=queue]")
    response = page.goto(f"{console.url}/claims/{DEALER}/{CLAIM}")
    # Then there is no such claim for it
    assert response.status == 404
    assert f"dealer {DEALER} has no claim {CLAIM}" in page.inner_text("[role=alert]")
    assert page.goto(f"{console.url}/claims/{DEALER}/{CLAIM}/timeline").status == 404


def test_a_dealer_sees_its_claim_but_no_desk_actions(console: Console, page: Any) -> None:
    # Given the dealer signed in
    sign_in(page, console, f"dealer:{DEALER}")
    # When it opens its claim
    page.goto(f"{console.url}/claims/{DEALER}/{CLAIM}")
    # Then it sees the lines but no decision forms
    assert page.locator("[data-testid=lines]").count() == 1
    assert page.locator("[data-testid=decide-1]").count() == 0
    # And a decision posted anyway (with its own session's CSRF token) is refused by the role table
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    response = page.request.post(
        f"{console.url}/claims/{DEALER}/{CLAIM}/decide", form={"csrf": token, "line_no": "1", "decision": "APPROVE"}
    )
    assert response.status == 403
    assert "may not call /claims.api.v1.ClaimService/DecideClaimLine" in response.text()


def test_a_refused_decision_shows_its_reason_in_place(console: Console, page: Any) -> None:
    # Given the desk on the claim page
    sign_in(page, console, "oem_desk:ACME")
    page.goto(f"{console.url}/claims/{DEALER}/{CLAIM}")
    # When it rejects line 1 without a reason code
    page.select_option("[data-testid=decide-1] select[name=decision]", "REJECT")
    page.click("[data-testid=decide-1] button")
    # Then the page says why, and the line stays undecided
    assert "reason_code" in page.inner_text("[data-testid=refusal]")
    assert page.get_attribute("[data-testid=decision-1]", "data-decision") == ""


def test_a_post_without_csrf_is_refused_in_the_browser(console: Console, page: Any) -> None:
    # Given the desk signed in
    sign_in(page, console, "oem_desk:ACME")
    # When a page posts a decision without the CSRF token
    response = page.request.post(
        f"{console.url}/claims/{DEALER}/{CLAIM}/decide", form={"line_no": "1", "decision": "APPROVE"}
    )
    # Then it is refused
    assert response.status == 403


def test_signing_out_ends_the_session(console: Console, page: Any) -> None:
    sign_in(page, console, "oem_desk:ACME")
    page.click("button:has-text('Sign out')")
    page.goto(f"{console.url}/claims")
    assert page.url.endswith("/signin")
