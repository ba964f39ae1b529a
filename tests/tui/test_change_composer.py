"""The composer for a reschedule and a cancel, by keyboard (issue 17, item 2): once the new
time is chosen (ctrl+s in the edit form) or the cancel confirmed, the candidate's mail opens
in the composer before anything changes; ctrl+s there makes the change and sends exactly
the text shown, once; escape changes nothing. A candidate never invited is mailed nothing,
so the change goes at once. Snapshots of both at 80x24 and 160x48."""

from __future__ import annotations

import asyncio
import json
import mailbox
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from panelist.mail.transport import MaildirTransport
from panelist.models import ApplicationSummary, Method
from panelist.scheduling import (
    InterviewRecord,
    InterviewRequest,
    ParticipantRequest,
    SchedulingService,
    load_interview,
)
from panelist.services.directory import find_employee_by_email, set_setting
from panelist.services.interview_form import form_choices
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.screens.application import ApplicationScreen
from panelist_tui.screens.change_composer import ChangeComposerScreen
from panelist_tui.screens.confirm import ConfirmScreen
from panelist_tui.screens.interview_form import InterviewFormScreen

pytestmark = pytest.mark.anyio
SnapCompare = Callable[..., bool]
PS = "P.S. {{ kept as typed }}"


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.fixture
def maildir(workspace: Workspace, tmp_path: Path) -> Path:
    folder = tmp_path / "outbox"
    set_setting(workspace.db, "maildir_path", str(folder))
    return folder


def book(workspace: Workspace, application: ApplicationSummary, maildir: Path | None) -> int:
    """A phone screen with Pieter on Thursday 08:00 UTC; the candidate mailed the invitation
    unless `maildir` is None."""
    choices = form_choices(workspace, application.id)
    pieter = find_employee_by_email(workspace.db, "pieter.vandijk@example.com")
    assert pieter is not None
    start = workspace.clock.now() + timedelta(days=3, hours=-1)
    request = InterviewRequest(
        application_id=application.id,
        organiser_id=workspace.user.id,
        participants=(ParticipantRequest(pieter.id, choices.default_role_id),),
        start=start,
        end=start + timedelta(hours=1),
        method=Method.PHONE,
        type_id=choices.types[0].id,
    )
    transport = MaildirTransport(maildir) if maildir is not None else None
    service = SchedulingService(workspace, transport)

    async def run() -> int:
        record = await service.invite(request)
        if maildir is not None:
            await service.send_candidate_invitation(record.id)
        return record.id

    return asyncio.run(run())


@pytest.fixture
def invited(workspace: Workspace, own_application: ApplicationSummary, maildir: Path) -> int:
    return book(workspace, own_application, maildir)


def free_time(workspace: Workspace, record: InterviewRecord) -> datetime:
    """A day later, when the demo's calendars leave Pieter free (Friday 09:00 in Amsterdam)."""
    start = record.start + timedelta(days=1)
    assert not SchedulingService(workspace).check_reschedule(
        record.id, start, start + (record.end - record.start)
    )
    return start


def sent(folder: Path) -> list[EmailMessage]:
    box = mailbox.Maildir(folder, create=False)
    found = []
    for key in box.iterkeys():
        message = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def candidate_mail(folder: Path, subject_start: str) -> EmailMessage:
    (message,) = [m for m in sent(folder) if str(m["Subject"]).startswith(subject_start)]
    return message


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def kept(workspace: Workspace, interview_id: int, purpose: str) -> list[dict[str, object]]:
    rows = workspace.db.execute(
        "SELECT payload FROM outbox WHERE interview_id = ? AND kind = 'send_mail'",
        [interview_id],
    ).fetchall()
    intents = [json.loads(row[0])["intent"] for row in rows]
    return [i for i in intents if i["purpose"] == purpose]


async def open_interview(pilot: Pilot[None], application_id: int, *keys: str) -> None:
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, PanelistApp)
    app.open_application(application_id)
    await settle(pilot)
    await pilot.press(*keys)
    await settle(pilot)


async def type_into(pilot: Pilot[None], selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    await pilot.press(*text)
    await pilot.pause()


def moving(
    application_id: int, record: InterviewRecord, start: datetime
) -> Callable[[Pilot[None]], Awaitable[None]]:
    """e on the interview, the new time typed into the form, ctrl+s: the composer."""

    async def run_before(pilot: Pilot[None]) -> None:
        await open_interview(pilot, application_id, "e")
        assert isinstance(pilot.app.screen, InterviewFormScreen)
        local = start.astimezone(ZoneInfo(record.timezone))
        end = local + (record.end - record.start)
        await type_into(pilot, "#date", local.date().isoformat())
        await type_into(pilot, "#start", local.strftime("%H:%M"))
        await type_into(pilot, "#end", end.strftime("%H:%M"))
        await pilot.press("ctrl+s")
        await settle(pilot)

    return run_before


def cancelling(application_id: int) -> Callable[[Pilot[None]], Awaitable[None]]:
    """x on the interview, y to the question: the composer."""

    async def run_before(pilot: Pilot[None]) -> None:
        await open_interview(pilot, application_id, "x")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)

    return run_before


def shown(screen: ChangeComposerScreen, name: str) -> str:
    return str(screen.query_one(f"#composer-{name}", Static).render())


# --------------------------------------------------------------------------- reschedule


