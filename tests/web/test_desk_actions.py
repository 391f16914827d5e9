"""Desk actions beyond a line decision, the queue's filters and clock, what a dealer is asked: in chromium."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import CLAIM, DEALER, Console
from tests.web.test_browser import sign_in

CLAIM_PAGE = f"/claims/{DEALER}/{CLAIM}"


def status(page: Any) -> str | None:
    """The claim page's status code (the page shows it in words, in the page's language)."""
    code: str | None = page.get_attribute("[data-testid=status]", "data-status")
    return code


def decide(page: Any, line_no: int, decision: str = "APPROVE") -> None:
    page.select_option(f"[data-testid=decide-{line_no}] select[name=decision]", decision)
    page.click(f"[data-testid=decide-{line_no}] button")


def test_a_returned_claim_shows_the_dealer_what_to_correct(console: Console, page: Any) -> None:
    # Given the desk returns the claim with two reasons
    sign_in(page, console, "oem_desk:ACME")
    page.goto(console.url + CLAIM_PAGE)
    page.fill("[data-testid=return] textarea[name=reasons]", "photo of the coil missing\nfailure code unclear")
    page.click("[data-testid=return] button")
    assert status(page) == "RETURNED"
    # When the dealer signs in and opens its claims
    page.click("[data-testid=signout]")
    sign_in(page, console, f"dealer:{DEALER}")
    page.goto(console.url + "/claims")
    # Then the returned claim is listed with the desk's reasons, and its page says them too
    asked = page.inner_text("[data-testid=returned]")
    assert CLAIM in asked
    assert "photo of the coil missing; failure code unclear" in asked
    page.click(f"[data-testid=returned] a:has-text('{CLAIM}')")
    assert "failure code unclear" in page.inner_text("[data-testid=return-reasons]")


def test_a_return_without_a_reason_is_refused_in_place(console: Console, page: Any) -> None:
    # Given the desk on the claim page
    sign_in(page, console, "oem_desk:ACME")
    page.goto(console.url + CLAIM_PAGE)
    # When it returns the claim with no reason
    page.click("[data-testid=return] button")
    # Then the page says the reasons are missing and the claim stays under review
    assert "reasons" in page.inner_text("[data-testid=refusal]")
    assert status(page) == "UNDER_REVIEW"


def test_the_desk_approves_every_line_asks_the_part_back_and_pays(console: Console, page: Any) -> None:
    # Given the desk approves both lines
    sign_in(page, console, "oem_desk:ACME")
    page.goto(console.url + CLAIM_PAGE)
    decide(page, 1)
    decide(page, 2)
    assert status(page) == "APPROVED"
    # When it asks for the causal part back (the labour line offers no such action)
    assert page.locator("[data-testid=ask-part-1]").count() == 0
    page.click("[data-testid=ask-part-2] button")
    assert "asked" in page.inner_text("[data-testid=part-return-2]")
    # And pays the claim against a credit reference
    page.fill("[data-testid=pay] input[name=credit_reference]", "CR-2026-0042")
    page.click("[data-testid=pay] button")
    # Then the claim is paid, line by line, and says against what
    assert status(page) == "PAID"
    assert page.inner_text("[data-testid=paid-1]") == "$462.50"
    assert "CR-2026-0042" in page.inner_text("[data-testid=payment]")
    assert page.locator("[data-testid=pay]").count() == 0


def test_the_queue_filters_by_age_and_amount_and_shows_the_decision_clock(console: Console, page: Any) -> None:
    # Given the desk's queue with the claim of 582.75 USD filed today
    sign_in(page, console, "oem_desk:ACME")
    page.goto(console.url + "/claims")
    row = page.locator(f"[data-testid=row-{CLAIM}]")
    # Then it shows how many days the desk has left to decide
    assert row.locator("[data-testid=days-left]").inner_text().strip().lstrip("-").isdigit()
    # When it asks for claims of at least 582.75, then of at least 582.76
    page.fill("[data-testid=filters] input[name=amount]", "582.75")
    page.click("[data-testid=filters] button")
    assert page.locator(f"[data-testid=row-{CLAIM}]").count() == 1
    page.fill("[data-testid=filters] input[name=amount]", "582.76")
    page.click("[data-testid=filters] button")
    assert page.locator(f"[data-testid=row-{CLAIM}]").count() == 0
    # When it asks for claims filed at least one day ago, then none filed today is among them
    page.fill("[data-testid=filters] input[name=amount]", "")
    page.fill("[data-testid=filters] input[name=age]", "1")
    page.click("[data-testid=filters] button")
    assert page.locator(f"[data-testid=row-{CLAIM}]").count() == 0
    page.fill("[data-testid=filters] input[name=age]", "0")
    page.click("[data-testid=filters] button")
    assert page.locator(f"[data-testid=row-{CLAIM}]").count() == 1
    # And a filter that is not a number is refused with its field named
    page.fill("[data-testid=filters] input[name=amount]", "lots")
    page.click("[data-testid=filters] button")
    assert "amount" in page.inner_text("[data-testid=refusal]")


def test_the_desk_reads_its_queue_in_chinese(console: Console, page: Any) -> None:
    # Given the desk signed in
    sign_in(page, console, "oem_desk:ACME")
    page.goto(console.url + "/claims")
    # When it picks 中文 in the header
    page.click("[data-testid=languages] a:has-text('中文')")
    # Then the queue it was on reads Chinese, statuses included, and stays so on the next page
    assert page.url.endswith("/claims")
    assert "审核中" in page.inner_text(f"[data-testid=row-{CLAIM}]")
    page.click(f"[data-testid=queue] a:has-text('{CLAIM}')")
    assert page.inner_text("[data-testid=status]") == "审核中"
    assert status(page) == "UNDER_REVIEW"
    assert page.locator("h2:has-text('索赔明细')").count() == 1
