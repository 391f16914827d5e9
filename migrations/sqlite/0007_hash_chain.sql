-- depends: 0006_commitment_read_models
-- The hash chain over the global event order, sealed by the "chain" projection right behind the log:
-- one row per stored event, chain_hash = SHA-256(previous chain_hash ‖ canonical row) (see
-- claims.adapters.persistence.chain). The head is the projection's tracking position.
CREATE TABLE rm_chain (
    position INTEGER PRIMARY KEY,
    stream_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    chain_hash BLOB NOT NULL
);
CREATE INDEX rm_chain_event_idx ON rm_chain (stream_id, version);
