"""VehicleService over a real channel: every RPC, every client mistake, retries and conflicts."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from claims.api.v1 import common_pb2
from claims.api.v1 import vehicles_pb2 as pb
from tests.builders import EU_VIN, VIN
from tests.e2e.conftest import Api, rich_error
from tests.e2e.requests import coverage_request, reading_request, register_request


def test_health_reports_serving_on_a_migrated_store(api: Api) -> None:
    response = health_pb2_grpc.HealthStub(api.channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
    assert response.status == health_pb2.HealthCheckResponse.SERVING


def test_register_attach_and_read_a_vehicle_with_its_coverage_status(api: Api) -> None:
    registered = api.vehicles.RegisterVehicle(register_request(), timeout=5)
    attached = api.vehicles.AttachCoverage(coverage_request(expected_version=1), timeout=5)
    assert (registered.result.version, attached.result.version) == (1, 2)
    assert attached.result.position > registered.result.position

    vehicle = api.vehicles.GetVehicle(pb.GetVehicleRequest(identifier=VIN, as_of_date="2026-01-12"), timeout=5).vehicle
    assert (vehicle.identifier, vehicle.version, vehicle.evaluated_on) == (VIN, 2, "2026-01-12")
    coverage = vehicle.coverages[0]
    assert (coverage.starts_on, coverage.ends_on) == ("2025-01-12", "2028-01-11")
    assert coverage.status.in_force
    assert coverage.wear_parts[0].status.state == pb.COVERAGE_STATE_EXPIRED_BY_TIME


def test_coverage_is_evaluated_at_the_reading_asked_for(api: Api) -> None:
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    api.vehicles.AttachCoverage(coverage_request(), timeout=5)
    request = pb.GetVehicleRequest(identifier=VIN, as_of_date="2026-01-12")
    request.odometer.value, request.odometer.unit = "36013", common_pb2.DISTANCE_UNIT_MI
    status = api.vehicles.GetVehicle(request, timeout=5).vehicle.coverages[0].status
    assert (status.state, status.distance_used, status.distance_remaining) == (
        pb.COVERAGE_STATE_EXPIRED_BY_DISTANCE,
        "36001",
        "0",
    )


def test_a_retried_request_is_answered_once(api: Api) -> None:
    request = register_request()
    first = api.vehicles.RegisterVehicle(request, timeout=5)
    head = api.head()
    again = api.vehicles.RegisterVehicle(request, timeout=5)
    assert again == first
    assert api.head() == head


def test_a_request_id_reused_for_another_payload_is_invalid(api: Api) -> None:
    api.vehicles.RegisterVehicle(register_request(request_id="r-1"), timeout=5)
    with pytest.raises(grpc.RpcError) as caught:
        api.vehicles.RegisterVehicle(register_request(request_id="r-1", model="Other"), timeout=5)
    error = rich_error(caught.value)
    assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED")
    assert "request_id" in error.fields


def test_a_manufacturer_longer_than_64_characters_is_invalid_and_nothing_is_written(api: Api) -> None:
    # given a registration naming a 65-character manufacturer
    head = api.head()
    # when it is sent, then the field is named and the log does not move
    with pytest.raises(grpc.RpcError) as caught:
        api.vehicles.RegisterVehicle(register_request(manufacturer="M" * 65), timeout=5)
    error = rich_error(caught.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "manufacturer" in error.fields
    assert api.head() == head


def test_registering_a_vin_twice_already_exists(api: Api) -> None:
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    with pytest.raises(grpc.RpcError) as caught:
        api.vehicles.RegisterVehicle(register_request(), timeout=5)
    error = rich_error(caught.value)
    assert (error.code, error.reason, error.metadata) == (
        grpc.StatusCode.ALREADY_EXISTS,
        "ALREADY_EXISTS",
        {"identifier": VIN},
    )


BAD_REGISTRATIONS: list[tuple[str, dict[str, Any], set[str]]] = [
    ("wrong check digit", {"identifier": "1M8GDM9A1KP042788"}, {"identifier"}),
    ("letter O in the VIN", {"identifier": "1M8GDM9AXKP04278O"}, {"identifier"}),
    ("short VIN", {"identifier": "1M8GDM9AX"}, {"identifier"}),
    (
        "delivery 31 days before invoice",
        {"invoice_date": "2025-03-31", "delivery_date": "2025-02-28"},
        {"delivery_date"},
    ),
    ("future sale", {"invoice_date": "2027-01-01", "delivery_date": "2027-01-02"}, {"invoice_date", "delivery_date"}),
    ("not a date", {"invoice_date": "2025-02-30"}, {"invoice_date"}),
    (
        "negative odometer",
        {"odometer_at_delivery": {"value": "-1", "unit": "DISTANCE_UNIT_MI"}},
        {"odometer_at_delivery.value"},
    ),
    (
        "absurd odometer",
        {"odometer_at_delivery": {"value": "5000000", "unit": "DISTANCE_UNIT_MI"}},
        {"odometer_at_delivery"},
    ),
    (
        "odometer NaN",
        {"odometer_at_delivery": {"value": "NaN", "unit": "DISTANCE_UNIT_MI"}},
        {"odometer_at_delivery.value"},
    ),
    ("no unit", {"odometer_at_delivery": {"value": "10"}}, {"odometer_at_delivery.unit"}),
    ("unknown jurisdiction", {"jurisdiction": "US-XX"}, {"jurisdiction"}),
    ("missing fields", {"model": None, "dealer_id": None, "price": None}, {"model", "dealer_id", "price"}),
    ("oversized strings", {"model": "M" * 10_000, "owner_ref": "C" * 500}, {"model", "owner_ref"}),
    ("negative price", {"price": {"amount": "-40000", "currency": "USD"}}, {"price"}),
    ("unknown currency", {"price": {"amount": "40000", "currency": "ABC"}}, {"price.currency"}),
    ("missing request id", {"request_id": ""}, {"request_id"}),
    ("request id with spaces", {"request_id": "a b"}, {"request_id"}),
]


@pytest.mark.parametrize(("case", "overrides", "fields"), BAD_REGISTRATIONS, ids=[c[0] for c in BAD_REGISTRATIONS])
def test_bad_registrations_name_each_field_and_store_nothing(
    api: Api, case: str, overrides: dict[str, Any], fields: set[str]
) -> None:
    head = api.head()
    with pytest.raises(grpc.RpcError) as caught:
        api.vehicles.RegisterVehicle(register_request(**overrides), timeout=5)
    error = rich_error(caught.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT, case
    assert set(error.fields) == fields, error.fields
    assert api.head() == head


def test_an_unknown_component_group_is_invalid(api: Api) -> None:
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    request = coverage_request()
    request.component_groups.append(99)
    with pytest.raises(grpc.RpcError) as caught:
        api.vehicles.AttachCoverage(request, timeout=5)
    error = rich_error(caught.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(error.fields) == {"component_groups[2]"}


def test_a_coverage_without_component_groups_or_period_is_invalid(api: Api) -> None:
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    with pytest.raises(grpc.RpcError) as caught:
        api.vehicles.AttachCoverage(coverage_request(component_groups=[], period=None, kind=None), timeout=5)
    assert set(rich_error(caught.value).fields) == {"component_groups", "period", "kind"}


def test_an_unknown_vehicle_is_not_found(api: Api) -> None:
    for call in (
        lambda: api.vehicles.GetVehicle(pb.GetVehicleRequest(identifier=EU_VIN), timeout=5),
        lambda: api.vehicles.AttachCoverage(coverage_request(identifier=EU_VIN), timeout=5),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            call()
        assert rich_error(caught.value).code == grpc.StatusCode.NOT_FOUND


def test_an_odometer_rollback_fails_its_precondition_and_names_the_earlier_reading(api: Api) -> None:
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    api.vehicles.RecordOdometerReading(reading_request("5000", "2025-06-01T10:00:00Z"), timeout=5)
    head = api.head()
    with pytest.raises(grpc.RpcError) as caught:
        api.vehicles.RecordOdometerReading(reading_request("4000", "2025-07-01T10:00:00Z"), timeout=5)
    error = rich_error(caught.value)
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "ODOMETER_ROLLBACK")
    assert error.metadata["conflicting_reading"] == "5000 MI"
    assert error.preconditions[0].type == "ODOMETER_ROLLBACK"
    assert api.head() == head


def test_a_stale_expected_version_is_aborted(api: Api) -> None:
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    api.vehicles.RecordOdometerReading(reading_request("100", "2025-03-01T10:00:00Z", expected_version=1), timeout=5)
    with pytest.raises(grpc.RpcError) as caught:
        api.vehicles.RecordOdometerReading(
            reading_request("200", "2025-04-01T10:00:00Z", expected_version=1), timeout=5
        )
    error = rich_error(caught.value)
    assert (error.code, error.reason, error.metadata["actual_version"]) == (
        grpc.StatusCode.ABORTED,
        "VERSION_CONFLICT",
        "2",
    )


def test_a_transfer_changes_the_owner(api: Api) -> None:
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    request = pb.TransferOwnershipRequest(
        request_id="t-1", identifier=VIN, new_owner_ref="CUST-2", transferred_on="2026-02-01"
    )
    api.vehicles.TransferOwnership(request, timeout=5)
    vehicle = api.vehicles.GetVehicle(pb.GetVehicleRequest(identifier=VIN), timeout=5).vehicle
    assert (vehicle.owner_ref, vehicle.transfers[0].previous_owner_ref) == ("CUST-2", "CUST-1")


def test_an_undecodable_body_is_invalid_not_internal(api: Api) -> None:
    raw = api.channel.unary_unary(
        "/claims.api.v1.VehicleService/RegisterVehicle", request_serializer=None, response_deserializer=None
    )
    with pytest.raises(grpc.RpcError) as caught:
        raw(b"\xff\xff\xff\xff\x0f", timeout=5)
    error = rich_error(caught.value)
    assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_REQUEST")


def test_a_list_read_after_a_write_sees_the_write_and_pages(api: Api) -> None:
    eur = {"amount": "1", "currency": "EUR"}
    requests = [
        register_request(identifier=f"WVWZZZ1JZXW00000{i}", jurisdiction="EU-DE", price=eur) for i in range(1, 6)
    ]
    positions = [api.vehicles.RegisterVehicle(r, timeout=5).result.position for r in requests]
    first = api.vehicles.ListVehicles(pb.ListVehiclesRequest(page_size=2, min_position=max(positions)), timeout=5)
    assert [v.identifier for v in first.vehicles] == ["WVWZZZ1JZXW000001", "WVWZZZ1JZXW000002"]
    assert first.position >= max(positions)
    second = api.vehicles.ListVehicles(pb.ListVehiclesRequest(page_size=2, page_token=first.next_page_token), timeout=5)
    third = api.vehicles.ListVehicles(pb.ListVehiclesRequest(page_size=2, page_token=second.next_page_token), timeout=5)
    assert [v.identifier for v in [*second.vehicles, *third.vehicles]] == [f"WVWZZZ1JZXW00000{i}" for i in (3, 4, 5)]
    assert third.next_page_token == ""


def test_a_forged_page_token_or_changed_filter_is_invalid(api: Api) -> None:
    for request in (
        pb.ListVehiclesRequest(page_token="eyJhIjoiWiJ9.0000"),
        pb.ListVehiclesRequest(page_size=-1),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            api.vehicles.ListVehicles(request, timeout=5)
        assert rich_error(caught.value).code == grpc.StatusCode.INVALID_ARGUMENT


def test_waiting_for_a_position_never_reached_ends_at_the_deadline(api: Api) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        api.vehicles.ListVehicles(pb.ListVehiclesRequest(min_position=10_000), timeout=0.5)
    error = rich_error(caught.value)
    assert (error.code, error.reason, error.metadata["min_position"]) == (
        grpc.StatusCode.DEADLINE_EXCEEDED,
        "READ_MODEL_BEHIND",
        "10000",
    )


def test_many_concurrent_dealers_on_the_embedded_store_all_succeed(api: Api) -> None:
    vins = [f"WVWZZZ1JZXW{n:06d}" for n in range(40)]

    def register(vin: str) -> int:
        request = register_request(identifier=vin, jurisdiction="EU-DE", price={"amount": "1", "currency": "EUR"})
        return int(api.vehicles.RegisterVehicle(request, timeout=10).result.position)

    with ThreadPoolExecutor(16) as pool:
        positions = list(pool.map(register, vins))
    assert len(set(positions)) == 40


def test_the_correlation_and_actor_headers_reach_the_stored_metadata(api: Api) -> None:
    api.vehicles.RegisterVehicle(
        register_request(request_id="req-77"),
        metadata=(("x-claims-actor", "dealer:D042"), ("x-correlation-id", "corr-xyz")),
        timeout=5,
    )
    meta = api.engine.persistence.events.read_all(0, 1)[0].metadata
    assert (meta.actor, meta.request_id, meta.correlation_id) == ("dealer:D042", "req-77", "corr-xyz")


@pytest.mark.postgres
def test_the_api_works_the_same_on_postgresql(pg_api: Api) -> None:
    position = pg_api.vehicles.RegisterVehicle(register_request(), timeout=5).result.position
    pg_api.vehicles.AttachCoverage(coverage_request(request_id=str(uuid.uuid4())), timeout=5)
    vehicle = pg_api.vehicles.GetVehicle(pb.GetVehicleRequest(identifier=VIN), timeout=5).vehicle
    listed = pg_api.vehicles.ListVehicles(pb.ListVehiclesRequest(min_position=position), timeout=5)
    assert (vehicle.version, [v.identifier for v in listed.vehicles]) == (2, [VIN])


@pytest.mark.postgres
def test_health_turns_not_serving_when_the_store_goes_away(pg_api: Api) -> None:
    import psycopg

    from tests.conftest import POSTGRES_DSN

    health = health_pb2_grpc.HealthStub(pg_api.channel)
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
    schema = pg_api.engine.persistence.location.schema
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    assert pg_api.engine.check_health() is False
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.NOT_SERVING
    with pytest.raises(grpc.RpcError) as caught:
        pg_api.vehicles.RegisterVehicle(register_request(), timeout=5)
    assert rich_error(caught.value).code == grpc.StatusCode.UNAVAILABLE
