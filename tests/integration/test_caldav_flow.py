"""End to end on a real Radicale (CalDAV issue, item 6): invite, the candidate's mail, an
answer changed on the server by another calendar app, reschedule, cancel, and a server
that goes away in the middle of an invite, all as they run against the local calendar."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import icalendar
import pytest
from caldav_flow_helpers import (
    TUESDAY_10,
    Company,
    Received,
    RestartableRadicale,
    aclose_service,
    build_company,
    email,
    employee_id,
    flow_request,
    open_service,
)

from panelist.clock import FrozenClock
from panelist.models import InterviewStatus
from panelist.plugins import PluginRegistry
from panelist.providers import ResponseStatus
from panelist.scheduling import (
    InterviewRequest,
    OutboxIncomplete,
    SchedulingService,
    SlotTaken,
    StepEvent,
    list_notices,
)
from panelist_caldav.provider import uid_for

pytestmark = pytest.mark.anyio
LATER = TUESDAY_10 + timedelta(days=1, hours=3)  # Wednesday 13:00 in Amsterdam


def request(*people: str, room: bool = True, **extra: object) -> InterviewRequest:
    return flow_request(*people, room=room, **extra)


def ics_of(message: EmailMessage) -> tuple[str, icalendar.Component]:
    """The METHOD and the only VEVENT of a mail's calendar part."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            calendar = icalendar.Calendar.from_ical(payload)
            (event,) = calendar.walk("VEVENT")
            return str(calendar["METHOD"]), event
    raise AssertionError("no calendar part")


def to(message: EmailMessage) -> str:
    (address,) = message["To"].addresses
    return str(address.addr_spec)


def attendees(vevent: icalendar.Component) -> list[tuple[str, str]]:
    found = vevent.get("ATTENDEE")
    props = found if isinstance(found, list) else [found] if found is not None else []
    return [(str(p).lower().removeprefix("mailto:"), str(p.params.get("PARTSTAT"))) for p in props]


def outbox_states(service: SchedulingService, interview_id: int) -> dict[str, str]:
    rows = service.ws.db.execute(
        "SELECT key, state FROM outbox WHERE interview_id = ? ORDER BY id", [interview_id]
    ).fetchall()
    return {key.removeprefix(f"interview-{interview_id}-"): state for key, state in rows}


def ref_uids(service: SchedulingService, interview_id: int) -> dict[str, str]:
    rows = service.ws.db.execute(
        "SELECT idempotency_key, provider, calendar_id, external_id FROM interview_external_refs"
        " WHERE interview_id = ? AND provider = 'caldav' ORDER BY idempotency_key",
        [interview_id],
    ).fetchall()
    return {calendar: uid for _, _, calendar, uid in rows}


async def invited(service: SchedulingService) -> int:
    record = await service.invite(request("sam", "ana", notes="Ask about Rust."))
    return record.id


# ---------------------------------------------------------------------- invite


async def test_invite_puts_a_private_event_in_each_calendar_on_the_server(
    service: SchedulingService, company: Company
) -> None:
    record = await service.invite(request("sam", "ana", notes="Ask about Rust."))

    assert record.status is InterviewStatus.SCHEDULED
    assert record.video_link is not None and record.video_link.startswith("https://meet.jit.si/")
    assert set(outbox_states(service, record.id).values()) == {"done"}  # nothing left pending
    uids = ref_uids(service, record.id)
    assert set(uids) == {company.calendar_id(k) for k in ("sam", "ana", "room-amstel")}
    for key in ("sam", "ana", "room-amstel"):
        href, vevent = company.event(key)
        uid = uids[company.calendar_id(key)]
        assert str(vevent["UID"]) == uid and href == f"/{company.calendar_id(key)}{uid}.ics"
        assert str(vevent["CLASS"]) == "PRIVATE"
        assert str(vevent["SUMMARY"]) == "Interview: Daan de Jong (Senior Backend Engineer)"
        assert vevent.decoded("DTSTART") == TUESDAY_10
        assert int(vevent.get("SEQUENCE", 0)) == 0
        description = str(vevent["DESCRIPTION"])
        assert "Application: https://ats.northwind.example/applications/1" in description
        assert f"Video call: {record.video_link}" in description
        assert "Ask about Rust." in description
        assert "Interviewers: Sam Lee, Ana Silva" in description
    # Each interviewer is the only attendee of their own copy; the room's has none.
    assert attendees(company.event("sam")[1]) == [(email("sam"), "NEEDS-ACTION")]
    assert attendees(company.event("ana")[1]) == [(email("ana"), "NEEDS-ACTION")]
    assert attendees(company.event("room-amstel")[1]) == []
    assert company.objects("rosa") == {}  # the organiser does not take part
    assert company.mail.envelopes == []  # the candidate is mailed only when asked


