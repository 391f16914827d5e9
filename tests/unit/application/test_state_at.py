"""State as of any moment, and the determinism recheck, through the application on the in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.application.app import ClaimsApplication
from claims.application.messages import NewEvent
from claims.application.recheck import recheck
from claims.application.statutory import StatutoryInputs
from claims.domain.claim.commands import WithdrawClaim
from claims.domain.claim.events import ClaimFiled
from claims.domain.claim.state import Claim
from claims.domain.claim.values import ClaimStatus
from claims.domain.errors import InvalidCommandError, NotFoundError
from claims.domain.ids import claim_id_for
from claims.domain.repair_order.state import RepairOrder
from claims.domain.statutory_case.state import StatutoryCase
from claims.domain.vehicle.state import Vehicle
from tests.builders import CN_VIN, attach_coverage, call, cn_vehicle, km, register_vehicle
from tests.conftest import FixedClock
from tests.unit.application.test_claim_use_cases import repair
from tests.unit.application.test_statutory_use_cases import repair as cn_repair
from tests.unit.domain import claim_builders as cb

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def app(clock: FixedClock) -> ClaimsApplication:
    app = ClaimsApplication(open_store(parse_store_url("memory://")).events, clock, part_usage={cb.CAUSAL_PART: 4})
    app.handle_vehicle(call(), register_vehicle())
    clock.advance(hours=1)
    app.handle_vehicle(call(), attach_coverage())
    clock.advance(hours=1)
    repair(app, cb.RO_NUMBER)
    return app


def test_a_vehicle_as_of_its_first_version_has_only_its_registration(app: ClaimsApplication) -> None:
    first = app.state_at("vehicle", (cb.VIN,), version=1)
    now = app.state_at("vehicle", (cb.VIN,))
    assert isinstance(first.state, Vehicle)
    assert (first.version, [e.version for e in first.events]) == (1, [1])
    assert first.events[0].topic == "claims.vehicle.VehicleRegistered"
    assert first.events[0].position is not None
    assert first.state_json()["coverages"] == []
    assert now.version > 1
    assert len(now.state_json()["coverages"]) == 1


def test_a_vehicle_as_of_a_moment_between_two_events_is_the_state_after_the_earlier(app: ClaimsApplication) -> None:
    between = app.state_at("vehicle", (cb.VIN,), at=T0 + timedelta(minutes=30))
    assert (between.version, between.state_json()["coverages"]) == (1, [])
    at_second = app.state_at("vehicle", (cb.VIN,), at=T0 + timedelta(hours=1))
    assert at_second.version == 2
    assert [e.metadata.recorded_at for e in at_second.events] == [T0, T0 + timedelta(hours=1)]


def test_a_claim_as_of_its_first_version_and_now(app: ClaimsApplication, clock: FixedClock) -> None:
    app.handle_claim(call(), cb.file_claim())
    clock.advance(hours=1)
    app.handle_claim(call(), WithdrawClaim(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, reason="filed in error"))
    first = app.state_at("claim", (cb.DEALER, cb.CLAIM_NUMBER), version=1)
    now = app.state_at("claim", (cb.DEALER, cb.CLAIM_NUMBER))
    assert isinstance(first.state, Claim)
    assert isinstance(now.state, Claim)
    assert first.state.status == ClaimStatus.UNDER_REVIEW
    assert now.state.status != first.state.status
    assert now.version == 2
    assert [e.topic for e in first.events] == ["claims.claim.ClaimFiled"]
    order = app.state_at("repair_order", (cb.DEALER, cb.RO_NUMBER))
    assert isinstance(order.state, RepairOrder)


def test_unknown_subjects_and_moments_before_the_first_event_are_not_found(app: ClaimsApplication) -> None:
    with pytest.raises(NotFoundError):
        app.state_at("claim", (cb.DEALER, "NO-SUCH-CLAIM"))
    with pytest.raises(NotFoundError):
        app.state_at("vehicle", (cb.VIN,), at=T0 - timedelta(seconds=1))
    with pytest.raises(NotFoundError):
        app.state_at("vehicle", (cb.VIN,), version=99)
    with pytest.raises(NotFoundError):
        app.state_at("contract", ("INS-1", "SC-404"))
    with pytest.raises(InvalidCommandError):
        app.state_at("vehicle", (cb.VIN,), version=0)
    with pytest.raises(InvalidCommandError):
        app.state_at("claim", (cb.DEALER,))


def cn_app() -> ClaimsApplication:
    inputs = StatutoryInputs(usage_coefficient={"CN": Decimal("0.005")})
    app = ClaimsApplication(
        open_store(parse_store_url("memory://")).events, FixedClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC)),
        statutory=inputs,
    )  # fmt: skip
    sold = datetime(2026, 1, 5).date()
    app.handle_vehicle(call(), cn_vehicle(invoice_date=sold, delivery_date=sold, odometer_at_delivery=km(0)))
    sanbao = {"months": 24, "distance_limit": Decimal(50000), "distance_unit": "KM"}
    app.handle_vehicle(call(), attach_coverage(identifier=CN_VIN, code="CN-SANBAO", kind="STATUTORY", period=sanbao,
                                               component_groups=["ENGINE", "TRANSMISSION"]))  # fmt: skip
    return app


def test_a_statutory_case_as_of_a_version_and_its_determinations_recheck_the_same() -> None:
    app = cn_app()
    start = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)
    for n in range(1, 6):
        cn_repair(app, n, start + timedelta(days=10 * n), hours=30)
    case = app.state_at("statutory_case", (CN_VIN,), version=2)
    assert isinstance(case.state, StatutoryCase)
    assert len(case.state.visits) == 1
    report = recheck(app.store, {"CN": Decimal("0.005")})
    determinations = [c for c in report.checks if c.topic.endswith("EligibilityDetermined")]
    assert determinations, report.checks
    assert report.differences == (), [c.describe() for c in report.differences]
    assert report.summary() == f"checked {len(report.checks)} decisions, 0 differences"


def test_recheck_rederives_a_filed_claims_routing_from_its_recorded_outcomes(app: ClaimsApplication) -> None:
    app.handle_claim(call(), cb.file_claim())
    report = recheck(app.store)
    assert (len(report.checks), report.differences) == (1, ())


def test_recheck_reports_a_recorded_routing_its_outcomes_do_not_give(app: ClaimsApplication) -> None:
    app.handle_claim(call(), cb.file_claim())
    filed = app.store.load(claim_id_for(cb.DEALER, cb.CLAIM_NUMBER))[0]
    assert isinstance(filed.event, ClaimFiled)
    wrong = filed.event.version.model_copy(update={"routed_to": ClaimStatus.REJECTED})
    forged = filed.event.model_copy(update={"version": wrong})
    app.store.append([NewEvent(uuid4(), 1, forged, filed.metadata)])
    report = recheck(app.store)
    assert len(report.checks) == 2
    [difference] = report.differences
    assert "routed_to REJECTED, outcomes route to UNDER_REVIEW" in (difference.difference or "")
    assert report.summary() == "checked 2 decisions, 1 differences"
