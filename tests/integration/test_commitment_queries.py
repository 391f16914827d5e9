"""The API's queries over the commitment read models on SQLite and PostgreSQL: a paused clock as the API shows it,
subjects by kind, and the ledger's balances under combined filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from claims.adapters.grpc.commitments_view import clock_to_proto
from claims.api.v1 import statutory_pb2 as pb
from claims.domain.claim.commands import ResubmitClaim, ReturnClaim
from claims.domain.ids import vehicle_id_for
from claims.domain.statutory.commitments import Breach, Commitment, DeemedOutcome, DueUnit
from claims.projections.commitment_queries import ClockFilter, CommitmentQueries, LedgerFilter
from claims.projections.commitments import ClockStatus
from tests.builders import CN_VIN, call
from tests.conftest import FixedClock
from tests.integration.commitment_scenes import (
    CLAIM_ID,
    CN_DEALER,
    CN_START,
    World,
    cn_repair,
    cn_vehicle_sold,
    us_claim,
)
from tests.unit.domain import claim_builders as cb

PAUSING = Commitment(
    code="TEST-PAUSED-WHILE-RETURNED", description="decide within 10 days, not counting the dealer's time",
    source="test", jurisdictions=("US-CA",), product_class="ANY", metric="decision",
    start_on=("claims.claim.ClaimFiled",), stop_on=("claims.claim.ClaimDecided",),
    pause_on=("claims.claim.ClaimReturned",), resume_on=("claims.claim.ClaimResubmitted",),
    due=10, unit=DueUnit.CALENDAR_DAYS, breach=Breach(deemed=DeemedOutcome.OVERDUE),
)  # fmt: skip


@pytest.fixture(params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, clock: FixedClock) -> World:
    return World(request.getfixturevalue(f"{request.param}_store"), clock, (PAUSING,))


def queries(world: World) -> CommitmentQueries:
    world.catch_up()
    assert world.persistence.database is not None
    return CommitmentQueries(world.persistence.database)


def test_a_paused_clock_shows_since_when_and_a_resumed_one_how_long_it_was_paused(world: World) -> None:
    us_claim(world)
    world.clock.now = cb.at(2026, 3, 11, 10)
    world.app.handle_claim(call(), ReturnClaim(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER,
                                               reasons=("photo missing",), returned_by=cb.DESK))  # fmt: skip
    (paused,) = queries(world).clocks(ClockFilter(status=ClockStatus.PAUSED), after="", limit=10)
    shown = clock_to_proto(paused)
    assert (shown.status, shown.paused_since.ToDatetime(tzinfo=UTC), shown.paused.seconds) == (
        pb.CLOCK_STATUS_PAUSED, cb.at(2026, 3, 11, 10), 0,
    )  # fmt: skip
    # A commitment the engine does not ship is shown without its description.
    assert (shown.description, shown.consequence) == ("", pb.BREACH_CONSEQUENCE_OVERDUE)

    world.clock.now = cb.at(2026, 3, 14, 10)
    world.app.handle_claim(call(), ResubmitClaim(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, header=cb.header(),
                                                 currency="USD", lines=cb.file_claim().lines))  # fmt: skip
    read = queries(world)
    assert read.clocks(ClockFilter(status=ClockStatus.PAUSED), after="", limit=10) == []
    (resumed,) = read.clocks(ClockFilter(subject_id=CLAIM_ID, status=ClockStatus.OPEN), after="", limit=10)
    shown = clock_to_proto(resumed)
    assert (shown.status, shown.HasField("paused_since"), shown.paused.seconds) == (
        pb.CLOCK_STATUS_OPEN, False, 3 * 24 * 3600,
    )  # fmt: skip
    assert shown.due_at.ToDatetime(tzinfo=UTC) == datetime(2026, 3, 23, 23, 59, 59, 999999, tzinfo=UTC)
    assert (resumed.vin, resumed.clock.dealer_id) == (cb.VIN, cb.DEALER)
    claim = read.subject(CLAIM_ID, "claim")
    assert claim is not None
    assert (claim.ref, claim.dealer_id, claim.vehicle_id) == (cb.CLAIM_NUMBER, cb.DEALER, vehicle_id_for(cb.VIN))
    assert read.subject(CLAIM_ID, "repair_order") is None


def test_the_ledgers_balances_follow_every_filter_at_once(world: World) -> None:
    world = World(world.persistence, world.clock)  # the shipped commitments
    cn_vehicle_sold(world)
    cn_repair(world, 1, CN_START + timedelta(days=10), hours=130)  # a courtesy car: ¥300
    cn_repair(world, 2, CN_START + timedelta(days=30), hours=60)  # within 5 days: none
    assert len(world.tick()) == 3  # both 48-hour promises broken (¥200 each), the courtesy car's clock
    read, vehicle = queries(world), vehicle_id_for(CN_VIN)
    everything = read.compensation_balances(LedgerFilter(vehicle_id=vehicle, dealer_id=CN_DEALER))
    assert [(b.vin, b.owed, b.entries) for b in everything.by_vehicle] == [(CN_VIN, Decimal("700.00"), 3)]
    assert [(b.commitment_code, b.owed) for b in everything.by_commitment] == [
        ("CN-COURTESY-CAR", Decimal("300.00")), ("SELLER-REPAIR-48H", Decimal("400.00")),
    ]  # fmt: skip
    promised = LedgerFilter(vehicle_id=vehicle, dealer_id=CN_DEALER, commitment_code="SELLER-REPAIR-48H")
    assert [(b.dealer_id, b.owed, b.paid, b.outstanding) for b in read.compensation_balances(promised).by_dealer] == [
        (CN_DEALER, Decimal("400.00"), Decimal(0), Decimal("400.00")),
    ]  # fmt: skip
    first = read.compensation_entries(promised, after="", limit=1)
    rest = read.compensation_entries(promised, after=first[0].cursor, limit=10)
    assert [e.subject.ref for e in [*first, *rest] if e.subject] == ["RO-1", "RO-2"]
    assert read.compensation_balances(LedgerFilter(dealer_id="D-NONE")).totals == []
