-- depends: 0004_contract_read_model
-- Read models: service-commitment clocks (one row per run of a commitment's clock on a subject,
-- OPEN / PAUSED / MET / BREACHED, listed by due time for the timer) and the compensation ledger
-- (what breaches and courtesy cars owe, per vehicle, dealer and commitment). Each projection
-- keeps a small lookup of the subjects its events name.
CREATE TABLE rm_commitment_subjects (
    subject_id uuid PRIMARY KEY,
    subject_kind text NOT NULL,
    subject_ref text NOT NULL,
    jurisdiction text NOT NULL,
    product_class text NOT NULL,
    vehicle_id uuid,
    dealer_id text
);

CREATE TABLE rm_commitments (
    commitment_code text NOT NULL,
    subject_id uuid NOT NULL,
    subject_kind text NOT NULL,
    subject_ref text NOT NULL,
    jurisdiction text NOT NULL,
    vehicle_id uuid,
    dealer_id text,
    started_at timestamptz NOT NULL,
    -- the offset the clock counts its days in (its start's), for events that name only a day
    utc_offset_minutes integer NOT NULL,
    due_at timestamptz NOT NULL,
    paused_seconds bigint NOT NULL,
    paused_since timestamptz,
    stopped_at timestamptz,
    breached_at timestamptz,
    status text NOT NULL,
    consequence text NOT NULL,
    amount numeric,
    currency text,
    last_position bigint NOT NULL,
    PRIMARY KEY (commitment_code, subject_id, started_at)
);
CREATE INDEX rm_commitments_due_idx ON rm_commitments (status, due_at);
-- The timer's query: clocks past due whose consequence is not recorded yet (breached_at IS NULL), so it
-- does not walk every breach ever recorded.
CREATE INDEX rm_commitments_unsettled_idx ON rm_commitments (status, breached_at, due_at);
CREATE INDEX rm_commitments_subject_idx ON rm_commitments (subject_id, started_at);
CREATE INDEX rm_commitments_vehicle_idx ON rm_commitments (vehicle_id, started_at);

CREATE TABLE rm_compensation_refs (
    ref text PRIMARY KEY,
    vehicle_id uuid,
    dealer_id text
);

CREATE TABLE rm_compensation (
    entry_id text PRIMARY KEY,
    commitment_code text NOT NULL,
    source text NOT NULL,
    subject_id uuid NOT NULL,
    vehicle_id uuid,
    dealer_id text,
    currency text NOT NULL,
    owed numeric NOT NULL,
    paid numeric NOT NULL,
    owed_at timestamptz NOT NULL,
    explanation text NOT NULL,
    last_position bigint NOT NULL
);
CREATE INDEX rm_compensation_vehicle_idx ON rm_compensation (vehicle_id, currency);
CREATE INDEX rm_compensation_dealer_idx ON rm_compensation (dealer_id, currency);
CREATE INDEX rm_compensation_commitment_idx ON rm_compensation (commitment_code, currency);
