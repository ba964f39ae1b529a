"""Stale calendars are named after their owners, from the sync state the providers record."""

from sqlite_utils import Database

from panelist.models import WorkingHours
from panelist.services.calendar_health import stale_calendars


def test_failed_syncs_are_named_after_people_and_rooms(db: Database) -> None:
    db.table("employees").insert(
        {
            "email": "sam@example.com",
            "name": "Sam Lee",
            "timezone": "UTC",
            "working_hours": WorkingHours.office().to_json(),
            "calendar_provider": "caldav",
            "calendar_id": "sam/interviews/",
        }
    )
    db.table("rooms").insert(
        {
            "name": "Amstel",
            "capacity": 6,
            "calendar_provider": "caldav",
            "calendar_id": "rooms/amstel/",
        }
    )
    db.table("calendar_sync").insert_all(
        [
            {
                "provider": "caldav",
                "calendar_id": "sam/interviews/",
                "cursor": None,
                "synced_at": "2026-11-23T09:00:00+00:00",
                "error": "HTTP 500 from the server",
            },
            {
                "provider": "caldav",
                "calendar_id": "rooms/amstel/",
                "cursor": None,
                "synced_at": None,
                "error": "connection refused",
                "stale_since": "2026-11-23T08:00:00+00:00",
            },
            {
                "provider": "caldav",
                "calendar_id": "ok/",
                "cursor": "t1",
                "synced_at": "2026-11-23T09:00:00+00:00",
                "error": None,
            },
        ]
    )
    assert [s.describe() for s in stale_calendars(db)] == [
        "Sam Lee's calendar may be out of date (last synced 2026-11-23T09:00:00+00:00):"
        " HTTP 500 from the server",
        "room Amstel's calendar may be out of date (never synced): connection refused",
    ]
    assert [s.stale_since for s in stale_calendars(db)] == [None, "2026-11-23T08:00:00+00:00"]