async def test_the_candidate_invitation_is_mailed_with_the_candidate_as_only_attendee(
    service: SchedulingService, company: Company
) -> None:
    interview_id = await invited(service)
    record = await service.send_candidate_invitation(interview_id)

    (mail,) = company.mail.messages()
    assert to(mail) == "daan@candidate.example"
    method, vevent = ics_of(mail)
    assert method == "REQUEST" and vevent["SEQUENCE"] == 0
    assert attendees(vevent) == [("daan@candidate.example", "NEEDS-ACTION")]
    assert str(vevent["UID"]) == f"panelist-interview-{interview_id}-candidate@northwind.example"
    assert vevent.decoded("DTSTART") == TUESDAY_10
    assert "Ask about Rust." not in str(vevent.get("DESCRIPTION", ""))  # nothing internal
    assert record.candidate_status.value == "email_sent"
    assert set(outbox_states(service, interview_id).values()) == {"done"}


# ---------------------------------------------------------------------- responses


async def test_a_decline_made_in_another_calendar_app_reaches_the_organiser(
    service: SchedulingService, company: Company
) -> None:
    interview_id = await invited(service)
    uids = ref_uids(service, interview_id)
    company.set_partstat("sam", uids[company.calendar_id("sam")], email("sam"), "DECLINED")
    company.set_partstat("ana", uids[company.calendar_id("ana")], email("ana"), "ACCEPTED")

    record = await service.refresh_responses(interview_id)
    await service.refresh_responses(interview_id)  # a second look finds nothing new

    answers = {p.employee.name: p.response for p in record.participants}
    assert answers == {"Sam Lee": ResponseStatus.DECLINED, "Ana Silva": ResponseStatus.ACCEPTED}
    (notice,) = list_notices(service.ws)
    assert notice.message.startswith("Sam Lee declined the interview with Daan de Jong")
    (mail,) = company.mail.messages()
    assert to(mail) == email("rosa")
    assert mail["Subject"] == "Sam Lee declined the interview with Daan de Jong"
    assert record.status is InterviewStatus.SCHEDULED

    # Giving up the room at the same time keeps the answers, on the server and here, so
    # the next refresh brings no second notice (regression: the answers were reset).
    same = await service.reschedule(interview_id, record.start, record.end, room_id=None)
    assert same.sequence == 1 and same.room is None
    assert company.objects("room-amstel") == {}
    assert attendees(company.event("sam")[1]) == [(email("sam"), "DECLINED")]
    assert attendees(company.event("ana")[1]) == [(email("ana"), "ACCEPTED")]
    again = await service.refresh_responses(interview_id)
    assert [p.response for p in again.participants] == [
        ResponseStatus.DECLINED,
        ResponseStatus.ACCEPTED,
    ]
    assert len(list_notices(service.ws, unread_only=False)) == 1
    assert [to(m) for m in company.mail.messages()] == [email("rosa")]


# ---------------------------------------------------------------------- reschedule


async def test_reschedule_moves_the_same_events_on_the_server(
    service: SchedulingService, company: Company
) -> None:
    interview_id = await invited(service)
    await service.send_candidate_invitation(interview_id)
    before = {key: company.event(key) for key in ("sam", "ana", "room-amstel")}
    uids = ref_uids(service, interview_id)
    company.set_partstat("sam", uids[company.calendar_id("sam")], email("sam"), "ACCEPTED")
    await service.refresh_responses(interview_id)

    record = await service.reschedule(interview_id, LATER, LATER + timedelta(hours=1))

    assert (record.start, record.sequence) == (LATER, 1)
    assert ref_uids(service, interview_id) == uids
    for key, (href, old) in before.items():
        moved_href, moved = company.event(key)  # one resource each: no copy left behind
        assert moved_href == href and moved["UID"] == old["UID"]
        assert moved.decoded("DTSTART") == LATER
        assert int(moved["SEQUENCE"]) > int(old.get("SEQUENCE", 0))
        assert str(moved["CLASS"]) == "PRIVATE"
    # A new time asks everyone again, on the server too.
    assert attendees(company.event("sam")[1]) == [(email("sam"), "NEEDS-ACTION")]
    assert all(p.response is ResponseStatus.NEEDS_ACTION for p in record.participants)
    history = service.ws.db.execute(
        "SELECT start_utc, end_utc FROM interview_history WHERE interview_id = ?", [interview_id]
    ).fetchall()
    assert history == [(TUESDAY_10.isoformat(), (TUESDAY_10 + timedelta(hours=1)).isoformat())]
    invitation, update = company.mail.messages()
    (_, first), (method, second) = ics_of(invitation), ics_of(update)
    assert method == "REQUEST" and to(update) == "daan@candidate.example"
    assert second["UID"] == first["UID"] and second.decoded("SEQUENCE") > first.decoded("SEQUENCE")
    assert second.decoded("DTSTART") == LATER
    assert set(outbox_states(service, interview_id).values()) == {"done"}


