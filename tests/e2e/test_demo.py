"""`claims demo` plays its dealership day, an insurer's watch and two 三包 cases against a real server, twice."""

from __future__ import annotations

from claims.demo import run
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
