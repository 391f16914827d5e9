"""Read models as they stood at a log position: the projections replayed into a scratch copy, never the live tables.

A scratch copy is an in-memory SQLite database with the SQLite migrations applied (the projections' SQL runs on
both stores, see ``columns.py``), filled by the projections' own handlers from the log up to the position: so it
works whatever the store (SQLite, PostgreSQL, even memory://), holds nothing open on the store between calls, and
vanishes when dropped. The live query classes (``ClaimDirectory``, ``CommitmentQueries``) read it unchanged.

Cost: building a copy at position P reads the events of its projections' topics among the first P positions
(O(events up to P), in batches of ``batch_size``) and holds the read model's rows as they were at P, in memory.
The newest ``cache_size`` copies are kept, keyed by (read model, position), so paging through one answer or
asking again costs only the query; a copy for a later position of the same read model starts from the nearest
cached earlier one (copied, not changed) and replays only the stretch in between. Callers asking for the same
copy at once share one replay; a replay stops between batches once its caller is gone (and is not kept).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from claims.adapters.persistence.database import Database
from claims.adapters.persistence.factory import StoreLocation
from claims.adapters.persistence.migrations import apply_migrations
from claims.application.ports import EventStore
from claims.application.read_at import RecordedMoments
from claims.domain.errors import ClaimsError, FieldViolation, InvalidCommandError
from claims.projections import registry
from claims.projections.runner import DEFAULT_BATCH_SIZE, Projection

# Which projections each read model needs, in the order they run (the ledger joins the commitments' subjects).
READ_MODELS: dict[str, tuple[str, ...]] = {
    "claims": ("claims",),
    "commitments": ("commitments",),
    "compensation": ("commitments", "compensation"),
}

DEFAULT_CACHE_SIZE = 4

# Per migrations folder, the empty migrated database every copy starts from (migrated once per process).
_TEMPLATES: dict[Path, sqlite3.Connection] = {}
_TEMPLATES_LOCK = threading.Lock()

Cancelled = Callable[[], bool]
"""Asked between batches: true when whoever wants the copy is gone (a call cancelled or past its deadline)."""


class ReplayStoppedError(ClaimsError):
    """Raised when a copy's replay was stopped before reaching its position (its caller went away); nothing is kept."""

    reason = "REPLAY_STOPPED"

    def __init__(self, read_model: str, position: int, reached: int) -> None:
        super().__init__(
            f"the replay of {read_model} up to position {position} stopped at {reached}: the call ended first",
            metadata={"read_model": read_model, "position": str(position), "reached": str(reached)},
        )


