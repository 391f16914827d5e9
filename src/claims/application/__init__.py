"""Use cases: load a stream, let the domain decide, append idempotently, return the position."""
