"""Send scheduling link by keyboard (issue 18): `l` opens the form with the window of the
next 14 days, core's checks show inline, ctrl+s makes the link and the composer shows the
mail with it; ctrl+s there sends it once; the Interviews tab lists the link (Link sent,
Booked, Expired, Withdrawn) and `w` withdraws it. Snapshots at 80x24 and 160x48."""

from __future__ import annotations

import asyncio
import mailbox
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from panelist.clock import FrozenClock
from panelist.mail.transport import MaildirTransport
from panelist.models import ApplicationSummary, Method
from panelist.scheduling import (
    CandidateLinks,
    LinkRequest,
    LinkState,
    ParticipantRequest,
    SchedulingLinks,
)
from panelist.services.directory import find_employee_by_email, set_setting
from panelist.services.interview_form import form_choices
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.screens.application import ApplicationScreen
from panelist_tui.screens.composer import ComposerScreen
from panelist_tui.screens.link_form import LinkFormScreen
from panelist_tui.widgets.interviews import LinkCard

pytestmark = pytest.mark.anyio
SnapCompare = Callable[..., bool]


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


def mails(folder: Path) -> int:
    return len(list(mailbox.Maildir(folder, create=False).iterkeys())) if folder.exists() else 0


async def open_form(pilot: Pilot[None], application_id: int) -> LinkFormScreen:
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, PanelistApp)
    app.open_application(application_id)
    await settle(pilot)
    await pilot.press("l")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, LinkFormScreen)
    return screen


async def add_participant(pilot: Pilot[None], screen: LinkFormScreen, name: str) -> None:
    screen.query_one("#participant-search", Input).focus()
    await pilot.press(*name)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def opening(application_id: int, *names: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        screen = await open_form(pilot, application_id)
        for name in names:
            await add_participant(pilot, screen, name)
        screen.query_one("#type").focus()
        await settle(pilot)

    return run_before


def error_text(screen: LinkFormScreen, target: str) -> str:
    line = screen.query_one(f"#{target}-error", Static)
    return str(line.render()) if line.display else ""


async def test_l_opens_the_form_with_the_next_14_days_and_inline_checks(
    workspace: Workspace, own_application: ApplicationSummary
) -> None:
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, own_application.id)
        today = workspace.clock.now().date()
        assert screen.query_one("#window-start", Input).value == today.isoformat()
        assert screen.query_one("#window-days", Input).value == "14"
        assert "add at least one participant" in error_text(screen, "participants")
        await add_participant(pilot, screen, "Pieter")
        assert error_text(screen, "participants") == ""
        preview = str(screen.query_one("#link-preview", Static).render())
        assert preview.startswith("The candidate would see 12 times now, the first ")
        days = screen.query_one("#window-days", Input)
        days.value = "36"
        await settle(pilot)
        assert "1 to 35 days" in error_text(screen, "window")
        days.value = "14"
        screen.query_one("#expires", Input).value = (today - timedelta(days=2)).isoformat()
        await settle(pilot)
        assert "expire in the future" in error_text(screen, "expiry")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen, "nothing is made while a field is wrong"
        assert SchedulingLinks(workspace).links_for_application(own_application.id) == []


async def test_ctrl_s_composes_the_mail_with_the_link_and_sends_it_once(
    workspace: Workspace, own_application: ApplicationSummary, maildir: Path
) -> None:
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, own_application.id)
        await add_participant(pilot, screen, "Pieter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        assert composer.draft is not None and composer.draft.link_id is not None
        text = composer.query_one("#composer-body", TextArea).text
        assert "/s/" in text and composer.draft.attachment is None
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen)
        assert mails(maildir) == 1
        (link,) = SchedulingLinks(workspace).links_for_application(own_application.id)
        assert link.state is LinkState.SENT
        cards = list(app.screen.query(LinkCard))
        assert len(cards) == 1
        body = str(cards[0].query_one(Static).render())
        assert "Link sent" in body and "Scheduling link" in body


