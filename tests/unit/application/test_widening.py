"""Widening page sizes: small first, doubling, capped."""

from __future__ import annotations

import pytest

from claims.application.widening import Widening


def test_sizes_start_at_first_double_and_stop_at_most() -> None:
    # given pages widening from 16 to 500
    pages = Widening(16, 500)
    # when seven pages are taken
    sizes = [pages.take() for _ in range(7)]
    # then they double from 16 and stay at 500 once they reach it
    assert sizes == [16, 32, 64, 128, 256, 500, 500]


def test_first_equal_to_most_is_a_fixed_size() -> None:
    # given pages whose first size is already the bound
    pages = Widening(7, 7)
    # when three are taken, then each is the bound
    assert [pages.take() for _ in range(3)] == [7, 7, 7]


@pytest.mark.parametrize(("first", "most"), [(0, 10), (-1, 10), (11, 10)])
def test_a_first_size_outside_one_to_most_is_refused(first: int, most: int) -> None:
    # given / when / then: a size of nothing, or a first page past the bound, is a programming error
    with pytest.raises(ValueError, match="need 0 < first <= most"):
        Widening(first, most)
