"""Commitment clocks and the compensation ledger on SQLite and PostgreSQL, from histories written by the application."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from claims.adapters.persistence.factory import Persistence
from claims.domain.claim.commands import PostPayment, ResubmitClaim, ReturnClaim
from claims.domain.ids import vehicle_id_for
from claims.domain.statutory.commitments import Breach, Commitment, DeemedOutcome, DueUnit
from claims.domain.statutory_case.commands import DeliverRemedy
from claims.projections import registry
from claims.projections.commitments import Balance, ClockStatus
from claims.projections.rebuild import rebuild
from tests.builders import CN_VIN, call, km
from tests.conftest import FixedClock
from tests.integration.commitment_scenes import (
    CLAIM_ID,
    CN_CASE_ID,
    CN_DEALER,
    CN_START,
    DAY_30_ENDS,
    World,
    answer,
    cn_repair,
    cn_ro_id,
    cn_vehicle_sold,
    decide_all_lines,
    entitled_to_refund,
    request_refund,
    us_claim,
)
from tests.unit.domain import claim_builders as cb

CA_DECISION, CA_PAYMENT = "US-CA-CLAIM-DECISION", "US-CA-CLAIM-PAYMENT"
BREACHED = "claims.commitment.CommitmentBreached"


@pytest.fixture(params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, clock: FixedClock) -> World:
    store: Persistence = request.getfixturevalue(f"{request.param}_store")
    return World(store, clock)


def cny(amount: str) -> Decimal:
    return Decimal(amount)


# --- dealer claims ------------------------------------------------------------------------------


def test_a_filed_claim_starts_its_decision_clock_and_an_approval_stops_it_and_starts_payment(world: World) -> None:
    us_claim(world)
    decision = world.clock_of(CA_DECISION, subject_id=CLAIM_ID)
    assert (decision.status, decision.started_at, decision.due_at) == (ClockStatus.OPEN, cb.NOW, DAY_30_ENDS)
    assert (decision.subject_kind, decision.subject_ref, decision.dealer_id, decision.jurisdiction) == (
        "claim", cb.CLAIM_NUMBER, cb.DEALER, "US-CA"
    )  # fmt: skip
    assert (decision.consequence, decision.vehicle_id) == ("APPROVED", vehicle_id_for(cb.VIN))

    world.clock.now = cb.at(2026, 3, 12)
    decide_all_lines(world)
    decision = world.clock_of(CA_DECISION, subject_id=CLAIM_ID)
    assert (decision.status, decision.stopped_at, decision.breached_at) == (ClockStatus.MET, cb.at(2026, 3, 12), None)
    payment = world.clock_of(CA_PAYMENT, subject_id=CLAIM_ID)
    assert (payment.status, payment.consequence) == (ClockStatus.OPEN, "OVERDUE")
    assert payment.due_at == datetime(2026, 4, 11, 23, 59, 59, 999999, tzinfo=UTC)

    world.clock.now = cb.at(2026, 4, 1)
    world.app.handle_claim(call(), PostPayment(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, credit_reference="C"))
    assert world.clock_of(CA_PAYMENT, subject_id=CLAIM_ID).status == ClockStatus.MET
    assert world.board.due(cb.at(2027, 1, 1), 10) == []


def test_a_rejection_stops_the_decision_clock_and_starts_no_payment_clock(world: World) -> None:
    us_claim(world)
    world.clock.now = cb.at(2026, 3, 12)
    decide_all_lines(world, "REJECT", reason_code="NFF")
    assert [(c.commitment_code, c.status) for c in world.clocks(subject_id=CLAIM_ID)] == [
        (CA_DECISION, ClockStatus.MET)
    ]


def test_a_returned_claim_stops_its_clock_and_the_resubmission_runs_a_new_one(world: World) -> None:
    us_claim(world)
    world.clock.now = cb.at(2026, 3, 11)
    world.app.handle_claim(call(), ReturnClaim(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER,
                                               reasons=("photo missing",), returned_by=cb.DESK))  # fmt: skip
    world.clock.now = cb.at(2026, 3, 20, 8)
    world.app.handle_claim(call(), ResubmitClaim(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER,
                                                 header=cb.header(), currency="USD", lines=(cb.labour(),)))  # fmt: skip
    runs = world.clocks(subject_id=CLAIM_ID)
    assert [(c.status, c.started_at, c.stopped_at) for c in runs] == [
        (ClockStatus.MET, cb.NOW, cb.at(2026, 3, 11)),
        (ClockStatus.OPEN, cb.at(2026, 3, 20, 8), None),
    ]
    assert runs[1].due_at == datetime(2026, 4, 19, 23, 59, 59, 999999, tzinfo=UTC)


def test_a_claim_decided_after_its_30th_day_stopped_late_and_the_timer_records_the_breach(world: World) -> None:
    us_claim(world)
    world.clock.now = cb.at(2026, 4, 10, 9)
    decide_all_lines(world, "REJECT", reason_code="NFF")
    late = world.clock_of(CA_DECISION, subject_id=CLAIM_ID)
    assert (late.status, late.breached_at) == (ClockStatus.BREACHED, None)
    (due,) = world.board.due(world.clock(), 10)
    assert (due.commitment_code, due.stopped) == (CA_DECISION, True)

    assert len(world.tick()) == 1  # too late to deem it approved: the breach itself is recorded
    assert world.count(BREACHED) == 1
    assert world.count("claims.claim.ClaimDeemedApproved") == 0
    assert world.clock_of(CA_DECISION, subject_id=CLAIM_ID).breached_at == cb.at(2026, 4, 10, 9)
    assert world.tick() == []


def test_a_paused_clock_moves_its_due_time_on_by_the_pause(world: World) -> None:
    paused_while_returned = Commitment(
        code="TEST-PAUSED-WHILE-RETURNED", description="decide within 10 days, not counting the dealer's time",
        source="test", jurisdictions=("US-CA",), product_class="ANY", metric="decision",
        start_on=("claims.claim.ClaimFiled",), stop_on=("claims.claim.ClaimDecided",),
        pause_on=("claims.claim.ClaimReturned",), resume_on=("claims.claim.ClaimResubmitted",),
        due=10, unit=DueUnit.CALENDAR_DAYS, breach=Breach(deemed=DeemedOutcome.OVERDUE),
    )  # fmt: skip
    world = World(world.persistence, world.clock, (paused_while_returned,))
    us_claim(world)  # due by the end of 2026-03-20
    world.clock.now = cb.at(2026, 3, 11, 10)
    world.app.handle_claim(call(), ReturnClaim(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER,
                                               reasons=("photo missing",), returned_by=cb.DESK))  # fmt: skip
    paused = world.clock_of("TEST-PAUSED-WHILE-RETURNED", subject_id=CLAIM_ID)
    assert paused.status == ClockStatus.PAUSED
    assert world.board.due(cb.at(2026, 4, 1), 10) == []  # a paused clock is never due

    world.clock.now = cb.at(2026, 3, 14, 10)
    lines = cb.file_claim().lines
    resubmit = ResubmitClaim(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, header=cb.header(), currency="USD",
                             lines=lines)  # fmt: skip
    world.app.handle_claim(call(), resubmit)
    resumed = world.clock_of("TEST-PAUSED-WHILE-RETURNED", subject_id=CLAIM_ID)
    assert (resumed.status, resumed.paused_seconds) == (ClockStatus.OPEN, 3 * 24 * 3600)
    assert resumed.due_at == datetime(2026, 3, 23, 23, 59, 59, 999999, tzinfo=UTC)

    world.clock.now = cb.at(2026, 3, 22)
    decide_all_lines(world)
    assert world.clock_of("TEST-PAUSED-WHILE-RETURNED", subject_id=CLAIM_ID).status == ClockStatus.MET


def test_a_claim_in_a_jurisdiction_without_a_clock_runs_none(world: World) -> None:
    us_claim(world, jurisdiction="US-TX")
    assert world.clocks(subject_id=CLAIM_ID) == []


# --- CN repairs and the compensation ledger -----------------------------------------------------


def test_a_long_cn_repair_breaks_the_48_hour_promise_and_owes_a_courtesy_car(world: World) -> None:
    cn_vehicle_sold(world)
    cn_repair(world, 1, CN_START + timedelta(days=10), hours=30)
    cn_repair(world, 2, CN_START + timedelta(days=20), hours=130)
    quick = {c.commitment_code: c.status for c in world.clocks(subject_id=cn_ro_id(1))}
    assert quick == {"CN-COURTESY-CAR": ClockStatus.MET, "SELLER-REPAIR-48H": ClockStatus.MET}
    slow = {c.commitment_code: (c.status, c.dealer_id, c.subject_ref) for c in world.clocks(subject_id=cn_ro_id(2))}
    assert slow == {
        "CN-COURTESY-CAR": (ClockStatus.BREACHED, CN_DEALER, "RO-2"),
        "SELLER-REPAIR-48H": (ClockStatus.BREACHED, CN_DEALER, "RO-2"),
    }
    vehicle = str(vehicle_id_for(CN_VIN))
    assert world.ledger.balances("vehicle_id", vehicle) == [Balance(vehicle, "CNY", cny("300"), cny("0"))]

    assert len(world.tick()) == 2  # both late clocks get their breach recorded
    assert world.count(BREACHED) == 2
    assert world.ledger.balances("dealer_id") == [Balance(CN_DEALER, "CNY", cny("500.00"), cny("0"))]
    assert world.ledger.balances("commitment_code") == [
        Balance("CN-COURTESY-CAR", "CNY", cny("300"), cny("0")),
        Balance("SELLER-REPAIR-48H", "CNY", cny("200.00"), cny("0")),
    ]
    assert world.ledger.balances("vehicle_id", vehicle)[0].owed == cny("500.00")
    assert world.tick() == []
    assert world.count(BREACHED) == 2


def test_a_cn_remedy_request_runs_the_answer_and_completion_clocks_to_the_recorded_due_days(world: World) -> None:
    entitled_to_refund(world)
    request_refund(world)
    clocks = {c.commitment_code: c for c in world.clocks(subject_id=CN_CASE_ID)}
    answer_clock, completion = clocks["CN-REPLACE-REFUND-ANSWER"], clocks["CN-REPLACE-REFUND-COMPLETION"]
    assert (answer_clock.status, answer_clock.subject_kind, answer_clock.subject_ref) == (
        ClockStatus.OPEN, "statutory_case", CN_VIN
    )  # fmt: skip
    assert answer_clock.due_at == datetime(2026, 6, 15, 23, 59, 59, 999999, tzinfo=UTC)  # 10 working days
    assert completion.due_at == datetime(2026, 6, 29, 23, 59, 59, 999999, tzinfo=UTC)  # 20 working days
    assert answer_clock.dealer_id == "D042"  # the selling dealer answers

    world.clock.advance(days=3)
    answer(world)
    world.clock.now = datetime(2026, 6, 20, 10, tzinfo=UTC)
    world.app.handle_statutory_case(
        call(), DeliverRemedy(vin=CN_VIN, delivered_on=world.clock().date(), odometer=km(5200))
    )
    clocks = {c.commitment_code: c for c in world.clocks(subject_id=CN_CASE_ID)}
    assert clocks["CN-REPLACE-REFUND-ANSWER"].status == ClockStatus.MET
    completion = clocks["CN-REPLACE-REFUND-COMPLETION"]
    # Delivered on a day: the clock stops at that day's start in its own offset.
    assert (completion.status, completion.stopped_at) == (ClockStatus.MET, datetime(2026, 6, 20, tzinfo=UTC))


def test_a_refused_request_stops_both_clocks(world: World) -> None:
    entitled_to_refund(world)
    request_refund(world)
    world.clock.advance(days=1)
    answer(world, accepted=False)
    assert {c.commitment_code: c.status for c in world.clocks(subject_id=CN_CASE_ID)} == {
        "CN-REPLACE-REFUND-ANSWER": ClockStatus.MET,
        "CN-REPLACE-REFUND-COMPLETION": ClockStatus.MET,
    }


def test_the_clocks_and_the_ledger_rebuilt_from_zero_equal_the_live_ones(world: World) -> None:
    cn_vehicle_sold(world)
    cn_repair(world, 1, CN_START + timedelta(days=10), hours=130)
    world.tick()
    us_claim(world)
    world.clock.now = DAY_30_ENDS
    world.tick()
    assert world.count("claims.claim.ClaimDeemedApproved") == 1
    for name in ("commitments", "compensation"):
        projection = registry.create(name)
        report = rebuild(world.persistence, projection, registry.tables_of(projection), swap=False)
        assert report.equal, report.difference and report.difference.describe()
