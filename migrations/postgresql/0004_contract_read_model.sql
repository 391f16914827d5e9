-- depends: 0003_claim_read_model
-- Read model: service contracts by VIN and by insurer, and which claims were filed under which
-- contract (a claim filed while a contract of the insurer was in force on its vehicle), with what
-- the contract paid on it. The contracts projection owns both tables; listings join rm_claims.
CREATE TABLE rm_contracts (
    contract_id uuid PRIMARY KEY,
    insurer_id text NOT NULL,
    contract_number text NOT NULL,
    vin text NOT NULL,
    vehicle_id uuid NOT NULL,
    holder_ref text NOT NULL,
    jurisdiction text NOT NULL,
    status text NOT NULL,
    sold_on date NOT NULL,
    expires_on date NOT NULL,
    currency text NOT NULL,
    price numeric NOT NULL,
    deductible_per_visit numeric NOT NULL,
    claims_paid_total numeric NOT NULL,
    cancelled_on date,
    refund numeric,
    ended_on date,
    version bigint NOT NULL,
    last_position bigint NOT NULL,
    UNIQUE (insurer_id, contract_number)
);
CREATE INDEX rm_contracts_vin_idx ON rm_contracts (vin, sold_on);
CREATE INDEX rm_contracts_vehicle_idx ON rm_contracts (vehicle_id, status);
CREATE INDEX rm_contracts_insurer_status_idx ON rm_contracts (insurer_id, status, contract_number);

CREATE TABLE rm_claims_contracts (
    claim_id uuid NOT NULL,
    contract_id uuid NOT NULL,
    insurer_id text NOT NULL,
    contract_number text NOT NULL,
    paid_amount numeric,
    paid_on date,
    linked_position bigint NOT NULL,
    PRIMARY KEY (claim_id, contract_id)
);
CREATE INDEX rm_claims_contracts_insurer_idx ON rm_claims_contracts (insurer_id, contract_number);
CREATE INDEX rm_claims_contracts_contract_idx ON rm_claims_contracts (contract_id);
