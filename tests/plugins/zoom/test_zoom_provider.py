"""The zoom provider against the loopback fake, through the real zoomus: what a meeting is
made with, a create whose answer was lost (found again, never made twice), the host's own
meetings for "one meeting at a time", and Zoom's errors (401, 429, 404, 5xx)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from zoom_account import ANA, BOB, CARL, DORA
from zoom_helpers import zoom_provider

from panelist.errors import (
    AuthenticationFailed,
    EventNotFound,
    ProviderError,
    ProviderUnavailable,
    ValidationError,
)
from panelist.providers import ConferenceCapability, HostMeeting, MeetingDraft
from panelist.retry import RetryPolicy, with_retries
from panelist_zoom.client import DEFAULT_RETRY_AFTER
from panelist_zoom.provider import reference
from panelist_zoom.testing import FakeZoom

pytestmark = pytest.mark.anyio

START = datetime(2026, 3, 24, 9, tzinfo=UTC)  # 10:00 in Amsterdam


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def draft(start: datetime = START, minutes: int = 60, host: str = ANA) -> MeetingDraft:
    return MeetingDraft(
        "Interview: Jane (Backend developer)",
        start,
        start + timedelta(minutes=minutes),
        host,
        timezone="Europe/Amsterdam",
    )


def creates(zoom: FakeZoom) -> list[dict]:
    return [s.body for s in zoom.seen if s.method == "POST"]


async def test_a_meeting_has_a_waiting_room_no_early_join_and_its_time_in_utc(
    zoom: FakeZoom,
) -> None:
    provider = zoom_provider(zoom)
    meeting = await provider.create_meeting(draft(), "interview-7-meeting")
    (sent,) = creates(zoom)
    assert sent["start_time"] == "2026-03-24T09:00:00Z"  # UTC, whatever zoomus converts
    assert (sent["duration"], sent["timezone"], sent["type"]) == (60, "Europe/Amsterdam", 2)
    assert sent["settings"]["waiting_room"] is True
    assert sent["settings"]["join_before_host"] is False
    assert sent["topic"] == "Interview: Jane (Backend developer)"
    assert sent["agenda"].splitlines()[0] == reference("", "interview-7-meeting")
    (held,) = zoom.meetings_of(ANA)
    assert held["id"] > 2**31 and meeting.meeting_id == str(held["id"])  # int64 ids
    assert meeting.join_url == held["join_url"] and "pwd=" in meeting.join_url
    assert (meeting.start, meeting.end) == (START, START + timedelta(hours=1))
    assert meeting.host_email == ANA


async def test_a_duration_of_a_part_minute_is_rounded_up(zoom: FakeZoom) -> None:
    provider = zoom_provider(zoom)
    odd = MeetingDraft("Interview", START, START + timedelta(minutes=44, seconds=10), ANA)
    await provider.create_meeting(odd, "k")
    assert creates(zoom)[0]["duration"] == 45


async def test_a_create_whose_answer_was_lost_is_found_again_not_made_twice(
    zoom: FakeZoom,
) -> None:
    provider = zoom_provider(zoom)
    zoom.drop_next_create()  # Zoom makes the meeting; the client never hears of it
    with pytest.raises(ProviderUnavailable):
        await provider.create_meeting(draft(), "interview-7-meeting")
    (made,) = zoom.meetings_of(ANA)

    again = await zoom_provider(zoom).create_meeting(draft(), "interview-7-meeting")  # resume
    assert again.meeting_id == str(made["id"]) and again.join_url == made["join_url"]
    assert len(zoom.meetings_of(ANA)) == 1
    assert len(creates(zoom)) == 1  # the second attempt found it and made nothing

    other = await provider.create_meeting(draft(), "interview-8-meeting")
    assert other.meeting_id != again.meeting_id and len(zoom.meetings_of(ANA)) == 2


async def test_a_found_meeting_is_brought_to_the_draft_of_the_retry(zoom: FakeZoom) -> None:
    provider = zoom_provider(zoom)
    zoom.drop_next_create()
    with pytest.raises(ProviderUnavailable):
        await provider.create_meeting(draft(), "interview-7-meeting")
    later = START + timedelta(days=1, hours=4)
    found = await provider.create_meeting(draft(later, 45), "interview-7-meeting")
    (held,) = zoom.meetings_of(ANA)
    assert (found.start, found.end) == (later, later + timedelta(minutes=45))
    assert (held["start_time"], held["duration"]) == ("2026-03-25T13:00:00Z", 45)


async def test_the_reference_is_found_past_the_first_page(zoom: FakeZoom) -> None:
    zoom.page_size_cap = 2
    for day in range(5):
        zoom.add_meeting(ANA, "Team sync", START - timedelta(days=3 - day), 30)
    provider = zoom_provider(zoom)
    zoom.drop_next_create()
    with pytest.raises(ProviderUnavailable):
        await provider.create_meeting(draft(START + timedelta(days=9)), "interview-9-meeting")
    await provider.create_meeting(draft(START + timedelta(days=9)), "interview-9-meeting")
    assert len(zoom.meetings_of(ANA)) == 6
    lists = [s for s in zoom.seen if s.method == "GET" and s.path.endswith("/meetings")]
    assert any(s.query.get("next_page_token") for s in lists)


async def test_two_databases_on_one_account_do_not_take_each_others_meetings(
    zoom: FakeZoom,
) -> None:
    first = zoom_provider(zoom, reference_scope="a1b2c3d4")
    second = zoom_provider(zoom, reference_scope="e5f6a7b8")
    one = await first.create_meeting(draft(), "interview-1-meeting")
    two = await second.create_meeting(draft(), "interview-1-meeting")  # the same key, elsewhere
    assert one.meeting_id != two.meeting_id
    assert await first.create_meeting(draft(), "interview-1-meeting") == one


async def test_update_moves_in_place_and_delete_twice_is_fine(zoom: FakeZoom) -> None:
    provider = zoom_provider(zoom)
    meeting = await provider.create_meeting(draft(), "interview-7-meeting")
    later = START + timedelta(days=2)
    moved = await provider.update_meeting(meeting.meeting_id, draft(later, 30))
    assert (moved.meeting_id, moved.join_url) == (meeting.meeting_id, meeting.join_url)
    (patch,) = [s for s in zoom.seen if s.method == "PATCH"]
    assert (patch.body["start_time"], patch.body["duration"]) == ("2026-03-26T09:00:00Z", 30)
    assert patch.status == 204
    await provider.delete_meeting(meeting.meeting_id)
    await provider.delete_meeting(meeting.meeting_id)  # 404 code 3001: gone already
    assert zoom.meetings_of(ANA) == []
    with pytest.raises(EventNotFound, match=meeting.meeting_id):
        await provider.update_meeting(meeting.meeting_id, draft())


async def test_hosts_are_active_verified_users(zoom: FakeZoom) -> None:
    provider = zoom_provider(zoom)
    assert ConferenceCapability.VERIFIES_HOSTS in provider.capabilities
    assert await provider.is_verified_host(ANA)
    assert await provider.is_verified_host(ANA.upper())
    assert not await provider.is_verified_host(CARL)  # pending, address not verified
    assert not await provider.is_verified_host(DORA)  # deactivated
    assert not await provider.is_verified_host("nobody@contoso.example")  # 1001
    assert not await provider.is_verified_host("not an address")


async def test_host_meetings_are_the_hosts_own_made_anywhere(zoom: FakeZoom) -> None:
    provider = zoom_provider(zoom)
    assert ConferenceCapability.LISTS_HOST_MEETINGS in provider.capabilities
    outside = zoom.add_meeting(ANA, "1:1 with manager", START + timedelta(minutes=30), 30)
    zoom.add_meeting(ANA, "Lunch", START + timedelta(hours=3), 60)  # later: no overlap
    zoom.add_meeting(ANA, "Ends as we start", START - timedelta(minutes=30), 30)
    zoom.add_meeting(BOB, "Bob's own", START, 60)  # another host
    series = zoom.add_meeting(
        ANA, "Weekly", START - timedelta(days=7, minutes=15), 30, type=8,
        recurrence={"type": 2, "repeat_interval": 1, "end_times": 4},
    )  # fmt: skip
    ours = await provider.create_meeting(draft(START + timedelta(days=1)), "interview-2-meeting")
    window = await provider.host_meetings(ANA, START, START + timedelta(hours=1))
    assert window == [
        HostMeeting(str(series), START - timedelta(minutes=15), START + timedelta(minutes=15)),
        HostMeeting(str(outside), START + timedelta(minutes=30), START + timedelta(hours=1)),
    ]
    next_day = await provider.host_meetings(
        ANA, START + timedelta(days=1), START + timedelta(days=2)
    )
    assert [m.meeting_id for m in next_day] == [ours.meeting_id]
    assert await provider.host_meetings("nobody@contoso.example", START, START) == []


async def test_a_missing_scope_is_an_error_naming_it_not_an_unverified_host(
    zoom: FakeZoom,
) -> None:
    zoom.revoke_scope("user:read:user:admin")
    with pytest.raises(ProviderError, match=r"does not contain scopes:\[user:read:user:admin\]"):
        await zoom_provider(zoom).is_verified_host(ANA)


async def test_an_expired_token_is_fetched_again_once(zoom: FakeZoom) -> None:
    provider = zoom_provider(zoom)
    assert await provider.is_verified_host(ANA)
    before = zoom.token_requests
    zoom.expire_tokens()  # an hour later
    assert await provider.is_verified_host(ANA)
    assert zoom.token_requests == before + 1


async def test_a_token_refused_after_a_401_is_one_line(zoom: FakeZoom) -> None:
    provider = zoom_provider(zoom)
    assert await provider.is_verified_host(ANA)
    zoom.expire_tokens()
    zoom.client_secret = "rotated-by-an-admin"
    with pytest.raises(AuthenticationFailed, match="Invalid client_id or client_secret"):
        await provider.create_meeting(draft(), "interview-7-meeting")


async def test_a_wrong_secret_or_none_is_one_line_and_doctor_says_so(zoom: FakeZoom) -> None:
    wrong = zoom_provider(zoom, secret="not-it")
    with pytest.raises(AuthenticationFailed, match="refused the account id, client id or secret"):
        await wrong.is_verified_host(ANA)
    (line,) = await wrong.check([])
    assert line.status == "fail" and "not-it" not in line.detail
    with pytest.raises(AuthenticationFailed, match="PANELIST_ZOOM_CLIENT_SECRET"):
        await zoom_provider(zoom, secret=None).is_verified_host(ANA)
    (ok,) = await zoom_provider(zoom).check([])
    assert ok.status == "ok"


@pytest.mark.parametrize(("retry_after", "expected"), [("7", 7.0), (None, DEFAULT_RETRY_AFTER)])
async def test_429_is_unavailable_with_a_retry_after(
    zoom: FakeZoom, retry_after: str | None, expected: float
) -> None:
    provider = zoom_provider(zoom)
    zoom.fail_next(429, retry_after=retry_after, method="POST")
    with pytest.raises(ProviderUnavailable) as caught:
        await provider.create_meeting(draft(), "interview-7-meeting")
    assert caught.value.retry_after == expected and "too many requests" in str(caught.value)
    assert zoom.meetings_of(ANA) == []


async def test_core_retries_a_429_within_its_budget_and_makes_one_meeting(
    zoom: FakeZoom,
) -> None:
    provider = zoom_provider(zoom)
    zoom.fail_next(429, retry_after="0", method="POST")
    zoom.fail_next(503, method="POST")
    meeting = await with_retries(
        lambda: provider.create_meeting(draft(), "interview-7-meeting"),
        RetryPolicy(budget_seconds=5, first_backoff_seconds=0.01),
        provider="zoom",
    )
    assert [m["id"] for m in zoom.meetings_of(ANA)] == [int(meeting.meeting_id)]


async def test_other_refusals_are_one_line_naming_the_host(zoom: FakeZoom) -> None:
    provider = zoom_provider(zoom)
    zoom.fail_next(400, code=300, message="Invalid field.", method="POST")
    with pytest.raises(ProviderError, match=f"a meeting of {ANA}.*Invalid field.*code 300"):
        await provider.create_meeting(draft(), "interview-7-meeting")
    with pytest.raises(ProviderError, match=r"nobody@contoso\.example is not a user"):
        await provider.create_meeting(draft(host="nobody@contoso.example"), "k")
    with pytest.raises(ValidationError):
        await provider.create_meeting(draft(minutes=-5), "k")
    with pytest.raises(ValidationError):
        await provider.delete_meeting("not-a-number")