class _ScratchDatastore:
    """What ``Database`` needs of a datastore, over one in-memory SQLite connection (one transaction at a time)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self, commit: bool) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cursor = self.connection.cursor()
            try:
                yield cursor
            except BaseException:
                self.connection.rollback()
                raise
            else:
                if commit:
                    self.connection.commit()
                else:
                    self.connection.rollback()
            finally:
                cursor.close()


def _memory_connection() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    connection.row_factory = sqlite3.Row
    return connection


@dataclass
class ScratchCopy:
    """A read model's tables as its projections made them from the log's first ``position`` positions."""

    read_model: str
    position: int
    database: Database
    events_replayed: int
    _store: _ScratchDatastore

    def size_bytes(self) -> int:
        """What the copy holds in memory (SQLite pages in use)."""
        with self.database.read() as tx:
            pages = tx.rows("PRAGMA page_count")[0]["page_count"]
            size = tx.rows("PRAGMA page_size")[0]["page_size"]
        return int(pages) * int(size)

    def clone(self) -> sqlite3.Connection:
        """A new in-memory database holding the same rows (this copy is left as it is)."""
        target = _memory_connection()
        with self._store.transaction(commit=False):
            self._store.connection.backup(target)
        return target


class ReadModelsAt:
    """Builds (and keeps a few of) the scratch copies auditors read read models from, as of a log position."""

    def __init__(
        self,
        store: EventStore,
        migrations_dir: Path,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        if batch_size < 1 or cache_size < 0:
            raise ValueError("a batch holds at least one position and the cache cannot hold fewer than none")
        self._store, self._migrations, self._batch, self._cache_size = store, migrations_dir, batch_size, cache_size
        self._cache: OrderedDict[tuple[str, int], ScratchCopy] = OrderedDict()
        self._building: dict[tuple[str, int], threading.Lock] = {}  # the copies being built, each by one caller
        self._lock = threading.Lock()  # guards the cache and _building, never held while replaying
        self.moments = RecordedMoments()  # the positions recorded moments named, for asking by time

    @staticmethod
    def names() -> list[str]:
        return list(READ_MODELS)

    def at(self, read_model: str, position: int, cancelled: Cancelled | None = None) -> ScratchCopy:
        """``read_model`` as of ``position`` (the caller has checked it is within the log); ``cancelled`` stops the
        replay between batches (``ReplayStoppedError``)."""
        if read_model not in READ_MODELS:
            raise InvalidCommandError(
                [FieldViolation("read_model", f"no read model {read_model!r}; known: {', '.join(READ_MODELS)}")]
            )
        key = (read_model, position)
        cached = self._cached(key)
        if cached is not None:
            return cached
        with self._lock:
            gate = self._building.setdefault(key, threading.Lock())
        try:
            with gate:  # one build per copy: whoever asks for it meanwhile waits, then reads it from the cache
                cached = self._cached(key)
                if cached is not None:
                    return cached
                with self._lock:
                    base = self._nearest_below(read_model, position)
                connection = base.clone() if base is not None else self._fresh()
                start = base.position if base is not None else 0
                built = self._replay(read_model, connection, start, position, cancelled)
                if self._cache_size:
                    with self._lock:
                        self._cache[key] = built
                        while len(self._cache) > self._cache_size:
                            self._cache.popitem(last=False)
                return built
        finally:
            with self._lock:
                if self._building.get(key) is gate:
                    del self._building[key]

    def _cached(self, key: tuple[str, int]) -> ScratchCopy | None:
        """The cached copy for ``key`` (now the most recently used), saying it replayed nothing; None if not kept."""
        with self._lock:
            cached = self._cache.get(key)
            if cached is None:
                return None
            self._cache.move_to_end(key)
        return ScratchCopy(cached.read_model, cached.position, cached.database, 0, cached._store)

    def _nearest_below(self, read_model: str, position: int) -> ScratchCopy | None:
        below = [c for (name, at), c in self._cache.items() if name == read_model and at < position]
        return max(below, key=lambda c: c.position, default=None)

    def _fresh(self) -> sqlite3.Connection:
        """An empty in-memory database with every SQLite migration applied (migrated once, then copied)."""
        with _TEMPLATES_LOCK:
            template = _TEMPLATES.get(self._migrations)
            if template is None:
                template = _TEMPLATES[self._migrations] = _migrated_template(self._migrations)
            target = _memory_connection()
            template.backup(target)
        return target

    def _replay(
        self, read_model: str, connection: sqlite3.Connection, start: int, position: int, cancelled: Cancelled | None
    ) -> ScratchCopy:
        """Feed the log's stretch (start, position] to the read model's projections, writing into ``connection``."""
        store = _ScratchDatastore(connection)
        database = Database(store, "sqlite")
        projections: list[Projection] = [registry.create(name) for name in READ_MODELS[read_model]]
        # Only the topics they handle are read (every event when one of them takes all).
        every = any(p.topics is None for p in projections)
        topics = frozenset() if every else frozenset(t for p in projections for t in (p.topics or ()))
        reached, replayed = start, 0
        while reached < position:
            if cancelled is not None and cancelled():
                raise ReplayStoppedError(read_model, position, reached)
            scan = self._store.scan(reached, min(self._batch, position - reached), topics)
            if scan.end <= reached:
                break  # the log is shorter than the caller said: the copy stops at its head
            with database.batch() as tx:
                for event in scan.events:
                    for projection in projections:
                        if projection.topics is None or event.topic in projection.topics:
                            projection.handle(tx, event)
                    replayed += 1
            reached = scan.end
        return ScratchCopy(read_model, position, database, replayed, store)


def _migrated_template(migrations: Path) -> sqlite3.Connection:
    """An in-memory database with every SQLite migration in ``migrations`` applied."""
    # yoyo applies migrations through a connection of its own, so to a file, which is then copied into memory.
    folder = Path(tempfile.mkdtemp(prefix="claims-scratch-"))
    try:
        apply_migrations(StoreLocation("sqlite", sqlite_path=folder / "scratch.db"), migrations)
        template = _memory_connection()
        with sqlite3.connect(folder / "scratch.db") as migrated:
            migrated.backup(template)
        migrated.close()
        return template
    finally:
        shutil.rmtree(folder, ignore_errors=True)
