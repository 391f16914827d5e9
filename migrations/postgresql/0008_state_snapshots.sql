-- depends: 0007_hash_chain
-- GetStateAt's shortcuts, kept by the "snapshots" projection (claims.projections.snapshots):
-- rm_stream_versions: one row per event of a vehicle, repair order, claim, pre-authorization, statutory case or
--   contract stream: its version, global position and recorded time: a recorded time → version index.
-- rm_snapshots: the folded state of such a stream every N events (CLAIMS_SNAPSHOT_INTERVAL), as JSON, tagged
--   with the fingerprint of the code that folded it; a reader ignores a snapshot whose fingerprint is not its own.
CREATE TABLE rm_stream_versions (
    stream_id uuid NOT NULL,
    version bigint NOT NULL,
    position bigint NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (stream_id, version)
);
CREATE TABLE rm_snapshots (
    stream_id uuid NOT NULL,
    version bigint NOT NULL,
    position bigint NOT NULL,
    kind text NOT NULL,
    fingerprint text NOT NULL,
    state text NOT NULL,
    PRIMARY KEY (stream_id, version)
);
