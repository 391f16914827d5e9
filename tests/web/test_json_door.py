"""The JSON door: our RPCs as Connect-protocol JSON on the console's port, called by a plain HTTP client."""

from __future__ import annotations

import base64
import json
import ssl
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.protobuf import json_format
from google.rpc import error_details_pb2

from tests.builders import CN_VIN
from tests.conftest import FixedClock
from tests.e2e import requests as rq
from tests.e2e.auth_fixtures import serve_with_auth
from tests.web.conftest import CLAIM, DEALER, Console

CLAIMS = "/claims.api.v1.ClaimService"
VEHICLES = "/claims.api.v1.VehicleService"
JSON = {"content-type": "application/json"}


def door(console: Console, principal: str | None = None) -> httpx.Client:
    """A plain HTTP client of the console's port, carrying ``principal``'s bearer token when one is named."""
    headers = {} if principal is None else {"authorization": f"Bearer {console.token(principal)}"}
    return httpx.Client(base_url=console.url, timeout=10, headers=headers)


def detail(body: dict[str, Any], type_name: str) -> dict[str, Any]:
    (found,) = [d for d in body["details"] if d["type"] == type_name]
    return found


def register_body(**overrides: Any) -> str:
    """A valid RegisterVehicle request as an HTTP client would write it (proto JSON, camelCase names)."""
    return json_format.MessageToJson(rq.register_request(identifier=CN_VIN, **overrides))


def test_get_claim_answers_the_claim_as_proto_json(console: Console) -> None:
    # Given the dealer's claim C-1001
    client = door(console, f"dealer:{DEALER}")
    # When the dealer asks for it as JSON
    response = client.post(f"{CLAIMS}/GetClaim", json={"dealerId": DEALER, "claimNumber": CLAIM})
    # Then the claim comes back with the protos' JSON names and enum names
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    claim = response.json()["claim"]
    assert (claim["dealerId"], claim["claimNumber"], claim["roNumber"]) == (DEALER, CLAIM, "RO-1001")
    assert claim["status"].startswith("CLAIM_STATUS_")


def test_a_read_carries_its_x_request_id_into_the_engine_logs(
    console: Console, log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    # Given a dealer
    client = door(console, f"dealer:{DEALER}")
    # When a read names itself in x-request-id and x-correlation-id
    headers = {"x-request-id": "door-read-7", "x-correlation-id": "visit-42"}
    response = client.post(f"{CLAIMS}/GetClaim", json={"dealerId": DEALER, "claimNumber": CLAIM}, headers=headers)
    # Then the gRPC call it became is logged with those ids
    assert response.status_code == 200, response.text
    (logged,) = [line for line in log_lines() if line["logger"] == "claims.rpc" and "GetClaim" in line["method"]]
    assert (logged["request_id"], logged["correlation_id"]) == ("door-read-7", "visit-42")


def test_a_command_retried_with_its_request_id_is_answered_once(console: Console) -> None:
    # Given a RegisterVehicle request with its request id (and the same id in x-request-id)
    client = door(console, f"dealer:{DEALER}")
    request_id = str(uuid.uuid4())
    body = register_body(request_id=request_id, manufacturer="ACME")
    headers = {**JSON, "x-request-id": request_id, "x-correlation-id": "door-retry"}
    events = console.server.engine.persistence.events
    # When it is sent, then retried twice
    first = client.post(f"{VEHICLES}/RegisterVehicle", content=body, headers=headers)
    head = events.head_position()
    retries = [client.post(f"{VEHICLES}/RegisterVehicle", content=body, headers=headers) for _ in range(2)]
    # Then every answer is the first one, and the retries appended nothing
    assert first.status_code == 200, first.text
    assert [r.json() for r in retries] == [first.json()] * 2
    assert events.head_position() == head
    (stored,) = events.read_all(head - 1, 1)
    assert (stored.metadata.request_id, stored.metadata.correlation_id) == (request_id, "door-retry")


def test_an_invalid_request_is_400_invalid_argument_with_its_field_violation(console: Console) -> None:
    # Given a RegisterVehicle request without a request id
    client = door(console, f"dealer:{DEALER}")
    # When it is sent
    response = client.post(f"{VEHICLES}/RegisterVehicle", content=register_body(request_id=""), headers=JSON)
    # Then it is refused as gRPC refuses it, the BadRequest detail both readable and decodable
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_argument"
    bad = detail(body, "google.rpc.BadRequest")
    assert [v["field"] for v in bad["debug"]["fieldViolations"]] == ["request_id"]
    decoded = error_details_pb2.BadRequest.FromString(base64.b64decode(bad["value"] + "=="))
    assert decoded.field_violations[0].field == "request_id"
    assert detail(body, "google.rpc.ErrorInfo")["debug"]["domain"] == "claims.api.v1"


def test_a_body_that_is_not_the_request_message_is_400_not_500(console: Console) -> None:
    # Given a dealer
    client = door(console, f"dealer:{DEALER}")
    # When the JSON names a field the request does not have, or is not JSON at all
    typo = client.post(f"{CLAIMS}/GetClaim", json={"dealerID": DEALER, "claimNumber": CLAIM})
    garbage = client.post(f"{CLAIMS}/GetClaim", content=b"{not json", headers=JSON)
    # Then both are invalid_argument naming the body, as an undecodable gRPC request is
    for response in (typo, garbage):
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_argument"
        (violation,) = detail(response.json(), "google.rpc.BadRequest")["debug"]["fieldViolations"]
        assert violation["field"] == "(body)"
    assert "dealerID" in typo.text


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [(None, "CREDENTIALS_MISSING"), ("Bearer not-a-key", "TOKEN_MALFORMED"), ("wrong secret", "TOKEN_INVALID")],
)
def test_no_or_a_wrong_bearer_token_is_401_unauthenticated(
    console: Console, authorization: str | None, reason: str
) -> None:
    # Given a caller without a valid key (no header, not a key, a real key's id with a wrong secret)
    if authorization == "wrong secret":
        authorization = f"Bearer {console.token(f'dealer:{DEALER}')[:-4]}AAAA"
    headers = {} if authorization is None else {"authorization": authorization}
    client = httpx.Client(base_url=console.url, timeout=10, headers=headers)
    # When it asks for a claim
    response = client.post(f"{CLAIMS}/GetClaim", json={"dealerId": DEALER, "claimNumber": CLAIM})
    # Then it is refused as unauthenticated, with gRPC's reason
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert detail(body, "google.rpc.ErrorInfo")["debug"]["reason"] == reason


