-- depends: 0002_vehicle_read_model
-- Read model: one row per claim with its status and totals, for the dealer's, the VIN's and
-- the status lists (keyset-paged by filed_at, claim_id) and the decision-due timer.
CREATE TABLE rm_claims (
    claim_id uuid PRIMARY KEY,
    dealer_id text NOT NULL,
    claim_number text NOT NULL,
    claim_type text NOT NULL,
    vin text NOT NULL,
    vehicle_id uuid NOT NULL,
    ro_number text NOT NULL,
    status text NOT NULL,
    currency text NOT NULL,
    claimed_total numeric NOT NULL,
    approved_total numeric NOT NULL,
    paid_total numeric NOT NULL,
    deducted_total numeric NOT NULL,
    charged_back_total numeric NOT NULL,
    filed_at timestamptz NOT NULL,
    last_received_at timestamptz NOT NULL,
    decision_due_on date,
    decided_at timestamptz,
    paid_at timestamptz,
    version_count integer NOT NULL,
    version bigint NOT NULL,
    last_position bigint NOT NULL,
    UNIQUE (dealer_id, claim_number)
);
CREATE INDEX rm_claims_filed_idx ON rm_claims (filed_at, claim_id);
CREATE INDEX rm_claims_dealer_idx ON rm_claims (dealer_id, filed_at, claim_id);
CREATE INDEX rm_claims_vin_idx ON rm_claims (vin, filed_at, claim_id);
CREATE INDEX rm_claims_status_idx ON rm_claims (status, filed_at, claim_id);
CREATE INDEX rm_claims_decision_due_idx ON rm_claims (decision_due_on);
