"""The contracts read model on SQLite and PostgreSQL: contracts by VIN and insurer, claims under contracts, once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from claims.adapters.persistence.factory import Persistence
from claims.application.app import ClaimsApplication
from claims.domain.ids import claim_id_for
from claims.projections.claims import ClaimProjection
from claims.projections.contracts import ContractDirectory, ContractProjection
from claims.projections.runner import ProjectionRunner
from tests.builders import attach_coverage, call, register_vehicle
from tests.conftest import FixedClock
from tests.unit.application.test_claim_use_cases import repair
from tests.unit.application.test_contract_use_cases import cancel, pay_claim, sell
from tests.unit.domain import claim_builders as cb

ALL: dict[str, Any] = {"contract_number": "", "vin": "", "status": "", "filed_from": None, "filed_to": None}


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Persistence:
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


def caught_up(store: Persistence) -> tuple[ProjectionRunner, ContractDirectory]:
    assert store.database is not None
    runner = ProjectionRunner(store.events, store.database, [ClaimProjection(), ContractProjection()], batch_size=7)
    while runner.run_once():
        pass
    return runner, ContractDirectory(store.database)


@pytest.fixture
def app(store: Persistence) -> ClaimsApplication:
    """Two insurers' contracts on one vehicle; C-1001 is filed under both and paid by the first sold (INS-1's).

    INS-2's contract is then cancelled, so C-1002, filed afterwards, is under INS-1's alone.
    """
    app = ClaimsApplication(store.events, FixedClock(datetime(2026, 3, 10, 10, 0, tzinfo=UTC)))
    app.handle_vehicle(call(), register_vehicle())
    app.handle_vehicle(call(), attach_coverage())
    repair(app, cb.RO_NUMBER)
    app.handle_contract(call(), sell())
    app.handle_contract(call(), sell(insurer_id="INS-2", contract_number="X-9", price=cb.usd("1500.00")))
    pay_claim(app)
    app.handle_contract(call(), cancel(date(2026, 3, 1), insurer_id="INS-2", contract_number="X-9"))
    repair(app, "RO-1002")
    app.handle_claim(call(), cb.file_claim(claim_number="C-1002", ro_number="RO-1002"))
    return app


def test_contracts_are_listed_by_insurer_and_by_vin_with_their_status_and_totals(
    app: ClaimsApplication, store: Persistence
) -> None:
    _, directory = caught_up(store)
    by_vin = directory.contracts(insurer_id="", vin=cb.VIN, status="", after="", limit=10)
    # X-9 cancelled on day 45: 1,500.00 × 1,781 / 1,826 = 1,463.028… − 50.00 fee = 1,413.03
    assert [(c.insurer_id, c.contract_number, c.status, c.claims_paid_total, c.refund) for c in by_vin] == [
        ("INS-1", "SC-1001", "IN_FORCE", "582.75", None),
        ("INS-2", "X-9", "CANCELLED", "0", "1413.03"),
    ]
    first = by_vin[0]
    assert (first.sold_on, first.expires_on, first.price, first.deductible_per_visit, first.version) == (
        "2026-01-15", "2031-01-14", "2000.00", "100.00", 2,
    )  # fmt: skip
    page = directory.contracts(insurer_id="", vin="", status="", after="INS-1|SC-1001", limit=10)
    assert [c.contract_number for c in page] == ["X-9"]


def test_claims_are_listed_under_the_contracts_in_force_when_they_were_filed(
    app: ClaimsApplication, store: Persistence
) -> None:
    _, directory = caught_up(store)
    ours = directory.claims(insurer_id="INS-1", **ALL, after="", limit=10)
    shares = [(c.summary.claim_number, c.summary.status, [(s.contract_number, s.paid_amount) for s in c.contracts])
              for c in ours]  # fmt: skip
    assert shares == [("C-1001", "PAID", [("SC-1001", "582.75")]), ("C-1002", "UNDER_REVIEW", [("SC-1001", None)])]
    assert (ours[0].paid_at is None, ours[0].decided_at is None, ours[1].paid_at) == (False, False, None)
    theirs = directory.claims(insurer_id="INS-2", **ALL, after="", limit=10)
    assert [(c.summary.claim_number, c.contracts[0].paid_amount) for c in theirs] == [("C-1001", None)]
    second = claim_id_for(cb.DEALER, "C-1002")
    assert directory.claim("INS-2", second) is None
    found = directory.claim("INS-1", second)
    assert found is not None
    assert found.contracts[0].deductible_per_visit == "100.00"
    paged = directory.claims(insurer_id="INS-1", **ALL, after=ours[0].cursor, limit=10)
    assert [c.summary.claim_number for c in paged] == ["C-1002"]
    assert (
        directory.claims(insurer_id="INS-1", **ALL | {"status": "PAID"}, after="", limit=10)[0].summary.claim_number
        == "C-1001"
    )
    assert directory.claims(insurer_id="INS-1", **ALL | {"contract_number": "X-9"}, after="", limit=10) == []
    assert directory.claims(insurer_id="INS-1", **ALL | {"filed_to": date(2026, 3, 9)}, after="", limit=10) == []


def test_each_event_is_projected_once_however_the_batches_fall(app: ClaimsApplication, store: Persistence) -> None:
    runner, directory = caught_up(store)
    before = directory.claims(insurer_id="INS-1", **ALL, after="", limit=10)
    again, _ = caught_up(store)
    assert again.run_once() == 0
    assert runner.position("contracts") == store.events.head_position()
    assert directory.claims(insurer_id="INS-1", **ALL, after="", limit=10) == before
