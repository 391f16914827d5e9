"""The event store on the eventsourcing library's recorders (SQLite, PostgreSQL, in-memory) and migrations."""
