"""Sessions and CSRF over plain HTTP against the running console (no browser needed)."""

from __future__ import annotations

import re
import ssl
from pathlib import Path

import httpx
import pytest

from tests.conftest import FixedClock
from tests.e2e.auth_fixtures import serve_with_auth
from tests.web.conftest import Console


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def signed_in(console: Console, principal: str) -> httpx.Client:
    client = httpx.Client(base_url=console.url, timeout=10)
    token = _csrf(client.get("/signin").text)
    response = client.post("/signin", data={"csrf": token, "key": console.token(principal)})
    assert response.status_code == 303
    return client


def test_only_signin_and_health_are_served_without_a_session(console: Console) -> None:
    # Given no session
    client = httpx.Client(base_url=console.url, timeout=10)
    # When the health check, the sign-in page and the claim pages are asked for
    # Then the first two answer and the others send to the sign-in page
    assert client.get("/healthz").text == "ok"
    assert client.get("/signin").status_code == 200
    for path in ("/claims", "/claims/D042/C-1001"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/signin"


def test_the_session_cookie_is_httponly_and_samesite(console: Console) -> None:
    # Given a desk signing in
    client = httpx.Client(base_url=console.url, timeout=10)
    token = _csrf(client.get("/signin").text)
    # When the key is accepted
    response = client.post("/signin", data={"csrf": token, "key": console.token("oem_desk:ACME")})
    # Then the session cookie is HttpOnly and SameSite=strict
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_a_wrong_key_is_refused_with_its_reason(console: Console) -> None:
    client = httpx.Client(base_url=console.url, timeout=10)
    token = _csrf(client.get("/signin").text)
    response = client.post("/signin", data={"csrf": token, "key": "claims_nope_nope"})
    assert response.status_code == 401
    assert "no session" not in response.text
    assert "refusal" in response.text


def test_a_post_without_its_csrf_token_is_refused(console: Console) -> None:
    # Given a signed-in desk
    client = signed_in(console, "oem_desk:ACME")
    # When it posts a decision without the form's token, or with another one
    for data in ({}, {"csrf": "forged"}):
        response = client.post("/claims/D042/C-1001/decide", data={"line_no": "1", "decision": "APPROVE", **data})
        # Then the console refuses it and the claim keeps its lines undecided
        assert response.status_code == 403
    assert 'data-testid="decision-1" data-decision=""></td>' in client.get("/claims/D042/C-1001").text.replace("\n", "")


def test_a_signin_post_without_csrf_is_refused(console: Console) -> None:
    client = httpx.Client(base_url=console.url, timeout=10)
    response = client.post("/signin", data={"key": console.token("oem_desk:ACME")})
    assert response.status_code == 403


def test_a_revoked_key_ends_its_session_at_the_next_request(console: Console) -> None:
    # Given a desk signed in with a key
    token = console.token("oem_desk:ACME")
    client = httpx.Client(base_url=console.url, timeout=10)
    response = client.post("/signin", data={"csrf": _csrf(client.get("/signin").text), "key": token})
    assert response.status_code == 303
    assert client.get("/claims").status_code == 200
    # When the key is revoked (claims keys revoke)
    console.server.revoke(token)
    # Then the session's next request is sent to sign in, and the session is gone for good
    response = client.get("/claims")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin"
    assert client.get("/claims/D042/C-1001").headers["location"] == "/signin"


def test_with_the_servers_certificate_the_console_is_https_and_its_cookie_secure(
    tmp_path: Path, clock: FixedClock
) -> None:
    # Given the engine started with a TLS certificate and the console on
    for server in serve_with_auth(tmp_path, clock, tls=True, web_listen="127.0.0.1:0"):
        assert server.certs is not None
        url = f"https://127.0.0.1:{server.engine.web_port}"
        client = httpx.Client(base_url=url, timeout=10, verify=ssl.create_default_context(cafile=server.certs.ca_cert))
        # When a desk signs in over HTTPS
        token = _csrf(client.get("/signin").text)
        response = client.post("/signin", data={"csrf": token, "key": server.token("oem_desk:ACME")})
        # Then the console answers over HTTPS and its session cookie is sent only over HTTPS
        assert response.status_code == 303
        assert "; secure" in response.headers["set-cookie"].lower()
        # And plain HTTP on the same port gets no page
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{server.engine.web_port}/signin", timeout=5)


def test_each_role_lands_on_the_first_page_it_may_open(console: Console) -> None:
    # Given a desk and an admin signed in
    desk, admin = signed_in(console, "oem_desk:ACME"), signed_in(console, "admin")
    # When each opens the console's home
    # Then the desk lands on its claim queue and the admin, who lists no claims, on the hash chain
    assert desk.get("/").headers["location"] == "/claims"
    assert admin.get("/").headers["location"] == "/audit/chain"
    assert admin.get("/audit/chain").status_code == 200


def test_a_form_sent_twice_is_answered_once(console: Console) -> None:
    # Given the desk on the claim page, its approve form for line 1 filled in
    client = signed_in(console, "oem_desk:ACME")
    page = client.get("/claims/D042/C-1001").text
    form = re.search(r'data-testid="decide-1">(.*?)</form>', page, re.S)
    assert form
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form.group(1)))
    assert fields["request_id"].endswith("-decide-1")
    # When the browser sends it twice (a double click, a reload that posts again)
    answers = [client.post("/claims/D042/C-1001/decide", data={**fields, "decision": "APPROVE"}) for _ in range(2)]
    # Then both are answered as the first, and the claim holds one decision
    assert [a.status_code for a in answers] == [303, 303]
    engine = console.server.engine
    claim_id = engine.app.get_claim("D042", "C-1001")[0].claim_id
    topics = [e.topic.rsplit(".", 1)[-1] for e in engine.app.store.load_with_positions(claim_id)]
    assert topics.count("ClaimLineDecided") == 1


def test_a_request_id_gRPC_would_refuse_is_refused_by_the_console_too(console: Console) -> None:
    client = signed_in(console, "oem_desk:ACME")
    page = client.get("/claims/D042/C-1001").text
    token = _csrf(page)
    response = client.post(
        "/claims/D042/C-1001/decide",
        data={"csrf": token, "line_no": "1", "decision": "APPROVE", "request_id": "has a space"},
    )
    assert response.status_code == 400
    assert "request_id: required: 1 to 128 printable ASCII characters" in response.text


def test_a_form_of_a_claim_changed_since_it_was_drawn_is_refused_as_a_conflict(console: Console) -> None:
    # Given two tabs of the desk on the same claim page
    client = signed_in(console, "oem_desk:ACME")
    first, second = (client.get("/claims/D042/C-1001").text for _ in range(2))

    def form(page: str, line: int) -> dict[str, str]:
        found = re.search(rf'data-testid="decide-{line}">(.*?)</form>', page, re.S)
        assert found
        return dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', found.group(1)))

    # When line 1 is approved in the first, then line 2 in the second (drawn before that decision)
    assert client.post("/claims/D042/C-1001/decide", data={**form(first, 1), "decision": "APPROVE"}).status_code == 303
    stale = client.post("/claims/D042/C-1001/decide", data={**form(second, 2), "decision": "APPROVE"})
    # Then the second is refused as a conflict, with the claim as it now stands drawn again
    assert stale.status_code == 409
    assert 'data-testid="refusal"' in stale.text
    assert 'data-testid="decision-2" data-decision=""' in stale.text
    assert 'data-testid="decision-1" data-decision="APPROVE"' in stale.text
