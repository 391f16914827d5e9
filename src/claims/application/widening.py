"""Page sizes that start small and double up to a bound.

A reader that stops after a few items (a stream the client cancels after its first messages, a search that ends
at the log's first event) then reads a few, not a whole page; a reader that goes on reaches whole pages after a
handful of reads, so a long read costs a few extra queries at most.
"""

from __future__ import annotations


class Widening:
    """Hands out ``first``, then twice as much each time, never more than ``most``."""

    def __init__(self, first: int, most: int) -> None:
        if not 0 < first <= most:
            raise ValueError(f"need 0 < first <= most, got first={first}, most={most}")
        self._next, self._most = first, most

    def take(self) -> int:
        size = self._next
        self._next = min(size * 2, self._most)
        return size
