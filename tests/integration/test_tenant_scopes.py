"""The read models' tenant scopes on SQLite and PostgreSQL: a desk's claims, clocks and vehicles are those of its
make, an insurer's vehicles those it sold a contract on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from claims.adapters.persistence.factory import Persistence
from claims.application.app import ClaimsApplication
from claims.projections.claims import ClaimDirectory
from claims.projections.commitment_queries import ClockFilter, CommitmentQueries, LedgerFilter
from claims.projections.registry import create_all
from claims.projections.runner import ProjectionRunner
from claims.projections.vehicles import VehicleDirectory
from tests.builders import EU_VIN, attach_coverage, call, register_vehicle
from tests.conftest import FixedClock
from tests.unit.application.test_claim_use_cases import repair
from tests.unit.application.test_contract_use_cases import sell
from tests.unit.domain import claim_builders as cb


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Persistence:
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


def test_lists_narrowed_to_a_make_or_an_insurer(store: Persistence) -> None:
    assert store.database is not None
    app = ClaimsApplication(store.events, FixedClock(datetime(2026, 3, 10, 10, 0, tzinfo=UTC)),
                            part_usage={cb.CAUSAL_PART: 4})  # fmt: skip
    # given an ACME vehicle with an insurer's contract and a claim on it, and a vehicle named only by its VIN
    app.handle_vehicle(call(), register_vehicle(manufacturer="ACME"))
    app.handle_vehicle(call(), attach_coverage())
    app.handle_vehicle(call(), register_vehicle(identifier=EU_VIN, jurisdiction="EU-DE", dealer_id="D777"))
    app.handle_contract(call(), sell(insurer_id="I-1"))
    repair(app, cb.RO_NUMBER)
    app.handle_claim(call(), cb.file_claim())
    runner = ProjectionRunner(store.events, store.database, create_all())
    while runner.run_once():
        pass
    # then
    vehicles = VehicleDirectory(store.database)

    def identifiers(**scope: str) -> list[str]:
        return [v.identifier for v in vehicles.list(dealer_id="", jurisdiction="", after="", limit=10, **scope)]

    assert identifiers(manufacturer="ACME") == [cb.VIN]
    assert identifiers(manufacturer="WVW") == [EU_VIN]  # the WMI stands for the manufacturer nobody named
    assert identifiers(manufacturer="OTHER") == []
    assert identifiers(insurer_id="I-1") == [cb.VIN]
    assert identifiers(insurer_id="I-2") == []
    claims = ClaimDirectory(store.database)

    def claim_numbers(manufacturer: str | None) -> list[str]:
        rows = claims.list(dealer_id="", vin="", status="", filed_from=None, filed_to=None, after="", limit=10,
                           manufacturer=manufacturer)  # fmt: skip
        return [r.claim_number for r in rows]

    assert claim_numbers("ACME") == claim_numbers(None) == [cb.CLAIM_NUMBER]
    assert claim_numbers("WVW") == []
    queries = CommitmentQueries(store.database)
    everything = queries.clocks(ClockFilter(), after="", limit=50)
    assert everything, "a claim filed in California starts its decision clock"
    assert queries.clocks(ClockFilter(manufacturer="ACME"), after="", limit=50) == everything
    assert queries.clocks(ClockFilter(manufacturer="WVW"), after="", limit=50) == []
    assert queries.compensation_entries(LedgerFilter(manufacturer="WVW"), after="", limit=50) == []
    assert queries.compensation_balances(LedgerFilter(manufacturer="WVW")).totals == []
