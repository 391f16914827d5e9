"""Random command sequences against the application and against a small reference model, compared after each step.

The model knows only the rules it needs: a vehicle's odometer readings (a reading below an earlier one or
above a later one is a rollback) and its coverage codes; a two-line claim's lifecycle (lines decided once
while under review, the outcome from the decisions, payment only once decided, withdrawal until paid);
``expected_version`` (stale: refused as a conflict, before anything else); and request ids (a retry answers
the first result and writes nothing; the same id for another request is refused). Every refused command
must leave the log head where it was.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.application.app import ClaimsApplication
from claims.application.messages import CommandResult
from claims.application.streams import VEHICLES
from claims.domain.claim.commands import DecideLine, PostPayment, WithdrawClaim
from claims.domain.claim.values import ClaimStatus, LineDecision
from claims.domain.errors import (
    AlreadyExistsError,
    ConcurrentUpdateError,
    PreconditionFailedError,
    RequestIdReusedError,
)
from claims.domain.ids import vehicle_id_for
from claims.domain.repair_order.commands import CloseRepairOrder, OpenRepairOrder, RecordRepairWork
from tests.builders import VIN, attach_coverage, call, mi, record_reading
from tests.builders import register_vehicle as registration
from tests.conftest import FixedClock
from tests.unit.domain import claim_builders as cb

DELIVERY = date(2025, 1, 12)
LAST_DAY = date(2026, 3, 9)  # the day before the clock's (2026-03-10 10:00): readings at noon are never future
OUTCOME = {
    frozenset({LineDecision.APPROVE}): ClaimStatus.APPROVED,
    frozenset({LineDecision.REJECT}): ClaimStatus.REJECTED,
}


@dataclass
class Model:
    """What the application should hold, kept by the simplest rules that say so."""

    readings: list[tuple[date, int, datetime]]
    coverages: set[str]
    vehicle_version: int
    claim_status: ClaimStatus = ClaimStatus.UNDER_REVIEW
    decisions: dict[int, LineDecision] = field(default_factory=dict)
    credit_reference: str | None = None
    claim_version: int = 1

    def rollback(self, value: int, on: date) -> bool:
        known = [(DELIVERY, 12), *((d, v) for d, v, _ in self.readings)]
        return any(d <= on and v > value for d, v in known) or any(d > on and v < value for d, v in known)


@dataclass
class Sent:
    """An accepted request, kept to be sent again."""

    kind: str
    request_id: str
    command: Any
    expected_version: int | None
    result: CommandResult


class ApplicationAgainstModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
        self.app = ClaimsApplication(
            open_store(parse_store_url("memory://")).events, self.clock, part_usage={cb.CAUSAL_PART: 4}
        )
        self.sent: list[Sent] = []

    @initialize()
    def a_vehicle_with_a_closed_repair_order_and_a_filed_claim(self) -> None:
        self.app.handle_vehicle(call(), registration())
        self.app.handle_vehicle(call(), attach_coverage())
        ref = {"dealer_id": cb.DEALER, "ro_number": cb.RO_NUMBER}
        opened = OpenRepairOrder(**ref, vin=VIN, opened_at=cb.OPENED_AT, odometer_in=mi(15100), complaint="misfire")
        self.app.handle_repair_order(call(), opened)
        work = cb.work_recorded()
        self.app.handle_repair_order(
            call(),
            RecordRepairWork(**ref, cause=work.cause, correction=work.correction, defect=work.defect,
                             parts_replaced=work.parts_replaced),
        )  # fmt: skip
        closed = CloseRepairOrder(**ref, closed_at=cb.CLOSED_AT, odometer_out=mi(15104))
        self.app.handle_repair_order(call(), closed)
        self.app.handle_claim(call(), cb.file_claim())
        vehicle, version = self.vehicle()
        # The repair order's intake and close readings are the vehicle's: the model starts from what is there.
        self.model = Model(
            readings=[(r.read_at.date(), int(r.reading.value), r.read_at) for r in vehicle.readings],
            coverages={c.code for c in vehicle.coverages},
            vehicle_version=version,
        )

    # -- helpers --

    def vehicle(self) -> tuple[Any, int]:
        """The vehicle's state as the application rebuilds it from its stream, and its version."""
        vehicle, version = VEHICLES.replay(self.app.store, vehicle_id_for(VIN))
        assert vehicle is not None
        return vehicle, version

    def send(self, kind: str, command: Any, expected: int | None, request_id: str | None = None) -> CommandResult:
        context = call(request_id or str(uuid.uuid4()), expected_version=expected)
        handle = self.app.handle_vehicle if kind == "vehicle" else self.app.handle_claim
        result = handle(context, command)
        self.sent.append(Sent(kind, context.request_id, command, expected, result))
        return result

    def refused(self, error: type[Exception], kind: str, command: Any, expected: int | None) -> None:
        head = self.app.store.head_position()
        with pytest.raises(error):
            self.send(kind, command, expected)
        assert self.app.store.head_position() == head

    def expectation(self, data: st.DataObject, current: int) -> tuple[int | None, bool]:
        """None, the current version, or a stale/ahead one; and whether it is stale."""
        expected = data.draw(st.sampled_from([None, current, current - 1, current + 1]), label="expected_version")
        return expected, expected is not None and expected != current

    # -- vehicle rules --

    @rule(value=st.integers(0, 40_000), day=st.integers(0, (LAST_DAY - DELIVERY).days), data=st.data())
    def record_a_reading(self, value: int, day: int, data: st.DataObject) -> None:
        on = DELIVERY + timedelta(days=day)
        read_at = datetime.combine(on, time(12), tzinfo=UTC)
        command = record_reading(mi(value), read_at)
        expected, stale = self.expectation(data, self.model.vehicle_version)
        if stale:
            self.refused(ConcurrentUpdateError, "vehicle", command, expected)
        elif self.model.rollback(value, on):
            self.refused(PreconditionFailedError, "vehicle", command, expected)
        else:
            result = self.send("vehicle", command, expected)
            if (on, value, read_at) not in self.model.readings:
                self.model.readings.append((on, value, read_at))
                self.model.vehicle_version += 1
            assert result.version == self.model.vehicle_version

    @rule(code=st.sampled_from(["BASIC", "POWERTRAIN", "CORROSION"]), data=st.data())
    def attach_a_coverage(self, code: str, data: st.DataObject) -> None:
        command = attach_coverage(code=code)
        expected, stale = self.expectation(data, self.model.vehicle_version)
        if stale:
            self.refused(ConcurrentUpdateError, "vehicle", command, expected)
        elif code in self.model.coverages:
            self.refused(AlreadyExistsError, "vehicle", command, expected)
        else:
            result = self.send("vehicle", command, expected)
            self.model.coverages.add(code)
            self.model.vehicle_version += 1
            assert result.version == self.model.vehicle_version

    # -- claim rules --

    @rule(line_no=st.sampled_from([1, 2]), decision=st.sampled_from([LineDecision.APPROVE, LineDecision.REJECT]),
          data=st.data())  # fmt: skip
    def decide_a_line(self, line_no: int, decision: LineDecision, data: st.DataObject) -> None:
        reason = None if decision == LineDecision.APPROVE else "NO-FAULT-FOUND"
        command = DecideLine(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, line_no=line_no, decision=decision,
                             decided_by=cb.DESK, reason_code=reason)  # fmt: skip
        expected, stale = self.expectation(data, self.model.claim_version)
        if stale:
            self.refused(ConcurrentUpdateError, "claim", command, expected)
        elif self.model.claim_status != ClaimStatus.UNDER_REVIEW or line_no in self.model.decisions:
            self.refused(PreconditionFailedError, "claim", command, expected)
        else:
            result = self.send("claim", command, expected)
            self.model.decisions[line_no] = decision
            self.model.claim_version += 1
            if len(self.model.decisions) == 2:
                kinds = frozenset(self.model.decisions.values())
                self.model.claim_status = OUTCOME.get(kinds, ClaimStatus.PARTIALLY_APPROVED)
                self.model.claim_version += 1
            assert result.version == self.model.claim_version

    @rule(reference=st.sampled_from(["CR-1", "CR-2"]), data=st.data())
    def pay_the_claim(self, reference: str, data: st.DataObject) -> None:
        command = PostPayment(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, credit_reference=reference)
        expected, stale = self.expectation(data, self.model.claim_version)
        decided = (ClaimStatus.APPROVED, ClaimStatus.PARTIALLY_APPROVED)
        if stale:
            self.refused(ConcurrentUpdateError, "claim", command, expected)
        elif self.model.credit_reference == reference:
            assert self.send("claim", command, expected).version == self.model.claim_version
        elif self.model.claim_status not in decided:
            self.refused(PreconditionFailedError, "claim", command, expected)
        else:
            result = self.send("claim", command, expected)
            self.model.claim_status, self.model.credit_reference = ClaimStatus.PAID, reference
            self.model.claim_version += 1
            assert result.version == self.model.claim_version

    @rule(data=st.data())
    def withdraw_the_claim(self, data: st.DataObject) -> None:
        command = WithdrawClaim(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, reason="customer declined")
        expected, stale = self.expectation(data, self.model.claim_version)
        if stale:
            self.refused(ConcurrentUpdateError, "claim", command, expected)
        elif self.model.claim_status == ClaimStatus.PAID:
            self.refused(PreconditionFailedError, "claim", command, expected)
        else:
            result = self.send("claim", command, expected)
            if self.model.claim_status != ClaimStatus.WITHDRAWN:
                self.model.claim_status = ClaimStatus.WITHDRAWN
                self.model.claim_version += 1
            assert result.version == self.model.claim_version

    # -- retries --

    @precondition(lambda self: bool(self.sent))
    @rule(data=st.data())
    def retry_an_accepted_request(self, data: st.DataObject) -> None:
        earlier = data.draw(st.sampled_from(self.sent), label="earlier")
        head = self.app.store.head_position()
        handle = self.app.handle_vehicle if earlier.kind == "vehicle" else self.app.handle_claim
        again = handle(call(earlier.request_id, expected_version=earlier.expected_version), earlier.command)
        assert again == earlier.result
        assert self.app.store.head_position() == head

    @precondition(lambda self: bool(self.sent))
    @rule(data=st.data())
    def reuse_a_request_id_for_another_request(self, data: st.DataObject) -> None:
        earlier = data.draw(st.sampled_from(self.sent), label="earlier")
        other = WithdrawClaim(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, reason=f"other {uuid.uuid4()}")
        head = self.app.store.head_position()
        with pytest.raises(RequestIdReusedError):
            self.app.handle_claim(call(earlier.request_id), other)
        assert self.app.store.head_position() == head

    # -- the application and the model agree --

    @invariant()
    def the_vehicle_is_the_models(self) -> None:
        if not hasattr(self, "model"):
            return
        vehicle, version = self.vehicle()
        assert version == self.model.vehicle_version
        assert sorted((r.read_at, int(r.reading.value)) for r in vehicle.readings) == sorted(
            (at, value) for _, value, at in self.model.readings
        )
        assert {c.code for c in vehicle.coverages} == self.model.coverages

    @invariant()
    def the_claim_is_the_models(self) -> None:
        if not hasattr(self, "model"):
            return
        claim, version = self.app.get_claim(cb.DEALER, cb.CLAIM_NUMBER)
        assert (claim.status, version) == (self.model.claim_status, self.model.claim_version)
        assert {d.line_no: d.decision for d in claim.decisions} == self.model.decisions


ApplicationAgainstModel.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestApplicationAgainstModel = ApplicationAgainstModel.TestCase
