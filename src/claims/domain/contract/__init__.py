"""The service contract aggregate: an insurer's extended warranty on a vehicle, its cancellation refunds, transfers."""
