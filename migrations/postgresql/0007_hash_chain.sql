-- depends: 0006_commitment_read_models
-- The hash chain over the global event order, sealed by the "chain" projection right behind the log:
-- one row per stored event, chain_hash = SHA-256(previous chain_hash ‖ canonical row) (see
-- claims.adapters.persistence.chain). The head is the projection's tracking position.
CREATE TABLE rm_chain (
    position bigint PRIMARY KEY,
    stream_id uuid NOT NULL,
    version bigint NOT NULL,
    chain_hash bytea NOT NULL
);
CREATE INDEX rm_chain_event_idx ON rm_chain (stream_id, version);
