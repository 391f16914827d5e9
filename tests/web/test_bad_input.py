"""Every mistake a person can make in the console's address bar or forms gets its precise answer, and nothing is
written: 400 with the field named, 404 for what is not there."""

from __future__ import annotations

import html

import pytest

from claims.bootstrap import Engine
from tests.builders import VIN
from tests.web.conftest import CLAIM, DEALER, Console
from tests.web.test_session import _csrf, signed_in


def head(engine: Engine) -> int:
    return engine.persistence.events.head_position()


@pytest.mark.parametrize(
    ("principal", "path", "says"),
    [
        ("oem_desk:ACME", "/claims?amount=lots", "amount: an amount such as 1500.00"),
        ("oem_desk:ACME", "/claims?amount=NaN", "amount: an amount such as 1500.00"),
        ("oem_desk:ACME", "/claims?age=-3", "age: a whole number of days"),
        ("oem_desk:ACME", "/claims?status=OPEN", "status: one of UNDER_REVIEW"),
        (f"dealer:{DEALER}", f"/vehicles/{VIN}?on=yesterday", "on"),
        (f"dealer:{DEALER}", f"/vehicles/{VIN}?reading=-5", "reading"),
        ("auditor", "/audit?after=ten", "after: 'ten' is not a whole number"),
        ("auditor", f"/audit/claims/{DEALER}/{CLAIM}?version=first", "version: 'first' is not a whole number"),
        ("auditor", f"/audit/claims/{DEALER}/{CLAIM}?at=last+week", "at: 'last week' is not an ISO 8601 moment"),
    ],
)
def test_a_bad_query_is_400_naming_its_field(console: Console, principal: str, path: str, says: str) -> None:
    # Given someone signed in
    client = signed_in(console, principal)
    # When a page is asked for with a query it cannot read
    response = client.get(path)
    # Then the page answers 400 and says which field and why
    assert response.status_code == 400, response.text[:400]
    assert says in html.unescape(response.text)


def test_an_action_the_console_does_not_have_is_404_and_writes_nothing(console: Console) -> None:
    client = signed_in(console, "oem_desk:ACME")
    before = head(console.server.engine)
    token = _csrf(client.get(f"/claims/{DEALER}/{CLAIM}").text)
    response = client.post(f"/claims/{DEALER}/{CLAIM}/approve-all", data={"csrf": token})
    assert response.status_code == 404
    assert head(console.server.engine) == before


def test_a_claim_or_vehicle_that_is_not_there_is_404(console: Console) -> None:
    client = signed_in(console, "auditor")
    assert client.get(f"/claims/{DEALER}/C-404").status_code == 404
    assert client.get("/vehicles/1G1ZD5ST0RE000000").status_code == 404
    assert client.get(f"/audit/claims/{DEALER}/C-404?version=1").status_code == 404


def test_a_refused_or_malformed_form_writes_nothing(console: Console) -> None:
    # Given the desk on the claim page
    client = signed_in(console, "oem_desk:ACME")
    token = _csrf(client.get(f"/claims/{DEALER}/{CLAIM}").text)
    before = head(console.server.engine)
    # When it posts forms the command cannot be built from, or the claim refuses
    bad = [
        ("decide", {"line_no": "1", "decision": "ADJUST", "approved_amount": "ten"}),
        ("decide", {"line_no": "x", "decision": "APPROVE"}),
        ("decide", {"line_no": "9", "decision": "APPROVE"}),
        ("return", {"reasons": "   \n  "}),
        ("pay", {"credit_reference": "CR-1"}),  # not approved yet
        ("part-return", {"line_no": "1"}),  # a labour line
    ]
    codes = [client.post(f"/claims/{DEALER}/{CLAIM}/{action}", data={"csrf": token, **form}).status_code
             for action, form in bad]  # fmt: skip
    # Then each is answered with a refusal (400 for a mistake in the form, 409 for what the claim refuses), and
    # the log holds not one event more
    assert all(code in (400, 409) for code in codes), codes
    assert codes[0] == codes[1] == codes[3] == 400
    assert head(console.server.engine) == before
