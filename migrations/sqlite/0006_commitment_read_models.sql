-- depends: 0004_contract_read_model
-- Read models: service-commitment clocks (one row per run of a commitment's clock on a subject,
-- OPEN / PAUSED / MET / BREACHED, listed by due time for the timer) and the compensation ledger
-- (what breaches and courtesy cars owe, per vehicle, dealer and commitment). Each projection
-- keeps a small lookup of the subjects its events name.
-- Instants are UTC ISO text with microseconds, so text order is time order; amounts are decimal text.
CREATE TABLE rm_commitment_subjects (
    subject_id TEXT PRIMARY KEY,
    subject_kind TEXT NOT NULL,
    subject_ref TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    product_class TEXT NOT NULL,
    vehicle_id TEXT,
    dealer_id TEXT
);

CREATE TABLE rm_commitments (
    commitment_code TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_ref TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    vehicle_id TEXT,
    dealer_id TEXT,
    started_at TEXT NOT NULL,
    -- the offset the clock counts its days in (its start's), for events that name only a day
    utc_offset_minutes INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    paused_seconds INTEGER NOT NULL,
    paused_since TEXT,
    stopped_at TEXT,
    breached_at TEXT,
    status TEXT NOT NULL,
    consequence TEXT NOT NULL,
    amount TEXT,
    currency TEXT,
    last_position INTEGER NOT NULL,
    PRIMARY KEY (commitment_code, subject_id, started_at)
);
CREATE INDEX rm_commitments_due_idx ON rm_commitments (status, due_at);
-- The timer's query: clocks past due whose consequence is not recorded yet (breached_at IS NULL), so it
-- does not walk every breach ever recorded.
CREATE INDEX rm_commitments_unsettled_idx ON rm_commitments (status, breached_at, due_at);
CREATE INDEX rm_commitments_subject_idx ON rm_commitments (subject_id, started_at);
CREATE INDEX rm_commitments_vehicle_idx ON rm_commitments (vehicle_id, started_at);

CREATE TABLE rm_compensation_refs (
    ref TEXT PRIMARY KEY,
    vehicle_id TEXT,
    dealer_id TEXT
);

CREATE TABLE rm_compensation (
    entry_id TEXT PRIMARY KEY,
    commitment_code TEXT NOT NULL,
    source TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    vehicle_id TEXT,
    dealer_id TEXT,
    currency TEXT NOT NULL,
    owed TEXT NOT NULL,
    paid TEXT NOT NULL,
    owed_at TEXT NOT NULL,
    explanation TEXT NOT NULL,
    last_position INTEGER NOT NULL
);
CREATE INDEX rm_compensation_vehicle_idx ON rm_compensation (vehicle_id, currency);
CREATE INDEX rm_compensation_dealer_idx ON rm_compensation (dealer_id, currency);
CREATE INDEX rm_compensation_commitment_idx ON rm_compensation (commitment_code, currency);