async def test_a_move_shows_the_new_time_mail_first_and_ctrl_s_moves_and_sends_it(
    workspace: Workspace, own_application: ApplicationSummary, invited: int, maildir: Path
) -> None:
    record = load_interview(workspace, invited)
    start = free_time(workspace, record)
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await moving(own_application.id, record, start)(pilot)
        composer = app.screen
        assert isinstance(composer, ChangeComposerScreen), composer
        assert composer.title == "Reschedule: the candidate's new time"
        draft = composer.draft
        assert draft is not None and draft.purpose == "candidate_reschedule"
        # Nothing has moved yet; the composer shows the time as it will be.
        assert load_interview(workspace, invited).start == record.start
        assert shown(composer, "candidate-time") == draft.candidate_time
        assert "(Europe/Amsterdam)" in shown(composer, "organiser-time")
        assert f"{start.astimezone(ZoneInfo(record.timezone)):%H:%M}" in draft.organiser_time
        assert shown(composer, "attachment") == (
            "invite.ics (the new time, replacing the candidate's event)"
        )
        body = composer.query_one("#composer-body", TextArea)
        assert body.has_focus and draft.candidate_time in body.text

        await pilot.press(*["down"] * 60, "end", "enter", *PS)
        expected = body.text.rstrip("\n") + "\n"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen), (
            str(app.screen.query_one("#form-status", Static).render()),
            [n.message for n in app._notifications],
        )
        moved = load_interview(workspace, invited)
        assert (moved.start, moved.sequence) == (start, record.sequence + 1)
        message = candidate_mail(maildir, "New time")
        assert text_of(message) == expected and PS in expected
        (intent,) = kept(workspace, invited, "candidate_reschedule")
        assert intent["text"] == expected


async def test_escape_from_the_move_composer_moves_nothing(
    workspace: Workspace, own_application: ApplicationSummary, invited: int, maildir: Path
) -> None:
    record = load_interview(workspace, invited)
    start = free_time(workspace, record)
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await moving(own_application.id, record, start)(pilot)
        assert isinstance(app.screen, ChangeComposerScreen)
        await pilot.press("escape")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, InterviewFormScreen) and not form.busy
        assert load_interview(workspace, invited).sequence == record.sequence
        assert kept(workspace, invited, "candidate_reschedule") == []
        # A refused edit in the composer is one line there, and moves nothing either.
        await pilot.press("ctrl+s")
        await settle(pilot)
        composer = app.screen
        assert isinstance(composer, ChangeComposerScreen)
        composer.query_one("#composer-subject", Input).focus()
        await pilot.press("ctrl+u", "ctrl+s")
        await settle(pilot)
        assert app.screen is composer
        status = composer.query_one("#composer-status", Static)
        assert str(status.render()) == "the message needs a subject"
        assert load_interview(workspace, invited).sequence == record.sequence
    assert len(sent(maildir)) == 1  # the invitation only


@pytest.fixture
def not_invited(workspace: Workspace, own_application: ApplicationSummary) -> int:
    return book(workspace, own_application, None)


async def test_a_candidate_never_invited_is_moved_and_cancelled_without_a_composer(
    workspace: Workspace, own_application: ApplicationSummary, not_invited: int, maildir: Path
) -> None:
    interview_id = not_invited
    record = load_interview(workspace, interview_id)
    start = free_time(workspace, record)
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await moving(own_application.id, record, start)(pilot)
        assert isinstance(app.screen, ApplicationScreen), app.screen
        assert load_interview(workspace, interview_id).start == start
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen), app.screen
        assert load_interview(workspace, interview_id).status.value == "cancelled"
    to_candidate = [m for m in sent(maildir) if own_application.candidate_email in str(m["To"])]
    assert to_candidate == []


# --------------------------------------------------------------------------- cancel


async def test_a_confirmed_cancel_shows_the_cancellation_and_ctrl_s_cancels_and_sends_it(
    workspace: Workspace, own_application: ApplicationSummary, invited: int, maildir: Path
) -> None:
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await cancelling(own_application.id)(pilot)
        composer = app.screen
        assert isinstance(composer, ChangeComposerScreen), composer
        assert composer.title == "Cancel: the candidate's cancellation"
        assert shown(composer, "attachment") == "invite.ics (cancels the candidate's event)"
        # Escape keeps the interview: nothing cancelled, nothing sent.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen)
        assert "Nothing was cancelled." in [n.message for n in app._notifications]
        assert load_interview(workspace, invited).status.value == "scheduled"

        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        composer = app.screen
        assert isinstance(composer, ChangeComposerScreen)
        subject = composer.query_one("#composer-subject", Input)
        subject.focus()
        await pilot.press("ctrl+u", *"We are sorry")
        expected = composer.query_one("#composer-body", TextArea).text.rstrip("\n") + "\n"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen)
        assert load_interview(workspace, invited).status.value == "cancelled"
    message = candidate_mail(maildir, "We are sorry")
    assert text_of(message) == expected
    (intent,) = kept(workspace, invited, "candidate_cancellation")
    assert (intent["subject"], intent["text"]) == ("We are sorry", expected)


# --------------------------------------------------------------------------- snapshots


@pytest.fixture
def snap_app(workspace: Workspace, invited: int) -> PanelistApp:
    return PanelistApp(workspace, ascii=False)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_reschedule_composer(
    snap_compare: SnapCompare,
    snap_app: PanelistApp,
    workspace: Workspace,
    own_application: ApplicationSummary,
    invited: int,
    size: tuple[int, int],
) -> None:
    record = load_interview(workspace, invited)
    run_before = moving(own_application.id, record, free_time(workspace, record))
    assert snap_compare(snap_app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_cancellation_composer(
    snap_compare: SnapCompare,
    snap_app: PanelistApp,
    own_application: ApplicationSummary,
    size: tuple[int, int],
) -> None:
    assert snap_compare(snap_app, terminal_size=size, run_before=cancelling(own_application.id))
