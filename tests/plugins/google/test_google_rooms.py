"""Workspace rooms: listed from the Directory, booked by inviting them as a resource
attendee (from the booking account's calendar, as Google wants), their answer read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from google_domain import ROOM
from google_helpers import ADMIN, delegated_key, make_provider, settings_for

from panelist.providers import EventDraft, ResponseStatus, RoomInfo
from panelist_google.provider import GoogleCalendarProvider
from panelist_google.testing import FakeGoogle

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 3, 23, 8, tzinfo=UTC)
START = datetime(2026, 3, 24, 9, tzinfo=UTC)


@pytest.fixture
def provider(google: FakeGoogle, tmp_path: Path) -> GoogleCalendarProvider:
    google.add_user(ADMIN, is_admin=True)
    return make_provider(settings_for(google, delegated_key(google, tmp_path / "key.json")), NOW)


def booking(hours: int = 0) -> EventDraft:
    start = START + timedelta(hours=hours)
    return EventDraft("Interview", start, start + timedelta(hours=1), timezone="UTC")


async def test_rooms_come_from_the_directory(provider: GoogleCalendarProvider) -> None:
    assert await provider.list_rooms() == [RoomInfo(ROOM, "Amstel", 8, ROOM, "hq")]


async def test_a_room_is_booked_by_invitation_and_its_answer_is_read_back(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    booked = await provider.create_event(ROOM, booking(), "interview-4-room_booking-r1")
    insert = google.calls_of("calendar.events.insert")[-1]
    assert insert.subject == ADMIN and "admin%40example.com" in insert.path
    assert {"email": ROOM, "resource": True, "responseStatus": "needsAction"} in insert.body[
        "attendees"
    ]
    assert booked.calendar_id == ROOM
    assert await provider.attendee_responses(ROOM, booked.uid) == {ROOM: ResponseStatus.ACCEPTED}
    listed = await provider.list_events(ROOM, START, START + timedelta(hours=1))
    assert [e.uid for e in listed] == [booked.uid]  # the room's own copy

    clash = await provider.create_event(ROOM, booking(), "interview-5-room_booking-r1")
    assert (await provider.attendee_responses(ROOM, clash.uid))[ROOM] is ResponseStatus.DECLINED

    again = await provider.create_event(ROOM, booking(), "interview-4-room_booking-r1")
    assert again.uid == booked.uid  # idempotent like any other create


async def test_moving_a_booking_asks_the_room_again_and_deleting_frees_it(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    booked = await provider.create_event(ROOM, booking(), "interview-4-room_booking-r1")
    moved = await provider.update_event(ROOM, booked.uid, booking(hours=3))
    assert moved.uid == booked.uid
    patch = google.calls_of("calendar.events.patch")[-1]
    assert (
        next(a for a in patch.body["attendees"] if a["email"] == ROOM)["responseStatus"]
        == "needsAction"
    )
    assert await provider.attendee_responses(ROOM, booked.uid) == {ROOM: ResponseStatus.ACCEPTED}
    await provider.delete_event(ROOM, booked.uid)
    assert await provider.list_events(ROOM, START, START + timedelta(hours=5)) == []
