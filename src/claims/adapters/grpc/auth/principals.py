"""The principals file: which principal a client certificate speaks for.

TOML, re-read when it changes (its modification time and size are checked on every use)::

    [certificates]
    "dealer-D-100.example" = "dealer:D-100"          # subject common name (CN)
    "spiffe://claims.example/oem/ACME" = "oem_desk:ACME"   # or any subject alternative name

A certificate whose names are not in the file authenticates nobody.
"""

from __future__ import annotations

import logging
import threading
import time
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path

from claims.application.principal import Principal, Role

log = logging.getLogger("claims.auth")


class PrincipalsFileError(ValueError):
    """The principals file cannot be read or names an unknown principal."""


def parse_principals(text: str, source: str = "principals file") -> dict[str, Principal]:
    """Certificate name → principal, validated."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PrincipalsFileError(f"{source}: not valid TOML: {e}") from None
    table = data.get("certificates", {})
    if not isinstance(table, dict):
        raise PrincipalsFileError(f'{source}: [certificates] must be a table of name = "role:organisation"')
    mapping: dict[str, Principal] = {}
    for name, value in table.items():
        if not isinstance(value, str):
            raise PrincipalsFileError(f'{source}: {name!r} must map to a string like "dealer:D-100"')
        try:
            principal = Principal.parse(value)
        except ValueError as e:
            raise PrincipalsFileError(f"{source}: {name!r}: {e}") from None
        if principal.role is Role.SYSTEM:
            raise PrincipalsFileError(f"{source}: {name!r}: no certificate may act as the system")
        mapping[name] = principal
    return mapping


class PrincipalsFile:
    """The mapping in a file, re-read when its modification time or size changes (a bad edit keeps the last
    good mapping and is logged)."""

    def __init__(
        self, path: Path, *, check_every: float = 0.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._path = path
        self._check_every = check_every
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._stamp = self._stat()
        self._mapping = parse_principals(self._read(), str(path))  # a bad file at start-up refuses to start
        self._checked = monotonic()

    @property
    def path(self) -> Path:
        return self._path

    def _read(self) -> str:
        try:
            return self._path.read_text(encoding="utf-8")
        except OSError as e:
            raise PrincipalsFileError(f"cannot read principals file {self._path}: {e.strerror}") from None

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = self._path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _refresh(self) -> None:
        now = self._monotonic()
        if now - self._checked < self._check_every:
            return
        self._checked = now
        if self._stat() == self._stamp:  # the common case: one stat, no lock
            return
        with self._lock:
            stamp = self._stat()
            if stamp == self._stamp:  # another thread re-read it meanwhile
                return
            self._stamp = stamp
            try:
                self._mapping = parse_principals(self._read(), str(self._path))
            except PrincipalsFileError as e:
                log.error("keeping the previous principals: %s", e)
                return
            log.info("principals file %s re-read: %d certificate name(s)", self._path, len(self._mapping))

    def lookup(self, names: Iterable[str]) -> tuple[str, Principal] | None:
        """The first of ``names`` (SANs, then the CN) the file maps, with its principal."""
        self._refresh()
        mapping = self._mapping
        for name in names:
            principal = mapping.get(name)
            if principal is not None:
                return name, principal
        return None
