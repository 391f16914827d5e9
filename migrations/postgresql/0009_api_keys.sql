-- depends: 0007_hash_chain
-- API keys for bearer-token authentication (issue 7). Only the SHA-256 of each key's secret is kept; the
-- token `claims_<key_id>_<secret>` is shown once when the key is created. A revoked key keeps its row
-- (revoked_at set) so `claims keys list` shows when it stopped working.
CREATE TABLE api_keys (
    key_id text PRIMARY KEY,
    secret_sha256 bytea NOT NULL,
    principal text NOT NULL,
    label text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
