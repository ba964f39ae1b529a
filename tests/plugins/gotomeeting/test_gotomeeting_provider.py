"""The gotomeeting provider through its real httpx client against the loopback fake GoTo:
what GoTo is sent, a create whose answer is lost found again (one meeting), a 401
answered by one refresh, rotated refresh tokens kept, 429 with and without Retry-After,
the host's meetings for the overlap check, and hosts verified as active G2M organisers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from goto_helpers import ANA, BOB, CARL, DORA, Company

from panelist.errors import AuthenticationFailed, EventNotFound, ProviderUnavailable
from panelist.providers import ConferenceCapability, HostMeeting, MeetingDraft
from panelist.retry import RetryPolicy, with_retries
from panelist_gotomeeting.api import DEFAULT_RETRY_AFTER
from panelist_gotomeeting.config import refresh_token_name
from panelist_gotomeeting.provider import marker, subject
from panelist_gotomeeting.testing import JOIN_BASE

pytestmark = pytest.mark.anyio

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 3, 24, 10, tzinfo=AMSTERDAM)  # 09:00 UTC
END = START + timedelta(minutes=45)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def draft(host: str = ANA, start: datetime = START, end: datetime = END) -> MeetingDraft:
    return MeetingDraft("Interview: Ana (Backend developer)", start, end, host, "Europe/Amsterdam")


async def test_goto_is_sent_its_seven_keys_in_utc_with_the_marker_and_answers_an_array(
    acme: Company,
) -> None:
    provider = acme.provider()
    assert ConferenceCapability.LISTS_HOST_MEETINGS in provider.capabilities
    meeting = await provider.create_meeting(draft(), "interview-7-meeting")
    ((method, path, body),) = [r for r in acme.goto.requests if r[0] == "POST"]
    assert (method, path) == ("POST", "/meetings")
    assert body == {
        "subject": f"Interview: Ana (Backend developer) {marker('interview-7-meeting')}",
        "starttime": "2026-03-24T09:00:00Z",
        "endtime": "2026-03-24T09:45:00Z",
        "passwordrequired": False,
        "conferencecallinfo": "VoIP",
        "timezonekey": "",
        "meetingtype": "scheduled",
    }
    (stored,) = acme.goto.meetings_of(ANA)
    assert meeting.meeting_id == f"{ANA}/{stored['meetingId']}"
    assert meeting.join_url == f"{JOIN_BASE}{stored['meetingId']}"
    assert (meeting.start, meeting.end) == (START, END)
    assert meeting.end - meeting.start == timedelta(minutes=45)


def test_the_subject_fits_100_characters_with_angle_brackets_as_entities() -> None:
    tag = marker("k")
    made = subject("Interview: <Ana> " + "x" * 200, tag)
    assert len(made) <= 100 and made.endswith(" " + tag)
    assert made.startswith("Interview: &lt;Ana&gt; x") and "<" not in made
    assert subject("Short", "") == "Short"


async def test_a_create_whose_answer_was_lost_is_found_again_and_not_made_twice(
    acme: Company,
) -> None:
    """GoTo makes the meeting, the connection drops before the answer (a crash in between):
    the create again, under the same key, finds it among the host's upcoming meetings."""
    acme.goto.drop_after_create()
    provider = acme.provider()
    with pytest.raises(ProviderUnavailable):
        await provider.create_meeting(draft(), "interview-8-meeting")
    assert len(acme.goto.meetings_of(ANA)) == 1  # GoTo made it; Panelist never heard

    again = await acme.provider().create_meeting(draft(), "interview-8-meeting")  # a new run
    (stored,) = acme.goto.meetings_of(ANA)
    assert again.meeting_id == f"{ANA}/{stored['meetingId']}"
    assert again.join_url == f"{JOIN_BASE}{stored['meetingId']}"
    assert (again.start, again.end) == (START, END)
    assert len([r for r in acme.goto.requests if r[0] == "POST"]) == 1


async def test_core_retries_a_lost_answer_into_exactly_one_meeting(acme: Company) -> None:
    acme.goto.drop_after_create()
    provider = acme.provider()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    meeting = await with_retries(
        lambda: provider.create_meeting(draft(), "interview-9-meeting"),
        RetryPolicy(budget_seconds=30),
        provider=provider.id,
        sleep=sleep,
    )
    assert len(waits) == 1
    (stored,) = acme.goto.meetings_of(ANA)
    assert meeting.meeting_id.endswith(f"/{stored['meetingId']}")


async def test_update_moves_the_meeting_in_place_and_keeps_marker_and_link(acme: Company) -> None:
    provider = acme.provider()
    made = await provider.create_meeting(draft(), "interview-10-meeting")
    later = START + timedelta(days=2, hours=3)
    moved = await provider.update_meeting(
        made.meeting_id, draft(start=later, end=later + timedelta(hours=1))
    )
    assert (moved.meeting_id, moved.join_url) == (made.meeting_id, made.join_url)
    (stored,) = acme.goto.meetings_of(ANA)
    assert (stored["starttime"], stored["endtime"]) == (
        "2026-03-26T12:00:00Z",
        "2026-03-26T13:00:00Z",
    )
    assert stored["subject"].endswith(marker("interview-10-meeting"))
    # and a create retried after the move still finds it
    again = await provider.create_meeting(
        draft(start=later, end=later + timedelta(hours=1)), "interview-10-meeting"
    )
    assert again.meeting_id == made.meeting_id


