"""Transaction.insert_rows: a projection's bulk insert, one statement per chunk on PostgreSQL, executemany on SQLite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from claims.adapters.persistence.database import INSERT_CHUNK
from claims.adapters.persistence.factory import Persistence

VERSIONS = {"stream_id": "uuid", "version": "bigint", "position": "bigint", "recorded_at": "timestamptz"}
SUBJECTS = {
    "subject_id": "uuid", "subject_kind": "text", "subject_ref": "text", "jurisdiction": "text",
    "product_class": "text", "vehicle_id": "uuid", "dealer_id": "text",
}  # fmt: skip


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Persistence:
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


def _stream(dialect: str, stream: uuid.UUID) -> object:
    return str(stream) if dialect == "sqlite" else stream


def test_more_rows_than_a_chunk_are_all_inserted_and_read_back_in_the_same_batch(store: Persistence) -> None:
    # Given more stream versions than one statement takes, and a moment to each
    assert store.database is not None
    stream, start = uuid.uuid4(), datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    count = INSERT_CHUNK * 2 + 17
    with store.database.batch() as tx:
        moments = [start + timedelta(seconds=v) for v in range(1, count + 1)]
        rows = [(_stream(tx.dialect, stream), v, 1000 + v, m if tx.dialect == "postgresql" else m.isoformat())
                for v, m in zip(range(1, count + 1), moments, strict=True)]  # fmt: skip
        # When they are inserted in a projection's batch (pipelined on PostgreSQL) and read in it
        tx.insert_rows("rm_stream_versions", VERSIONS, rows)
        seen = tx.rows("SELECT COUNT(*) AS n, MIN(version) AS lo, MAX(position) AS hi FROM rm_stream_versions")[0]
    # Then every row is there, the first and the last as given
    assert (int(seen["n"]), int(seen["lo"]), int(seen["hi"])) == (count, 1, 1000 + count)
    with store.database.read() as tx:
        last = tx.rows("SELECT recorded_at FROM rm_stream_versions WHERE version = :v", {"v": count})[0]
    at = last["recorded_at"]
    assert (at if isinstance(at, datetime) else datetime.fromisoformat(at)) == moments[-1]


def test_a_missing_value_is_null_and_a_conflicting_row_is_skipped_as_on_conflict_says(store: Persistence) -> None:
    # Given a subject already in the table
    assert store.database is not None
    known, new = str(uuid.uuid4()), str(uuid.uuid4())
    with store.database.write() as tx:
        tx.insert_rows("rm_commitment_subjects", SUBJECTS, [(known, "CLAIM", "C-1", "CN", "CAR", None, "D-1")])
    # When it comes again beside a new one without a vehicle or dealer, on conflict do nothing
    with store.database.batch() as tx:
        tx.insert_rows(
            "rm_commitment_subjects",
            SUBJECTS,
            [
                (known, "CLAIM", "C-other", "US", "CAR", str(uuid.uuid4()), "D-2"),
                (new, "CASE", "S-1", "CN", "CAR", None, None),
            ],
            on_conflict="ON CONFLICT (subject_id) DO NOTHING",
        )
    # Then the first row is as it was, and the new one is there with its NULLs
    with store.database.read() as tx:
        rows = {str(r["subject_id"]): r for r in tx.rows("SELECT * FROM rm_commitment_subjects")}
    assert (rows[known]["subject_ref"], rows[known]["dealer_id"]) == ("C-1", "D-1")
    assert (rows[new]["vehicle_id"], rows[new]["dealer_id"], rows[new]["subject_ref"]) == (None, None, "S-1")


def test_no_rows_is_no_statement(store: Persistence) -> None:
    # Given an empty table; when nothing is inserted; then nothing is there and nothing failed
    assert store.database is not None
    with store.database.batch() as tx:
        tx.insert_rows("rm_stream_versions", VERSIONS, [])
        assert int(tx.rows("SELECT COUNT(*) AS n FROM rm_stream_versions")[0]["n"]) == 0
