"""The local calendar's tables, all prefixed ``local_``, as migrations of scope "local"."""

from __future__ import annotations

import secrets

from sqlite_utils import Database

from panelist.storage.migrations import MigrationSet

local_migrations = MigrationSet("local")


@local_migrations
def m001_events(db: Database) -> None:
    db.executescript(_M001)
    # Sync cursors carry this epoch, so a cursor from another (or a recreated)
    # database is recognised as foreign and answered with a full listing.
    db.table("local_meta").insert_all(
        [
            {"key": "epoch", "value": secrets.token_hex(6)},
            # The last change sequence handed out; bumped first in every write
            # transaction, which also takes SQLite's write lock before any read.
            {"key": "change_seq", "value": "0"},
        ]
    )


_M001 = """
CREATE TABLE local_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per series master or single event (recurrence_id = ''), and one per
-- overridden occurrence of a series (recurrence_id = that occurrence's key).
CREATE TABLE local_events (
    id              INTEGER PRIMARY KEY,
    calendar_id     TEXT NOT NULL,
    uid             TEXT NOT NULL,
    recurrence_id   TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT UNIQUE,              -- NULL for overrides
    data            TEXT NOT NULL,            -- JSON: panelist.providers.ical.event_to_json
    -- UTC bounds for list_events' prefilter: widened for floating and all-day
    -- events, open-ended for series; the exact overlap test runs in Python.
    bound_start     TEXT NOT NULL,
    bound_end       TEXT NOT NULL,
    change_seq      INTEGER NOT NULL,         -- sync cursor position of the last change
    deleted         INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),  -- a tombstone
    updated_at      TEXT NOT NULL,
    UNIQUE (calendar_id, uid, recurrence_id)
);
CREATE INDEX local_events_window ON local_events(calendar_id, deleted, bound_start);
CREATE INDEX local_events_changes ON local_events(calendar_id, change_seq);
CREATE INDEX local_events_seq ON local_events(change_seq);
"""
