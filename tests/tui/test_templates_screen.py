"""Settings → Message templates by keyboard (issue 17, item 1): an Admin opens them with T
or the palette; per purpose and language, the placeholders listed, a live preview for a
chosen application in the candidate's zone; a template that does not render is one line
naming the line and is not saved. A Recruiter is offered nothing. Snapshots 80x24, 160x48."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static, TextArea

from panelist.services.directory import get_employee
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.screens.applications import ApplicationsScreen
from panelist_tui.screens.templates import TemplatesScreen

pytestmark = pytest.mark.anyio
SnapCompare = Callable[..., bool]


@pytest.fixture
def admin(workspace: Workspace) -> Workspace:
    (admin_id,) = workspace.db.execute(
        "SELECT e.id FROM employees e JOIN recruiting_roles r ON r.id = e.company_role_id"
        " WHERE r.name = 'Admin' ORDER BY e.id LIMIT 1"
    ).fetchone()
    return replace(workspace, actor=get_employee(workspace.db, admin_id))


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.3)  # the preview waits for typing to stop
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def text_of(screen: TemplatesScreen, name: str) -> str:
    return str(screen.query_one(f"#templates-{name}", Static).render())


def stored(ws: Workspace) -> list[tuple[str, str, str, str]]:
    return ws.db.execute(
        "SELECT name, purpose, language, body FROM message_templates ORDER BY id"
    ).fetchall()


async def opened(pilot: Pilot[None]) -> TemplatesScreen:
    await settle(pilot)
    await pilot.press("T")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TemplatesScreen)
    return screen


async def test_a_broken_template_is_named_by_line_and_not_saved_then_fixed(
    admin: Workspace,
) -> None:
    before = stored(admin)
    app = PanelistApp(admin, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot)
        assert screen.editing is not None and screen.editing.id == screen.templates[0].id
        assert "candidate.name," in text_of(screen, "placeholders")
        assert text_of(screen, "preview-zone").startswith("As the candidate reads it, in ")
        body = screen.query_one("#templates-body", TextArea)
        original = body.text
        body.focus()
        await pilot.press(*["down"] * 60, "end", "enter", *"{{ nope }}")  # to the end
        await settle(pilot)
        line = original.count("\n") + 2  # after the last line (the text ends with one)
        status = screen.query_one("#templates-status", Static)
        assert status.has_class("-error")
        assert str(status.render()) == f"body line {line}: unknown placeholder 'nope'"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert str(status.render()).startswith(f"body line {line}")
        assert stored(admin) == before  # nothing saved

        await pilot.press(*["backspace"] * len("{{ nope }}"), *"{{ job.title }}")
        await settle(pilot)
        assert not status.has_class("-error")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert str(status.render()).startswith("Saved ")
        (changed,) = [row for row in stored(admin) if row not in before]
        assert changed[3].rstrip().endswith("{{ job.title }}")


async def test_a_new_template_per_language_by_keyboard(admin: Workspace) -> None:
    app = PanelistApp(admin, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot)
        await pilot.press("ctrl+n")
        assert screen.query_one("#templates-name", Input).has_focus
        await pilot.press(*"Uitnodiging NL", "tab")  # → purpose
        await pilot.press("enter", "down", "enter")  # candidate reschedule
        await pilot.press("tab", "backspace", "backspace", *"nl", "tab")  # → language, subject
        await pilot.press(*"Nieuwe tijd: {{ job.title }}", "tab")
        await pilot.press(*"Beste {{ candidate.name }}, nu {{ interview.start_candidate }}")
        await settle(pilot)
        assert "previous.start_candidate" in text_of(screen, "placeholders")
        assert "Beste " in text_of(screen, "preview")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert ("Uitnodiging NL", "candidate_reschedule", "nl") in [
            row[:3] for row in stored(admin)
        ]
        listing = screen.query_one("#templates-list", OptionList)
        assert listing.highlighted is not None
        assert screen.editing is not None and screen.editing.name == "Uitnodiging NL"


async def test_an_admin_finds_them_in_the_palette_and_in_f1(admin: Workspace) -> None:
    app = PanelistApp(admin, ascii=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        keys = str(app.screen.query_one("#help-keys", Static).content)
        assert "Settings: message templates" in keys and "Mail composer" in keys
        await pilot.press("escape", "ctrl+p", *"message templates")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TemplatesScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationsScreen)


async def test_a_recruiter_is_offered_no_templates(workspace: Workspace) -> None:
    app = PanelistApp(workspace, ascii=False)  # Rosa, a Recruiter
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationsScreen)
        await pilot.press("f1")
        assert "message templates" not in str(app.screen.query_one("#help-keys", Static).content)
        await pilot.press("escape", "ctrl+p", *"message templates")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, TemplatesScreen)


def opening() -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        screen = await opened(pilot)
        screen.query_one("#templates-list", OptionList).focus()
        await settle(pilot)

    return run_before


def test_templates_80x24(snap_compare: SnapCompare, admin: Workspace) -> None:
    app = PanelistApp(admin, ascii=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=opening())


def test_templates_160x48(snap_compare: SnapCompare, admin: Workspace) -> None:
    app = PanelistApp(admin, ascii=False)
    assert snap_compare(app, terminal_size=(160, 48), run_before=opening())


def test_templates_refused_line_80x24(snap_compare: SnapCompare, admin: Workspace) -> None:
    """A template that does not render: the line is named in one line under the form."""

    async def run_before(pilot: Pilot[None]) -> None:
        screen = await opened(pilot)
        screen.query_one("#templates-subject", Input).focus()
        await pilot.press("end", *" {{ oops }}", "ctrl+s")
        await settle(pilot)

    app = PanelistApp(admin, ascii=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
