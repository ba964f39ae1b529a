"""The CalDAV provider against a real Radicale: writes that reconcile, what other apps wrote,
free/busy-only sharing, credentials, and servers that fail."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from caldav_helpers import (
    HTPASSWD_PASSWORD,
    HTPASSWD_USER,
    Calendar,
    FlakyProxy,
    ProviderFactory,
    answer_invitation,
    ics,
)

from panelist.errors import AuthenticationFailed, ProviderUnavailable
from panelist.providers import Attendee, EventDraft, ResponseStatus, Transparency
from panelist.providers.events import unreadable_reason
from panelist.secrets import get_secret
from panelist_caldav.provider import CalDAVCalendarProvider, uid_for
from panelist_caldav.testing import RadicaleServer

pytestmark = pytest.mark.anyio
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TUESDAY_10 = datetime(2026, 3, 24, 10, tzinfo=AMSTERDAM)
WEEK = (datetime(2026, 3, 23, tzinfo=AMSTERDAM), datetime(2026, 3, 30, tzinfo=AMSTERDAM))


def draft(summary: str = "Interview Ana de Vries", **values: object) -> EventDraft:
    times = {"start": TUESDAY_10, "end": TUESDAY_10 + timedelta(hours=1)}
    return EventDraft(summary=summary, **(times | values))  # type: ignore[arg-type]


# ---------------------------------------------------------------------- writes


async def test_a_retried_create_from_another_process_returns_the_first_event(
    calendar: Calendar, make_provider: ProviderFactory
) -> None:
    # Two instances share nothing, as two Panelist processes (or a crash and a retry) would.
    first = make_provider(calendar.server.url, calendar.user)
    retry = make_provider(calendar.server.url, calendar.user)
    created = await first.create_event(calendar.calendar_id, draft(), "interview-17-ana")
    again = await retry.create_event(calendar.calendar_id, draft("changed"), "interview-17-ana")
    assert again.uid == created.uid == uid_for("interview-17-ana")
    assert again.summary == "Interview Ana de Vries"  # the event the first attempt made
    assert calendar.files() == [f"{created.uid}.ics"]


async def test_a_create_finds_its_uid_where_another_app_moved_it(
    calendar: Calendar, provider: CalDAVCalendarProvider
) -> None:
    uid = uid_for("interview-18-bob")
    lines = ["DTSTART:20260324T090000Z", "DTEND:20260324T100000Z", "SUMMARY:Moved by hand"]
    assert calendar.put("renamed-by-other-app.ics", ics(uid, *lines)) == 201
    created = await provider.create_event(calendar.calendar_id, draft(), "interview-18-bob")
    # Radicale refused the second copy (409 no-uid-conflict); the provider found the first.
    assert (created.uid, created.summary) == (uid, "Moved by hand")
    assert created.extra["href"].endswith("/renamed-by-other-app.ics")
    assert calendar.files() == ["renamed-by-other-app.ics"]


async def test_an_update_reapplies_itself_after_a_concurrent_reply(
    calendar: Calendar, flaky_proxy: FlakyProxy, make_provider: ProviderFactory
) -> None:
    provider = make_provider(flaky_proxy.url, calendar.user)
    invited = (Attendee("bob@example.org", "Bob"), Attendee("eve@example.org", "Eve"))
    event = await provider.create_event(
        calendar.calendar_id, draft(attendees=invited), "interview-19"
    )
    # Bob's calendar app answers just before Panelist's update reaches the server.
    flaky_proxy.before(
        "PUT",
        lambda: answer_invitation(
            calendar.server, calendar.user, calendar.calendar_id, event.uid, "bob@example.org",
            "accepted",
        ),
    )  # fmt: skip
    updated = await provider.update_event(
        calendar.calendar_id,
        event.uid,
        draft("Interview Ana de Vries (2nd round)", attendees=invited),
    )
    assert [method for method, _ in flaky_proxy.seen].count("PUT") == 3  # create, 412, retry
    stored = await provider.get_event(calendar.calendar_id, event.uid)
    assert stored.summary == updated.summary == "Interview Ana de Vries (2nd round)"
    assert stored.response_of("bob@example.org") is ResponseStatus.ACCEPTED
    assert stored.response_of("eve@example.org") is ResponseStatus.NEEDS_ACTION
    assert stored.sequence == event.sequence + 1


async def test_an_interview_is_private_with_its_notes_application_and_video_link(
    calendar: Calendar, provider: CalDAVCalendarProvider
) -> None:
    notes = "Focus on system design.\nApplication: https://panelist.example.org/applications/17"
    event = await provider.create_event(
        calendar.calendar_id,
        draft(
            description=notes,
            conference_url="https://meet.example.org/Panelist-abcde",
            organizer="rosa@example.org",
            attendees=(Attendee("bob@example.org", "Bob"),),
        ),
        "interview-20",
    )
    status, _, body = calendar.get(f"{event.uid}.ics")
    assert status == 200
    vevent = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert vevent["CLASS"] == "PRIVATE"
    description = str(vevent["DESCRIPTION"])
    assert "Focus on system design." in description
    assert "https://panelist.example.org/applications/17" in description
    # Most calendar apps ignore CONFERENCE (RFC 7986), so the link is in the description too.
    assert description.endswith("Video: https://meet.example.org/Panelist-abcde")
    assert [str(c.uri) for c in vevent.conferences] == ["https://meet.example.org/Panelist-abcde"]
    read = await provider.get_event(calendar.calendar_id, event.uid)
    assert (read.private, read.description) == (True, notes)
    assert read.conference_url == "https://meet.example.org/Panelist-abcde"
    assert read.organizer == "rosa@example.org"


async def test_a_room_booking_is_an_event_in_the_room_calendar(
    calendar: Calendar, provider: CalDAVCalendarProvider
) -> None:
    room = calendar.server.make_calendar(calendar.user, "room-amstel")
    booking = draft(
        "Interview Ana de Vries",
        location="Amstel",
        attendees=(Attendee("amstel@rooms", resource=True),),
    )
    event = await provider.create_event(room, booking, "interview-21-room")
    assert [e.uid for e in await provider.list_events(room, *WEEK)] == [event.uid]
    assert await provider.list_events(calendar.calendar_id, *WEEK) == []
    busy = (await provider.free_busy([room], *WEEK))[room]
    assert [(b.start, b.end) for b in busy] == [(event.start, event.end)]
    assert (await provider.get_event(room, event.uid)).attendees[0].resource is True


# ---------------------------------------------------------------------- what other apps wrote


async def test_privacy_classes_and_replies_written_by_other_apps(
    calendar: Calendar, provider: CalDAVCalendarProvider
) -> None:
    when = ["DTSTART:20260324T090000Z", "DTEND:20260324T100000Z"]
    replies = [
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:Ann@example.org",
        "ATTENDEE;PARTSTAT=DECLINED:mailto:dan@example.org",
        "ATTENDEE;PARTSTAT=TENTATIVE:mailto:tim@example.org",
        "ATTENDEE;PARTSTAT=DELEGATED:mailto:del@example.org",
        "ATTENDEE:mailto:new@example.org",
    ]
    calendar.put("a.ics", ics("confidential", *when, "SUMMARY:A", "CLASS:CONFIDENTIAL", *replies))
    calendar.put("b.ics", ics("private", *when, "SUMMARY:B", "CLASS:PRIVATE"))
    calendar.put("c.ics", ics("public", *when, "SUMMARY:C", "CLASS:PUBLIC"))
    calendar.put("d.ics", ics("unclassified", *when, "SUMMARY:D"))
    listed = {e.uid: e.private for e in await provider.list_events(calendar.calendar_id, *WEEK)}
    assert listed == {"confidential": True, "private": True, "public": False, "unclassified": False}
    responses = await provider.attendee_responses(calendar.calendar_id, "confidential")
    assert responses == {
        "ann@example.org": ResponseStatus.ACCEPTED,
        "dan@example.org": ResponseStatus.DECLINED,
        "tim@example.org": ResponseStatus.TENTATIVE,
        "del@example.org": ResponseStatus.NEEDS_ACTION,
        "new@example.org": ResponseStatus.NEEDS_ACTION,
    }


async def test_a_series_with_an_exception_and_an_override_from_another_app(
    calendar: Calendar, provider: CalDAVCalendarProvider
) -> None:
    override = (
        "BEGIN:VEVENT\r\nDTSTAMP:20260101T000000Z\r\nUID:standup\r\n"
        "RECURRENCE-ID;TZID=Europe/Amsterdam:20260326T093000\r\n"
        "DTSTART;TZID=Europe/Amsterdam:20260326T150000\r\n"
        "DTEND;TZID=Europe/Amsterdam:20260326T151500\r\nSUMMARY:Standup (moved)\r\nEND:VEVENT\r\n"
    )
    series = ics(
        "standup",
        "DTSTART;TZID=Europe/Amsterdam:20260323T093000",
        "DTEND;TZID=Europe/Amsterdam:20260323T094500",
        "RRULE:FREQ=DAILY;COUNT=5",
        "EXDATE;TZID=Europe/Amsterdam:20260325T093000",
        "SUMMARY:Standup",
        extra_components=override,
    )
    assert calendar.put("standup.ics", series) == 201
    listed = await provider.list_events(calendar.calendar_id, *WEEK)
    assert [(e.summary, e.start.astimezone(AMSTERDAM).strftime("%a %H:%M")) for e in listed] == [
        ("Standup", "Mon 09:30"),
        ("Standup", "Tue 09:30"),
        ("Standup (moved)", "Thu 15:00"),
        ("Standup", "Fri 09:30"),
    ]
    synced = await provider.sync(calendar.calendar_id, None)
    assert sorted(e.recurrence_id is not None for e in synced.changed) == [False, True]


async def test_an_unreadable_object_is_reported_by_href_never_by_its_data(
    calendar: Calendar, provider: CalDAVCalendarProvider, caplog: pytest.LogCaptureFixture
) -> None:
    when = ["DTSTART:20260324T090000Z", "DTEND:20260324T100000Z"]
    calendar.put("good.ics", ics("good", *when, "SUMMARY:Good"))
    # Radicale refuses broken data on PUT, but serves a file it can parse that we cannot.
    secret = ["SUMMARY:Zorblax clinic", "CLASS:PRIVATE", "SEQUENCE:Zorblax"]
    calendar.server.write_file(calendar.calendar_id, "broken.ics", ics("broken", *when, *secret))
    with caplog.at_level(logging.DEBUG):
        listed = await provider.list_events(calendar.calendar_id, *WEEK)
    href = f"/{calendar.calendar_id}broken.ics"
    good, unknown = sorted(listed, key=lambda e: unreadable_reason(e) is not None)
    assert good.uid == "good" and unreadable_reason(good) is None
    # Its times are unknown too: reported, and blocking nothing.
    assert unreadable_reason(unknown) == "SEQUENCE: invalid literal for int() with base 10"
    assert (unknown.extra["href"], unknown.transparency) == (href, Transparency.FREE)
    assert href in caplog.text
    assert "Zorblax" not in caplog.text + repr(listed)


# ---------------------------------------------------------------------- sharing and credentials


async def test_a_calendar_shared_as_free_busy_only(
    radicale: RadicaleServer, make_provider: ProviderFactory
) -> None:
    owner, viewer = "owner-fb", "viewer-fb"
    shared = f"{owner}/busy-{datetime.now(UTC):%H%M%S%f}/"
    radicale.make_calendar(owner, shared.split("/")[1])
    when = ["DTSTART:20260324T090000Z", "DTEND:20260324T100000Z"]
    radicale.put_ics(owner, shared, "x.ics", ics("x", *when, "SUMMARY:Salary talk"))
    maybe = ["DTSTART:20260324T130000Z", "DTEND:20260324T140000Z", "STATUS:TENTATIVE"]
    radicale.put_ics(owner, shared, "y.ics", ics("y", *maybe, "SUMMARY:Dentist"))
    provider = make_provider(radicale.url, viewer)

    info = await provider.calendar_info(shared)
    assert info.free_busy_only and not info.can_write
    with pytest.raises(AuthenticationFailed, match=r"may not access .* \(HTTP 403\)"):
        await provider.list_events(shared, *WEEK)
    busy = (await provider.free_busy([shared], *WEEK))[shared]
    assert [(b.start.hour, b.end.hour, b.transparency) for b in busy] == [
        (9, 10, Transparency.BUSY),
        (13, 14, Transparency.TENTATIVE),
    ]


async def test_credentials_are_sent_and_wrong_ones_are_refused_clearly(
    radicale_htpasswd: RadicaleServer,
    make_provider: ProviderFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = radicale_htpasswd
    name = f"cal-{datetime.now(UTC):%H%M%S%f}"
    calendar_id = server.make_calendar(HTPASSWD_USER, name, password=HTPASSWD_PASSWORD)
    monkeypatch.setenv("PANELIST_CALDAV_PASSWORD", HTPASSWD_PASSWORD)
    right = make_provider(server.url, HTPASSWD_USER, secret_lookup=get_secret)
    event = await right.create_event(calendar_id, draft(), "interview-30")
    assert [e.uid for e in await right.list_events(calendar_id, *WEEK)] == [event.uid]

    wrong = make_provider(server.url, HTPASSWD_USER, password="hunter2")
    missing = make_provider(server.url, HTPASSWD_USER, password=None)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(AuthenticationFailed) as refused:
            await wrong.list_events(calendar_id, *WEEK)
        with pytest.raises(AuthenticationFailed) as unset:
            await missing.get_event(calendar_id, event.uid)
    assert str(refused.value) == (
        f"CalDAV server http://127.0.0.1:{server.port} refused the credentials of user "
        "'carol' (HTTP 401)"
    )
    assert "no password is set (PANELIST_CALDAV_PASSWORD" in str(unset.value)
    basic = base64.b64encode(f"{HTPASSWD_USER}:hunter2".encode()).decode()
    for secret in ("hunter2", HTPASSWD_PASSWORD, basic):
        assert secret not in caplog.text and secret not in str(refused.value)


# ---------------------------------------------------------------------- failing servers


async def test_failing_servers_are_reported_as_retryable_and_plain(
    calendar: Calendar, flaky_proxy: FlakyProxy, make_provider: ProviderFactory, closed_port: int
) -> None:
    refused = make_provider(f"http://127.0.0.1:{closed_port}/", calendar.user)
    with pytest.raises(ProviderUnavailable, match=r"cannot connect to .*: connection refused"):
        await refused.list_events(calendar.calendar_id, *WEEK)

    flaky = make_provider(flaky_proxy.url, calendar.user, timeout="0.5")
    flaky_proxy.fail_with(500, method="REPORT", times=1)
    with pytest.raises(ProviderUnavailable, match="answered HTTP 500") as server_error:
        await flaky.list_events(calendar.calendar_id, *WEEK)
    assert server_error.value.retryable
    flaky_proxy.stall(2.0, method="REPORT")
    with pytest.raises(ProviderUnavailable, match=r"did not answer within 0\.5 s"):
        await flaky.list_events(calendar.calendar_id, *WEEK)


async def test_a_rate_limit_is_retried_after_the_time_the_server_asks(
    calendar: Calendar, flaky_proxy: FlakyProxy, make_provider: ProviderFactory
) -> None:
    provider = make_provider(flaky_proxy.url, calendar.user)
    flaky_proxy.fail_with(429, method="REPORT", times=1, headers={"Retry-After": "0"})
    assert await provider.list_events(calendar.calendar_id, *WEEK) == []
    assert [method for method, _ in flaky_proxy.seen] == ["REPORT", "REPORT"]
    assert provider.request_count == 2
