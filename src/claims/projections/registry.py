"""Every read model by name, registered once: what `claims serve` runs in-process, what `claims project`
runs by default, and what `claims projections rebuild` knows.

A projection declares the tables it owns (``tables``, parents before children; a rebuild copies, compares
and replaces exactly those) and the topics it handles (``topics``; the runner reads nothing else for it).
A new read model is added here, and only here.
"""

from __future__ import annotations

from collections.abc import Callable

# Every event type the log can hold must be registered before a process reads it: the application
# module imports them all (a worker process imports nothing else that would).
import claims.application.app  # noqa: F401
from claims.projections.chain import ChainProjection
from claims.projections.claims import ClaimProjection
from claims.projections.commitments import CommitmentProjection, CompensationProjection
from claims.projections.contracts import ContractProjection
from claims.projections.runner import Projection
from claims.projections.snapshots import SnapshotProjection
from claims.projections.vehicles import VehicleProjection

# In the order workers start them and `claims projections list` shows them.
_FACTORIES: dict[str, Callable[[], Projection]] = {
    "vehicles": VehicleProjection,
    "claims": ClaimProjection,
    "contracts": ContractProjection,
    "commitments": CommitmentProjection,
    "compensation": CompensationProjection,
    "chain": ChainProjection,  # seals the log (hash chain); it reads every event
    "snapshots": SnapshotProjection,  # GetStateAt's recorded time → version index and state snapshots
}


class UnknownProjectionError(LookupError):
    """Raised for a name the registry does not know; the message lists the names it does."""


def names() -> list[str]:
    """Every registered projection's name, in the order workers start them."""
    return list(_FACTORIES)


def create(name: str, snapshot_interval: int | None = None) -> Projection:
    """A fresh projection for ``name`` (the snapshots projection every ``snapshot_interval`` events, when given)."""
    if name not in _FACTORIES:
        raise UnknownProjectionError(f"no projection named {name!r}; known: {', '.join(_FACTORIES)}")
    if name == "snapshots" and snapshot_interval is not None:
        return SnapshotProjection(snapshot_interval)
    return _FACTORIES[name]()


def create_all(selected: list[str] | None = None, snapshot_interval: int | None = None) -> list[Projection]:
    """The projections named in ``selected`` (every registered one when empty), each once."""
    return [create(n, snapshot_interval) for n in dict.fromkeys(selected or names())]


def tables_of(projection: Projection) -> tuple[str, ...]:
    """The tables ``projection`` owns, parents before children."""
    declared: tuple[str, ...] | None = getattr(projection, "tables", None)
    if not declared:
        raise UnknownProjectionError(f"projection {projection.name!r} does not declare its tables")
    return tuple(declared)
