-- depends: 0003_claim_read_model
-- Read model: service contracts by VIN and by insurer, and which claims were filed under which
-- contract (a claim filed while a contract of the insurer was in force on its vehicle), with what
-- the contract paid on it. The contracts projection owns both tables; listings join rm_claims.
-- Amounts are decimal text; days are YYYY-MM-DD text.
CREATE TABLE rm_contracts (
    contract_id TEXT PRIMARY KEY,
    insurer_id TEXT NOT NULL,
    contract_number TEXT NOT NULL,
    vin TEXT NOT NULL,
    vehicle_id TEXT NOT NULL,
    holder_ref TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    status TEXT NOT NULL,
    sold_on TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    currency TEXT NOT NULL,
    price TEXT NOT NULL,
    deductible_per_visit TEXT NOT NULL,
    claims_paid_total TEXT NOT NULL,
    cancelled_on TEXT,
    refund TEXT,
    ended_on TEXT,
    version INTEGER NOT NULL,
    last_position INTEGER NOT NULL,
    UNIQUE (insurer_id, contract_number)
);
CREATE INDEX rm_contracts_vin_idx ON rm_contracts (vin, sold_on);
CREATE INDEX rm_contracts_vehicle_idx ON rm_contracts (vehicle_id, status);
CREATE INDEX rm_contracts_insurer_status_idx ON rm_contracts (insurer_id, status, contract_number);

CREATE TABLE rm_claims_contracts (
    claim_id TEXT NOT NULL,
    contract_id TEXT NOT NULL,
    insurer_id TEXT NOT NULL,
    contract_number TEXT NOT NULL,
    paid_amount TEXT,
    paid_on TEXT,
    linked_position INTEGER NOT NULL,
    PRIMARY KEY (claim_id, contract_id)
);
CREATE INDEX rm_claims_contracts_insurer_idx ON rm_claims_contracts (insurer_id, contract_number);
CREATE INDEX rm_claims_contracts_contract_idx ON rm_claims_contracts (contract_id);
