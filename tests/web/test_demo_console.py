"""After `claims demo` the console has something to show: the desk's queue, a dealer's returned claim and why."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from claims.bootstrap import utc_now
from claims.demo import run
from tests.e2e.auth_fixtures import AuthServer, serve_with_auth
from tests.web.test_session import _csrf


@pytest.fixture
def played(tmp_path: Path) -> Iterator[tuple[AuthServer, str, str]]:
    """A real engine with the console, the demo played against it (on today's clock, as `make run` would be)."""
    for server in serve_with_auth(tmp_path, utc_now, tls=False, web_listen="127.0.0.1:0"):
        lines = list(run(server.target, server.token))
        dealer = re.search(r"dealer (DEMO-\S+):", "\n".join(lines))
        assert dealer
        runner, head = server.engine.runner, server.engine.persistence.events.head_position()
        assert runner is not None
        assert runner.wait_for("claims", head, 10)
        yield server, f"http://127.0.0.1:{server.engine.web_port}", dealer.group(1)


def signed_in(url: str, token: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=10)
    assert client.post("/signin", data={"csrf": _csrf(client.get("/signin").text), "key": token}).status_code == 303
    return client


def test_the_desk_finds_the_demos_resubmitted_claim_waiting_in_its_queue(played: tuple[AuthServer, str, str]) -> None:
    server, url, dealer = played
    # When the demo's make's desk opens its queue
    queue = signed_in(url, server.token("oem_desk:GM")).get("/claims").text
    # Then the claim the dealer corrected and resubmitted waits there for a decision
    assert 'data-testid="row-C-2"' in queue
    assert dealer in queue


def test_the_dealer_sees_its_claim_the_checks_returned_and_why(played: tuple[AuthServer, str, str]) -> None:
    server, url, dealer = played
    # When the demo's dealer opens its claims
    client = signed_in(url, server.token(f"dealer:{dealer}"))
    page = client.get("/claims").text
    # Then the duplicate claim the automatic checks returned is asked of it, with the check's reason
    returned = page.split('data-testid="returned"', 1)[1].split("</section>", 1)[0]
    assert "C-3" in returned
    assert "not_a_duplicate" in returned
    assert "not_a_duplicate" in client.get(f"/claims/{dealer}/C-3").text
