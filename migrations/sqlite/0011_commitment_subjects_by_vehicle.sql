-- depends: 0006_commitment_read_models
-- The console's vehicle page lists a vehicle's repair orders from the subjects the commitments read model
-- keeps (CommitmentQueries.subjects_of_vehicle): looked up by vehicle and kind, not by a scan of every subject.
CREATE INDEX rm_commitment_subjects_vehicle_idx ON rm_commitment_subjects (vehicle_id, subject_kind, dealer_id, subject_ref);
