"""Regressions for what the fuzzer found: each was answered INTERNAL (or worse) before its fix."""

from __future__ import annotations

import grpc
import pytest

from claims.api.v1 import claims_pb2, contracts_pb2
from tests.e2e.conftest import Api, refused
from tests.e2e.requests import (
    ODOMETER_IN,
    RO_OPENED_AT,
    close_ro_request,
    open_ro_request,
    register_request,
    work_request,
)
from tests.reliability.conftest import with_filed_claim


def test_listing_claims_filed_up_to_the_last_representable_day_lists_them(api: Api) -> None:
    # Found by `make soak`: filed_to 9999-12-31 overflowed computing the next day's midnight (INTERNAL).
    with_filed_claim(api)
    position = api.head()
    request = claims_pb2.ListClaimsRequest(
        dealer_id="D042", filed_from="0001-01-01", filed_to="9999-12-31", min_position=position
    )
    listed = api.claims.ListClaims(request, timeout=5)
    assert [c.claim_number for c in listed.claims] == ["C-1001"]


def test_listing_an_insurers_claims_up_to_the_last_representable_day_answers(api: Api) -> None:
    # Found by `make soak`: the same overflow in the contract claims read model.
    request = contracts_pb2.ListContractClaimsRequest(
        insurer_id="INS-1", filed_from="0001-01-01", filed_to="9999-12-31"
    )
    listed = api.insurer.ListContractClaims(request, timeout=5)
    assert list(listed.claims) == []


@pytest.mark.parametrize("invoice_date", ["0001-01-01", "0001-01-05"])
def test_a_sale_invoiced_in_year_1_is_refused_as_a_client_mistake(api: Api, invoice_date: str) -> None:
    # Found by `make soak`: the delivery tolerance subtracted days from 0001-01-01 and overflowed (INTERNAL).
    error = refused(api, api.vehicles.RegisterVehicle, register_request(invoice_date=invoice_date))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "invoice_date" in error.fields


def test_closing_a_repair_order_named_with_surrounding_spaces_answers_what_it_wrote(api: Api) -> None:
    # Found by `make soak`: the command trims the RO number and closed the order, then the answer was read back
    # under the untrimmed number: NOT_FOUND for a close that had been written.
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    api.repair_orders.OpenRepairOrder(open_ro_request(opened_at=RO_OPENED_AT, odometer_in=ODOMETER_IN), timeout=5)
    api.repair_orders.RecordRepairWork(work_request(), timeout=5)
    closed = api.repair_orders.CloseRepairOrder(close_ro_request(ro_number=" RO-1001\n"), timeout=5)
    assert (closed.result.version, closed.repair_hours) == (3, "57")