def test_another_makes_desk_gets_what_grpc_answers_it(console: Console) -> None:
    # Given ACME's claim C-1001, and the desk of another make
    client = door(console, "oem_desk:OTHER")
    # When that desk asks for the claim over JSON, and over gRPC
    response = client.post(f"{CLAIMS}/GetClaim", json={"dealerId": DEALER, "claimNumber": CLAIM})
    # Then the door answers 404 not_found, as gRPC answers NOT_FOUND (the claim's existence is not leaked)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["message"] == f"dealer {DEALER} has no claim {CLAIM}"


def test_an_unknown_method_or_service_is_404(console: Console) -> None:
    # Given a dealer
    client = door(console, f"dealer:{DEALER}")
    # When a method or a service the protos do not declare is called
    # Then both are not found
    assert client.post(f"{CLAIMS}/ApproveEverything", json={}).status_code == 404
    assert client.post("/claims.api.v1.NoSuchService/GetClaim", json={}).status_code == 404


def test_a_forbidden_rpc_is_403_permission_denied(console: Console) -> None:
    # Given a dealer
    client = door(console, f"dealer:{DEALER}")
    # When it calls an RPC its role may not (the auditor's whole read models)
    response = client.post("/claims.api.v1.AuditService/GetReadModelAt", json={})
    # Then the role table's refusal is 403 permission_denied
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_server_streaming_rpc_streams_connect_envelopes(console: Console) -> None:
    # Given the engine's events, and an auditor
    client = door(console, "auditor")
    request = json.dumps({"afterPosition": "0"}).encode()
    # When the auditor streams the log over Connect's streaming protocol
    response = client.post(
        "/claims.api.v1.AuditService/StreamEvents",
        content=len(request).to_bytes(5, "big") + request,
        headers={"content-type": "application/connect+json"},
    )
    # Then one envelope per event comes back, then the end-of-stream envelope without an error
    assert response.status_code == 200, response.text
    frames, data = [], response.content
    while data:
        flags, size = data[0], int.from_bytes(data[1:5], "big")
        frames.append((flags, json.loads(data[5 : 5 + size])))
        data = data[5 + size :]
    *messages, (end_flags, end) = frames
    assert end_flags == 2
    assert "error" not in end, end
    assert len(messages) == console.server.engine.persistence.events.head_position()


def test_the_door_is_off_and_the_console_on_when_grpc_requires_client_certificates(
    tmp_path: Path, clock: FixedClock
) -> None:
    # Given an engine whose gRPC server listens with mutual TLS, and the console on
    for server in serve_with_auth(tmp_path, clock, tls=True, web_listen="127.0.0.1:0"):
        assert server.certs is not None  # the console serves HTTPS with the server's certificate
        tls = ssl.create_default_context(cafile=server.certs.ca_cert)
        client = httpx.Client(base_url=f"https://127.0.0.1:{server.engine.web_port}", timeout=10, verify=tls)
        # When the console and the door are called
        health = client.get("/healthz")
        call = client.post(f"{CLAIMS}/GetClaim", json={"dealerId": DEALER, "claimNumber": CLAIM})
        # Then the console answers and the door is not there: its callers would present no client certificate
        assert health.text == "ok"
        assert call.status_code == 404


def test_with_grpc_on_tls_the_door_is_served_over_https(tmp_path: Path, clock: FixedClock) -> None:
    sockets = Path(tempfile.gettempdir())
    before = set(sockets.glob("claims-door-*"))
    # Given an engine whose gRPC server listens with TLS (no client certificates asked), and the console on
    for server in serve_with_auth(tmp_path, clock, tls=True, web_listen="127.0.0.1:0", tls_client_ca_file=None):
        made = set(sockets.glob("claims-door-*")) - before  # the door's private socket directory
        assert len(made) == 1
        assert (next(iter(made)) / "grpc.sock").is_socket()
        assert server.certs is not None
        tls = ssl.create_default_context(cafile=server.certs.ca_cert)
        client = httpx.Client(base_url=f"https://127.0.0.1:{server.engine.web_port}", timeout=10, verify=tls)
        body = {"dealerId": DEALER, "claimNumber": CLAIM}
        # When a dealer calls GetClaim through the door over HTTPS, and someone calls it without a token
        token = server.token(f"dealer:{DEALER}")
        found = client.post(f"{CLAIMS}/GetClaim", json=body, headers={"authorization": f"Bearer {token}"})
        anonymous = client.post(f"{CLAIMS}/GetClaim", json=body)
        # Then the server answers the dealer (no such claim yet) and refuses the caller without a token
        assert found.status_code == 404
        assert found.json()["code"] == "not_found"
        assert anonymous.status_code == 401
        assert anonymous.json()["code"] == "unauthenticated"
    # And once the engine stopped, its socket directory is gone
    assert not any(path.exists() for path in made)
