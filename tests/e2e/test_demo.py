"""`claims demo` plays its dealership day, an insurer's watch and two 三包 cases against a real server, twice."""

from __future__ import annotations

from typer.testing import CliRunner

from claims.cli import cli
from claims.demo import run
from tests.e2e.auth_fixtures import AuthServer
from tests.e2e.conftest import Api


def test_the_demo_plays_every_path_and_is_safe_to_run_twice(live_api: Api) -> None:
    target = f"127.0.0.1:{live_api.engine.port}"
    for _ in range(2):
        lines = list(run(target))
        table = {line.split()[0]: line.split()[1] for line in lines if line.startswith("C-") and len(line.split()) == 6}
        assert table == {"C-1": "PAID", "C-2": "UNDER_REVIEW", "C-3": "RETURNED", "C-4": "PARTIALLY_APPROVED"}
        assert any("answered once" in line for line in lines)
        assert any("not_a_duplicate" in line for line in lines)
        assert any("odometer_plausible" in line for line in lines)
        assert any(line.startswith("insurer ") and "watched" in line for line in lines)
        assert any("ClaimPaid" in line and "PAID" in line for line in lines)  # the insurer saw its claim paid
        assert any("entitled to REPLACE_OR_REFUND under CN-2022" in line for line in lines)
        assert any("does not fire under CN-2013" in line for line in lines)
        assert any("courtesy car owed for 1 day(s): 300.00 CNY" in line for line in lines)


def test_claims_demo_mints_its_keys_in_the_local_store_and_plays_against_a_server_with_auth_on(
    live_auth_api: AuthServer,
) -> None:
    """`make run` has authentication on: the demo acts as its dealer, the desk and its insurer, each with a key
    it minted in the server's store for the run and revoked at its end."""
    store = live_auth_api.engine.settings.store_url
    played = CliRunner().invoke(cli, ["demo", "--target", live_auth_api.target, "--store", store])
    assert played.exit_code == 0, played.output
    table = {line.split()[0]: line.split()[1] for line in played.stdout.splitlines() if line.startswith("C-")}
    assert table == {"C-1": "PAID", "C-2": "UNDER_REVIEW", "C-3": "RETURNED", "C-4": "PARTIALLY_APPROVED"}
    assert "courtesy car owed for 1 day(s)" in played.stdout
    assert live_auth_api.engine.keys is not None
    minted = live_auth_api.engine.keys.all()
    assert {k.principal.split(":")[0] for k in minted} == {"dealer", "oem_desk", "insurer"}
    assert all(k.revoked_at is not None for k in minted)
    actors = {
        e.metadata.actor.split(" via key:")[0] for e in live_auth_api.engine.persistence.events.read_all(0, 10_000)
    }
    assert "oem_desk:GM" in actors  # the desk decided (the SAIC-VW desk only read its cases)
    assert any(a.startswith("dealer:DEMO-") for a in actors)
    assert any(a.startswith("insurer:INS-") for a in actors)
