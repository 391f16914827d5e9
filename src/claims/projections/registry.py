"""Every read model by name: what `claims project` runs by default and `claims projections rebuild` knows.

A projection declares the tables it owns (``tables``, parents before children); a rebuild copies,
compares and replaces exactly those. Optional projections are imported lazily, so the registry works
whether or not their module (and its migration) is there yet.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

# Every event type the log can hold must be registered before a process reads it: the application
# module imports them all (a worker process imports nothing else that would).
import claims.application.app  # noqa: F401
from claims.projections.claims import ClaimProjection
from claims.projections.runner import Projection
from claims.projections.vehicles import VehicleProjection

_BUILTIN: dict[str, Callable[[], Projection]] = {"vehicles": VehicleProjection, "claims": ClaimProjection}
# name → (module, class), imported when asked for.
_OPTIONAL: dict[str, tuple[str, str]] = {
    "contracts": ("claims.projections.contracts", "ContractProjection"),
    "commitments": ("claims.projections.commitments", "CommitmentProjection"),
    "compensation": ("claims.projections.commitments", "CompensationProjection"),
}
# Tables of projections that do not declare ``tables`` themselves (yet).
_TABLES: dict[str, tuple[str, ...]] = {"contracts": ("rm_contracts", "rm_claims_contracts")}


class UnknownProjectionError(LookupError):
    """Raised for a name the registry does not know; the message lists the names it does."""


def _optional(name: str) -> Callable[[], Projection] | None:
    module_name, class_name = _OPTIONAL[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name != module_name:
            raise
        return None
    factory: Callable[[], Projection] | None = getattr(module, class_name, None)
    return factory


def _factories() -> dict[str, Callable[[], Projection]]:
    found = dict(_BUILTIN)
    for name in _OPTIONAL:
        factory = _optional(name)
        if factory is not None:
            found[name] = factory
    return found


def names() -> list[str]:
    """Every registered projection's name, in the order workers start them."""
    return list(_factories())


def create(name: str) -> Projection:
    """A fresh projection for ``name``."""
    factories = _factories()
    if name not in factories:
        raise UnknownProjectionError(f"no projection named {name!r}; known: {', '.join(factories)}")
    return factories[name]()


def create_all(selected: list[str] | None = None) -> list[Projection]:
    """The projections named in ``selected`` (every registered one when empty), each once."""
    return [create(n) for n in dict.fromkeys(selected or names())]


def tables_of(projection: Projection) -> tuple[str, ...]:
    """The tables ``projection`` owns, parents before children."""
    declared: tuple[str, ...] | None = getattr(projection, "tables", None) or _TABLES.get(projection.name)
    if not declared:
        raise UnknownProjectionError(f"projection {projection.name!r} does not declare its tables")
    return tuple(declared)
