"""Who the demo acts as: one principal per party (its dealer, the manufacturer's desk, its insurer), each with
an API key the caller mints (``claims demo`` mints them in the local store and revokes them at the end)."""

from __future__ import annotations

from collections.abc import Callable

Metadata = tuple[tuple[str, str], ...]


class Credentials:
    """Call metadata per principal: a bearer token when ``mint`` is given, else only the actor's name (for a
    server run with authentication off)."""

    def __init__(self, mint: Callable[[str], str] | None = None) -> None:
        self._mint = mint
        self._metadata: dict[str, Metadata] = {}

    def metadata(self, principal: str) -> Metadata:
        if principal not in self._metadata:
            found: Metadata = (("x-claims-actor", principal),)
            if self._mint is not None:
                found += (("authorization", f"Bearer {self._mint(principal)}"),)
            self._metadata[principal] = found
        return self._metadata[principal]
