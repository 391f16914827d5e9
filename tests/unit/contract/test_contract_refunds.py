"""Cancellation refunds per jurisdiction pack: free look, pro rata on the lesser of time or distance, claims, fees."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claims.domain.contract.values import PayeeKind, RefundRule, Requester
from tests.unit.contract.builders import (
    TERM_DAYS,
    amounts,
    cancel,
    cancelled,
    claim_paid,
    day,
    given,
    mi,
    sell_contract,
    usd,
)

# Day 31, 900 mi driven: time left 1,795/1,826 days (98.30 %) is less than distance left 99,100/100,000 mi
# (99.10 %), so 2,000.00 × 1,795 / 1,826 = 1,966.046002… is the unused share of the price.
UNUSED_ON_DAY_31 = Decimal(2000) * Decimal(1795) / Decimal(TERM_DAYS)


def test_a_texas_holder_cancelling_on_day_30_gets_the_whole_price_without_a_fee() -> None:
    event = cancelled(given(sell_contract()), cancel(day(30)))
    assert (event.rule, event.refund, event.pack_id) == (RefundRule.FREE_LOOK, usd("2000.00"), "sc-cancellation-us-tx")
    assert amounts(event) == {
        "price": Decimal("2000.00"),
        "unused share": Decimal("2000.00"),
        "claims paid": 0,
        "cancellation fee": 0,
        "refund": Decimal("2000.00"),
    }


def test_a_texas_holder_cancelling_on_day_31_gets_the_unused_share_less_the_50_dollar_fee() -> None:
    event = cancelled(given(sell_contract()), cancel(day(31)))
    # 1,966.046002… − 50.00 = 1,916.046002… → 1,916.05
    assert (event.rule, event.refund) == (RefundRule.PRO_RATA, usd("1916.05"))
    assert amounts(event)["unused share"] == UNUSED_ON_DAY_31
    assert amounts(event)["cancellation fee"] == Decimal(-50)
    assert "1,795/1,826 days (98.30 %)" in event.line("unused share").explanation


@pytest.mark.parametrize("cancelled_on", [day(25), day(400)], ids=["free look", "pro rata"])
def test_texas_claims_paid_beyond_what_is_refundable_leave_a_zero_refund_never_a_negative_one(
    cancelled_on: date,
) -> None:
    contract = given(sell_contract(), claim_paid(1, "2500.00", day(20)))
    event = cancelled(contract, cancel(cancelled_on, mi(15_000)))
    assert event.refund == usd("0.00")
    assert amounts(event)["claims paid"] == Decimal("-2500.00")
    assert "never negative" in event.line("refund").explanation


@pytest.mark.parametrize(
    ("stated_fee", "charged", "refund", "wording"),
    [
        ("75.00", Decimal(-50), "1916.05", "capped"),  # 1,966.046… − 50 (the cap, not the contract's 75)
        ("30.00", Decimal("-30.00"), "1936.05", "within the cap"),  # 1,966.046… − 30
    ],
)
def test_a_texas_fee_is_the_contracts_own_capped_at_50_dollars(
    stated_fee: str, charged: Decimal, refund: str, wording: str
) -> None:
    event = cancelled(given(sell_contract(cancellation_fee=usd(stated_fee))), cancel(day(31)))
    assert (amounts(event)["cancellation fee"], event.refund) == (charged, usd(refund))
    assert wording in event.line("cancellation fee").explanation


def test_a_texas_provider_cancellation_is_pro_rata_without_a_fee_even_in_the_first_30_days() -> None:
    event = cancelled(given(sell_contract()), cancel(day(10), requested_by=Requester.PROVIDER))
    # Time left 1,816/1,826 = 99.45 %, distance left 99,100/100,000 = 99.10 %: the lesser is distance.
    # 2,000.00 × 99.10 % = 1,982.00, no fee (Tex. Occ. Code 1304.159(c)).
    assert (event.rule, event.refund, amounts(event)["cancellation fee"]) == (
        RefundRule.PRO_RATA,
        usd("1982.00"),
        Decimal(0),
    )


def test_a_texas_refund_is_due_45_days_after_the_notice_with_a_10_percent_monthly_penalty_after() -> None:
    event = cancelled(given(sell_contract()), cancel(day(31)))
    assert (event.refund_due_on, event.late_penalty_per_month) == (day(76), Decimal("0.10"))


@pytest.mark.parametrize(
    ("cancelled_on", "rule", "refund"),
    [
        (day(60), RefundRule.FREE_LOOK, "2000.00"),
        (
            day(61),
            RefundRule.PRO_RATA,
            "1908.19",
        ),  # 2,000.00 × 1,765/1,826 = 1,933.187… − 25.00 = 1,908.187… → 1,908.19
    ],
)
def test_a_california_holder_has_a_60_day_free_look(cancelled_on: date, rule: RefundRule, refund: str) -> None:
    event = cancelled(given(sell_contract(jurisdiction="US-CA")), cancel(cancelled_on))
    assert (event.pack_id, event.rule, event.refund) == ("sc-cancellation-us-ca", rule, usd(refund))


@pytest.mark.parametrize(
    ("price", "fee", "refund"),
    [
        ("200.00", Decimal("-20.000"), "173.32"),  # 10 % of 200 = 20 < 25; 200 × 1,765/1,826 = 193.318… − 20 → 173.32
        ("2000.00", Decimal(-25), "1908.19"),  # 10 % of 2,000 = 200 > 25; 1,933.187… − 25 → 1,908.19
    ],
)
def test_a_california_fee_is_the_lesser_of_10_percent_of_the_price_and_25_dollars(
    price: str, fee: Decimal, refund: str
) -> None:
    event = cancelled(given(sell_contract(jurisdiction="US-CA", price=usd(price))), cancel(day(61)))
    assert (amounts(event)["cancellation fee"], event.refund) == (fee, usd(refund))
    assert "the lesser of 10.00 % of the price" in event.line("cancellation fee").explanation


def test_a_california_used_car_without_manufacturer_warranty_gets_a_30_day_free_look() -> None:
    contract = given(sell_contract(jurisdiction="US-CA", used_without_manufacturer_warranty=True))
    assert contract is not None
    assert contract.free_look_days == 30
    assert cancelled(contract, cancel(day(31))).rule == RefundRule.PRO_RATA


def test_in_california_a_paid_claim_ends_the_free_look() -> None:
    contract = given(sell_contract(jurisdiction="US-CA"), claim_paid(1, "100.00", day(15)))
    event = cancelled(contract, cancel(day(20)))
    # 2,000.00 × 1,806/1,826 = 1,978.094… − 100.00 claims − 25.00 fee = 1,853.094… → 1,853.09
    assert (event.rule, event.refund) == (RefundRule.PRO_RATA, usd("1853.09"))
    assert "a paid claim ends it" in event.line("unused share").explanation


@pytest.mark.parametrize(
    ("cancelled_on", "rule", "refund"),
    [
        (day(30), RefundRule.FREE_LOOK, "2000.00"),
        (day(31), RefundRule.PRO_RATA, "1916.05"),  # 1,966.046… − the $50 market-practice fee
    ],
)
def test_a_jurisdiction_without_a_pack_gets_the_market_practice_default(
    cancelled_on: date, rule: RefundRule, refund: str
) -> None:
    event = cancelled(given(sell_contract(jurisdiction="US-NY")), cancel(cancelled_on))
    assert (event.pack_id, event.rule, event.refund) == ("sc-cancellation-default", rule, usd(refund))
    assert "MARKET_PRACTICE" in event.line("refund").explanation


@pytest.mark.parametrize(
    ("driven", "share", "lesser", "refund"),
    [
        # Day 365: 1,461/1,826 days left (80.01 %). 10,000 mi driven leaves 90 %: time is the lesser.
        # 2,000 × 1,461/1,826 = 1,600.219… − 50 = 1,550.219… → 1,550.22
        (10_000, Decimal(1461) / Decimal(1826), "(time)", "1550.22"),
        # 60,000 mi driven leaves 40,000/100,000 = 40 %: distance is the lesser. 2,000 × 0.4 − 50 = 750.00
        (60_000, Decimal("0.4"), "(distance)", "750.00"),
    ],
    ids=["time", "distance"],
)
def test_the_unused_share_is_the_lesser_of_time_and_distance_remaining(
    driven: int, share: Decimal, lesser: str, refund: str
) -> None:
    event = cancelled(given(sell_contract()), cancel(day(365), mi(12_000 + driven)))
    assert (event.unused_share, event.refund) == (share, usd(refund))
    assert event.line("unused share").explanation.endswith(f"{lesser} of the price")


@pytest.mark.parametrize(
    ("lienholder", "payee"),
    [("BANK-7", (PayeeKind.LIENHOLDER, "BANK-7")), (None, (PayeeKind.HOLDER, "CUST-1"))],
)
def test_the_refund_goes_to_the_lienholder_when_there_is_one(
    lienholder: str | None, payee: tuple[PayeeKind, str]
) -> None:
    event = cancelled(given(sell_contract(lienholder_ref=lienholder)), cancel(day(100)))
    assert (event.payee.kind, event.payee.ref) == payee


def test_the_domain_md_sample_contract_cancelled_half_way_with_300_dollars_of_claims_refunds_650() -> None:
    # $2,000, 5 years / 100,000 mi, $100 deductible, Texas. Day 913 of 1,826: 913 days left = 50.00 %.
    # 30,000 mi driven: 70,000 of 100,000 mi left = 70.00 %. The lesser is time: 2,000.00 × 50 % = 1,000.00.
    # Claims paid 200.00 + 100.00 = 300.00; past day 30, so the fee is the Texas cap, 50.00.
    # Refund = 1,000.00 − 300.00 − 50.00 = 650.00, to the holder, due 45 days after the notice.
    contract = given(sell_contract(), claim_paid(1, "200.00", day(150)), claim_paid(2, "100.00", day(700)))
    event = cancelled(contract, cancel(day(913), mi(42_000)))
    assert amounts(event) == {
        "price": Decimal("2000.00"),
        "unused share": Decimal("1000.00"),
        "claims paid": Decimal("-300.00"),
        "cancellation fee": Decimal(-50),
        "refund": Decimal("650.00"),
    }
    assert (event.rule, event.unused_share, event.refund_due_on) == (RefundRule.PRO_RATA, Decimal("0.5"), day(958))
    assert "913/1,826 days (50.00 %) and distance remaining 70,000/100,000 MI (70.00 %) → 50.00 % (time)" in (
        event.line("unused share").explanation
    )
    assert event.line("refund").explanation.startswith(
        "1,000.00 USD − 300.00 USD − 50.00 USD = 650.00 USD, rounded half-up to 0.01 USD: 650.00 USD; to the holder"
    )


def test_the_refund_is_rounded_half_up_once_at_the_end() -> None:
    # Half-way through time on a $1,000.01 contract: 500.005 − 50.00 = 450.005 → 450.01 (half-even would say 450.00).
    event = cancelled(given(sell_contract(price=usd("1000.01"))), cancel(day(913), mi(42_000)))
    assert amounts(event)["unused share"] == Decimal("500.005")
    assert event.refund == usd("450.01")
    assert "450.005… USD" not in event.line("refund").explanation  # exact at three places, so shown exactly
    assert "= 450.005 USD, rounded half-up to 0.01 USD: 450.01 USD" in event.line("refund").explanation
