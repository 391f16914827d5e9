-- depends: 0007_hash_chain
-- GetStateAt's shortcuts, kept by the "snapshots" projection (claims.projections.snapshots):
-- rm_stream_versions: one row per event of a vehicle, repair order, claim, pre-authorization, statutory case or
--   contract stream: its version, global position and recorded time (UTC, ISO 8601 with microseconds, so text
--   order is time order): a recorded time → version index.
-- rm_snapshots: the folded state of such a stream every N events (CLAIMS_SNAPSHOT_INTERVAL), as JSON, tagged
--   with the fingerprint of the code that folded it; a reader ignores a snapshot whose fingerprint is not its own.
CREATE TABLE rm_stream_versions (
    stream_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    position INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (stream_id, version)
);
CREATE TABLE rm_snapshots (
    stream_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (stream_id, version)
);
