"""Sale, transfers, claims paid, cancellation guards and expiry of a service contract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from claims.domain.base import resolve_event_type
from claims.domain.contract.commands import ContractCommand
from claims.domain.contract.context import ContractContext
from claims.domain.contract.decide import decide
from claims.domain.contract.events import (
    ContractCancelled,
    ContractClaimPaid,
    ContractEvent,
    ContractExpired,
    ContractSold,
    ContractTransferred,
)
from claims.domain.contract.packs import US_CA_2026_1
from claims.domain.contract.state import evolve
from claims.domain.contract.values import ContractStatus, ExpiryReason, PayeeKind
from claims.domain.errors import AlreadyExistsError, InvalidCommandError, NotFoundError, PreconditionFailedError
from claims.domain.ids import contract_id_for
from tests.unit.contract.builders import (
    NOW,
    cancel,
    cancelled,
    claim_id,
    claim_paid,
    day,
    expire,
    given,
    mi,
    sell_contract,
    transfer,
    usd,
    when,
)


def test_a_sale_records_the_last_day_the_expiry_odometer_the_free_look_and_the_pack() -> None:
    (event,) = when(None, sell_contract())
    assert isinstance(event, ContractSold)
    assert event.contract_id == contract_id_for("INS-1", "SC-1001")
    # 60 months from 2025-01-15: in force through the day before the fifth anniversary; 12,000 + 100,000 mi.
    assert (event.expires_on, event.expiry_odometer) == (date(2030, 1, 14), mi(112_000))
    assert (event.free_look_days, event.free_look_ends_on) == (30, date(2025, 2, 14))
    assert (event.pack_id, event.pack_version) == ("sc-cancellation-us-tx", "2026.1")


def test_a_contract_number_is_sold_once_per_insurer() -> None:
    with pytest.raises(AlreadyExistsError):
        when(given(sell_contract()), sell_contract())


def test_a_free_look_shorter_than_the_law_gives_is_invalid() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        when(None, sell_contract(jurisdiction="US-CA", free_look_days=30))
    assert caught.value.violations[0].field == "free_look_days"
    assert "at least 60 days" in caught.value.violations[0].description


def test_a_longer_free_look_than_the_law_gives_is_the_contracts_to_give() -> None:
    contract = given(sell_contract(free_look_days=45))
    assert cancelled(contract, cancel(day(45))).refund == usd("2000.00")


def test_a_currency_the_pack_states_no_fee_in_is_refused_rather_than_guessed() -> None:
    eur = {"amount": Decimal("2000.00"), "currency": "EUR"}
    command = sell_contract(
        jurisdiction="EU-DE", vin="WVWZZZ1JZXW000001", price=eur, deductible_per_visit=eur | {"amount": Decimal(100)}
    )
    with pytest.raises(InvalidCommandError) as caught:
        when(None, command)
    assert caught.value.violations[0].field == "price.currency"


def test_a_sale_whose_amounts_mix_currencies_is_malformed() -> None:
    with pytest.raises(ValidationError, match="the contract is priced in USD"):
        sell_contract(deductible_per_visit={"amount": Decimal(100), "currency": "CAD"})


def test_decide_refuses_a_pack_other_than_the_one_the_contract_was_sold_under() -> None:
    contract = given(sell_contract())
    with pytest.raises(ValueError, match="sold under sc-cancellation-us-tx"):
        decide(contract, cancel(day(40)), ContractContext(now=NOW, policy=US_CA_2026_1))


def test_cancelling_twice_is_refused() -> None:
    contract = given(sell_contract(), cancel(day(40)))
    with pytest.raises(PreconditionFailedError) as caught:
        when(contract, cancel(day(41)))
    assert caught.value.reason == "CONTRACT_CANCELLED"


def test_cancelling_an_unknown_contract_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        when(None, cancel(day(40)))


def test_a_cancellation_dated_before_the_sale_is_invalid() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        when(given(sell_contract()), cancel(day(-1)))
    assert caught.value.violations[0].field == "cancelled_on"


def test_an_odometer_below_the_one_at_sale_is_invalid() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        when(given(sell_contract()), cancel(day(40), mi(11_999)))
    assert caught.value.violations[0].field == "odometer"


def test_a_contract_past_its_distance_limit_cannot_be_cancelled_it_has_run_out() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(sell_contract()), cancel(day(900), mi(112_001)))
    assert caught.value.reason == "CONTRACT_EXPIRED"


def test_a_cancellation_ends_the_contract_and_keeps_its_refund() -> None:
    contract = given(sell_contract(lienholder_ref="BANK-7"), cancel(day(30)))
    assert contract is not None
    assert contract.cancellation is not None
    assert (contract.status, contract.cancellation.refund) == (ContractStatus.CANCELLED, usd("2000.00"))
    assert contract.cancellation.payee.kind == PayeeKind.LIENHOLDER


def test_a_transfer_is_refused_when_the_contract_is_not_transferable() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(sell_contract(transferable=False)), transfer())
    assert caught.value.reason == "CONTRACT_NOT_TRANSFERABLE"


def test_a_transferable_contract_passes_to_the_new_holder_with_its_fee_recorded() -> None:
    contract = given(sell_contract(transferable=True, transfer_fee=usd("25.00")))
    (event,) = when(contract, transfer())
    assert event == ContractTransferred(
        previous_holder_ref="CUST-1",
        new_holder_ref="CUST-2",
        transferred_on=day(200),
        odometer=mi(20_000),
        fee=usd("25.00"),
    )
    after = evolve(contract, event)
    assert (after.holder_ref, len(after.transfers)) == ("CUST-2", 1)
    assert cancelled(after, cancel(day(300), mi(21_000))).payee.ref == "CUST-2"


def test_a_transfer_without_a_fee_records_a_zero_fee() -> None:
    (event,) = when(given(sell_contract(transferable=True)), transfer())
    assert isinstance(event, ContractTransferred)
    assert event.fee == usd("0.00")


@pytest.mark.parametrize(
    ("history", "reason"),
    [((cancel(day(40)),), "CONTRACT_CANCELLED"), ((expire(date(2030, 1, 15)),), "CONTRACT_EXPIRED")],
    ids=["cancelled", "expired"],
)
def test_a_transfer_is_refused_after_cancellation_or_expiry(history: tuple[ContractCommand, ...], reason: str) -> None:
    contract = given(sell_contract(transferable=True), *history)
    with pytest.raises(PreconditionFailedError) as caught:
        when(contract, transfer(transferred_on=date(2028, 5, 1), odometer=mi(50_000)))
    assert caught.value.reason == reason


def test_a_cancellation_odometer_below_the_reading_at_an_earlier_transfer_is_invalid() -> None:
    contract = given(sell_contract(transferable=True), transfer())
    with pytest.raises(InvalidCommandError, match="odometer"):
        when(contract, cancel(day(300), mi(19_000)))


def test_claims_paid_add_up_on_the_contract() -> None:
    contract = given(sell_contract(), claim_paid(1, "200.00", day(150)))
    (event,) = when(contract, claim_paid(2, "100.00", day(700)))
    assert event == ContractClaimPaid(
        claim_id=claim_id(2), amount=usd("100.00"), paid_on=day(700), claims_paid_total=usd("300.00")
    )


def test_recording_the_same_claim_again_is_a_no_op_but_a_different_amount_is_refused() -> None:
    contract = given(sell_contract(), claim_paid(1, "200.00", day(150)))
    assert when(contract, claim_paid(1, "200.00", day(150))) == []
    with pytest.raises(PreconditionFailedError) as caught:
        when(contract, claim_paid(1, "250.00", day(150)))
    assert caught.value.reason == "CLAIM_ALREADY_RECORDED"


def test_a_claim_paid_after_the_cancellation_is_refused() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(sell_contract(), cancel(day(40))), claim_paid(1, "200.00", day(39)))
    assert caught.value.reason == "CONTRACT_CANCELLED"


def test_a_contract_expires_by_time_the_day_after_its_last_day() -> None:
    (event,) = when(given(sell_contract()), expire(date(2030, 1, 15)))
    assert event == ContractExpired(reason=ExpiryReason.TIME, expired_on=date(2030, 1, 15), odometer=None)


def test_a_contract_expires_by_distance_when_a_reading_is_past_its_limit() -> None:
    (event,) = when(given(sell_contract()), expire(day(1000), mi(112_500)))
    assert event == ContractExpired(reason=ExpiryReason.DISTANCE, expired_on=day(1000), odometer=mi(112_500))


def test_expiring_a_contract_in_force_is_refused_and_expiring_it_again_is_a_no_op() -> None:
    with pytest.raises(PreconditionFailedError) as caught:
        when(given(sell_contract()), expire(day(1000), mi(60_000)))
    assert caught.value.reason == "CONTRACT_IN_FORCE"
    assert when(given(sell_contract(), expire(date(2030, 1, 15))), expire(date(2030, 2, 1))) == []


def test_contract_events_survive_a_json_round_trip_under_their_topics() -> None:
    contract = given(sell_contract(), claim_paid(1, "300.00", day(700)))
    event: ContractEvent = cancelled(contract, cancel(day(913), mi(42_000)))
    stored = event.model_dump_json()
    assert isinstance(event, ContractCancelled)
    assert resolve_event_type("claims.contract.ContractCancelled").model_validate_json(stored) == event
