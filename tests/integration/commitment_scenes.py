"""Histories for the commitment clocks, written through the application on a real store.

``World`` is the application, the commitment projections and the timer on one store, at one controlled
clock; ``tick`` catches the read models up, ticks the timer, and catches up again (as the server's
projection thread would in between).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from claims.adapters.persistence.factory import Persistence
from claims.application.app import ClaimsApplication
from claims.application.statutory import StatutoryInputs
from claims.application.timers import CommitmentTimer, Fired
from claims.domain.claim.commands import DecideLine
from claims.domain.ids import claim_id_for, repair_order_id_for, statutory_case_id_for, vehicle_id_for
from claims.domain.repair_order.commands import CloseRepairOrder, OpenRepairOrder, RecordRepairWork
from claims.domain.repair_order.values import DefectKey, StatutoryFacts
from claims.domain.statutory.commitments import COMMITMENTS, Commitment
from claims.domain.statutory_case.commands import AnswerRemedy, RequestRemedy
from claims.domain.values import Money
from claims.projections.claims import ClaimProjection
from claims.projections.commitments import (
    Clock,
    CommitmentDirectory,
    CommitmentProjection,
    CompensationLedger,
    CompensationProjection,
)
from claims.projections.runner import Projection, ProjectionRunner
from tests.builders import CN_VIN, attach_coverage, call, cn_vehicle, km, register_vehicle
from tests.conftest import FixedClock
from tests.unit.domain import claim_builders as cb

CLAIM_ID = claim_id_for(cb.DEALER, cb.CLAIM_NUMBER)
# Filed at cb.NOW (2026-03-10 10:00 UTC) in US-CA: the 30th day, 2026-04-09, is the desk's until it ends.
DAY_30_ENDS = datetime(2026, 4, 9, 23, 59, 59, 999999, tzinfo=UTC)

CN_DEALER = "D-CN-1"
CN_START = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)
CN_NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # a Monday
CN_CASE_ID = statutory_case_id_for(vehicle_id_for(CN_VIN))
CN_INPUTS = StatutoryInputs(
    usage_coefficient={"CN": Decimal("0.005")},
    courtesy_car_daily_rate={"CN": Money(amount=Decimal(300), currency="CNY")},
)


class World:
    """The application, the commitments, compensation and claims read models, and the timer, on one store."""

    def __init__(
        self, persistence: Persistence, clock: FixedClock, commitments: Sequence[Commitment] = COMMITMENTS
    ) -> None:
        assert persistence.database is not None
        self.persistence, self.clock = persistence, clock
        self.app = ClaimsApplication(persistence.events, clock, part_usage={cb.CAUSAL_PART: 4}, statutory=CN_INPUTS)
        projections: list[Projection] = [
            CommitmentProjection(commitments),
            CompensationProjection(),
            ClaimProjection(),
        ]
        self.runner = ProjectionRunner(persistence.events, persistence.database, projections)
        self.board = CommitmentDirectory(persistence.database)
        self.ledger = CompensationLedger(persistence.database)
        self.timer = CommitmentTimer(self.app, self.board, catch_up_seconds=0)

    def catch_up(self) -> None:
        self.runner.catch_up()

    def tick(self) -> list[Fired]:
        self.catch_up()
        fired = self.timer.tick()
        self.catch_up()
        return fired

    def clocks(self, **key: Any) -> list[Clock]:
        self.catch_up()
        return self.board.clocks(**key)

    def clock_of(self, code: str, **key: Any) -> Clock:
        (found,) = [c for c in self.clocks(**key) if c.commitment_code == code]
        return found

    def count(self, topic: str) -> int:
        """How many events of ``topic`` the whole log holds."""
        events = self.persistence.events.read_all(0, 1_000_000)
        return sum(1 for e in events if e.topic == topic)


# --- a US-CA dealer claim -------------------------------------------------------------------------


def us_claim(world: World, **vehicle: Any) -> None:
    """A covered vehicle (US-CA unless told), its closed repair order RO-1001 and claim C-1001 filed at cb.NOW."""
    world.clock.now = cb.NOW
    app = world.app
    app.handle_vehicle(call(), register_vehicle(**vehicle))
    app.handle_vehicle(call(), attach_coverage())
    ref = {"dealer_id": cb.DEALER, "ro_number": cb.RO_NUMBER}
    opened = OpenRepairOrder(
        **ref, vin=cb.VIN, opened_at=cb.OPENED_AT, odometer_in=cb.mi(15100), complaint="engine misfires at idle"
    )
    app.handle_repair_order(call(), opened)
    work = cb.work_recorded()
    worked = RecordRepairWork(
        **ref, cause=work.cause, correction=work.correction, defect=work.defect, parts_replaced=work.parts_replaced
    )
    app.handle_repair_order(call(), worked)
    app.handle_repair_order(call(), CloseRepairOrder(**ref, closed_at=cb.CLOSED_AT, odometer_out=cb.mi(15104)))
    app.handle_claim(call(), cb.file_claim())


def decide_all_lines(world: World, decision: str = "APPROVE", **fields: Any) -> None:
    for line_no in (1, 2):
        world.app.handle_claim(call(), DecideLine(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, line_no=line_no,
                                                  decision=decision, decided_by=cb.DESK, **fields))  # fmt: skip


# --- a CN vehicle: repairs, courtesy car, a remedy ------------------------------------------------


def cn_vehicle_sold(world: World) -> None:
    world.clock.now = CN_NOW
    sold = date(2026, 1, 5)
    world.app.handle_vehicle(call(), cn_vehicle(invoice_date=sold, delivery_date=sold, odometer_at_delivery=km(0)))
    sanbao = {"months": 24, "distance_limit": Decimal(50000), "distance_unit": "KM"}
    groups = ["ENGINE", "TRANSMISSION"]
    coverage = attach_coverage(
        identifier=CN_VIN, code="CN-SANBAO", kind="STATUTORY", period=sanbao, component_groups=groups
    )
    world.app.handle_vehicle(call(), coverage)


def cn_repair(world: World, n: int, opened: datetime, hours: float) -> None:
    """Repair RO-<n> of the same engine defect, at the dealer D-CN-1, open for ``hours``."""
    ref = {"dealer_id": CN_DEALER, "ro_number": f"RO-{n}"}
    app = world.app
    app.handle_repair_order(call(), OpenRepairOrder(**ref, vin=CN_VIN, opened_at=opened, odometer_in=km(1000 * n),
                                                    complaint="engine stalls"))  # fmt: skip
    app.handle_repair_order(call(), RecordRepairWork(**ref, cause="injector", correction="replaced injector",
        defect=DefectKey(causal_part_number="INJ-100", failure_code="P0201"),
        statutory=StatutoryFacts(component_group="ENGINE")))  # fmt: skip
    closed = opened + timedelta(hours=hours)
    app.handle_repair_order(call(), CloseRepairOrder(**ref, closed_at=closed, odometer_out=km(1000 * n)))


def cn_ro_id(n: int) -> Any:
    return repair_order_id_for(CN_DEALER, f"RO-{n}")


def entitled_to_refund(world: World) -> None:
    """Five repairs of one defect (30 hours each): CN-2022 entitles replacement or refund."""
    cn_vehicle_sold(world)
    for n in range(1, 6):
        cn_repair(world, n, CN_START + timedelta(days=10 * n), hours=30)


def request_refund(world: World) -> None:
    """The consumer asks for a refund now (Monday 2026-06-01): answer due 2026-06-15, completion 2026-06-29."""
    world.app.handle_statutory_case(call(), RequestRemedy(vin=CN_VIN, remedy="REFUND", requested_at=world.clock()))


def answer(world: World, accepted: bool = True) -> None:
    world.app.handle_statutory_case(
        call(), AnswerRemedy(vin=CN_VIN, accepted=accepted, reason="refund agreed", answered_at=world.clock())
    )
