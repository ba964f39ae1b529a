"""The interview form at 80x24 and 160x48, on the frozen demo clock.

Regenerate with ``pytest tests/tui/test_form_snapshots.py --snapshot-update`` and look
at the SVGs in ``__snapshots__/`` before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select

from panelist.models import ApplicationSummary
from panelist.services.applications import list_applications
from panelist.services.interview_form import form_choices
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.screens.interview_form import InterviewFormScreen

SnapCompare = Callable[..., bool]


async def settle(pilot: Pilot[None]) -> None:
    """Workers done, animations over, nothing blinking: a picture that never flickers."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.fixture
def own_application(workspace: Workspace) -> ApplicationSummary:
    """The first listed application for a job Rosa is responsible for."""
    for application in list_applications(workspace):
        if form_choices(workspace, application.id).default_organiser_id == workspace.user.id:
            return application
    raise AssertionError("Rosa is responsible for no job in the demo")


def filling(
    application_id: int, *, start: str = "10:00", end: str = "11:00"
) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Open the form and fill it as a recruiter would: type, two participants (one whose
    calendar is not integrated), a date and time, a room."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, PanelistApp)
        app.open_application(application_id)
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewFormScreen)
        screen.query_one("#type", Select).value = 4  # Culture fit: in person, 45 minutes
        screen.query_one("#participant-search", Input).focus()
        await pilot.press(*"Pieter van", "enter", *"Kwame", "enter")
        await pilot.pause()
        for selector, text in (("#date", "2026-11-27"), ("#start", start), ("#end", end)):
            screen.query_one(selector, Input).value = text
        screen.query_one("#room", Select).value = 2  # Keizersgracht
        screen.query_one("#notes", Input).focus()
        await settle(pilot)

    return run_before


@pytest.fixture
def app(workspace: Workspace) -> PanelistApp:
    return PanelistApp(workspace, ascii=False)


def test_form_filled_80x24(
    snap_compare: SnapCompare, app: PanelistApp, own_application: ApplicationSummary
) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=filling(own_application.id))


def test_form_inline_errors_80x24(
    snap_compare: SnapCompare, app: PanelistApp, own_application: ApplicationSummary
) -> None:
    """An end before the start: the message sits under the time, Invite is off."""
    run_before = filling(own_application.id, start="11:00", end="10:30")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_form_filled_160x48(
    snap_compare: SnapCompare, app: PanelistApp, own_application: ApplicationSummary
) -> None:
    assert snap_compare(app, terminal_size=(160, 48), run_before=filling(own_application.id))


def test_form_ascii_16_colours_80x24(
    snap_compare: SnapCompare, workspace: Workspace, own_application: ApplicationSummary
) -> None:
    app = PanelistApp(workspace, ascii=True, theme="ansi-dark")
    assert snap_compare(app, terminal_size=(80, 24), run_before=filling(own_application.id))