DENTIST = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Another calendar app//EN\r
BEGIN:VEVENT\r
UID:dentist-ana\r
DTSTAMP:20261120T120000Z\r
DTSTART:20261125T120000Z\r
DTEND:20261125T123000Z\r
SUMMARY:Dentist\r
END:VEVENT\r
END:VCALENDAR\r
"""


async def test_reschedule_is_checked_against_the_server_but_not_against_its_own_events(
    service: SchedulingService, company: Company
) -> None:
    interview_id = await invited(service)
    before = {key: company.event(key) for key in ("sam", "ana")}
    # Ana's own calendar app books the dentist at the new time, straight on the server.
    assert (
        company.server.put_ics(company.user, company.calendar_id("ana"), "dentist.ics", DENTIST)
        == 201
    )

    with pytest.raises(SlotTaken, match="Ana Silva is busy 13:00–13:30"):
        await service.reschedule(interview_id, LATER, LATER + timedelta(hours=1))
    assert company.event("sam") == before["sam"]  # nothing was moved
    assert service.ws.db.execute(
        "SELECT start_utc, sequence FROM interviews WHERE id = ?", [interview_id]
    ).fetchone() == (TUESDAY_10.isoformat(), 0)

    # Half an hour later overlaps the interview's own events on the server: they do not count.
    half = TUESDAY_10 + timedelta(minutes=30)
    moved = await service.reschedule(interview_id, half, half + timedelta(hours=1))
    assert moved.sequence == 1
    href, vevent = company.event("sam")
    assert href == before["sam"][0] and vevent.decoded("DTSTART") == half
    assert len(company.objects("ana")) == 2  # the interview, moved, and the dentist


# ---------------------------------------------------------------------- cancel


async def test_cancel_removes_the_events_from_the_server_and_is_safe_to_repeat(
    service: SchedulingService, company: Company
) -> None:
    interview_id = await invited(service)
    await service.send_candidate_invitation(interview_id)

    record = await service.cancel(interview_id)

    assert record.status is InterviewStatus.CANCELLED
    for key in ("sam", "ana", "room-amstel"):
        assert company.objects(key) == {}
    states = outbox_states(service, interview_id)
    assert states["meeting-delete"] == "done"
    assert set(states.values()) == {"done"}
    left = service.ws.db.execute(
        "SELECT kind FROM interview_external_refs WHERE interview_id = ?", [interview_id]
    ).fetchall()
    assert left == [("candidate_event",)]  # the events and the meeting are forgotten
    messages = company.mail.messages()
    invitation, *after = messages
    (cancellation,) = [m for m in after if to(m) == "daan@candidate.example"]
    method, vevent = ics_of(cancellation)
    assert method == "CANCEL" and str(vevent["STATUS"]) == "CANCELLED"
    assert vevent["UID"] == ics_of(invitation)[1]["UID"] and vevent.decoded("SEQUENCE") == 1
    assert sorted(to(m) for m in after) == sorted(
        ["daan@candidate.example", email("sam"), email("ana")]
    )

    again = await service.cancel(interview_id)
    assert again.status is InterviewStatus.CANCELLED
    assert len(company.mail.envelopes) == len(messages)
    assert outbox_states(service, interview_id) == states
    for key in ("sam", "ana", "room-amstel"):
        assert company.objects(key) == {}


# ---------------------------------------------------------------------- outage


@pytest.mark.parametrize("resumed_by", ["the same session", "the next session"])
async def test_a_server_gone_mid_invite_is_named_and_resume_makes_no_duplicate(
    resumed_by: str,
    tmp_path_factory: pytest.TempPathFactory,
    registry: PluginRegistry,
    clock: FrozenClock,
    smtp: tuple[int, Received],
    caldav_password: None,
) -> None:
    server = RestartableRadicale(tmp_path_factory.mktemp("radicale-outage")).start()
    try:
        company = build_company(server, tmp_path_factory.mktemp("company"), registry, smtp[1])

        def stop_when_booked(step: StepEvent) -> None:
            if step.stage == "reserved":  # the slot was checked on the server, then it goes
                server.stop()

        service = open_service(company, registry, clock, smtp[0], on_step=stop_when_booked)
        try:
            with pytest.raises(OutboxIncomplete) as caught:
                await service.invite(request("sam", "ana", "piet"))
        except BaseException:
            await aclose_service(service)
            raise
        if resumed_by == "the next session":  # cron, or the TUI started again
            await aclose_service(service)
            later = open_service(company, registry, clock, smtp[0])
        else:  # the TUI stayed open: its connections to the old server are stale
            later = service
        interview_id = caught.value.interview_id
        assert caught.value.retryable
        assert sorted(caught.value.problems) == [
            "CalDAV did not answer for Ana Silva's calendar",
            "CalDAV did not answer for Sam Lee's calendar",
            "CalDAV did not answer for the calendar of room Amstel",
        ]
        try:
            states = outbox_states(later, interview_id)
            assert states == {
                "meeting": "done",
                f"interviewer_event-e{employee_id('piet')}": "done",  # the local calendar
                f"interviewer_event-e{employee_id('sam')}": "pending",
                f"interviewer_event-e{employee_id('ana')}": "pending",
                "room_booking-r1": "pending",
            }
            errors = later.ws.db.execute(
                "SELECT last_error FROM outbox WHERE interview_id = ? AND state = 'pending'",
                [interview_id],
            ).fetchall()
            assert all(error for (error,) in errors)

            server.start()  # back, on the same port and storage
            report = await later.resume_pending()
            assert report.problems == {}
            assert set(outbox_states(later, interview_id).values()) == {"done"}
            uids = ref_uids(later, interview_id)
            for key in ("sam", "ana", "room-amstel"):
                _, vevent = company.event(key)  # exactly one resource: no duplicate
                assert str(vevent["UID"]) == uids[company.calendar_id(key)]
                assert vevent.decoded("DTSTART") == TUESDAY_10
            key = f"interview-{interview_id}-interviewer_event-e{employee_id('sam')}"
            assert uids[company.calendar_id("sam")] == uid_for(key)
            # Another run finds nothing to do and writes nothing.
            assert (await later.resume_pending()).interviews == 0
            assert len(company.objects("sam")) == 1
        finally:
            await aclose_service(later)
    finally:
        server.stop()


async def test_a_server_gone_during_reschedule_and_cancel_is_finished_later_without_copies(
    tmp_path_factory: pytest.TempPathFactory,
    registry: PluginRegistry,
    clock: FrozenClock,
    smtp: tuple[int, Received],
    caldav_password: None,
) -> None:
    server = RestartableRadicale(tmp_path_factory.mktemp("radicale-outage")).start()
    armed = False

    def stop_when_rechecked(step: StepEvent) -> None:
        if armed and step.stage == "reserved":  # the new time was checked, then the server goes
            server.stop()

    try:
        company = build_company(server, tmp_path_factory.mktemp("company"), registry, smtp[1])
        service = open_service(company, registry, clock, smtp[0], on_step=stop_when_rechecked)
        try:
            interview_id = await invited(service)
            await service.send_candidate_invitation(interview_id)
            before = {key: company.event(key)[0] for key in ("sam", "ana", "room-amstel")}

            armed = True
            with pytest.raises(OutboxIncomplete, match="CalDAV did not answer for Sam Lee's"):
                await service.reschedule(interview_id, LATER, LATER + timedelta(hours=1))
            states = outbox_states(service, interview_id)
            assert states["interviewer_event-e3-s1"] == "pending"
            # The candidate hears of the new time only once the calendars have it.
            assert states["mail-candidate_reschedule-s1"] == "pending"
            assert len(company.mail.envelopes) == 1

            server.start()
            assert (await service.resume_pending()).problems == {}
            for key, href in before.items():
                moved_href, vevent = company.event(key)
                assert moved_href == href and vevent.decoded("DTSTART") == LATER
            update = company.mail.messages()[-1]
            assert ics_of(update)[0] == "REQUEST" and ics_of(update)[1]["SEQUENCE"] == 1

            server.stop()
            with pytest.raises(OutboxIncomplete, match="CalDAV did not answer"):
                await service.cancel(interview_id)
            assert len(company.mail.envelopes) == 3  # the candidate's CANCEL went out at once
            server.start()
            assert (await service.resume_pending()).problems == {}
            for key in before:
                assert company.objects(key) == {}
            assert sorted(to(m) for m in company.mail.messages()[3:]) == [
                email("ana"),
                email("sam"),
            ]
            assert set(outbox_states(service, interview_id).values()) <= {"done", "skipped"}
        finally:
            await aclose_service(service)
    finally:
        server.stop()
