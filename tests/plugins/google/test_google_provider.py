"""The google provider against the loopback fake where things go wrong: quotas, revoked
grants, missing delegation, calendars not shared, expired sync tokens, malformed events.
Every message names the person or calendar, never an event's title, never a secret."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from google_domain import ANA, BOB, ROOM
from google_helpers import ADMIN, delegated_key, make_provider, settings_for

from panelist.calendars.cache import CalendarCache, CalendarKey
from panelist.calendars.sync import sync_calendar
from panelist.errors import (
    AuthenticationFailed,
    CursorExpired,
    NotSupported,
    ProviderError,
    ProviderUnavailable,
)
from panelist.providers import EventDraft
from panelist.retry import RetryPolicy, with_retries
from panelist.storage.database import open_database
from panelist_google.provider import GoogleCalendarProvider
from panelist_google.testing import CALENDAR_SCOPE, FakeGoogle

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 3, 23, 8, tzinfo=UTC)
SECRET_TITLE = "Interview: Secret Candidate"


@pytest.fixture
def provider(google: FakeGoogle, tmp_path: Path) -> GoogleCalendarProvider:
    google.add_user(ADMIN, "Admin", is_admin=True)
    return make_provider(settings_for(google, delegated_key(google, tmp_path / "key.json")), NOW)


def draft(hour: int = 10) -> EventDraft:
    start = NOW.replace(hour=hour)
    return EventDraft(SECRET_TITLE, start, start + timedelta(hours=1), timezone="UTC")


async def test_each_calendar_is_used_as_its_owner_and_rooms_as_the_admin(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    await provider.create_event(ANA, draft(), "interview-7-event-e1")
    await provider.free_busy([ROOM], NOW, NOW + timedelta(days=1))
    insert = google.calls_of("calendar.events.insert")[-1]
    assert insert.subject == ANA
    assert insert.query.get("sendUpdates") == ["none"]
    assert insert.body["visibility"] == "private"
    assert insert.body["extendedProperties"]["private"]["panelistInterview"] == "7"
    assert google.calls_of("calendar.freebusy.query")[-1].subject == ADMIN


async def test_a_retried_create_meets_409_and_returns_the_first_event(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    first = await provider.create_event(ANA, draft(), "interview-7-event-e1")
    again = await provider.create_event(ANA, draft(), "interview-7-event-e1")
    assert again.uid == first.uid
    assert [c.status for c in google.calls_of("calendar.events.insert")] == [200, 409]
    assert len(await provider.list_events(ANA, NOW, NOW + timedelta(days=1))) == 1


@pytest.mark.parametrize(
    ("status", "reason", "retry_after"),
    [(429, "rateLimitExceeded", 7), (403, "rateLimitExceeded", None), (503, "backendError", 2)],
)
async def test_quota_and_server_errors_are_retryable_with_retry_after(
    google: FakeGoogle,
    provider: GoogleCalendarProvider,
    status: int,
    reason: str,
    retry_after: int | None,
) -> None:
    await provider.create_event(ANA, draft(), "interview-7-event-e1")
    google.fail_next(status=status, reason=reason, retry_after=retry_after)
    with pytest.raises(ProviderUnavailable) as caught:
        await provider.list_events(ANA, NOW, NOW + timedelta(days=1))
    error = caught.value
    assert error.retryable and error.retry_after == retry_after
    assert ANA in str(error) and "Secret" not in str(error) and str(status) in str(error)


async def test_core_retries_a_429_honouring_retry_after(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    google.fail_next(2, status=429, reason="rateLimitExceeded", retry_after=0)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    events = await with_retries(
        lambda: provider.list_events(ANA, NOW, NOW + timedelta(days=1)),
        RetryPolicy(budget_seconds=10),
        provider="google",
        sleep=sleep,
    )
    assert events == [] and waits == [0.0, 0.0]


async def test_a_revoked_service_account_names_the_person(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    google.disable_service_account("panelist@fake-project.iam.gserviceaccount.com")
    with pytest.raises(AuthenticationFailed) as caught:
        await provider.list_events(ANA, NOW, NOW + timedelta(days=1))
    message = str(caught.value)
    assert "no longer accepts the grant for ana@example.com (invalid_grant)" in message
    assert "PRIVATE KEY" not in message and "\n" not in message


async def test_scopes_the_admin_did_not_delegate_are_explained(
    google: FakeGoogle, tmp_path: Path
) -> None:
    google.add_user(ADMIN, "Admin", is_admin=True)
    key = delegated_key(google, tmp_path / "key.json", scopes=(CALENDAR_SCOPE,))
    provider = make_provider(settings_for(google, key), NOW)
    with pytest.raises(
        AuthenticationFailed,
        match=r"act as ana@example.com \(unauthorized_client\).*domain-wide delegation",
    ):
        await provider.list_events(ANA, NOW, NOW + timedelta(days=1))


async def test_a_calendar_not_shared_is_not_integrated_in_one_line(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    google.add_calendar("c_hidden@group.calendar.google.com", owner=BOB, acl={})
    with pytest.raises(ProviderError) as caught:
        await provider.free_busy(
            ["c_hidden@group.calendar.google.com"], NOW, NOW + timedelta(days=1)
        )
    assert str(caught.value).startswith(
        "not integrated: Google calendar 'c_hidden@group.calendar.google.com' is not shared with admin@example.com"
    )
    assert "notFound" in str(caught.value)


async def test_a_free_busy_only_calendar_is_synced_as_busy_times(
    google: FakeGoogle, provider: GoogleCalendarProvider, tmp_path: Path
) -> None:
    shared = "c_team@group.calendar.google.com"
    google.add_calendar(shared, owner=BOB, acl={"domain": "freeBusyReader"})
    google.put_event(shared, {
        "summary": SECRET_TITLE,
        "start": {"dateTime": "2026-03-23T10:00:00Z"},
        "end": {"dateTime": "2026-03-23T11:00:00Z"},
    })  # fmt: skip
    with pytest.raises(NotSupported):
        await provider.sync(shared, None)
    db = open_database(tmp_path / "cache.db")
    try:
        cache, key = CalendarCache(db), CalendarKey("google", shared)
        report = await sync_calendar(provider, cache, key)
        assert (report.mode, report.error) == ("free-busy", None)
        busy = cache.events(key, NOW, NOW + timedelta(days=1))
        assert [(e.start, e.end) for e in busy] == [(NOW.replace(hour=10), NOW.replace(hour=11))]
        assert all(SECRET_TITLE not in e.summary for e in busy)
    finally:
        db.close()


async def test_an_expired_sync_token_raises_cursor_expired(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    first = await provider.sync(ANA, None)
    google.expire_sync_tokens()
    with pytest.raises(CursorExpired, match=r"ana@example\.com"):
        await provider.sync(ANA, first.cursor)


async def test_an_event_google_sends_with_fields_missing_is_a_problem_line_not_a_failure(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    kept = await provider.create_event(ANA, draft(), "interview-7-event-e1")
    broken = google.put_event(ANA, {
        "summary": SECRET_TITLE,
        "start": {"dateTime": "2026-03-23T12:00:00Z"},
        "end": {"dateTime": "2026-03-23T13:00:00Z"},
    })  # fmt: skip
    with google.lock:  # Google sends it without its end
        del google.calendars[ANA].events[broken["id"]]["end"]
    result = await provider.sync(ANA, None)
    assert [e.uid for e in result.changed] == [kept.uid]
    assert result.problems == [f"event {broken['id']!r}: its end is missing"]