async def test_a_meeting_gone_at_goto_is_not_found_on_update_and_fine_on_delete(
    acme: Company,
) -> None:
    provider = acme.provider()
    made = await provider.create_meeting(draft(), "interview-11-meeting")
    await provider.delete_meeting(made.meeting_id)
    await provider.delete_meeting(made.meeting_id)  # 404: gone already
    with pytest.raises(EventNotFound, match=ANA):
        await provider.update_meeting(made.meeting_id, draft())


async def test_an_expired_access_token_is_refreshed_once_and_the_rotated_grant_kept(
    acme: Company,
) -> None:
    provider = acme.provider()
    await provider.create_meeting(draft(), "interview-12-meeting")
    first = acme.keyring[refresh_token_name(ANA)]  # GoTo rotated it on the first refresh
    acme.goto.expire_access_tokens()
    assert await provider.host_meetings(ANA, START, END)
    second = acme.keyring[refresh_token_name(ANA)]
    assert second != first
    statuses = [(t.path, t.status) for t in acme.goto.round_trips]
    assert statuses[-3:] == [
        ("/G2M/rest/upcomingMeetings", 401),
        ("/oauth/token", 200),
        ("/G2M/rest/upcomingMeetings", 200),
    ]


async def test_a_grant_rotated_by_another_panelist_is_read_again_from_the_keyring(
    acme: Company,
) -> None:
    one, other = acme.provider(), acme.provider()
    await one.host_meetings(ANA, START, END)  # one holds token T2 (keyring: T2)
    await other.host_meetings(ANA, START, END)  # other spends T2 for T3 (keyring: T3)
    acme.goto.expire_access_tokens()
    assert await one.host_meetings(ANA, START, END) == []  # T2 refused: T3 read and used


async def test_a_revoked_grant_is_one_line_naming_the_host(acme: Company) -> None:
    provider = acme.provider()
    acme.goto.revoke(ANA)
    with pytest.raises(AuthenticationFailed) as caught:
        await provider.create_meeting(draft(), "interview-13-meeting")
    assert ANA in str(caught.value) and "panelist connect gotomeeting" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert await provider.is_verified_host(ANA) is False


@pytest.mark.parametrize(("sent", "expected"), [(None, DEFAULT_RETRY_AFTER), (7.0, 7.0)])
async def test_429_is_unavailable_with_a_wait_whether_or_not_goto_sends_retry_after(
    acme: Company, sent: float | None, expected: float
) -> None:
    provider = acme.provider()
    acme.goto.fail_next(status=429, retry_after=sent, paths=("/upcomingMeetings",))
    with pytest.raises(ProviderUnavailable) as caught:
        await provider.create_meeting(draft(), "interview-14-meeting")
    assert caught.value.retry_after == expected and caught.value.retryable
    assert acme.goto.meetings_of(ANA) == []


async def test_host_meetings_lists_the_hosts_overlapping_meetings_made_anywhere(
    acme: Company,
) -> None:
    provider = acme.provider()
    own = await provider.create_meeting(draft(), "interview-15-meeting")
    utc = START.astimezone(UTC)
    elsewhere = acme.goto.put_meeting(
        ANA, "1:1", utc + timedelta(minutes=30), utc + timedelta(hours=2)
    )
    acme.goto.put_meeting(ANA, "Later", utc + timedelta(hours=3), utc + timedelta(hours=4))
    acme.goto.put_meeting(BOB, "Bob's", utc, utc + timedelta(hours=1))
    found = await provider.host_meetings(ANA, START, END)
    assert found == [
        HostMeeting(own.meeting_id, utc, utc + timedelta(minutes=45)),
        HostMeeting(f"{ANA}/{elsewhere}", utc + timedelta(minutes=30), utc + timedelta(hours=2)),
    ]
    assert await provider.host_meetings(ANA, END, END + timedelta(minutes=15)) == [found[1]]


async def test_a_host_is_a_connected_active_organiser_with_goto_meeting(acme: Company) -> None:
    provider = acme.provider()
    assert await provider.is_verified_host(ANA) is True
    assert await provider.is_verified_host(" Ana.Jansen@Example.com ") is True
    assert await provider.is_verified_host(CARL) is False  # GoTo Webinar only
    assert await provider.is_verified_host(DORA) is False  # suspended
    assert await provider.is_verified_host("eve@example.com") is False  # never connected


async def test_without_an_organizer_key_in_the_token_an_admin_is_found_by_email(
    acme: Company,
) -> None:
    acme.goto.organizer_key_in_token = False
    acme.goto.organizers[ANA].admin = True
    assert await acme.provider().is_verified_host(ANA) is True


async def test_without_an_organizer_key_a_host_is_verified_by_goto_meeting_answering_them(
    acme: Company,
) -> None:
    acme.goto.organizer_key_in_token = False  # and nobody is an admin
    provider = acme.provider()
    assert await provider.is_verified_host(ANA) is True
    assert await provider.is_verified_host(CARL) is False
    assert await provider.is_verified_host(DORA) is False


async def test_doctor_says_what_is_missing(acme: Company) -> None:
    assert [c.status for c in await acme.provider().check([])] == ["ok"]
    del acme.keyring["client_secret"]
    (line,) = await acme.provider().check([])
    assert line.status == "fail" and "client secret" in line.detail


def test_one_provider_serves_one_event_loop_after_another(acme: Company) -> None:
    """As the worker runs it: each round is its own `asyncio.run`."""
    import asyncio

    provider = acme.provider()
    made = asyncio.run(provider.create_meeting(draft(), "interview-16-meeting"))
    assert asyncio.run(provider.host_meetings(ANA, START, END))[0].meeting_id == made.meeting_id
    asyncio.run(provider.delete_meeting(made.meeting_id))
    asyncio.run(provider.aclose())
