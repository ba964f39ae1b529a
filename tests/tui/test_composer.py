"""The message composer by keyboard (issue 17, item 2): `m` opens the invitation rendered
from its template with both times and the .ics named, the recruiter edits it and ctrl+s
sends exactly that text, once; an edit core refuses is one line under the text and
nothing is queued; `M` writes a free message. Snapshots at 80x24 and 160x48."""

from __future__ import annotations

import json
import mailbox
from collections.abc import Awaitable, Callable
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TextArea

from panelist.mail.templates import save_template
from panelist.models import ApplicationSummary, Method
from panelist.scheduling import InterviewRequest, ParticipantRequest, SchedulingService
from panelist.services.directory import find_employee_by_email, set_setting
from panelist.services.interview_form import form_choices
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.screens.application import ApplicationScreen
from panelist_tui.screens.composer import ComposerScreen

pytestmark = pytest.mark.anyio
SnapCompare = Callable[..., bool]


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def book(workspace: Workspace, application: ApplicationSummary) -> int:
    """A phone screen with Pieter on Thursday 08:00 UTC, a time the demo leaves him free."""
    import asyncio

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
    return asyncio.run(SchedulingService(workspace).invite(request)).id


@pytest.fixture
def maildir(workspace: Workspace, tmp_path: Path) -> Path:
    folder = tmp_path / "outbox"
    set_setting(workspace.db, "maildir_path", str(folder))
    return folder


@pytest.fixture
def booked(workspace: Workspace, own_application: ApplicationSummary) -> int:
    return book(workspace, own_application)


def sent(folder: Path) -> list[EmailMessage]:
    if not folder.exists():
        return []
    box = mailbox.Maildir(folder, create=False)
    found = []
    for key in box.iterkeys():
        message = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def kept(workspace: Workspace, interview_id: int) -> list[dict[str, object]]:
    rows = workspace.db.execute(
        "SELECT payload FROM outbox WHERE interview_id = ? AND kind = 'send_mail'",
        [interview_id],
    ).fetchall()
    return [json.loads(row[0])["intent"] for row in rows]


def opening(application_id: int, *keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, PanelistApp)
        app.open_application(application_id)
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


