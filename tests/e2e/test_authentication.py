"""Authentication over a real server: bearer tokens (API keys) and client certificates, rotation, revocation,
precise UNAUTHENTICATED reasons, and the authenticated actor in every event's metadata."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from claims.adapters.grpc.auth.certs import issue_client
from claims.adapters.grpc.auth.keys import new_key
from claims.api.v1 import audit_pb2, vehicles_pb2
from tests.builders import VIN
from tests.e2e.auth_fixtures import AuthServer, audit_stub
from tests.e2e.conftest import rich_error
from tests.e2e.requests import reading_request, register_request

DEALER = "dealer:D042"


def _refusal(call: object, request: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(request, timeout=5)  # type: ignore[operator]
    return caught.value


def _actors(server: AuthServer) -> list[str]:
    """The actor of every stored event, in log order."""
    return [e.metadata.actor for e in server.engine.persistence.events.read_all(0, 10_000)]


def test_a_call_without_credentials_is_unauthenticated_and_stores_nothing(auth_api: AuthServer) -> None:
    error = rich_error(_refusal(auth_api.anonymous().vehicles.RegisterVehicle, register_request()))
    assert error.code == grpc.StatusCode.UNAUTHENTICATED
    assert error.reason == "CREDENTIALS_MISSING"
    assert "authorization: Bearer" in error.message
    assert auth_api.engine.persistence.events.head_position() == 0


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Bearer", "TOKEN_MALFORMED"),
        ("Basic ZGVhbGVyOnNlY3JldA==", "TOKEN_MALFORMED"),
        ("Bearer not-a-claims-token", "TOKEN_MALFORMED"),
        ("Bearer claims_0123456789abcdef_short", "TOKEN_MALFORMED"),
        (f"Bearer claims_0123456789abcdef_{'A' * 43}", "TOKEN_INVALID"),  # well formed, no such key
    ],
)
def test_a_malformed_or_unknown_token_is_unauthenticated_with_a_precise_reason(
    auth_api: AuthServer, header: str, reason: str
) -> None:
    channel = auth_api.channel(metadata=[("authorization", header)])
    error = rich_error(_refusal(vehicles_stub(channel).GetVehicle, get_request()))
    assert (error.code, error.reason) == (grpc.StatusCode.UNAUTHENTICATED, reason)


def test_a_real_key_id_with_a_wrong_secret_reads_the_same_as_an_unknown_key(auth_api: AuthServer) -> None:
    token = auth_api.token(DEALER)
    forged = token[: -len("x")] + ("y" if token[-1] != "y" else "z")
    error = rich_error(_refusal(auth_api.api_with_token(forged).vehicles.GetVehicle, get_request()))
    assert (error.code, error.reason) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID")
    assert "D042" not in error.message  # nothing about whose key it is
    assert not error.metadata


def test_a_key_created_after_start_works_at_once_and_a_revoked_one_stops_without_restart(
    auth_api: AuthServer,
) -> None:
    token = auth_api.token(DEALER)  # minted while the server runs
    api = auth_api.api_with_token(token)
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    auth_api.revoke(token)
    error = rich_error(_refusal(api.vehicles.GetVehicle, get_request()))
    assert (error.code, error.reason) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_REVOKED")
    assert error.metadata == {"key_id": token.split("_")[1]}
    replacement = auth_api.api_as(DEALER)
    assert replacement.vehicles.GetVehicle(get_request(), timeout=5).vehicle.identifier == VIN


def test_a_retry_sent_with_a_rotated_key_gets_the_first_answer(auth_api: AuthServer) -> None:
    """Request ids belong to the principal, not to the key: rotating between a request and its retry is safe."""
    old = auth_api.token(DEALER, label="old")
    request = register_request(request_id=str(uuid.uuid4()))
    first = auth_api.api_with_token(old).vehicles.RegisterVehicle(request, timeout=5)
    new = auth_api.token(DEALER, label="new")
    auth_api.revoke(old)
    retried = auth_api.api_with_token(new).vehicles.RegisterVehicle(request, timeout=5)
    assert retried.result == first.result
    head = auth_api.engine.persistence.events.head_position()
    assert head == first.result.position  # the retry wrote nothing


def test_every_event_records_the_principal_and_the_key_that_authenticated_it(auth_api: AuthServer) -> None:
    token = auth_api.token(DEALER)
    api = auth_api.api_with_token(token)
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    api.vehicles.RecordOdometerReading(reading_request("12000", "2025-09-01T10:00:00Z"), timeout=5)
    key_id = token.split("_")[1]
    actors = _actors(auth_api)
    assert len(actors) >= 2
    assert set(actors) == {f"dealer:D042 via key:{key_id}"}


def test_the_actor_header_names_nobody_once_authentication_is_on(auth_api: AuthServer) -> None:
    token = auth_api.token(DEALER)
    channel = auth_api.channel(metadata=[("authorization", f"Bearer {token}"), ("x-claims-actor", "admin")])
    vehicles_stub(channel).RegisterVehicle(register_request(), timeout=5)
    assert set(_actors(auth_api)) == {f"dealer:D042 via key:{token.split('_')[1]}"}


def test_health_checks_need_no_credentials(auth_api: AuthServer) -> None:
    health = health_pb2_grpc.HealthStub(auth_api.channel())
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING


# --- over mutual TLS --------------------------------------------------------------------------------------


def test_over_mtls_a_certificate_in_the_principals_file_authenticates_and_is_recorded(
    tls_auth_api: AuthServer,
) -> None:
    api = tls_auth_api.api_as(DEALER, via="cert")
    api.vehicles.RegisterVehicle(register_request(), timeout=5)
    assert set(_actors(tls_auth_api)) == {"dealer:D042 via cert:dealer:D042"}


def test_over_mtls_a_bearer_token_works_too(tls_auth_api: AuthServer) -> None:
    token = tls_auth_api.token(DEALER)
    tls_auth_api.api_with_token(token).vehicles.RegisterVehicle(register_request(), timeout=5)
    assert set(_actors(tls_auth_api)) == {f"dealer:D042 via key:{token.split('_')[1]}"}


def test_over_mtls_a_certificate_the_principals_file_does_not_name_is_unauthenticated(
    tls_auth_api: AuthServer,
) -> None:
    error = rich_error(_refusal(tls_auth_api.anonymous().vehicles.GetVehicle, get_request()))
    assert (error.code, error.reason) == (grpc.StatusCode.UNAUTHENTICATED, "CERTIFICATE_UNKNOWN")
    assert "tls-client" not in error.message


def test_the_principals_file_is_re_read_when_it_changes(tls_auth_api: AuthServer) -> None:
    """A certificate added to the file works without a restart, and stops working once removed."""
    assert tls_auth_api.principals_file is not None
    dealer = tls_auth_api.api_as(DEALER, via="cert")
    dealer.vehicles.RegisterVehicle(register_request(), timeout=5)
    tls_auth_api.principals_file.write_text("[certificates]\n", encoding="utf-8")
    error = rich_error(_refusal(dealer.vehicles.GetVehicle, get_request()))
    assert error.reason == "CERTIFICATE_UNKNOWN"
    tls_auth_api.principals_file.write_text('[certificates]\n"dealer:D042" = "dealer:D042"\n', encoding="utf-8")
    assert dealer.vehicles.GetVehicle(get_request(), timeout=5).vehicle.identifier == VIN


def test_a_bad_edit_of_the_principals_file_keeps_the_last_good_mapping(tls_auth_api: AuthServer) -> None:
    assert tls_auth_api.principals_file is not None
    dealer = tls_auth_api.api_as(DEALER, via="cert")
    dealer.vehicles.RegisterVehicle(register_request(), timeout=5)
    tls_auth_api.principals_file.write_text('[certificates]\n"x" = "emperor:Z"\n', encoding="utf-8")
    assert dealer.vehicles.GetVehicle(get_request(), timeout=5).vehicle.identifier == VIN  # still dealer:D042


def test_over_mtls_a_client_without_a_certificate_cannot_connect(tls_auth_api: AuthServer) -> None:
    api = tls_auth_api.anonymous(client_cert=None)
    error = _refusal(api.vehicles.GetVehicle, get_request())
    assert error.code() == grpc.StatusCode.UNAVAILABLE  # type: ignore[attr-defined]


def test_a_plaintext_client_cannot_talk_to_the_tls_server(tls_auth_api: AuthServer) -> None:
    channel = grpc.insecure_channel(tls_auth_api.target)
    try:
        error = _refusal(vehicles_stub(channel).GetVehicle, get_request())
        assert error.code() == grpc.StatusCode.UNAVAILABLE  # type: ignore[attr-defined]
    finally:
        channel.close()


def test_an_auditor_streams_the_log_over_mtls_with_its_certificate(tls_auth_api: AuthServer) -> None:
    tls_auth_api.api_as(DEALER, via="cert").vehicles.RegisterVehicle(register_request(), timeout=5)
    auditor = tls_auth_api.api_as("auditor", via="cert")
    streamed = list(audit_stub(auditor).StreamEvents(audit_pb2.StreamEventsRequest(after_position=0), timeout=5))
    head = tls_auth_api.engine.persistence.events.head_position()
    assert [r.event.position for r in streamed] == list(range(1, head + 1))


def test_the_server_finds_keys_in_its_own_store(auth_api: AuthServer) -> None:
    """A key added to the store by another process (here: straight into the table) is found."""
    assert auth_api.engine.keys is not None
    key, token = new_key("auditor", "added by hand", datetime.now(UTC))
    auth_api.engine.keys.add(key)
    api = auth_api.api_with_token(token)
    with pytest.raises(grpc.RpcError) as caught:
        api.vehicles.GetVehicle(get_request(), timeout=5)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]  # authenticated


def vehicles_stub(channel: grpc.Channel) -> object:
    from claims.api.v1 import vehicles_pb2_grpc

    return vehicles_pb2_grpc.VehicleServiceStub(channel)


def get_request() -> vehicles_pb2.GetVehicleRequest:
    return vehicles_pb2.GetVehicleRequest(identifier=VIN, as_of_date="2026-01-12")


def test_a_key_lookup_the_store_cannot_answer_is_unavailable_not_internal(auth_api: AuthServer) -> None:
    token = auth_api.token(DEALER)
    path = auth_api.engine.persistence.location.sqlite_path
    with sqlite3.connect(str(path)) as db:  # the store loses its keys table
        db.execute("ALTER TABLE api_keys RENAME TO api_keys_away")
    error = rich_error(_refusal(auth_api.api_with_token(token).vehicles.GetVehicle, get_request()))
    assert (error.code, error.reason) == (grpc.StatusCode.UNAVAILABLE, "STORE_UNAVAILABLE")


def test_over_mtls_a_certificate_is_known_by_its_subject_alternative_name(tls_auth_api: AuthServer) -> None:
    assert tls_auth_api.certs is not None
    assert tls_auth_api.principals_file is not None
    issue_client(tls_auth_api.certs, "gm-desk-01", alt_names=["spiffe://claims.example/oem/GM"])
    tls_auth_api.principals_file.write_text('[certificates]\n"spiffe://claims.example/oem/GM" = "oem_desk:GM"\n')
    desk = tls_auth_api.anonymous(client_cert="gm-desk-01")
    desk.vehicles.RegisterVehicle(register_request(manufacturer="GM"), timeout=5)
    assert set(_actors(tls_auth_api)) == {"oem_desk:GM via cert:spiffe://claims.example/oem/GM"}


def test_on_postgresql_keys_authenticate_rotate_and_revoke_without_restart(pg_auth_api: AuthServer) -> None:
    old = pg_auth_api.token(DEALER)
    request = register_request()
    first = pg_auth_api.api_with_token(old).vehicles.RegisterVehicle(request, timeout=5)
    pg_auth_api.revoke(old)
    error = rich_error(_refusal(pg_auth_api.api_with_token(old).vehicles.GetVehicle, get_request()))
    assert error.reason == "TOKEN_REVOKED"
    retried = pg_auth_api.api_as(DEALER).vehicles.RegisterVehicle(request, timeout=5)
    assert retried.result == first.result
    assert set(_actors(pg_auth_api)) == {f"dealer:D042 via key:{old.split('_')[1]}"}
