"""The heap freezer keeps full collections short: survivors go to the permanent generation, and come back on stop."""

from __future__ import annotations

import gc
import time

import pytest

from claims.heap import HeapFreezer


def _frozen_within(seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while gc.get_freeze_count() == 0:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_survivors_are_frozen_while_it_runs_and_handed_back_when_it_stops() -> None:
    # Given a heap with long-lived objects and nothing frozen
    gc.unfreeze()
    kept = [{"n": n} for n in range(10_000)]
    freezer = HeapFreezer(0.02)
    # When the freezer runs
    freezer.start()
    try:
        # Then the objects alive so far are moved out of the collector's generations
        assert _frozen_within(2)
        assert gc.get_freeze_count() >= len(kept)
    finally:
        freezer.stop()
    # And stopping hands them back to the collector
    assert gc.get_freeze_count() == 0


def test_a_freezer_needs_a_positive_interval() -> None:
    with pytest.raises(ValueError, match="positive"):
        HeapFreezer(0)
