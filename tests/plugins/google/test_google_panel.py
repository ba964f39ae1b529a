"""The panel event (issue 14): on Google, core writes ONE event on the video host's calendar,
with the panel as attendees, the room as a resource attendee and the Meet made by the event
itself (`EventDraft.conference`). Google keeps a copy in each attendee's calendar (same id)
and brings every answer, the room's too, back to the organiser's event."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from google_domain import ANA, BOB, ROOM
from google_helpers import ADMIN, delegated_key, make_provider, settings_for

from panelist.errors import EventNotFound, NotSupported, ProviderError
from panelist.providers import (
    Attendee,
    CalendarCapability,
    EventDraft,
    ResponseStatus,
)
from panelist_google.convert import event_id_for
from panelist_google.provider import GoogleCalendarProvider
from panelist_google.testing import FakeGoogle

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 3, 23, 8, tzinfo=UTC)
START = datetime(2026, 3, 24, 9, tzinfo=UTC)
CAROL = "carol@example.com"
KEY = "interview-9-panel-p1"
PANEL = (Attendee(ANA), Attendee(BOB), Attendee(CAROL), Attendee(ROOM, "Amstel", resource=True))


@pytest.fixture
def provider(google: FakeGoogle, tmp_path: Path) -> GoogleCalendarProvider:
    google.add_user(ADMIN, "Admin", is_admin=True)
    google.add_user(CAROL, "Carol Smit")
    google.add_user("nomeet@example.com", meet_enabled=False)
    return make_provider(settings_for(google, delegated_key(google, tmp_path / "key.json")), NOW)


def panel(
    hours: int = 0,
    *,
    summary: str = "Interview",
    attendees: tuple[Attendee, ...] = PANEL,
    conference: str | None = "google_meet",
) -> EventDraft:
    start = START + timedelta(hours=hours)
    return EventDraft(
        summary,
        start,
        start + timedelta(hours=1),
        timezone="UTC",
        attendees=attendees,
        conference=conference,
    )


def api_requests(google: FakeGoogle) -> int:
    return len([rt for rt in google.round_trips if rt.path != "/token"])


async def test_google_declares_shared_events_and_makes_meets() -> None:
    assert CalendarCapability.SHARED_EVENTS in GoogleCalendarProvider.capabilities
    assert GoogleCalendarProvider.conferences == ("google_meet",)


# ---------------------------------------------------------------- the Meet with the event


async def test_the_event_makes_its_meet_read_again_while_pending(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    google.meet_pending_reads = 1  # the write and the first read answer "pending"
    made = await provider.create_event(ANA, panel(), KEY)
    (insert,) = google.calls_of("calendar.events.insert")
    assert insert.subject == ANA and insert.query["conferenceDataVersion"] == ["1"]
    assert insert.body["conferenceData"] == {
        "createRequest": {
            "requestId": event_id_for(KEY),
            "conferenceSolutionKey": {"type": "hangoutsMeet"},
        }
    }
    assert insert.body["id"] == event_id_for(KEY) == made.uid
    assert len(google.calls_of("calendar.events.get")) == 2
    assert made.conference_url is not None
    assert made.conference_url.startswith("https://meet.google.com/")
    assert made.conference_url == google.event(ANA, made.uid)["hangoutLink"]


async def test_a_meet_ready_at_the_write_costs_one_request(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    google.meet_ready_at_write = True
    await provider.list_events(ANA, NOW, NOW + timedelta(minutes=1))  # a token, as an app has
    google.clear_log()
    made = await provider.create_event(ANA, panel(), KEY)
    assert made.conference_url and made.conference_url.startswith("https://meet.google.com/")
    assert google.calls_of("calendar.events.get") == []
    assert api_requests(google) == 1


async def test_a_meet_google_refuses_is_one_line_naming_the_host(
    provider: GoogleCalendarProvider,
) -> None:
    with pytest.raises(ProviderError, match=r"for nomeet@example\.com: .*Admin console") as caught:
        await provider.create_event("nomeet@example.com", panel(), KEY)
    assert "\n" not in str(caught.value) and caught.value.provider == "google"


async def test_a_retry_meets_409_and_returns_the_first_event_and_its_meet(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    first = await provider.create_event(ANA, panel(), KEY)
    again = await provider.create_event(ANA, panel(), KEY)
    assert [c.status for c in google.calls_of("calendar.events.insert")] == [200, 409]
    assert (again.uid, again.conference_url) == (first.uid, first.conference_url)
    stored = google.event(ANA, first.uid)
    assert stored["conferenceData"]["createRequest"]["requestId"] == first.uid  # one Meet
    assert len(await provider.list_events(ANA, START, START + timedelta(hours=1))) == 1


async def test_a_retry_while_the_meet_is_pending_waits_for_the_same_meet(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    google.meet_pending_reads = 5
    first_attempt = asyncio.ensure_future(provider.create_event(ANA, panel(), KEY))
    while not google.calls_of("calendar.events.insert"):
        await asyncio.sleep(0.01)
    first_attempt.cancel()  # the first attempt gave up while Google said "pending"
    with pytest.raises(asyncio.CancelledError):
        await first_attempt
    made = await provider.create_event(ANA, panel(), KEY)
    assert made.conference_url == google.event(ANA, made.uid)["hangoutLink"]
    assert google.calls_of("calendar.events.insert")[-1].status == 409


async def test_another_conference_is_not_supported_and_nothing_is_written(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    with pytest.raises(NotSupported, match="cannot make a zoom meeting"):
        await provider.create_event(ANA, panel(conference="zoom"), KEY)
    assert google.calls_of("calendar.events.insert") == []


async def test_an_update_keeps_the_meet_and_a_delete_takes_it_along(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    made = await provider.create_event(ANA, panel(), KEY)
    moved = await provider.update_event(ANA, made.uid, panel(hours=2, summary="Panel"))
    patch = google.calls_of("calendar.events.patch")[-1]
    assert "conferenceData" not in patch.body and "conferenceDataVersion" not in patch.query
    assert (moved.uid, moved.conference_url, moved.start) == (
        made.uid,
        made.conference_url,
        START + timedelta(hours=2),
    )
    assert (await provider.get_event(BOB, made.uid)).conference_url == made.conference_url

    await provider.delete_event(ANA, made.uid)
    with pytest.raises(EventNotFound):
        await provider.get_event(ANA, made.uid)
    with pytest.raises(EventNotFound):  # the attendees' copies go with it
        await provider.get_event(BOB, made.uid)
    assert google.event(ANA, made.uid)["status"] == "cancelled"
    await provider.delete_event(ANA, made.uid)  # gone already: not an error


async def test_an_update_asks_for_a_meet_the_event_does_not_have_yet(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    plain = await provider.create_event(ANA, panel(conference=None), KEY)
    assert plain.conference_url is None
    with pytest.raises(NotSupported, match="cannot make a teams meeting"):
        await provider.update_event(ANA, plain.uid, panel(conference="teams"))
    with_meet = await provider.update_event(ANA, plain.uid, panel())
    assert with_meet.conference_url and with_meet.conference_url.startswith("https://meet.")
    patch = google.calls_of("calendar.events.patch")[-1]
    assert patch.query["conferenceDataVersion"] == ["1"]
    again = await provider.update_event(ANA, plain.uid, panel(summary="Panel"))
    assert again.conference_url == with_meet.conference_url


# ---------------------------------------------------------------- one event, every calendar


async def test_the_panel_event_is_in_each_attendees_calendar_and_the_room_answers(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    made = await provider.create_event(ANA, panel(), KEY)
    (insert,) = google.calls_of("calendar.events.insert")
    assert (insert.subject, insert.path.split("/events")[0].rsplit("/", 1)[-1]) == (
        ANA,
        "ana%40example.com",
    )  # the host's own calendar, not the booking account's
    assert insert.body["attendees"] == [
        {"email": ANA, "responseStatus": "needsAction"},
        {"email": BOB, "responseStatus": "needsAction"},
        {"email": CAROL, "responseStatus": "needsAction"},
        {"email": ROOM, "responseStatus": "needsAction", "displayName": "Amstel", "resource": True},
    ]
    for person in (BOB, CAROL):
        copy = await provider.get_event(person, made.uid)
        assert (copy.uid, copy.calendar_id, copy.organizer) == (made.uid, person, ANA)
        assert copy.conference_url == made.conference_url
        assert copy.start == START
    room_copy = await provider.list_events(ROOM, START, START + timedelta(hours=1))
    assert [e.uid for e in room_copy] == [made.uid]

    answers = await provider.attendee_responses(ANA, made.uid)
    assert answers == {
        ANA: ResponseStatus.NEEDS_ACTION,
        BOB: ResponseStatus.NEEDS_ACTION,
        CAROL: ResponseStatus.NEEDS_ACTION,
        ROOM: ResponseStatus.ACCEPTED,  # free at that time
    }
    assert made.response_of(ROOM) is ResponseStatus.ACCEPTED  # in the write's own answer


async def test_a_busy_room_declines_the_panel_event(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    await provider.create_event(BOB, panel(attendees=(Attendee(BOB), PANEL[3])), "other-1")
    made = await provider.create_event(ANA, panel(), KEY)
    assert (await provider.attendee_responses(ANA, made.uid))[ROOM] is ResponseStatus.DECLINED


async def test_an_attendee_answering_in_their_calendar_is_read_from_the_organisers_event(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    made = await provider.create_event(ANA, panel(), KEY)
    google.respond(BOB, made.uid, "declined")
    google.respond(CAROL, made.uid, "accepted")
    answers = await provider.attendee_responses(ANA, made.uid)
    assert answers[BOB] is ResponseStatus.DECLINED
    assert answers[CAROL] is ResponseStatus.ACCEPTED
    assert set(answers) == {ANA, BOB, CAROL, ROOM}
    bobs_copy = await provider.get_event(BOB, made.uid)
    assert bobs_copy.response_of(BOB) is ResponseStatus.DECLINED


async def test_the_answers_are_kept_when_the_time_stays_and_asked_again_at_a_new_time(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    made = await provider.create_event(ANA, panel(), KEY)
    google.respond(BOB, made.uid, "declined")
    google.respond(CAROL, made.uid, "tentative")

    retitled = await provider.update_event(ANA, made.uid, panel(summary="Panel interview"))
    assert {a.email: a.status for a in retitled.attendees} == {
        ANA: ResponseStatus.NEEDS_ACTION,
        BOB: ResponseStatus.DECLINED,
        CAROL: ResponseStatus.TENTATIVE,
        ROOM: ResponseStatus.ACCEPTED,
    }

    moved = await provider.update_event(ANA, made.uid, panel(hours=3))
    assert moved.uid == made.uid and moved.conference_url == made.conference_url
    answers = await provider.attendee_responses(ANA, made.uid)
    assert answers == {  # a new time asks everyone again (`kept_responses`); the room answers
        ANA: ResponseStatus.NEEDS_ACTION,
        BOB: ResponseStatus.NEEDS_ACTION,
        CAROL: ResponseStatus.NEEDS_ACTION,
        ROOM: ResponseStatus.ACCEPTED,
    }
    assert (await provider.get_event(CAROL, made.uid)).start == START + timedelta(hours=3)


async def test_panel_events_written_at_once_go_in_one_batch_each_with_its_meet(
    google: FakeGoogle, provider: GoogleCalendarProvider
) -> None:
    google.meet_ready_at_write = True
    await provider.list_events(ANA, NOW, NOW + timedelta(minutes=1))
    await provider.list_events(BOB, NOW, NOW + timedelta(minutes=1))
    google.clear_log()
    first, second = await asyncio.gather(
        provider.create_event(ANA, panel(), KEY),
        provider.create_event(BOB, panel(hours=4, attendees=(Attendee(BOB),)), "other-1"),
    )
    assert api_requests(google) == 1
    inserts = google.calls_of("calendar.events.insert")
    assert all(c.in_batch and c.query["conferenceDataVersion"] == ["1"] for c in inserts)
    assert first.conference_url and second.conference_url
    assert first.conference_url != second.conference_url
