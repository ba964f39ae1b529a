"""The CalDAV plugin's own tables, prefixed ``caldav_``, as migrations of scope "caldav"."""

from __future__ import annotations

from sqlite_utils import Database

from panelist.storage.migrations import MigrationSet

caldav_migrations = MigrationSet("caldav")


@caldav_migrations
def m001_cache_objects(db: Database) -> None:
    db.executescript(_M001)


# One row per calendar object resource (an .ics file on the server) that the
# cache holds: core's cache_events is keyed by uid, the server by href, and a
# deletion arrives as an href only. `problem` is set when the object could not
# be read; its events are then missing from the cache and the calendar is stale.
_M001 = """
CREATE TABLE caldav_cache_objects (
    calendar_id TEXT NOT NULL,
    href        TEXT NOT NULL,
    uid         TEXT,
    etag        TEXT,
    problem     TEXT,
    PRIMARY KEY (calendar_id, href)
);
CREATE INDEX caldav_cache_objects_uid ON caldav_cache_objects(calendar_id, uid);
"""
