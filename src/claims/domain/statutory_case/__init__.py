"""The statutory case aggregate: one per vehicle, its repair visits and notices, eligibility and remedies."""
