"""The CalDAV plugin's own tables, prefixed ``caldav_``, as migrations of scope "caldav"."""

from __future__ import annotations

from sqlite_utils import Database

from panelist.storage.migrations import MigrationSet

caldav_migrations = MigrationSet("caldav")


@caldav_migrations
def m001_cache_objects(db: Database) -> None:
    db.executescript(_M001)


@caldav_migrations
def m002_drop_cache_objects(db: Database) -> None:
    """The plugin's private cache is gone: core's calendar cache keeps every provider's."""
    db.execute("DROP TABLE IF EXISTS caldav_cache_objects")


# The private cache of before core had one (m002 drops it); kept so every database
# migrates through the same steps.
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
