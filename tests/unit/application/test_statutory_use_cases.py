"""A vehicle's statutory case fed by its repair orders, through the application on the in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.application.app import ClaimsApplication
from claims.application.statutory import StatutoryInputs
from claims.domain.errors import NotFoundError
from claims.domain.repair_order.commands import CloseRepairOrder, OpenRepairOrder, RecordRepairWork
from claims.domain.repair_order.values import DefectKey, StatutoryFacts
from claims.domain.values import Money
from tests.builders import CN_VIN, attach_coverage, call, cn_vehicle, km
from tests.conftest import FixedClock

START = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def app() -> ClaimsApplication:
    inputs = StatutoryInputs(
        usage_coefficient={"CN": Decimal("0.005")},
        courtesy_car_daily_rate={"CN": Money(amount=Decimal(300), currency="CNY")},
    )
    clock = FixedClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    app = ClaimsApplication(open_store(parse_store_url("memory://")).events, clock, statutory=inputs)
    sold = datetime(2026, 1, 5).date()
    app.handle_vehicle(call(), cn_vehicle(invoice_date=sold, delivery_date=sold, odometer_at_delivery=km(0)))
    sanbao = {"months": 24, "distance_limit": Decimal(50000), "distance_unit": "KM"}
    app.handle_vehicle(call(), attach_coverage(identifier=CN_VIN, code="CN-SANBAO", kind="STATUTORY", period=sanbao,
                                               component_groups=["ENGINE", "TRANSMISSION"]))  # fmt: skip
    return app


def repair(app: ClaimsApplication, n: int, opened: datetime, hours: float, *, statutory: bool = True) -> None:
    ref = {"dealer_id": "D-CN-1", "ro_number": f"RO-{n}"}
    app.handle_repair_order(call(), OpenRepairOrder(**ref, vin=CN_VIN, opened_at=opened, odometer_in=km(1000 * n),
                                                    complaint="engine stalls"))  # fmt: skip
    facts = StatutoryFacts(component_group="ENGINE") if statutory else None
    app.handle_repair_order(call(), RecordRepairWork(**ref, cause="injector", correction="replaced injector",
        defect=DefectKey(causal_part_number="INJ-100", failure_code="P0201"), statutory=facts))  # fmt: skip
    closed = opened + timedelta(hours=hours)
    app.handle_repair_order(call(), CloseRepairOrder(**ref, closed_at=closed, odometer_out=km(1000 * n)))


def test_the_fifth_repair_of_one_defect_entitles_replacement_or_refund_under_cn_2022(app: ClaimsApplication) -> None:
    for n in range(1, 5):
        repair(app, n, START + timedelta(days=10 * n), hours=30)
    case, _ = app.get_statutory_case(CN_VIN)
    assert len(case.visits) == 4
    assert "REPLACE_OR_REFUND" not in (case.determination.entitled if case.determination else ())
    repair(app, 5, START + timedelta(days=60), hours=30)
    case, _ = app.get_statutory_case(CN_VIN)
    assert case.determination is not None
    assert (case.determination.pack_id, "REPLACE_OR_REFUND" in case.determination.entitled) == ("CN-2022", True)


def test_a_single_repair_over_five_days_owes_courtesy_car_compensation(app: ClaimsApplication) -> None:
    repair(app, 1, START + timedelta(days=10), hours=130)
    case, _ = app.get_statutory_case(CN_VIN)
    assert [(c.days_owed, str(c.amount)) for c in case.compensations] == [(1, "300 CNY")]


def test_a_repair_without_statutory_facts_opens_no_case(app: ClaimsApplication) -> None:
    repair(app, 1, START + timedelta(days=10), hours=30, statutory=False)
    with pytest.raises(NotFoundError):
        app.get_statutory_case(CN_VIN)


def test_five_repairs_over_31_days_are_eligible_under_cn_2022_but_not_cn_2013(app: ClaimsApplication) -> None:
    for n, days in enumerate((6, 6, 6, 6, 7), start=1):  # 31 statutory days in five repairs of one defect
        repair(app, n, START + timedelta(days=10 * n), hours=24 * days)
    head = app.store.head_position()
    result = app.what_if(CN_VIN, "CN-2013", "1")
    assert (result.current.pack_id, result.other.pack_id) == ("CN-2022", "CN-2013")
    fired_now = {d.rule for d in result.differences if d.under_a is not None and d.under_a.fired}
    assert fired_now, [d.summary for d in result.differences]
    assert all(d.under_b is None or not d.under_b.fired for d in result.differences if d.rule in fired_now)
    assert app.store.head_position() == head  # what-if writes nothing


def test_what_if_refuses_a_pack_of_another_jurisdiction(app: ClaimsApplication) -> None:
    from claims.domain.errors import InvalidCommandError

    repair(app, 1, START + timedelta(days=10), hours=30)
    with pytest.raises(InvalidCommandError) as caught:
        app.what_if(CN_VIN, "US-CA", "1")
    assert caught.value.violations[0].field == "pack_id"


def test_a_repair_order_opened_before_delivery_names_opened_at(app: ClaimsApplication) -> None:
    from claims.domain.errors import InvalidCommandError

    with pytest.raises(InvalidCommandError) as caught:
        repair(app, 1, datetime(2026, 1, 1, 8, 0, tzinfo=UTC), hours=30)
    assert [v.field for v in caught.value.violations] == ["opened_at"]
