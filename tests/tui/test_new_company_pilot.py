"""A new company, from an empty database to a booked interview, by keyboard alone (issue 17).

The app opens on a database with no one in it: the first run makes the person at the
keyboard its first Admin, Settings opens, and they set up the mail, an evaluation form, an
interview type, the CalDAV integration (checked against a real Radicale), a room, their own
calendar (tested) and a colleague's, and a job; back on the list they type in an
application, write the invitation template with its preview, and schedule an interview that
lands in the real CalDAV calendars. No `import`, no SQL.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_interview_flow import choose, settle, type_span
from test_settings import message, open_section, rows
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select, TextArea

from panelist.clock import FrozenClock
from panelist.plugins import PluginRegistry
from panelist.scheduling import load_interview
from panelist.services.directory import find_employee_by_os_user
from panelist.workspace import Workspace, open_workspace
from panelist_caldav.testing import RadicaleServer
from panelist_tui.app import PanelistApp
from panelist_tui.screens.application import ApplicationScreen
from panelist_tui.screens.applications import ApplicationsScreen
from panelist_tui.screens.interview_form import InterviewFormScreen
from panelist_tui.screens.settings import SettingsScreen
from panelist_tui.screens.templates import TemplatesScreen

pytestmark = pytest.mark.anyio

NOW = datetime(2027, 3, 24, 8, 0, tzinfo=UTC)  # a Wednesday; any instant would do
SIZE = (120, 40)
DAV_USER = "acme"
DAV_PASSWORD = "dav-s3cret"


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    with RadicaleServer(tmp_path_factory.mktemp("radicale")) as server:
        yield server


@pytest.fixture
def empty(tmp_path: Path, registry: PluginRegistry) -> Iterator[Workspace]:
    ws = open_workspace(
        tmp_path / "acme.db", clock=FrozenClock(NOW), registry=registry, first_run=True
    )
    yield ws
    ws.close()


async def fill(pilot: Pilot[None], values: dict[str, Any]) -> None:
    """Each field of the form on screen, by its name: text typed, a choice picked by its
    label, a box ticked or not."""
    screen = pilot.app.screen
    for name, value in values.items():
        widget = screen.query_one(f"#field-{name.replace('_', '-')}")
        if isinstance(widget, Select):
            await choose(pilot, f"#field-{name.replace('_', '-')}", value)
        elif isinstance(widget, Checkbox):
            widget.focus()
            if widget.value != value:
                await pilot.press("space")
        elif isinstance(widget, Input | TextArea):
            widget.focus()
            await pilot.pause()
            if isinstance(widget, Input):
                widget.value = ""
            else:
                widget.text = ""
            await pilot.press(*value.replace("\n", "\x00"))
        await pilot.pause()


async def press_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*("enter" if ch == "\n" else ch for ch in text))


async def new_line(pilot: Pilot[None], section: str, values: dict[str, Any]) -> str:
    """Settings → `section`, n, the form filled, ctrl+s: the message line."""
    await go_to_section(pilot, section)
    await pilot.press("n")
    await pilot.pause()
    await fill(pilot, values)
    await pilot.press("ctrl+s")
    await settle(pilot)
    return message(pilot.app)  # type: ignore[arg-type]


async def go_to_section(pilot: Pilot[None], section: str) -> None:
    while not isinstance(pilot.app.screen, ApplicationsScreen):
        await pilot.press("escape")
        await pilot.pause()
    await open_section(pilot, section)


async def test_a_new_company_is_set_up_and_used_by_keyboard(
    empty: Workspace, radicale: RadicaleServer, memory_keyring: Any, tmp_path: Path
) -> None:
    for name in ("ada", "piet", "room-amstel"):
        radicale.make_calendar(DAV_USER, name)
    maildir = tmp_path / "mail"
    app = PanelistApp(empty, ascii=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # First run: the person at the keyboard becomes the first Admin.
        await fill(
            pilot,
            {
                "company": "Acme",
                "timezone": "Europe/Amsterdam",
                "name": "Ada Admin",
                "email": "ada@acme.example",
            },
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen), app.screen
        assert app.title == "Acme"
        ada = find_employee_by_os_user(empty.db, getpass.getuser())
        assert ada is not None and app.workspace.user == ada

        # Company: mail into a Maildir, from the company's address.
        await pilot.press("enter")  # into the Company form
        await fill(
            pilot,
            {
                "mail_transport": "maildir",
                "mail_from": "Acme Recruiting <jobs@acme.example>",
                "maildir_path": str(maildir),
            },
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert message(app).startswith("Saved:"), message(app)

        assert (
            await new_line(pilot, "Evaluation forms", {"name": "Tech review", "questions": "Code?"})
            == "Saved evaluation form 'Tech review'."
        )
        # A duration of 0 is one line under its field, nothing saved; 60 is.
        line = await new_line(
            pilot,
            "Interview types",
            {"name": "Technical interview", "duration": "0", "method": "Phone"},
        )
        assert "outside 5–1440" in line and rows(app) == []
        await fill(pilot, {"duration": "60", "evaluation_form": "Tech review"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert message(app) == "Saved interview type 'Technical interview'."

        # CalDAV: the password typed into a masked field (pasted, with its newline) goes to
        # the keyring; k runs the provider's doctor lines against the real server.
        await go_to_section(pilot, "Integrations")
        names = [row[0] for row in rows(app)]
        await pilot.press(*(["down"] * names.index("CalDAV")), "enter")
        await pilot.pause()
        await fill(pilot, {"url": radicale.url, "username": DAV_USER})
        password = app.screen.query_one("#field-password", Input)
        assert password.password  # masked
        password.value = DAV_PASSWORD + "\n"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert message(app) == "Saved CalDAV."
        assert memory_keyring.kept[("panelist", "caldav:password")] == DAV_PASSWORD
        await pilot.press("escape")  # to the list, where k checks the line
        await pilot.press("k")
        await settle(pilot)
        assert "FAIL" not in message(app) and "CalDAV" in message(app), message(app)

        room_calendar = f"{DAV_USER}/room-amstel/"
        assert (
            await new_line(
                pilot,
                "Rooms",
                {
                    "name": "Amstel",
                    "capacity": "6",
                    "calendar_provider": "CalDAV",
                    "calendar_id": room_calendar,
                },
            )
            == "Saved room 'Amstel'."
        )

        # People: Ada's own calendar, tested now; a colleague added with theirs.
        await go_to_section(pilot, "People")
        await pilot.press("enter")  # Ada, the only one
        await fill(pilot, {"calendar_provider": "CalDAV", "calendar_id": f"{DAV_USER}/ada/"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape", "t")
        await settle(pilot)
        assert message(app) == "Ada Admin: read 0 events in the next 7 days", message(app)
        line = await new_line(
            pilot,
            "People",
            {
                "name": "Piet Bakker",
                "email": "piet@acme.example",
                "working_hours": "Mon-Fri 9:00",  # does not parse: one line, nothing saved
                "calendar_provider": "CalDAV",
                "calendar_id": f"{DAV_USER}/piet/",
                "role": "Interviewer",
            },
        )
        assert "working hours" in line and len(rows(app)) == 1
        await fill(pilot, {"working_hours": "Mon-Fri 09:00-17:00"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(rows(app)) == 2, message(app)

        assert (
            await new_line(pilot, "Jobs", {"title": "Backend engineer"})
            == "Saved job 'Backend engineer'."
        )

        # Ada organises the job's interviews (its team: the only ones who may).
        await go_to_section(pilot, "Job teams")
        await pilot.press("n")
        await pilot.pause()
        await fill(pilot, {"job": "Backend engineer", "person": "Ada Admin", "role": "Recruiter"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert rows(app) == [["Backend engineer", "Ada Admin", "Recruiter"]], message(app)

        # Back on the (empty) list: a types in an application, which opens.
        while not isinstance(app.screen, ApplicationsScreen):
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("a")
        await settle(pilot)
        await fill(
            pilot,
            {"name": "Noor Visser", "email": "noor@mail.example", "timezone": "America/New_York"},
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen), app.screen
        application_id = app.screen.application.id

        # The invitation template, previewed for that application in the candidate's zone.
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("T")
        await settle(pilot)
        templates = app.screen
        assert isinstance(templates, TemplatesScreen)
        await pilot.press("ctrl+n")
        await press_text(pilot, "Acme invitation")
        await pilot.press("tab", "tab", "tab")  # purpose (invitation) and language (en) kept
        await press_text(pilot, "Your interview at Acme")
        await pilot.press("tab")
        await press_text(
            pilot, "Dear {{ candidate.name }}, see you {{ interview.start_candidate }}."
        )
        await pilot.pause(0.5)
        await settle(pilot)
        preview = str(templates.query_one("#templates-preview").render())
        assert "Dear Noor Visser" in preview, preview
        await pilot.press("ctrl+s")
        await settle(pilot)

        # And used: an interview with Piet in Amstel, next Tuesday 10:00 Amsterdam time.
        await pilot.press("escape")
        app.open_application(application_id)
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, InterviewFormScreen)
        await choose(pilot, "#type", "Technical interview")
        form.query_one("#participant-search", Input).focus()
        await pilot.press(*"Piet", "enter")
        day = (NOW + timedelta(days=6)).date().isoformat()
        await type_span(pilot, day, "10:00", "11:00")
        await choose(pilot, "#room", "Amstel (6)")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen), form.errors
        (interview,) = app.screen.interviews
        record = load_interview(app.workspace, interview.id)
        assert record.start == datetime(2027, 3, 30, 8, 0, tzinfo=UTC)
        assert record.room is not None and record.room.name == "Amstel"
    # The events are in the real CalDAV calendars: Piet's and the room's (Ada organises,
    # she does not sit in: none in hers).
    for calendar, events in (("piet", 1), ("room-amstel", 1), ("ada", 0)):
        found = list((radicale.storage / DAV_USER / calendar).glob("*.ics"))
        assert len(found) == events, calendar


async def test_leaving_the_first_run_saves_nothing(empty: Workspace) -> None:
    app = PanelistApp(empty, ascii=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fill(pilot, {"company": "Acme", "name": "Ada"})
        await pilot.press("ctrl+s")  # no email: one line, under its field
        await settle(pilot)
        error = app.screen.query_one("#error-email")
        assert "email" in str(error.render()) and error.has_class("-shown")
        await pilot.press("escape")
        await settle(pilot)
    assert app.return_code == 0
    assert empty.db.execute("SELECT count(*) FROM employees").fetchone() == (0,)
    assert empty.db.execute("SELECT count(*) FROM settings").fetchone() == (0,)


async def test_a_recruiter_types_in_an_application(workspace: Workspace) -> None:
    """On the demo company: a bad email is one line under its field and nothing is
    added; corrected, the application is added and opens."""
    before = workspace.db.execute("SELECT count(*) FROM applications").fetchone()[0]
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        jobs = app.screen.query_one("#field-job", Select)
        first_job = str(jobs._options[1][0])  # below the blank line
        await fill(pilot, {"job": first_job, "name": "Noor Visser", "email": "noor at mail"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not an email address" in str(app.screen.query_one("#error-email").render())
        assert workspace.db.execute("SELECT count(*) FROM applications").fetchone()[0] == before
        await fill(pilot, {"email": "noor@mail.example"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ApplicationScreen)
        assert app.screen.application.candidate_name == "Noor Visser"
        assert app.screen.application.job_title == first_job
    assert workspace.db.execute("SELECT count(*) FROM applications").fetchone()[0] == before + 1


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_first_run_snapshot(
    snap_compare: Callable[..., bool],
    empty: Workspace,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "ada")  # the same picture on any host
    monkeypatch.setenv("TZ", "Europe/Amsterdam")

    async def typed(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(*"Acme")
        await pilot.pause()

    app = PanelistApp(empty, ascii=False)
    assert snap_compare(app, terminal_size=size, run_before=typed)
