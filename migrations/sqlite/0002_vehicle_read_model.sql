-- depends: 0001_event_store
-- Read model: vehicles by identifier (VIN or serial) with their coverages, and the
-- position up to which each projection has processed the log (written in the same
-- transaction as its rows).
CREATE TABLE projection_tracking (
    projection TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);

CREATE TABLE rm_vehicles (
    vehicle_id TEXT PRIMARY KEY,
    identifier TEXT NOT NULL UNIQUE,
    identifier_kind TEXT NOT NULL,
    model TEXT NOT NULL,
    model_year INTEGER,
    jurisdiction TEXT NOT NULL,
    dealer_id TEXT NOT NULL,
    owner_ref TEXT NOT NULL,
    invoice_date TEXT NOT NULL,
    delivery_date TEXT NOT NULL,
    price_amount TEXT NOT NULL,
    price_currency TEXT NOT NULL,
    odometer_value TEXT NOT NULL,
    odometer_unit TEXT NOT NULL,
    coverage_count INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    last_position INTEGER NOT NULL
);
CREATE INDEX rm_vehicles_dealer_idx ON rm_vehicles (dealer_id, identifier);
CREATE INDEX rm_vehicles_jurisdiction_idx ON rm_vehicles (jurisdiction, identifier);

CREATE TABLE rm_vehicle_coverages (
    coverage_id TEXT PRIMARY KEY,
    vehicle_id TEXT NOT NULL REFERENCES rm_vehicles (vehicle_id),
    code TEXT NOT NULL,
    kind TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    distance_limit TEXT,
    distance_unit TEXT NOT NULL,
    component_groups TEXT NOT NULL,
    UNIQUE (vehicle_id, code)
);
