-- depends: 0007_hash_chain
-- Authorization (issue 7): the manufacturer whose desk may see a vehicle and decide claims on it. Rows
-- written before it was recorded take the VIN's World Manufacturer Identifier (first three characters), as
-- the VehicleRegistered upcast does; a serial-numbered product without one has none ('').
ALTER TABLE rm_vehicles ADD COLUMN manufacturer TEXT NOT NULL DEFAULT '';
UPDATE rm_vehicles SET manufacturer = upper(substr(identifier, 1, 3)) WHERE identifier_kind = 'VIN';
CREATE INDEX rm_vehicles_manufacturer_idx ON rm_vehicles (manufacturer, identifier);
