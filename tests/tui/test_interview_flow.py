"""The whole scheduling flow by keyboard, on the demo with its local calendars and Jitsi,
mailing into a Maildir under tmp_path; then the database and the Maildir are checked.

Also: the form's inline errors (from core's check) and bad input typed into its fields.
"""

from __future__ import annotations

import email
import json
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, Static

from panelist.models import ApplicationSummary
from panelist.plugins import build_registry
from panelist.scheduling import InterviewRecord, load_interview
from panelist.services.applications import list_applications
from panelist.services.directory import find_employee_by_email, set_setting
from panelist.services.interview_form import form_choices
from panelist.storage.database import open_database
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.screens.application import ApplicationScreen
from panelist_tui.screens.applications import ApplicationsScreen
from panelist_tui.screens.change_composer import ChangeComposerScreen
from panelist_tui.screens.confirm import ConfirmScreen
from panelist_tui.screens.find_time import FindTimeScreen, RoomPicker
from panelist_tui.screens.interview_form import InterviewFormScreen
from panelist_tui.widgets.interviews import InterviewList

pytestmark = pytest.mark.anyio

SIZE = (100, 34)
INTERVIEWERS = ("pieter.vandijk", "emma.visser")
EMMA = "emma.visser@example.com"


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def maildir(workspace: Workspace, tmp_path: Path) -> Path:
    path = tmp_path / "maildir"
    set_setting(workspace.db, "maildir_path", str(path))
    set_setting(workspace.db, "mail_transport", "maildir")
    return path


def employee_id(workspace: Workspace, local: str) -> int:
    person = find_employee_by_email(workspace.db, f"{local}@example.com")
    assert person is not None, local
    return person.id


async def choose(pilot: Pilot[None], selector: str, label: str) -> None:
    """Open a Select by keyboard and move to `label`, as a user would, then Enter."""
    select = pilot.app.screen.query_one(selector, Select)
    select.focus()
    await pilot.press("enter")
    await pilot.pause()
    labels = [str(prompt) for prompt, _ in select._options]
    position = next(i for i, (_, value) in enumerate(select._options) if value == select.value)
    target = labels.index(label)
    step = "down" if target > position else "up"
    for _ in range(abs(target - position)):
        await pilot.press(step)
    await pilot.press("enter")
    await pilot.pause()
    assert select.value == select._options[target][1], (selector, label)


