"""`make soak` in miniature: the fuzz and concurrency sections run against real `claims serve` processes and report
no mismatch (the crash section's rounds are tests/reliability/test_crash_recovery.py's)."""

from __future__ import annotations

import pytest

from soak.runner import main, parse


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


def test_make_soak_asks_four_thousand_cases_per_rpc_within_ten_minutes() -> None:
    # given the soak's default command line (make soak)
    from soak import sections as _sections  # noqa: F401 - registers the sections
    from soak.runner import section_bounds

    args = parse([])
    # when the sections' bounds are worked out
    bounds = section_bounds(["fuzz", "concurrency", "crash"], args)
    # then the fuzz target is 4,000 per RPC and each lane fits the ten-minute bound
    assert args.cases_per_rpc == 4_000
    assert bounds == {"fuzz": 575.0, "concurrency": 90.0, "crash": 480.0}
    assert args.total_seconds == 580.0


def test_make_soak_long_asks_ten_thousand_within_thirty_minutes_with_every_bound_stretched() -> None:
    # given make soak-long's command line
    from soak import sections as _sections  # noqa: F401 - registers the sections
    from soak.runner import section_bounds

    args = parse(["--total-seconds", "1780", "--cases-per-rpc", "10000"])
    # when the sections' bounds are worked out
    bounds = section_bounds(["fuzz", "concurrency", "crash"], args)
    # then every default bound grew by 1780/580, and both lanes still fit within the thirty minutes
    assert args.cases_per_rpc == 10_000
    assert bounds["fuzz"] == pytest.approx(575 * 1780 / 580)
    assert bounds["concurrency"] + bounds["crash"] == pytest.approx(570 * 1780 / 580)
    assert bounds["fuzz"] < 1780
    assert bounds["concurrency"] + bounds["crash"] < 1780


def test_a_lane_whose_bounds_add_up_to_more_than_the_total_is_refused() -> None:
    # given a crash section asked to run longer than the faults lane may
    from soak import sections as _sections  # noqa: F401 - registers the sections
    from soak.runner import section_bounds

    args = parse(["--seconds", "crash=500"])
    # when the bounds are worked out, then the soak refuses to start, naming the lane
    with pytest.raises(SystemExit, match="lane faults: its sections' bounds add up to 590 s, over 580 s"):
        section_bounds(["concurrency", "crash"], args)
