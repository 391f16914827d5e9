"""Service contracts through the application: sold on a registered vehicle, charged with the claims paid on it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.application.app import ClaimsApplication
from claims.domain.claim.commands import DecideLine, PostPayment
from claims.domain.contract.commands import CancelContract, SellContract, TransferContract
from claims.domain.contract.values import ContractStatus, RefundRule, Requester
from claims.domain.contract.views import Standing
from claims.domain.errors import AlreadyExistsError, InvalidCommandError, NotFoundError, PreconditionFailedError
from claims.domain.ids import contract_id_for
from tests.builders import attach_coverage, call, register_vehicle
from tests.conftest import FixedClock
from tests.unit.application.test_claim_use_cases import repair
from tests.unit.domain import claim_builders as cb

INSURER, NUMBER = "INS-1", "SC-1001"
SOLD_ON = date(2026, 1, 15)  # a 60-month term runs through 2031-01-14: 1,826 days


def sell(**overrides: Any) -> SellContract:
    fields: dict[str, Any] = {
        "insurer_id": INSURER, "contract_number": NUMBER, "vin": cb.VIN, "holder_ref": "CUST-1", "sold_on": SOLD_ON,
        "price": cb.usd("2000.00"), "term_months": 60, "term_distance": cb.mi(100_000),
        "odometer_at_sale": cb.mi(14_000), "deductible_per_visit": cb.usd("100.00"),
        "component_groups": ("ENGINE", "TRANSMISSION"), "jurisdiction": "US-TX",
    }  # fmt: skip
    return SellContract.model_validate(fields | overrides)


def cancel(on: date, **overrides: Any) -> CancelContract:
    fields: dict[str, Any] = {
        "insurer_id": INSURER, "contract_number": NUMBER, "cancelled_on": on, "odometer": cb.mi(15_200),
        "requested_by": Requester.HOLDER, "reason": "vehicle sold",
    }  # fmt: skip
    return CancelContract.model_validate(fields | overrides)


@pytest.fixture
def app() -> ClaimsApplication:
    clock = FixedClock(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    app = ClaimsApplication(open_store(parse_store_url("memory://")).events, clock, part_usage={cb.CAUSAL_PART: 4})
    app.handle_vehicle(call(), register_vehicle())
    app.handle_vehicle(call(), attach_coverage())
    repair(app, cb.RO_NUMBER)
    return app


def pay_claim(app: ClaimsApplication, claim_number: str = cb.CLAIM_NUMBER) -> None:
    """File the default claim (582.75 USD on the engine), approve both lines and pay it."""
    app.handle_claim(call(), cb.file_claim(claim_number=claim_number))
    for line_no in (1, 2):
        decision = DecideLine(dealer_id=cb.DEALER, claim_number=claim_number, line_no=line_no, decision="APPROVE",
                              decided_by=cb.DESK)  # fmt: skip
        app.handle_claim(call(), decision)
    app.handle_claim(call(), PostPayment(dealer_id=cb.DEALER, claim_number=claim_number, credit_reference="CR-1"))


def test_a_sale_is_decided_under_the_jurisdictions_pack_and_linked_on_the_vehicle(app: ClaimsApplication) -> None:
    result = app.handle_contract(call(), sell())
    contract, version = app.get_contract(INSURER, NUMBER)
    assert (result.stream_id, version, contract.status) == (
        contract_id_for(INSURER, NUMBER),
        1,
        ContractStatus.IN_FORCE,
    )
    assert (contract.pack_id, contract.free_look_days, contract.expires_on) == (
        "sc-cancellation-us-tx", 30, date(2031, 1, 14),
    )  # fmt: skip
    vehicle, _ = app.get_vehicle(cb.VIN)
    assert [(c.insurer_id, c.contract_number) for c in vehicle.vehicle.contracts] == [(INSURER, NUMBER)]


def test_a_paid_claim_is_recorded_on_the_contract_in_the_same_append(app: ClaimsApplication) -> None:
    app.handle_contract(call(), sell())
    pay_claim(app)
    claim, _ = app.get_claim(cb.DEALER, cb.CLAIM_NUMBER)
    contract, _ = app.get_contract(INSURER, NUMBER)
    assert [(c.claim_id, c.amount, c.paid_on) for c in contract.claims] == [
        (claim.claim_id, cb.usd("582.75"), date(2026, 3, 10))
    ]
    assert contract.claims_paid == cb.usd("582.75")
    # One append: the payment (claim version 5: filed, two lines, decided, paid) and the contract's record of it.
    paid_at = app.store.position_of(claim.claim_id, 5)
    recorded_at = app.store.position_of(contract.contract_id, 2)
    assert (paid_at, recorded_at) == (app.store.head_position() - 2, app.store.head_position() - 1)


def test_a_cancellation_after_the_free_look_refunds_the_unused_share_less_claims_paid_and_the_fee(
    app: ClaimsApplication,
) -> None:
    app.handle_contract(call(), sell())
    pay_claim(app)
    app.handle_contract(call(), cancel(date(2026, 3, 10)))
    contract, _ = app.get_contract(INSURER, NUMBER)
    cancellation = contract.cancellation
    assert cancellation is not None
    assert contract.status == ContractStatus.CANCELLED
    # Day 54: time left 1,772/1,826 days (97.04 %) is less than distance left 98,800/100,000 mi (98.80 %):
    # 2,000.00 × 1,772 / 1,826 = 1,940.854326… − 582.75 claims paid − 50.00 fee = 1,308.104326… → 1,308.10
    assert (cancellation.rule, cancellation.refund) == (RefundRule.PRO_RATA, cb.usd("1308.10"))
    lines = {line.label: line.amount for line in cancellation.lines}
    assert (lines["claims paid"], lines["cancellation fee"]) == (Decimal("-582.75"), Decimal(-50))
    assert "1,772/1,826 days" in next(line for line in cancellation.lines if line.label == "unused share").explanation


def test_a_claim_outside_the_contracts_component_groups_is_not_charged_to_it(app: ClaimsApplication) -> None:
    app.handle_contract(call(), sell(component_groups=("TRANSMISSION",)))
    pay_claim(app)
    contract, version = app.get_contract(INSURER, NUMBER)
    assert (contract.claims, version) == ((), 1)


def test_a_claim_on_a_cancelled_contract_is_paid_without_charging_it(app: ClaimsApplication) -> None:
    app.handle_contract(call(), sell())
    app.handle_contract(call(), cancel(date(2026, 2, 1)))
    pay_claim(app)
    contract, _ = app.get_contract(INSURER, NUMBER)
    assert (contract.status, contract.claims) == (ContractStatus.CANCELLED, ())
    assert app.get_claim(cb.DEALER, cb.CLAIM_NUMBER)[0].payment is not None


def test_remaining_coverage_uses_the_vehicles_latest_reading_when_none_is_given(app: ClaimsApplication) -> None:
    app.handle_contract(call(), sell())
    contract, _ = app.get_contract(INSURER, NUMBER)
    left = app.contract_coverage(contract)
    # The repair order's hand-back reading (15,104 mi) is newer than the sale's 14,000 mi.
    assert (left.standing, left.odometer, left.days_remaining) == (Standing.IN_FORCE, cb.mi(15_104), 1772)
    assert left.distance_remaining == cb.mi(98_896)


def test_refusals_store_nothing(app: ClaimsApplication) -> None:
    app.handle_contract(call(), sell())
    head = app.store.head_position()
    with pytest.raises(NotFoundError, match="no vehicle"):
        app.handle_contract(call(), sell(contract_number="SC-2", vin="1G1YY22G265104382"))
    with pytest.raises(AlreadyExistsError):
        app.handle_contract(call(), sell())
    with pytest.raises(NotFoundError, match="no contract SC-404"):
        app.handle_contract(call(), cancel(date(2026, 3, 1), contract_number="SC-404"))
    transfer = TransferContract(insurer_id=INSURER, contract_number=NUMBER, new_holder_ref="CUST-2",
                                transferred_on=date(2026, 3, 1), odometer=cb.mi(15_000))  # fmt: skip
    with pytest.raises(PreconditionFailedError, match="does not allow transfers"):
        app.handle_contract(call(), transfer)
    with pytest.raises(InvalidCommandError, match="cancelled_on"):
        app.handle_contract(call(), cancel(date(2026, 1, 1)))
    assert app.store.head_position() == head
