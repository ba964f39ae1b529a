"""Fan-out in one round trip: the writes core makes at once for one interview (one copy in
each interviewer's own calendar) reach Google as one batch, each part as its own subject,
each still idempotent and failing on its own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from google_helpers import ADMIN, delegated_key, make_provider, settings_for

from panelist.errors import ProviderUnavailable
from panelist.providers import Attendee, EventDraft
from panelist_google.provider import GoogleCalendarProvider
from panelist_google.testing import FakeGoogle

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 3, 23, 8, tzinfo=UTC)
PEOPLE = [f"interviewer{n}@example.com" for n in range(8)]


@pytest.fixture
def provider(google: FakeGoogle, tmp_path: Path) -> GoogleCalendarProvider:
    google.add_user(ADMIN, is_admin=True)
    for email in PEOPLE:
        google.add_user(email)
    return make_provider(settings_for(google, delegated_key(google, tmp_path / "key.json")), NOW)


def copy_for(email: str) -> EventDraft:
    start = NOW.replace(hour=10)
    return EventDraft("Interview", start, start + timedelta(hours=1), timezone="UTC",
                      attendees=(Attendee(email),))  # fmt: skip


async def invite(provider: GoogleCalendarProvider) -> list:
    return await asyncio.gather(
        *(provider.create_event(p, copy_for(p), f"interview-9-event-{p}") for p in PEOPLE),
        return_exceptions=True,
    )


async def test_eight_copies_go_in_one_batch_each_as_its_owner(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    await provider.list_events(PEOPLE[0], NOW, NOW + timedelta(hours=1))  # tokens, discovery
    google.clear_log()
    with google.lock:
        google.round_trips.clear()
    made = await invite(provider)
    assert [e.calendar_id for e in made] == PEOPLE
    api = [(rt.method, rt.path) for rt in google.round_trips if rt.path != "/token"]
    assert api == [("POST", "/batch/calendar/v3")]  # plus one token per new subject, kept
    inserts = google.calls_of("calendar.events.insert")
    assert sorted(c.subject for c in inserts) == sorted(PEOPLE) and all(c.in_batch for c in inserts)

    again = await invite(provider)  # a retry of the whole fan-out: 409 per part, same events
    assert [e.uid for e in again] == [e.uid for e in made]
    for person in PEOPLE:
        assert len(await provider.list_events(person, NOW, NOW + timedelta(days=1))) == 1


async def test_a_quota_error_inside_the_batch_fails_only_its_part(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    await provider.list_events(PEOPLE[0], NOW, NOW + timedelta(hours=1))
    google.fail_next(1, status=429, reason="rateLimitExceeded", retry_after=3,
                     methods=("calendar.events.insert",))  # fmt: skip
    results = await invite(provider)
    failed = [r for r in results if isinstance(r, Exception)]
    assert len(failed) == 1 and isinstance(failed[0], ProviderUnavailable)
    assert failed[0].retry_after == 3
    assert len([r for r in results if not isinstance(r, Exception)]) == 7
