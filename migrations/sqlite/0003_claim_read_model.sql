-- depends: 0002_vehicle_read_model
-- Read model: one row per claim with its status and totals, for the dealer's, the VIN's and
-- the status lists (keyset-paged by filed_at, claim_id) and the decision-due timer.
-- Instants are UTC ISO text with microseconds, so text order is time order.
CREATE TABLE rm_claims (
    claim_id TEXT PRIMARY KEY,
    dealer_id TEXT NOT NULL,
    claim_number TEXT NOT NULL,
    claim_type TEXT NOT NULL,
    vin TEXT NOT NULL,
    vehicle_id TEXT NOT NULL,
    ro_number TEXT NOT NULL,
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    claimed_total TEXT NOT NULL,
    approved_total TEXT NOT NULL,
    paid_total TEXT NOT NULL,
    deducted_total TEXT NOT NULL,
    charged_back_total TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    last_received_at TEXT NOT NULL,
    decision_due_on TEXT,
    decided_at TEXT,
    paid_at TEXT,
    version_count INTEGER NOT NULL,
    version INTEGER NOT NULL,
    last_position INTEGER NOT NULL,
    UNIQUE (dealer_id, claim_number)
);
CREATE INDEX rm_claims_filed_idx ON rm_claims (filed_at, claim_id);
CREATE INDEX rm_claims_dealer_idx ON rm_claims (dealer_id, filed_at, claim_id);
CREATE INDEX rm_claims_vin_idx ON rm_claims (vin, filed_at, claim_id);
CREATE INDEX rm_claims_status_idx ON rm_claims (status, filed_at, claim_id);
CREATE INDEX rm_claims_decision_due_idx ON rm_claims (decision_due_on);
