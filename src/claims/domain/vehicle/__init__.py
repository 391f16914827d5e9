"""The vehicle (or serialised product) aggregate: its sale, coverages, odometer and owners."""
