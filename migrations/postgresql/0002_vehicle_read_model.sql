-- depends: 0001_event_store
-- Read model: vehicles by identifier (VIN or serial) with their coverages, and the
-- position up to which each projection has processed the log (written in the same
-- transaction as its rows).
CREATE TABLE projection_tracking (
    projection text PRIMARY KEY,
    position bigint NOT NULL
);

CREATE TABLE rm_vehicles (
    vehicle_id uuid PRIMARY KEY,
    identifier text NOT NULL UNIQUE,
    identifier_kind text NOT NULL,
    model text NOT NULL,
    model_year integer,
    jurisdiction text NOT NULL,
    dealer_id text NOT NULL,
    owner_ref text NOT NULL,
    invoice_date date NOT NULL,
    delivery_date date NOT NULL,
    price_amount numeric NOT NULL,
    price_currency text NOT NULL,
    odometer_value numeric NOT NULL,
    odometer_unit text NOT NULL,
    coverage_count integer NOT NULL DEFAULT 0,
    version bigint NOT NULL,
    last_position bigint NOT NULL
);
CREATE INDEX rm_vehicles_dealer_idx ON rm_vehicles (dealer_id, identifier);
CREATE INDEX rm_vehicles_jurisdiction_idx ON rm_vehicles (jurisdiction, identifier);

CREATE TABLE rm_vehicle_coverages (
    coverage_id uuid PRIMARY KEY,
    vehicle_id uuid NOT NULL REFERENCES rm_vehicles (vehicle_id),
    code text NOT NULL,
    kind text NOT NULL,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    distance_limit numeric,
    distance_unit text NOT NULL,
    component_groups text NOT NULL,
    UNIQUE (vehicle_id, code)
);
