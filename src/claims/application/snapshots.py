"""Snapshots of folded stream state, and the fingerprint that says which code folded them.

A snapshot is a shortcut, never a source of truth: ``state_at`` starts from one only when it was written by
code with the same fingerprint as the code reading it, and then folds the events after it exactly as a full
replay would. The fingerprint covers everything that decides what a fold produces and how a state is
written and read back: the stream kind, the state model's JSON schema, the source of every module of the
domain package (``evolve`` and everything it calls) and the pydantic version. Any change to any of them
gives a new fingerprint, and the snapshots of the old code are ignored (and replaced as the projection
writes new ones, or at once by ``claims projections rebuild snapshots --force``).
"""

from __future__ import annotations

import hashlib
import json
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any, Protocol
from uuid import UUID

import pydantic
from pydantic import BaseModel

from claims.application.commands import StreamType
from claims.application.messages import RecordedEvent
from claims.application.streams import CLAIMS, CONTRACTS, PREAUTHS, REPAIR_ORDERS, STATUTORY_CASES, VEHICLES
from claims.domain.claim.events import ClaimEvent
from claims.domain.claim.state import Claim
from claims.domain.contract.events import ContractEvent
from claims.domain.contract.state import ServiceContract
from claims.domain.preauth.events import PreAuthEvent
from claims.domain.preauth.state import PreAuthorization
from claims.domain.repair_order.events import RepairOrderEvent
from claims.domain.repair_order.state import RepairOrder
from claims.domain.statutory_case.events import StatutoryCaseEvent
from claims.domain.statutory_case.state import StatutoryCase
from claims.domain.vehicle.events import VehicleEvent
from claims.domain.vehicle.state import Vehicle

DEFAULT_SNAPSHOT_INTERVAL = 100
FORMAT = "claims-snapshot-v1"


@dataclass(frozen=True)
class SnapshotKind:
    """A kind of stream whose state can be asked for as of a moment: how to fold it and read its state back."""

    stream: StreamType[Any]
    state_type: type[BaseModel]
    events: Any  # the union of its event classes

    @property
    def name(self) -> str:
        return self.stream.name

    @property
    def topics(self) -> tuple[str, ...]:
        members = getattr(self.events, "__args__", (self.events,))
        return tuple(m.TOPIC for m in members)

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self.name, self.state_type)

    def encode(self, state: BaseModel) -> str:
        """The state as stored in a snapshot (JSON)."""
        return state.model_dump_json()

    def decode(self, text: str) -> BaseModel:
        return self.state_type.model_validate_json(text)


KINDS: tuple[SnapshotKind, ...] = (
    SnapshotKind(VEHICLES, Vehicle, VehicleEvent),
    SnapshotKind(REPAIR_ORDERS, RepairOrder, RepairOrderEvent),
    SnapshotKind(CLAIMS, Claim, ClaimEvent),
    SnapshotKind(PREAUTHS, PreAuthorization, PreAuthEvent),
    SnapshotKind(STATUTORY_CASES, StatutoryCase, StatutoryCaseEvent),
    SnapshotKind(CONTRACTS, ServiceContract, ContractEvent),
)
BY_NAME: dict[str, SnapshotKind] = {k.name: k for k in KINDS}
BY_TOPIC: dict[str, SnapshotKind] = {t: k for k in KINDS for t in k.topics}


@cache
def domain_source_digest() -> str:
    """SHA-256 over the path and text of every module of the domain package, in path order."""
    digest = hashlib.sha256()
    root = resources.files("claims.domain")
    stack = [(root, "")]
    files: list[tuple[str, bytes]] = []
    while stack:
        folder, prefix = stack.pop()
        for entry in folder.iterdir():
            if entry.is_dir() and entry.name != "__pycache__":
                stack.append((entry, f"{prefix}{entry.name}/"))
            elif entry.name.endswith(".py"):
                files.append((prefix + entry.name, entry.read_bytes()))
    for path, text in sorted(files):
        digest.update(f"{path}\0{len(text)}\0".encode())
        digest.update(text)
    return digest.hexdigest()


@cache
def _fingerprint(name: str, state_type: type[BaseModel]) -> str:
    schema = json.dumps(state_type.model_json_schema(), sort_keys=True)
    parts = (FORMAT, name, pydantic.VERSION, schema, domain_source_digest())
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class StoredSnapshot:
    """A snapshot row: the state after ``version`` events, as written, and who wrote it."""

    version: int
    position: int
    fingerprint: str
    state: str


@dataclass(frozen=True)
class IndexAnswer:
    """What the index knows of one stream: how far it has got, the version a moment falls on, a snapshot."""

    indexed: int  # the highest version of the stream the index has seen (0: none)
    at_version: int | None  # the highest indexed version recorded at or before the moment asked (None: none)
    snapshot: StoredSnapshot | None  # the nearest usable snapshot at or below the version asked


class StateReader(Protocol):
    """Reads for one ``state_at`` call, in one transaction where the store has them."""

    def lookup(self, stream_id: UUID, fingerprint: str, up_to: int | None, at: datetime | None) -> IndexAnswer:
        """How far the stream is indexed, the highest indexed version recorded at or before ``at`` (when given),
        and the snapshot written with ``fingerprint`` with the highest version at or below ``up_to`` (or, with
        ``at``, at or below that version; with neither, the latest)."""
        ...

    def events(self, stream_id: UUID, after: int, up_to: int | None) -> list[RecordedEvent]:
        """The stream's events after version ``after`` up to ``up_to`` (to its end when None), with positions."""
        ...


class StateIndex(Protocol):
    """What a projection keeps to answer ``state_at`` without replaying whole streams."""

    def reading(self) -> AbstractContextManager[StateReader]:
        """A reader whose reads share one transaction (one connection, one round trip each)."""
        ...
