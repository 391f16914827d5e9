"""Sessions and CSRF over plain HTTP against the running console (no browser needed)."""

from __future__ import annotations

import re

import httpx

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
    assert 'data-testid="decision-1"></td>' in client.get("/claims/D042/C-1001").text.replace("\n", "")


def test_a_signin_post_without_csrf_is_refused(console: Console) -> None:
    client = httpx.Client(base_url=console.url, timeout=10)
    response = client.post("/signin", data={"key": console.token("oem_desk:ACME")})
    assert response.status_code == 403
