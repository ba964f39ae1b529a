"""The audit log in the TUI (issue 12, item 4): an Admin opens it with A or the palette,
newest first, / filters it; anyone else is offered nothing (and core refuses anyway)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static
from textual.widgets._footer import FooterKey

from panelist.clock import FrozenClock
from panelist.services.directory import get_employee
from panelist.services.settings import set_setting
from panelist.services.templates import save_template
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.screens.applications import ApplicationsScreen
from panelist_tui.screens.audit import AuditScreen
from panelist_tui.screens.help import HelpScreen

pytestmark = pytest.mark.anyio

SIZE = (80, 24)
BODY = "Dear {{ candidate.name }}, see you {{ interview.start_candidate }}."


@pytest.fixture
def admin(workspace: Workspace) -> Workspace:
    """The demo's first Admin, after two changes an hour apart."""
    (admin_id,) = workspace.db.execute(
        "SELECT e.id FROM employees e JOIN recruiting_roles r ON r.id = e.company_role_id"
        " WHERE r.name = 'Admin' ORDER BY e.id LIMIT 1"
    ).fetchone()
    ws = replace(workspace, actor=get_employee(workspace.db, admin_id))
    set_setting(ws, "company_name", "Acme [bold]Hiring[/bold]")
    later = replace(ws, clock=FrozenClock(ws.clock.now() + timedelta(hours=1)))
    save_template(later, "Warm welcome", "candidate_invitation", "Hello", BODY)
    return ws


def rows(app: PanelistApp) -> list[list[str]]:
    table = app.screen.query_one("#audit-log", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def footer_keys(app: PanelistApp) -> dict[str, str]:
    return {key.key: key.description for key in app.screen.query(FooterKey)}


async def test_an_admin_opens_the_log_with_a_and_filters_it(admin: Workspace) -> None:
    app = PanelistApp(admin)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert footer_keys(app).get("A") == "Audit log"
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, AuditScreen)
        who = f"{admin.user.email} (employee {admin.user.id})"
        assert [row[1:4] for row in rows(app)] == [  # newest first
            [who, "template", "template 'Warm welcome'"],
            [who, "setting", "setting company_name"],
        ]
        assert rows(app)[1][4] == 'set to "Acme [bold]Hiring[/bold]"'  # as typed, no markup
        assert rows(app)[0][0] == "2026-11-23 11:00"  # the Admin's zone (Amsterdam)
        await pilot.press("slash", *"setting")
        await pilot.pause()
        assert [row[2] for row in rows(app)] == ["setting"]
        assert "1 of 2 lines" in str(app.screen.query_one("#audit-summary", Static).content)
        await pilot.press("escape", "escape")  # clear the filter, then back
        await pilot.pause()
        assert isinstance(app.screen, ApplicationsScreen)


async def test_an_admin_finds_it_in_the_palette_and_in_f1(admin: Workspace) -> None:
    app = PanelistApp(admin)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert "Who did what and when" in str(app.screen.query_one("#help-keys", Static).content)
        await pilot.press("escape", "ctrl+p", *"audit log")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AuditScreen)


async def test_a_recruiter_is_offered_no_audit_log(workspace: Workspace) -> None:
    app = PanelistApp(workspace)  # Rosa, a Recruiter
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "A" not in footer_keys(app)
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, ApplicationsScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        assert "Who did what" not in str(app.screen.query_one("#help-keys", Static).content)
        await pilot.press("escape", "ctrl+p", *"audit log")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, AuditScreen)


async def _open_audit(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.press("A")
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def test_audit_log_80x24(snap_compare: Callable[..., bool], admin: Workspace) -> None:
    app = PanelistApp(admin, ascii=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_open_audit)
