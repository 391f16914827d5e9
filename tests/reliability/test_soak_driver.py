"""`make soak` in miniature: the fuzz and concurrency sections run against real `claims serve` processes and report
no mismatch (the crash section's rounds are tests/reliability/test_crash_recovery.py's)."""

from __future__ import annotations

import pytest

from soak.runner import main


def test_the_soak_driver_runs_its_sections_and_says_what_it_tried_and_found(capsys: pytest.CaptureFixture[str]) -> None:
    # when the soak runs with tiny targets
    code = main(
        ["--sections", "fuzz,concurrency", "--cases-per-rpc", "4", "--rounds", "1", "--clients", "8", "--workers", "2"]
    )
    out = capsys.readouterr().out
    # then it finished clean and its summary names what it tried and what it found
    assert code == 0, out
    assert "fuzz cases: 204 over 51 RPCs, per RPC min 4 / max 4" in out
    assert "rounds: 1" in out
    assert "mismatches: 0" in out