async def test_m_opens_the_composer_and_ctrl_s_sends_the_edited_text_once(
    workspace: Workspace, own_application: ApplicationSummary, booked: int, maildir: Path
) -> None:
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await opening(own_application.id, "m")(pilot)
        screen = app.screen
        assert isinstance(screen, ComposerScreen)
        assert screen.draft is not None and screen.draft.interview_id == booked

        def shown(name: str) -> str:
            return str(screen.query_one(f"#composer-{name}", Static).render())

        assert (
            shown("to") == f"{own_application.candidate_name} <{own_application.candidate_email}>"
        )
        assert shown("candidate-time").endswith(")") and "(" in shown("candidate-time")
        assert "(Europe/Amsterdam)" in shown("organiser-time")
        assert shown("attachment") == "invite.ics"
        body = screen.query_one("#composer-body", TextArea)
        assert body.has_focus and screen.draft.candidate_time in body.text

        await pilot.press(*["down"] * 60, "end", "enter", *"P.S. {{ no template here }}")
        expected = body.text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen)
        assert f"Invitation mailed to {own_application.candidate_email}" in [
            n.message for n in app._notifications
        ]
        (message,) = sent(maildir)
        text = message.get_body(("plain",))
        assert text is not None
        assert "P.S. {{ no template here }}" in text.get_content()
        (intent,) = kept(workspace, booked)
        assert intent["text"] == expected.rstrip("\n") + "\n"

        # m again: the composer shows what went out and ctrl+s sends nothing more.
        await pilot.press("m")
        await settle(pilot)
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        assert composer.query_one("#composer-body", TextArea).read_only
        status = str(composer.query_one("#composer-status", Static).render())
        assert status.startswith("Sent ") and "(Europe/Amsterdam): this text went out" in status
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "went out already" in str(composer.query_one("#composer-status", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen)
        assert len(sent(maildir)) == 1 and len(kept(workspace, booked)) == 1


async def test_a_refused_edit_is_one_line_and_nothing_is_queued(
    workspace: Workspace, own_application: ApplicationSummary, booked: int, maildir: Path
) -> None:
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await opening(own_application.id, "m")(pilot)
        screen = app.screen
        assert isinstance(screen, ComposerScreen)
        subject = screen.query_one("#composer-subject", Input)
        subject.focus()
        subject.value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        status = screen.query_one("#composer-status", Static)
        assert str(status.render()) == "the message needs a subject"
        assert status.has_class("-error")
        assert kept(workspace, booked) == [] and sent(maildir) == []


async def test_the_template_and_language_pickers_rerender_the_draft(
    workspace: Workspace, own_application: ApplicationSummary, booked: int, maildir: Path
) -> None:
    save_template(
        workspace.db,
        "Uitnodiging",
        "candidate_invitation",
        "Uitnodiging: {{ job.title }}",
        "Beste {{ candidate.name }},\n\nTot {{ interview.start_candidate }}.\n",
        "nl",
    )
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await opening(own_application.id, "m")(pilot)
        screen = app.screen
        assert isinstance(screen, ComposerScreen)
        language = screen.query_one("#composer-language", Select)
        language.focus()
        await pilot.press("enter")  # open the list
        await settle(pilot)
        options = [value for _, value in language._options if isinstance(value, str)]
        assert options == ["en", "nl"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert screen.draft is not None and screen.draft.template.language == "nl"
        body = screen.query_one("#composer-body", TextArea).text
        assert body.startswith(f"Beste {own_application.candidate_name},")
        assert screen.query_one("#composer-subject", Input).value.startswith("Uitnodiging:")
        await pilot.press("ctrl+s")
        await settle(pilot)
        (message,) = sent(maildir)
        assert str(message["Subject"]).startswith("Uitnodiging:")


async def test_shift_m_writes_a_free_message_without_an_attachment(
    workspace: Workspace, own_application: ApplicationSummary, booked: int, maildir: Path
) -> None:
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await opening(own_application.id, "M")(pilot)
        screen = app.screen
        assert isinstance(screen, ComposerScreen) and screen.purpose == "candidate_message"
        assert "nothing" in str(screen.query_one("#composer-attachment", Static).render())
        await pilot.press("down", "down", *"Could you bring your portfolio?")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen)
        (message,) = sent(maildir)
        assert not [p for p in message.walk() if p.get_content_type() == "application/ics"]
        text = message.get_body(("plain",))
        assert text is not None and "Could you bring your portfolio?" in text.get_content()


@pytest.fixture
def snap_app(workspace: Workspace, booked: int, maildir: Path) -> PanelistApp:
    return PanelistApp(workspace, ascii=False)


def test_composer_80x24(
    snap_compare: SnapCompare, snap_app: PanelistApp, own_application: ApplicationSummary
) -> None:
    assert snap_compare(
        snap_app, terminal_size=(80, 24), run_before=opening(own_application.id, "m")
    )


def test_composer_160x48(
    snap_compare: SnapCompare, snap_app: PanelistApp, own_application: ApplicationSummary
) -> None:
    assert snap_compare(
        snap_app, terminal_size=(160, 48), run_before=opening(own_application.id, "m")
    )


def test_composer_refused_subject_80x24(
    snap_compare: SnapCompare, snap_app: PanelistApp, own_application: ApplicationSummary
) -> None:
    """An edit core refuses is one line under the text; the composer stays open."""

    async def run_before(pilot: Pilot[None]) -> None:
        await opening(own_application.id, "m")(pilot)
        pilot.app.screen.query_one("#composer-subject", Input).focus()
        await pilot.press("ctrl+u", "ctrl+s")  # an empty subject
        await settle(pilot)

    assert snap_compare(snap_app, terminal_size=(80, 24), run_before=run_before)
