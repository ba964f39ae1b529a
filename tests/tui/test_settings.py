"""Settings in the TUI (issue 17, item 1): an Admin configures the company by keyboard;
a Recruiter is offered no settings (and core refuses them anyway: tests/core)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static
from textual.widgets._footer import FooterKey

from panelist.services.directory import get_employee, get_setting
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.commands import SETTINGS_SECTIONS
from panelist_tui.screens.applications import ApplicationsScreen

pytestmark = pytest.mark.anyio

SIZE = (80, 24)


@pytest.fixture
def admin(workspace: Workspace) -> Workspace:
    (admin_id,) = workspace.db.execute(
        "SELECT e.id FROM employees e JOIN recruiting_roles r ON r.id = e.company_role_id"
        " WHERE r.name = 'Admin' ORDER BY e.id LIMIT 1"
    ).fetchone()
    return replace(workspace, actor=get_employee(workspace.db, admin_id))


def screen_name(app: PanelistApp) -> str:
    return type(app.screen).__name__


def message(app: PanelistApp) -> str:
    return str(app.screen.query_one("#settings-message", Static).content)


def field_error(app: PanelistApp, name: str) -> str:
    return str(app.screen.query_one(f"#error-{name}", Static).content)


def rows(app: PanelistApp) -> list[list[str]]:
    table = app.screen.query_one("#settings-list", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def footer_keys(app: PanelistApp) -> dict[str, str]:
    return {key.key: key.description for key in app.screen.query(FooterKey)}


async def clear_and_type(pilot: Pilot[None], text: str) -> None:
    focused = pilot.app.focused
    assert isinstance(focused, Input), focused
    focused.value = ""
    await pilot.press(*text)


async def open_section(pilot: Pilot[None], title: str) -> None:
    """From the applications: C, then down to the section, enter into its list."""
    downs = SETTINGS_SECTIONS.index(title)
    await pilot.press("C")
    await pilot.pause()
    await pilot.press(*(["down"] * downs), "enter")
    await pilot.pause()


async def test_an_admin_adds_an_interview_type_by_keyboard(admin: Workspace) -> None:
    app = PanelistApp(admin)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert footer_keys(app).get("C") == "Settings"
        await open_section(pilot, "Interview types")
        assert screen_name(app) == "SettingsScreen"
        before = len(rows(app))
        await pilot.press("n")  # the form, its first field focused
        await pilot.pause()
        await pilot.press(*"Deep dive", "tab")
        await clear_and_type(pilot, "0")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "outside 5–1440" in field_error(app, "duration")
        assert len(rows(app)) == before  # nothing saved
        await clear_and_type(pilot, "45")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert message(app) == "Saved interview type 'Deep dive'."
        assert ["Deep dive", "45", "Video", ""] in rows(app)
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ApplicationsScreen)


async def test_a_new_type_is_offered_by_the_interview_form(admin: Workspace) -> None:
    """Configured by keyboard, then used: the form prefills its method, form and reminder."""
    from textual.widgets import Select

    from panelist.services.applications import list_applications

    app = PanelistApp(admin)
    async with app.run_test(size=(100, 34)) as pilot:
        await open_section(pilot, "Interview types")
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Pairing", "tab")
        await clear_and_type(pilot, "50")
        await pilot.press("tab", "tab", "enter", "down", "enter")  # the first form
        await pilot.press("tab", *"2", "ctrl+s")
        await pilot.pause()
        assert message(app) == "Saved interview type 'Pairing'."
        await pilot.press("escape", "escape")
        await pilot.pause()
        app.open_application(list_applications(admin)[0].id)
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        kind = app.screen.query_one("#type", Select)
        labels = [str(label) for label, _ in kind._options]
        kind.focus()
        await pilot.press("enter", *(["down"] * labels.index("Pairing")), "enter")
        await pilot.pause()
        assert app.screen.query_one("#reminder-hours", Input).value == "2"
        assert app.screen.query_one("#evaluation", Select).value != Select.NULL


async def test_company_zone_refused_then_saved(admin: Workspace) -> None:
    app = PanelistApp(admin)
    async with app.run_test(size=SIZE) as pilot:
        await open_section(pilot, "Company")
        await pilot.press("tab")  # time zone
        await clear_and_type(pilot, "Mars/Olympus")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "unknown zone" in field_error(app, "company-timezone")
        assert get_setting(admin.db, "company_timezone") == "Europe/Amsterdam"
        await clear_and_type(pilot, "Europe/London")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert message(app) == "Saved: time zone."
        assert get_setting(admin.db, "company_timezone") == "Europe/London"
        await pilot.press("shift+tab")  # the company's name: the title follows
        await clear_and_type(pilot, "Acme")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (message(app), app.title) == ("Saved: company.", "Acme")


async def test_a_room_with_capacity_minus_one_is_refused(admin: Workspace) -> None:
    app = PanelistApp(admin)
    async with app.run_test(size=SIZE) as pilot:
        await open_section(pilot, "Rooms")
        before = rows(app)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Attic", "tab", "minus", "1", "ctrl+s")
        await pilot.pause()
        assert "capacity" in field_error(app, "capacity")
        assert rows(app) == before
        await pilot.press("backspace", "backspace", "4", "ctrl+s")
        await pilot.pause()
        assert ["Attic", "4", "", "Not integrated"] in rows(app)


async def test_a_rooms_calendar_is_picked_from_the_providers_list(admin: Workspace) -> None:
    from panelist.services.configuration import calendar_providers

    local = [p for p, _ in calendar_providers(admin)].index("local") + 1  # after "Not integrated"
    app = PanelistApp(admin)
    async with app.run_test(size=SIZE) as pilot:
        await open_section(pilot, "Rooms")
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Attic", "ctrl+o")
        await pilot.pause()
        assert "provider first" in message(app)
        await pilot.press("tab", "tab", "tab", "enter", *(["down"] * local), "enter")
        await pilot.pause()
        await pilot.press("ctrl+o")  # the worker waits for the pick: no wait_for_complete
        for _ in range(20):
            await pilot.pause(0.05)
            if screen_name(app) == "PickScreen":
                break
        assert screen_name(app) == "PickScreen"
        await pilot.press("enter")  # the first room the provider lists
        await pilot.pause()
        assert screen_name(app) == "SettingsScreen"
        picked = app.screen.query_one("#field-calendar-id", Input).value
        assert picked and app.screen.query_one("#field-name", Input).value == "Attic"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "already uses it" in field_error(app, "calendar-id")


async def test_a_persons_hours_are_checked_and_their_calendar_read(admin: Workspace) -> None:
    app = PanelistApp(admin)
    async with app.run_test(size=SIZE) as pilot:
        await open_section(pilot, "People")
        assert footer_keys(app).get("t") == "Test calendar"
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "read" in message(app) or "not integrated" in message(app)
        await pilot.press("enter")  # the first person's form
        await pilot.pause()
        await pilot.press("tab", "tab", "tab")  # hours
        await clear_and_type(pilot, "Mon-Fri 9 to 5")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "working hours" in field_error(app, "working-hours")


async def test_someone_is_taken_off_a_job_team(admin: Workspace) -> None:
    app = PanelistApp(admin)
    async with app.run_test(size=SIZE) as pilot:
        await open_section(pilot, "Job teams")
        before = rows(app)
        await pilot.press("enter", "tab", "tab")  # the first line's role
        await pilot.press("enter", "home", "enter", "ctrl+s")
        await pilot.pause()
        assert message(app) == "No longer responsible for the job."
        assert rows(app) == before[1:]


async def test_verify_now_asks_the_video_providers(admin: Workspace) -> None:
    app = PanelistApp(admin)
    async with app.run_test(size=SIZE) as pilot:
        await open_section(pilot, "Video accounts")
        assert footer_keys(app).get("v") == "Verify now"
        await pilot.press("v")
        await app.workers.wait_for_complete()
        await pilot.pause()
        # The demo sets up no provider that verifies hosts (Jitsi does not verify).
        assert message(app) == "no video provider that verifies hosts is set up"


async def test_the_last_configure_right_cannot_be_taken(admin: Workspace) -> None:
    app = PanelistApp(admin)
    async with app.run_test(size=SIZE) as pilot:
        await open_section(pilot, "Roles and rights")
        await pilot.press("enter")
        await pilot.pause()
        for _ in range(5):  # name, then the five rights: the last is Configure
            await pilot.press("tab")
        await pilot.press("space", "ctrl+s")
        await pilot.pause()
        assert "no Admin" in message(app)


@pytest.mark.usefixtures("memory_keyring")
async def test_an_integration_is_set_up_and_checked(admin: Workspace, memory_keyring: Any) -> None:
    app = PanelistApp(admin)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_section(pilot, "Integrations")
        names = [row[0] for row in rows(app)]
        await pilot.press(*(["down"] * names.index("CalDAV")), "enter")
        await pilot.pause()
        assert message(app).startswith("CalDAV server URL: ")  # the option's own help
        await clear_and_type(pilot, "https://dav.example.com/")
        await pilot.press("tab", *"panelist", "tab")
        app.focused.value = "s3cret\n"  # type: ignore[union-attr]  # as pasted
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert message(app) == "Saved CalDAV."
        assert memory_keyring.kept[("panelist", "caldav:password")] == "s3cret"
        await pilot.press("k")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "CalDAV" in message(app)


async def test_an_evaluation_form_is_written_question_by_question(admin: Workspace) -> None:
    app = PanelistApp(admin)
    async with app.run_test(size=SIZE) as pilot:
        await open_section(pilot, "Evaluation forms")
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Pairing review", "tab", *"Code?", "enter", *"Code?", "ctrl+s")
        await pilot.pause()
        assert "asked twice" in field_error(app, "questions")
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace")
        await pilot.press(*"Tests?", "ctrl+s")
        await pilot.pause()
        assert message(app) == "Saved evaluation form 'Pairing review'."
        assert ["Pairing review", "2", "0"] in rows(app)


async def test_reminder_defaults_refuse_a_zero_repeat(admin: Workspace) -> None:
    app = PanelistApp(admin)
    async with app.run_test(size=SIZE) as pilot:
        await open_section(pilot, "Reminders")  # enter goes into its form
        await pilot.press("tab")
        await clear_and_type(pilot, "0")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "repeat every" in field_error(app, "repeat")
        await clear_and_type(pilot, "12")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert message(app) == "Saved the reminder defaults."


def test_the_palette_names_every_section() -> None:
    from panelist_tui.screens.settings import all_sections

    assert tuple(section.title for section in all_sections()) == SETTINGS_SECTIONS


async def test_a_recruiter_is_offered_no_settings(workspace: Workspace) -> None:
    app = PanelistApp(workspace)  # Rosa, a Recruiter
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "C" not in footer_keys(app)
        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, ApplicationsScreen)
        await pilot.press("ctrl+p", *"settings")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert screen_name(app) != "SettingsScreen"
        if screen_name(app) == "CommandPalette":  # nothing matched: it stays open
            await pilot.press("escape")
        await pilot.press("f1")
        assert "Settings (Admins)" not in str(app.screen.query_one("#help-keys", Static).content)


async def test_the_palette_opens_a_section(admin: Workspace) -> None:
    app = PanelistApp(admin)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        keys = str(app.screen.query_one("#help-keys", Static).content)
        assert "Settings (Admins)" in keys and "Read the person's calendar now" in keys
        await pilot.press("escape")
        await pilot.press("ctrl+p", *"settings: rooms")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert screen_name(app) == "SettingsScreen"
        assert rows(app)[0][0] and app.screen.section.title == "Rooms"  # type: ignore[attr-defined]


def _settings_at(title: str) -> Callable[[Pilot[None]], object]:
    downs = SETTINGS_SECTIONS.index(title)

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.press("C")
        await pilot.pause()
        await pilot.press(*(["down"] * downs))
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    return run_before


SECTIONS = {
    "company": "Company",
    "types": "Interview types",
    "forms": "Evaluation forms",
    "reminders": "Reminders",
    "rooms": "Rooms",
    "people": "People",
    "video": "Video accounts",
    "roles": "Roles and rights",
    "jobs": "Jobs",
    "teams": "Job teams",
    "integrations": "Integrations",
}


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("section", SECTIONS)
def test_settings_snapshots(
    snap_compare: Callable[..., bool], admin: Workspace, section: str, size: tuple[int, int]
) -> None:
    app = PanelistApp(admin, ascii=False)
    assert snap_compare(app, terminal_size=size, run_before=_settings_at(SECTIONS[section]))
