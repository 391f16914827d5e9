"""Open the store named by a URL: SQLite (embedded default), PostgreSQL (production) or memory (tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.utils import Environment

from claims.adapters.persistence.database import Database
from claims.adapters.persistence.group_commit import GroupCommitSettings, GroupCommitter, batch_writer
from claims.adapters.persistence.store import RecorderEventStore
from claims.adapters.persistence.stream_rows import stream_events
from claims.application.messages import RecordedEvent

APPLICATION_NAME = "claims"  # Postgres tables are claims_events; SQLite's are unprefixed (stored_events).

Backend = Literal["sqlite", "postgresql", "memory"]


@dataclass(frozen=True)
class StoreLocation:
    """Where the store lives, parsed from a URL."""

    backend: Backend
    sqlite_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    dbname: str = ""
    schema: str = "public"

    def describe(self) -> str:
        """A human-readable name without the password."""
        if self.backend == "sqlite":
            return f"sqlite {self.sqlite_path}"
        if self.backend == "postgresql":
            return f"postgresql {self.user}@{self.host}:{self.port}/{self.dbname} schema {self.schema}"
        return "in-memory (nothing is kept)"

    def yoyo_uri(self) -> str:
        """The URL yoyo-migrations connects with."""
        if self.backend == "sqlite":
            return f"sqlite:///{self.sqlite_path}"
        if self.backend == "postgresql":
            auth = self.user + (f":{self.password}" if self.password else "")
            return f"postgresql+psycopg://{auth}@{self.host}:{self.port}/{self.dbname}?schema={self.schema}"
        raise ValueError("the in-memory store has no migrations")


def parse_store_url(url: str) -> StoreLocation:
    """Read ``sqlite:///path``, ``postgresql://user:pw@host:port/db?schema=s`` or ``memory://``."""
    parts = urlsplit(url)
    if parts.scheme == "memory":
        return StoreLocation("memory")
    if parts.scheme == "sqlite":
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise ValueError(f"no file in store URL {url!r}: use sqlite:///var/claims.db")
        return StoreLocation("sqlite", sqlite_path=Path(path))
    if parts.scheme in ("postgresql", "postgres"):
        query = parse_qs(parts.query)
        return StoreLocation(
            "postgresql",
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            dbname=parts.path.lstrip("/") or "postgres",
            schema=query.get("schema", ["public"])[0],
        )
    raise ValueError(f"unsupported store URL {url!r}: use sqlite:///…, postgresql://… or memory://")


@dataclass
class Persistence:
    """An open store: the event store, SQL access for read models, and how to close it."""

    location: StoreLocation
    recorder: ApplicationRecorder
    events: RecorderEventStore
    database: Database | None
    factory: Any

    def close(self) -> None:
        self.events.close()
        if self.factory is not None:
            self.factory.close()


def open_store(location: StoreLocation, group_commit: GroupCommitSettings | None = None) -> Persistence:
    """Connect to the store; tables come from migrations, never from the library (CREATE_TABLE=n).

    On SQLite and PostgreSQL appends go through group commit (``group_commit`` or its defaults; ``max_batch=1``
    writes one command per transaction)."""
    if location.backend == "memory":
        popo = POPOApplicationRecorder()
        events = RecorderEventStore(popo, _popo_lookup(popo), _popo_stream_positions(popo))
        return Persistence(location, popo, events, None, None)
    env = Environment(APPLICATION_NAME, _environment(location))
    factory = InfrastructureFactory.construct(env)
    recorder = factory.application_recorder()
    datastore = factory.datastore  # type: ignore[attr-defined]
    database = Database(datastore, location.backend, location.schema if location.backend == "postgresql" else "")
    table = _events_table(location)
    writer = batch_writer(recorder)
    committer = GroupCommitter(writer, group_commit) if writer is not None else None
    store = RecorderEventStore(
        recorder,
        _sql_lookup(database, table),
        _sql_stream_positions(database, table),
        _sql_stream_range(database),
        committer=committer,
    )
    return Persistence(location, recorder, store, database, factory)