async def type_into(pilot: Pilot[None], selector: str, text: str) -> None:
    """Typed key by key; beyond 20 characters the rest arrives as a terminal paste."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    typed, pasted = text[:20], text[20:]
    if typed:
        await pilot.press(*typed)
    if pasted:
        field.post_message(events.Paste(pasted))
    await pilot.pause()


def form(pilot: Pilot[None]) -> InterviewFormScreen:
    screen = pilot.app.screen
    assert isinstance(screen, InterviewFormScreen), screen
    return screen


def error_text(pilot: Pilot[None], group: str) -> str:
    line = pilot.app.screen.query_one(f"#{group}-error", Static)
    return str(line.render()) if line.display else ""


def mails(maildir: Path) -> list[Message]:
    return [email.message_from_bytes(p.read_bytes()) for p in sorted((maildir / "new").iterdir())]


def calendar_part(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    raise AssertionError(f"no text/calendar in {message['Subject']}")


def ics_value(ics: str, name: str) -> str:
    for line in ics.splitlines():
        if line.startswith(f"{name}:") or line.startswith(f"{name};"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name} in the event")


async def open_application(pilot: Pilot[None], application: ApplicationSummary) -> None:
    """From the list: search the candidate, down into the table, Enter."""
    assert isinstance(pilot.app.screen, ApplicationsScreen)
    await pilot.press("slash", *application.candidate_name)
    await pilot.pause()
    await pilot.press("down", "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ApplicationScreen)
    assert screen.application.id == application.id


async def new_interview(
    pilot: Pilot[None], application_id: int, kind: str, *people: str
) -> InterviewFormScreen:
    """The application opened, n, the interview type chosen, each of `people` searched and
    added with Enter: the form, ready for a time."""
    app = pilot.app
    assert isinstance(app, PanelistApp)
    app.open_application(application_id)
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    screen = form(pilot)
    await choose(pilot, "#type", kind)
    screen.query_one("#participant-search", Input).focus()
    for person in people:
        await pilot.press(*person, "enter")
    return screen


async def type_span(pilot: Pilot[None], day: str, start: str, end: str) -> None:
    await type_into(pilot, "#date", day)
    await type_into(pilot, "#start", start)
    await type_into(pilot, "#end", end)


async def test_schedule_mail_reschedule_cancel(
    workspace: Workspace, own_application: ApplicationSummary, maildir: Path
) -> None:
    app = PanelistApp(workspace, ascii=False)
    db = workspace.db
    pieter, emma = (employee_id(workspace, who) for who in INTERVIEWERS)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_application(pilot, own_application)
        before = len(app.screen.interviews)  # type: ignore[attr-defined]

        # New interview: type, two interviewers with roles.
        await pilot.press("n")
        await settle(pilot)
        screen = form(pilot)
        assert screen.query_one("#find-time", Button).disabled
        await choose(pilot, "#type", "Hiring manager interview")
        assert screen.query_one("#method", Select).value.value == "video"
        assert screen.query_one("#organiser", Select).value == workspace.user.id
        screen.query_one("#participant-search", Input).focus()
        await pilot.press(*"Pieter van", "enter")
        await pilot.press(*"Emma Vis", "enter")
        await pilot.pause()
        assert screen.participant_ids == [pieter, emma]
        await choose(pilot, f"#role-{emma}", "Hiring manager")
        assert not screen.query_one("#find-time", Button).disabled

        # Find a time in the calendar: the 2nd suggestion, a room free then, Select time.
        await pilot.press("ctrl+f")
        await settle(pilot)
        finder = app.screen
        assert isinstance(finder, FindTimeScreen), finder
        assert finder.employee_ids == [pieter, emma]
        assert finder.result is not None and len(finder.result.ranked) >= 2
        second = finder.result.ranked[1]
        await pilot.press("n", "n")
        await pilot.pause()
        assert finder.index == 1
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RoomPicker)
        await pilot.press("down", "enter")  # the first free room (below "No room")
        await pilot.pause()
        room_id = finder.room_id
        assert room_id is not None
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        start, end, _ = screen._span()
        assert (start, end) == (second.start, second.end)
        assert screen.query_one("#room", Select).value == room_id
        # Video on Jitsi, hosted by the organiser (prefilled by the type).
        assert screen.query_one("#host", Select).value == workspace.user.id
        assert screen.query_one("#provider", Select).value == "jitsi"
        assert screen.errors == {}, screen.errors

        # Invite interviewers: a worker; back on the Interviews tab when done.
        await pilot.press("ctrl+s")
        await settle(pilot)
        application_screen = app.screen
        assert isinstance(application_screen, ApplicationScreen), (
            str(app.screen.query_one("#form-status", Static).render()),
            [n.message for n in app._notifications],
        )
        assert len(application_screen.interviews) == before + 1
        interview = application_screen.current_interview
        assert interview is not None and interview.status.value == "scheduled"
        assert interview.video_link and interview.room_name
        interview_id = interview.id

        # The interviewers' answers, read back from their calendars in a worker.
        await pilot.press("r")
        await settle(pilot)
        assert "Responses read from the calendars." in [n.message for n in app._notifications]

        # Mail invitation to candidate: the composer, sent as rendered.
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert application_screen.current_interview is not None
        assert application_screen.current_interview.candidate_status.value == "email_sent"

        # Edit = reschedule to the next day, same room.
        await pilot.press("e")
        await settle(pilot)
        screen = form(pilot)
        assert screen.editing and screen.query_one("#type", Select).disabled
        await pilot.press("ctrl+f")
        await settle(pilot)
        finder = app.screen
        assert isinstance(finder, FindTimeScreen)
        assert finder.room_ids == [room_id]
        assert finder.moving == interview_id  # its own time counts as free for it
        assert finder.result is not None and len(finder.result.ranked) >= 3
        third = finder.result.ranked[2]
        await pilot.press("n", "n", "n", "enter")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("ctrl+s")
        await settle(pilot)
        # The candidate was mailed: their new-time mail opens in the composer first.
        composer = app.screen
        assert isinstance(composer, ChangeComposerScreen), composer
        assert composer.draft is not None and composer.draft.ics_method == "REQUEST"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen), (
            str(app.screen.query_one("#form-status", Static).render()),
            [n.message for n in app._notifications],
        )
        moved = app.screen.current_interview
        assert moved is not None and moved.id == interview_id
        assert (moved.start, moved.end) == (third.start, third.end)

        # Cancel, after the confirmation.
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        composer = app.screen
        assert isinstance(composer, ChangeComposerScreen), composer
        assert composer.draft is not None and composer.draft.ics_method == "CANCEL"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen)
        cancelled = app.screen.current_interview
        assert cancelled is not None and cancelled.status.value == "cancelled"

    # ------------------------------------------------------------- the database
    row = db.execute(
        "SELECT status, method, video_provider, video_link, room_id, sequence, start_utc"
        " FROM interviews WHERE id = ?",
        [interview_id],
    ).fetchone()
    status, method, provider, link, room_id, sequence, start = row
    assert (status, method, provider) == ("cancelled", "video", "jitsi")
    assert link and sequence >= 2 and datetime.fromisoformat(start) == third.start
    roles = dict(
        db.execute(
            "SELECT p.employee_id, r.name FROM interview_participants p"
            " JOIN recruiting_roles r ON r.id = p.role_id WHERE p.interview_id = ?",
            [interview_id],
        ).fetchall()
    )
    assert roles == {pieter: "Interviewer", emma: "Hiring manager"}
    # Every side effect was made once and is done: the meeting, each interviewer's event and
    # the room booking created, moved, then removed; the mails sent.
    done = db.execute(
        "SELECT kind, target, provider FROM outbox WHERE interview_id = ? ORDER BY id",
        [interview_id],
    ).fetchall()
    made = {(kind, target) for kind, target, _ in done}
    for target in (f"interviewer_event-e{pieter}", f"interviewer_event-e{emma}", "room_booking"):
        for kind in ("create_event", "update_event", "delete_event"):
            assert (kind, target) in made, (kind, target)
    for kind in ("create_meeting", "update_meeting", "delete_meeting"):
        assert (kind, "meeting") in made
    assert {p for kind, _, p in done if kind.endswith("_meeting")} == {"jitsi"}
    # The calendars themselves (the local provider): one event per interviewer and the
    # room, at the new time, now cancelled.
    calendars = {
        row[0]
        for row in db.execute(
            "SELECT calendar_id FROM employees WHERE id IN (?, ?)"
            " UNION SELECT calendar_id FROM rooms WHERE id = ?",
            [pieter, emma, room_id],
        ).fetchall()
    }
    events = db.execute(
        "SELECT calendar_id, deleted, data FROM local_events WHERE idempotency_key LIKE ?",
        [f"interview-{interview_id}-%"],
    ).fetchall()
    assert {calendar for calendar, _, _ in events} == calendars
    assert len(events) == len(calendars) == 3
    for _, deleted, data in events:
        assert deleted == 1
        assert datetime.fromisoformat(json.loads(data)["start"]["at"]) == third.start
    assert (
        db.execute(
            "SELECT count(*) FROM interview_external_refs WHERE interview_id = ?"
            " AND kind = 'candidate_event'",
            [interview_id],
        ).fetchone()[0]
        == 1
    )
    states = db.execute(
        "SELECT state, count(*) FROM outbox WHERE interview_id = ? GROUP BY state",
        [interview_id],
    ).fetchall()
    assert dict(states) == {"done": dict(states)["done"]}, states

    # ------------------------------------------------------------- the Maildir
    candidate = own_application.candidate_email.casefold()
    to_candidate = [m for m in mails(maildir) if candidate in str(m["To"]).casefold()]
    methods = [ics_value(calendar_part(m), "METHOD") for m in to_candidate]
    sequences = [int(ics_value(calendar_part(m), "SEQUENCE")) for m in to_candidate]
    by_method: dict[str, list[int]] = {}
    for method_name, seq in zip(methods, sequences, strict=True):
        by_method.setdefault(method_name, []).append(seq)
    assert sorted(by_method) == ["CANCEL", "REQUEST"], methods
    invitations = sorted(by_method["REQUEST"])
    assert len(invitations) == 2 and invitations[1] > invitations[0]  # the updated invitation
    assert by_method["CANCEL"][0] > invitations[1]
    uids = {ics_value(calendar_part(m), "UID") for m in to_candidate}
    assert len(uids) == 1, "the update and the cancellation replace the first invitation"
    interviewer_emails = {f"{who}@example.com" for who in INTERVIEWERS}
    to_interviewers = {
        str(m["To"]).casefold() for m in mails(maildir) if candidate not in str(m["To"]).casefold()
    }
    assert all(any(e in to for to in to_interviewers) for e in interviewer_emails)


async def test_inline_errors_block_invite(
    workspace: Workspace, own_application: ApplicationSummary, maildir: Path
) -> None:
    """Core's rules, next to their fields: an organiser who is not responsible, a participant
    without a role, a host with no verified video account."""
    app = PanelistApp(workspace, ascii=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await new_interview(pilot, own_application.id, "Phone screen", "Kwame")
        await pilot.pause()
        kwame = employee_id(workspace, "kwame.mensah")
        row = screen.query_one(f"#participant-{kwame}")
        assert "!" in str(row.query_one(".participant-name", Static).render())  # ASCII ⚠
        await type_span(pilot, "2026-11-27", "10:00", "10:30")
        assert screen.errors == {}, screen.errors

        # A participant without a role.
        screen.query_one(f"#role-{kwame}", Select).clear()
        await pilot.pause()
        assert "has no recruiting role" in error_text(pilot, "participants")
        assert screen.query_one("#invite", Button).disabled
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen  # nothing was sent
        await choose(pilot, f"#role-{kwame}", "Interviewer")
        assert error_text(pilot, "participants") == ""

        # An organiser who is not responsible for the job (the select offers only those
        # who are; an edited database can still disagree, and core says so).
        organiser = screen.query_one("#organiser", Select).value
        db = workspace.db
        db.execute(
            "DELETE FROM job_responsibles WHERE employee_id = ? AND job_id = ?",
            [organiser, own_application.job_id],
        )
        screen.validate_form()
        await pilot.pause()
        assert "is not responsible for" in error_text(pilot, "organiser")
        assert screen.query_one("#invite", Button).disabled

        # Video with Kwame hosting: he is a verified user of no provider.
        await choose(pilot, "#method", "Video")
        screen.query_one("#host", Select).value = kwame
        await pilot.pause()
        assert screen.query_one("#provider", Select).is_blank()
        assert "choose a video provider" in error_text(pilot, "video")
    assert (
        db.execute(
            "SELECT count(*) FROM interviews WHERE application_id = ?", [own_application.id]
        ).fetchone()[0]
        == own_application.interview_count
    )


@pytest.mark.parametrize(
    ("field", "text", "group", "message"),
    [
        ("#date", "", "time", "enter a date"),
        ("#date", "25/11/2026", "time", "write the date as YYYY-MM-DD"),
        ("#date", "2026-02-30", "time", "write the date as YYYY-MM-DD"),
        ("#date", "2025-11-25", "time", "must start in the future"),
        ("#start", "25:00", "time", "write the start time as HH:MM"),
        ("#start", "ab", "time", "write the start time as HH:MM"),
        ("#end", "09:00", "time", "must end after it starts"),
        ("#end", "", "time", "enter the end time"),
        ("#reminder-hours", "-3", "evaluation", "remind after a number of hours"),
        ("#reminder-hours", "nan", "evaluation", "remind after a number of hours"),
        ("#participant-search", "Ωμέγα" * 60, "participants", "nobody matches"),
        ("#participant-search", "Ελένη", "participants", ""),
    ],
    ids=[
        "empty-date",
        "day-first-date",
        "no-such-day",
        "past-date",
        "hour-25",
        "letters-for-time",
        "end-before-start",
        "empty-end",
        "negative-reminder",
        "nan-reminder",
        "very-long-greek-name",
        "greek-name-found",
    ],
)
async def test_bad_input_is_an_inline_message(
    workspace: Workspace,
    own_application: ApplicationSummary,
    maildir: Path,
    field: str,
    text: str,
    group: str,
    message: str,
) -> None:
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await new_interview(pilot, own_application.id, "Technical interview", "Pieter van")
        await type_span(pilot, "2026-11-25", "10:00", "11:00")
        await type_into(pilot, field, text)
        await settle(pilot)
        assert app.screen is screen and app.is_running
        shown = error_text(pilot, group)
        if message:
            assert message in shown, shown
            if group != "participants":
                assert screen.query_one("#invite", Button).disabled
        else:
            # A non-Latin name is found like any other.
            assert "Ελένη" in str(screen.query_one("#participant-matches").render_line(0).text)


# ------------------------------------------------------------------ rescheduling


async def test_a_suggestion_naming_a_room_books_it_when_the_form_had_no_room(
    workspace: Workspace, own_application: ApplicationSummary, maildir: Path
) -> None:
    """Find a time lists "… · Amstel": taking it with No room in the form books Amstel."""
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await new_interview(
            pilot, own_application.id, "Culture fit", "Pieter van", "Emma Vis"
        )
        await pilot.pause()
        assert screen.query_one("#room", Select).is_blank()  # No room

        await pilot.press("ctrl+f")
        await settle(pilot)
        finder = app.screen
        assert isinstance(finder, FindTimeScreen), finder
        assert finder.result is not None and finder.full is not None
        first = finder.result.ranked[0]
        assert first.rooms, "the finder found it with a free room"
        named = next(r for r in finder.full.rooms if r.key == first.rooms[0])
        await pilot.press("n")
        await pilot.pause()
        assert finder._slot_label(first).endswith(f" · {named.room.name}")
        await pilot.press("enter")
        await settle(pilot)

        assert app.screen is screen
        assert screen.query_one("#room", Select).value == named.room.id
        assert screen.errors == {}, screen.errors
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen), [n.message for n in app._notifications]
        interview = app.screen.current_interview
        assert interview is not None and interview.room_name == named.room.name

    start, room_id = workspace.db.execute(
        "SELECT start_utc, room_id FROM interviews WHERE id = ?", [interview.id]
    ).fetchone()
    assert (datetime.fromisoformat(start), room_id) == (first.start, named.room.id)
    booked = workspace.db.execute(
        "SELECT count(*) FROM local_events WHERE idempotency_key LIKE ? AND calendar_id = ?",
        [f"interview-{interview.id}-%", named.room.calendar_id],
    ).fetchone()[0]
    assert booked == 1  # the room's calendar holds the booking


def upcoming_in_room(workspace: Workspace, *, besides: int | None = None) -> InterviewRecord:
    """The first scheduled in-person interview to come with a room (and, for the form,
    two or more participants), organised by Rosa; `besides`: any other one."""
    row = workspace.db.execute(
        "SELECT i.id FROM interviews i WHERE i.status = 'scheduled' AND i.method = 'in_person'"
        " AND i.room_id IS NOT NULL AND i.start_utc > ? AND i.id != ? AND (? IS NOT NULL"
        " OR (i.organiser_id = ? AND (SELECT count(*) FROM interview_participants p"
        " WHERE p.interview_id = i.id) >= 2)) ORDER BY i.start_utc LIMIT 1",
        [workspace.clock.now().isoformat(), besides or -1, besides, workspace.user.id],
    ).fetchone()
    assert row is not None, "the demo has no such interview"
    return load_interview(workspace, row[0])


async def open_edit_form(pilot: Pilot[None], record: InterviewRecord) -> InterviewFormScreen:
    """The interview's card on its application's Interviews tab, then e (the pencil)."""
    app = pilot.app
    assert isinstance(app, PanelistApp)
    await settle(pilot)
    app.open_application(record.application_id)
    await settle(pilot)
    cards = app.screen.query_one(InterviewList)
    cards.index = next(
        i
        for i, card in enumerate(cards.children)
        if card.interview.id == record.id  # type: ignore[attr-defined]
    )
    await pilot.press("e")
    await settle(pilot)
    screen = form(pilot)
    assert screen.editing and screen.record is not None and screen.record.id == record.id
    return screen


def wall(record: InterviewRecord, moment: datetime) -> tuple[str, str]:
    """The date and time the form shows for `moment` (the interview's own zone)."""
    local = moment.astimezone(ZoneInfo(record.timezone))
    return local.date().isoformat(), local.strftime("%H:%M")


async def test_rescheduling_shows_cores_problems_inline(
    workspace: Workspace, maildir: Path
) -> None:
    """Too small a room, a room held by another interview then, a time in the past: each
    under its field with Invite off; put back, Invite is on again. Nothing is moved."""
    record = upcoming_in_room(workspace)
    assert record.room is not None
    people = len(record.participants)
    small = workspace.db.execute(
        "SELECT name, capacity FROM rooms WHERE capacity < ? ORDER BY capacity LIMIT 1",
        [people + 1],
    ).fetchone()
    other = upcoming_in_room(workspace, besides=record.id)
    assert other.room is not None and other.room.capacity > people
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_edit_form(pilot, record)
        invite = screen.query_one("#invite", Button)
        assert screen.errors == {} and not invite.disabled  # as booked: nothing to fix

        await choose(pilot, "#room", f"{small[0]} ({small[1]})")
        assert f"{small[0]} seats {small[1]}" in error_text(pilot, "room")
        assert invite.disabled
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen  # refused: still editing
        await choose(pilot, "#room", f"{record.room.name} ({record.room.capacity})")
        assert screen.errors == {} and not invite.disabled

        # Into the other interview's room at its time.
        await choose(pilot, "#room", f"{other.room.name} ({other.room.capacity})")
        day, start = wall(record, other.start)
        _, end = wall(record, other.end)
        await type_span(pilot, day, start, end)
        assert f"{other.room.name} is booked" in error_text(pilot, "room")
        assert "for another interview" in error_text(pilot, "room")
        assert invite.disabled

        # Back to its own room and time, then a day in the past.
        await choose(pilot, "#room", f"{record.room.name} ({record.room.capacity})")
        day, start = wall(record, record.start)
        _, end = wall(record, record.end)
        await type_span(pilot, day, start, end)
        assert screen.errors == {} and not invite.disabled
        await type_into(pilot, "#date", "2026-11-20")
        assert "must start in the future" in error_text(pilot, "time")
        assert invite.disabled
        await type_into(pilot, "#date", day)
        assert error_text(pilot, "time") == "" and not invite.disabled
    assert load_interview(workspace, record.id).sequence == record.sequence


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("#date", "", "enter a date"),
        ("#date", "x" * 300, "write the date as YYYY-MM-DD"),
        ("#date", "2025-11-25", "must start in the future"),
        ("#date", "9999-12-31", ""),
        ("#start", "", "enter the start time"),
        ("#end", "00:01", "must end after it starts"),
    ],
    ids=["empty-date", "very-long-date", "past-date", "last-day", "empty-start", "end-first"],
)
async def test_bad_input_while_rescheduling_is_an_inline_message(
    workspace: Workspace, maildir: Path, field: str, text: str, message: str
) -> None:
    record = upcoming_in_room(workspace)
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_edit_form(pilot, record)
        await type_into(pilot, field, text)
        await settle(pilot)
        assert app.screen is screen and app.is_running
        if message:
            assert message in error_text(pilot, "time")
            assert screen.query_one("#invite", Button).disabled


