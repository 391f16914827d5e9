-- The event store exactly as eventsourcing's SQLiteApplicationRecorder expects it
-- (the rowid is the global position). The library runs with CREATE_TABLE=n.
CREATE TABLE stored_events (
    originator_id TEXT,
    originator_version INTEGER,
    topic TEXT,
    state BLOB,
    PRIMARY KEY (originator_id, originator_version)
);