async def test_closing_the_composer_unsent_withdraws_the_link(
    workspace: Workspace, own_application: ApplicationSummary, maildir: Path
) -> None:
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, own_application.id)
        await add_participant(pilot, screen, "Pieter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ComposerScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        (link,) = SchedulingLinks(workspace).links_for_application(own_application.id)
        assert link.state is LinkState.WITHDRAWN
        assert mails(maildir) == 0


async def sent_link(
    workspace: Workspace, application_id: int, maildir: Path, expires_days: int
) -> tuple[int, str]:
    """A phone link with Pieter, mailed; its id and token."""
    pieter = find_employee_by_email(workspace.db, "pieter.vandijk@example.com")
    assert pieter is not None
    role = form_choices(workspace, application_id).default_role_id
    links = SchedulingLinks(workspace, MaildirTransport(maildir))
    now = workspace.clock.now()
    created = links.create(
        LinkRequest(
            application_id=application_id,
            type_id=None,
            organiser_id=workspace.user.id,
            participants=(ParticipantRequest(pieter.id, role),),
            room_id=None,
            method=Method.PHONE,
            video_provider=None,
            video_host_id=None,
            minutes=45,
            window_start=now.date(),
            expires_at=now + timedelta(days=expires_days),
        )
    )
    draft = links.draft_mail(created.link_id, created.token)
    await links.send(created.link_id, created.token, draft.subject, draft.text)
    return created.link_id, created.token


async def three_links(workspace: Workspace, application_id: int, maildir: Path) -> list[int]:
    """Booked, expired (two days later) and sent: the tab's three states."""
    booked_id, token = await sent_link(workspace, application_id, maildir, 7)
    candidate = CandidateLinks(workspace, MaildirTransport(maildir))
    page = await candidate.open(token)
    await candidate.book(token, page.slots[0].id, page.zone)
    soon_id, _ = await sent_link(workspace, application_id, maildir, 1)
    clock = workspace.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(timedelta(days=2))  # the second link expires; the booked one stays booked
    fresh_id, _ = await sent_link(workspace, application_id, maildir, 7)
    return [booked_id, soon_id, fresh_id]


async def test_the_tab_shows_booked_and_expired_links_and_w_withdraws(
    workspace: Workspace, own_application: ApplicationSummary, maildir: Path
) -> None:
    booked_id, soon_id, fresh_id = await three_links(workspace, own_application.id, maildir)
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_application(own_application.id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ApplicationScreen)
        states = {c.link.id: c.link.state for c in screen.query(LinkCard)}
        assert states == {
            booked_id: LinkState.BOOKED,
            soon_id: LinkState.EXPIRED,
            fresh_id: LinkState.SENT,
        }
        assert screen.current_link is not None and screen.current_link.id == fresh_id
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        states = {c.link.id: c.link.state for c in screen.query(LinkCard)}
        assert states[fresh_id] is LinkState.WITHDRAWN
        texts = [str(c.query_one(Static).render()) for c in screen.query(LinkCard)]
        assert any("Booked" in t and "booked " in t for t in texts)
        assert any("Expired" in t for t in texts) and any("Withdrawn" in t for t in texts)


# ---------------------------------------------------------------------- snapshots


def test_link_form_80x24(
    snap_compare: SnapCompare, workspace: Workspace, own_application: ApplicationSummary
) -> None:
    app = PanelistApp(workspace, ascii=False)
    assert snap_compare(
        app, terminal_size=(80, 24), run_before=opening(own_application.id, "Pieter")
    )


def test_link_form_160x48(
    snap_compare: SnapCompare, workspace: Workspace, own_application: ApplicationSummary
) -> None:
    app = PanelistApp(workspace, ascii=False)
    assert snap_compare(
        app, terminal_size=(160, 48), run_before=opening(own_application.id, "Pieter")
    )


def test_link_form_errors_80x24(
    snap_compare: SnapCompare, workspace: Workspace, own_application: ApplicationSummary
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        screen = await open_form(pilot, own_application.id)
        screen.query_one("#window-days", Input).value = "40"
        await settle(pilot)
        screen.query_one("#type").focus()
        await settle(pilot)

    app = PanelistApp(workspace, ascii=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_interviews_tab_with_links(
    snap_compare: SnapCompare,
    workspace: Workspace,
    own_application: ApplicationSummary,
    maildir: Path,
    size: tuple[int, int],
) -> None:
    asyncio.run(three_links(workspace, own_application.id, maildir))

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, PanelistApp)
        app.open_application(own_application.id)
        await settle(pilot)

    app = PanelistApp(workspace, ascii=False)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