def test_card_shows_the_candidates_local_time_when_it_differs() -> None:
    from panelist.models import CandidateStatus, InterviewStatus, InterviewSummary, Method
    from panelist_tui.glyphs import UNICODE
    from panelist_tui.widgets.interviews import interview_content

    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    interview = InterviewSummary(
        id=1,
        application_id=1,
        type_name="Culture fit",
        organiser_name="Rosa Jansen",
        start=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        end=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
        timezone="Europe/Amsterdam",
        method=Method.PHONE,
        video_provider=None,
        video_link=None,
        room_name=None,
        status=InterviewStatus.SCHEDULED,
        candidate_status=CandidateStatus.NOT_INVITED,
    )
    tokyo = interview_content(interview, UNICODE, now, "", "Asia/Tokyo").plain
    assert "Wed 25 Nov 10:00–11:00 (Europe/Amsterdam)" in tokyo
    assert "candidate's time Wed 25 Nov 18:00–19:00 (Asia/Tokyo)" in tokyo
    # Same clock (Paris = Amsterdam), same zone, or unknown: nothing added.
    for zone in ("Europe/Paris", "Europe/Amsterdam", None):
        assert "candidate's time" not in interview_content(interview, UNICODE, now, "", zone).plain


# ------------------------------------------------------------------ a provider that fails