def _environment(location: StoreLocation) -> dict[str, str]:
    if location.backend == "sqlite":
        assert location.sqlite_path is not None
        location.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(location.sqlite_path),
            "SQLITE_LOCK_TIMEOUT": "10",
            "CREATE_TABLE": "n",
        }
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": location.dbname,
        "POSTGRES_HOST": location.host,
        "POSTGRES_PORT": str(location.port),
        "POSTGRES_USER": location.user,
        "POSTGRES_PASSWORD": location.password,
        "POSTGRES_SCHEMA": location.schema,
        "POSTGRES_LOCK_TIMEOUT": "5",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        # No ping on every checkout (a round trip per query): the recorder's reads retry a broken connection and
        # the group committer retries its batch; the pool drops connections that broke.
        "POSTGRES_PRE_PING": "n",
        # Enough connections for every gRPC thread, the committer and the projection threads without queueing.
        "POSTGRES_POOL_SIZE": "4",
        "POSTGRES_MAX_OVERFLOW": "36",
        "CREATE_TABLE": "n",
    }


def _events_table(location: StoreLocation) -> str:
    if location.backend == "sqlite":
        return "stored_events"
    return f'"{location.schema}".{APPLICATION_NAME}_events'


def _sql_lookup(database: Database, table: str) -> Any:
    column = "rowid" if database.dialect == "sqlite" else "notification_id"

    def lookup(stream_id: UUID, version: int) -> int | None:
        originator = stream_id.hex if database.dialect == "sqlite" else stream_id
        with database.read() as tx:
            rows = tx.rows(
                f"SELECT {column} AS position FROM {table} WHERE originator_id = :id AND originator_version = :v",  # noqa: S608
                {"id": originator, "v": version},
            )
        return int(rows[0]["position"]) if rows else None

    return lookup


def _sql_stream_positions(database: Database, table: str) -> Any:
    """One query for the global position of the events of a stream after one version up to another, by version."""
    column = "rowid" if database.dialect == "sqlite" else "notification_id"

    def positions(stream_id: UUID, after: int, up_to: int | None) -> dict[int, int]:
        originator = stream_id.hex if database.dialect == "sqlite" else stream_id
        last = "" if up_to is None else " AND originator_version <= :last"
        with database.read() as tx:
            rows = tx.rows(
                f"SELECT originator_version AS v, {column} AS position FROM {table} WHERE originator_id = :id"  # noqa: S608
                f" AND originator_version > :after{last}",
                {"id": originator, "after": after, "last": up_to},
            )
        return {int(r["v"]): int(r["position"]) for r in rows}

    return positions


def _sql_stream_range(database: Database) -> Any:
    """One query for a stretch of a stream's events with their positions (no second query for positions)."""

    def events(stream_id: UUID, after: int, up_to: int | None) -> list[RecordedEvent]:
        with database.read() as tx:
            return stream_events(tx, stream_id, after, up_to)

    return events


def _popo_stream_positions(recorder: POPOApplicationRecorder) -> Any:
    def positions(stream_id: UUID, after: int, up_to: int | None) -> dict[int, int]:
        found: dict[int, int] = {}
        start = 1
        while batch := recorder.select_notifications(start, 500):
            found.update((n.originator_version, n.id) for n in batch if n.originator_id == stream_id)
            start = batch[-1].id + 1
        return found

    return positions


def _popo_lookup(recorder: POPOApplicationRecorder) -> Any:
    def lookup(stream_id: UUID, version: int) -> int | None:
        start = 1
        while batch := recorder.select_notifications(start, 500):
            for n in batch:
                if n.originator_id == stream_id and n.originator_version == version:
                    return n.id
            start = batch[-1].id + 1
        return None

    return lookup
