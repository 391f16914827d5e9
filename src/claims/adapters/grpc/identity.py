"""The authenticated principal of the call being served.

An interceptor authenticates each call and binds its principal around the handler (the handler runs in the
same thread, so a context variable carries it); servicers read it with ``current_principal()``. With nothing
bound (authentication off, tests of servicers without a server) the caller is SYSTEM.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from claims.application.principal import SYSTEM, Principal

_PRINCIPAL: ContextVar[Principal] = ContextVar("claims_principal", default=SYSTEM)


def current_principal() -> Principal:
    """The principal of the call this thread is serving."""
    return _PRINCIPAL.get()


@contextmanager
def bound_principal(principal: Principal) -> Iterator[None]:
    """Serve a call as ``principal``."""
    token = _PRINCIPAL.set(principal)
    try:
        yield
    finally:
        _PRINCIPAL.reset(token)