@pytest.fixture
def flaky_workspace(
    workspace: Workspace, demo_db_file: Path, tmp_path: Path
) -> Iterator[Workspace]:
    """The demo with Emma Visser's calendar behind a network that fails its first write
    (the scheduling tests' failing provider, installed as a plugin)."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "core" / "scheduling"))
    try:
        import scheduling_providers
    finally:
        sys.path.pop(0)
    registry = build_registry(extra_plugins=[("scheduling-test", scheduling_providers.plugin())])
    path = tmp_path / "flaky.db"
    shutil.copyfile(demo_db_file, path)
    db = open_database(path, registry.migrations)
    db.execute("UPDATE employees SET calendar_provider = 'flaky' WHERE email = ?", [EMMA])
    for key, value in (("failures", "1"), ("mode", "503")):
        db.execute(
            "INSERT INTO provider_settings (provider, key, value) VALUES ('flaky', ?, ?)",
            [key, value],
        )
    set_setting(db, "provider_retry_budget_s", 0.01)
    ws = Workspace(db, path, registry, workspace.clock, workspace.user)
    yield ws
    ws.close()


async def test_a_provider_failure_keeps_the_form_open_with_retry(
    flaky_workspace: Workspace, tmp_path: Path
) -> None:
    workspace = flaky_workspace
    set_setting(workspace.db, "maildir_path", str(tmp_path / "maildir"))
    application = next(
        a
        for a in list_applications(workspace)
        if form_choices(workspace, a.id).default_organiser_id == workspace.user.id
    )
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await new_interview(pilot, application.id, "Phone screen", "Emma Vis")
        await type_span(pilot, "2026-12-08", "13:00", "13:30")
        assert screen.errors == {}, screen.errors
        await pilot.press("ctrl+s")
        await settle(pilot)

        # Booked, but Emma's calendar did not answer: the form stays, saying so, with Retry.
        assert app.screen is screen
        status = str(screen.query_one("#form-status", Static).render())
        assert "Not finished" in status and "Retry" in status, status
        retry = screen.query_one("#retry", Button)
        assert retry.display and app.focused is retry
        assert screen.booked_id is not None
        assert any("503" in n.message or "Emma" in n.message for n in app._notifications)

        await pilot.press("enter")  # Retry: resume_pending finishes the outbox
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen), str(
            screen.query_one("#form-status", Static).render()
        )
    states = workspace.db.execute(
        "SELECT DISTINCT state FROM outbox WHERE interview_id = ?", [screen.booked_id]
    ).fetchall()
    assert states == [("done",)]
    count = workspace.db.execute(
        "SELECT count(*) FROM interviews WHERE application_id = ?", [application.id]
    ).fetchone()[0]
    assert count == application.interview_count + 1  # Retry made no second interview


async def test_a_mail_failure_is_a_one_line_notification(
    workspace: Workspace, target: ApplicationSummary, tmp_path: Path
) -> None:
    """The outbox path is a file, so nothing can be delivered: the app says so and runs on."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    set_setting(workspace.db, "maildir_path", str(blocked))
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_application(target.id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ApplicationScreen)
        interview = screen.current_interview
        assert interview is not None and interview.status.value == "scheduled"
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("ctrl+s")  # send from the composer
        await settle(pilot)
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert len(errors) == 1 and "cannot write to the outbox" in errors[0], errors
        assert "\n" not in errors[0] and "Traceback" not in errors[0]
        assert app.screen is screen and not screen.query_one("#interviews").loading
        await pilot.press("f1")
        assert app.screen is not screen  # keys still work
