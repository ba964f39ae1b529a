"""The TUI driven by keys, at 80x24, on a real database: what a recruiter does."""

from __future__ import annotations

from dataclasses import astuple, replace

import pytest
from textual import events
from textual.widgets import DataTable, Input, Select, Static, TabbedContent

from panelist.models import ApplicationSummary, InterviewStatus, Method, Stage
from panelist.plugins import PluginStatus
from panelist.services.applications import ApplicationFilter, list_applications
from panelist.services.interviews import interviews_for_application
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.glyphs import UNICODE
from panelist_tui.screens.application import ApplicationScreen
from panelist_tui.screens.applications import ApplicationsScreen
from panelist_tui.screens.help import HelpScreen
from panelist_tui.widgets.interviews import InterviewCard

pytestmark = pytest.mark.anyio

SIZE = (80, 24)


def shown_rows(app: PanelistApp) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def column(app: PanelistApp, label: str) -> list[str]:
    table = app.screen.query_one(DataTable)
    index = [str(c.label) for c in table.ordered_columns].index(label)
    return [row[index].strip() for row in shown_rows(app)]


def card_texts(app: PanelistApp) -> list[str]:
    return [str(card.query_one(Static).content) for card in app.screen.query(InterviewCard)]


async def test_title_names_company_and_user(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE):
        assert app.title == "Northwind Labs"
        assert app.sub_title == "Rosa Jansen (Recruiter)"
        assert isinstance(app.screen, ApplicationsScreen)


async def test_list_shows_what_core_lists(workspace: Workspace) -> None:
    expected = list_applications(workspace)
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE):
        assert column(app, "Candidate") == [a.candidate_name for a in expected]
        assert column(app, "Stage") == [a.stage.label for a in expected]
        assert column(app, "#Int") == [str(a.interview_count) for a in expected]


async def test_search_filters_as_you_type(workspace: Workspace, target: ApplicationSummary) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        everyone = column(app, "Candidate")
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        typed = ""
        for char in target.candidate_name:
            await pilot.press(char)
            typed += char
            expected = list_applications(workspace, ApplicationFilter(search=typed))
            assert column(app, "Candidate") == [a.candidate_name for a in expected]
        assert target.candidate_name in column(app, "Candidate")
        assert len(column(app, "Candidate")) < len(everyone)
        assert f'search "{typed}"' in str(app.screen.query_one("#summary", Static).content)
        # Enter goes to the list, Escape clears the search.
        await pilot.press("enter")
        assert isinstance(app.focused, DataTable)
        await pilot.press("escape")
        assert app.screen.query_one("#search", Input).value == ""
        assert column(app, "Candidate") == everyone


async def test_search_with_no_match_says_so(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"zzzqqq")
        assert shown_rows(app) == []
        summary = str(app.screen.query_one("#summary", Static).content)
        assert "No applications match" in summary
        assert "press c to clear" in summary


async def test_stage_filter_by_key_and_select(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        everyone = column(app, "Candidate")
        # s cycles: all -> New -> Screening -> Interview ...
        await pilot.press("s", "s", "s")
        stage_select = app.screen.query_one("#stage-filter", Select)
        assert stage_select.value is Stage.INTERVIEW
        assert set(column(app, "Stage")) == {"Interview"}
        expected = list_applications(workspace)
        assert column(app, "Candidate") == [
            a.candidate_name for a in expected if a.stage is Stage.INTERVIEW
        ]
        # S goes back one; the Select widget itself works too.
        await pilot.press("S")
        assert stage_select.value is Stage.SCREENING
        stage_select.value = Stage.OFFER
        await pilot.pause()
        assert set(column(app, "Stage")) <= {"Offer"}
        await pilot.press("c")
        assert stage_select.value is Select.NULL
        assert column(app, "Candidate") == everyone


async def test_job_filter_by_key(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        job_select = app.screen.query_one("#job-filter", Select)
        assert isinstance(job_select.value, int)
        job_id = job_select.value
        expected = [a.candidate_name for a in list_applications(workspace) if a.job_id == job_id]
        assert column(app, "Candidate") == expected


async def test_enter_opens_application_and_escape_goes_back(
    workspace: Workspace, target: ApplicationSummary
) -> None:
    interviews = interviews_for_application(workspace, target.id)
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *target.candidate_name, "enter")
        assert isinstance(app.focused, DataTable)
        assert app.screen.table.current_application_id == target.id
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ApplicationScreen)
        assert screen.application.id == target.id
        who = str(screen.query_one("#application-who", Static).content)
        assert target.candidate_name in who
        assert target.candidate_email in who
        assert target.job_title in who
        stage = str(screen.query_one("#application-stage", Static).content)
        assert target.stage.label in stage
        tabs = screen.query_one(TabbedContent)
        assert tabs.active == "interviews-tab"
        assert str(tabs.get_tab("interviews-tab").label) == f"Interviews ({len(interviews)})"
        assert len(card_texts(app)) == len(interviews)

        await pilot.press("escape")
        assert isinstance(app.screen, ApplicationsScreen)
        assert app.screen.table.current_application_id == target.id


async def test_interviews_tab_shows_status_time_method_and_responses(
    workspace: Workspace, target: ApplicationSummary, cancelled_target: ApplicationSummary
) -> None:
    seen: set[InterviewStatus] = set()
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        for application in (target, cancelled_target):
            interviews = interviews_for_application(workspace, application.id)
            app.open_application(application.id)
            await pilot.pause()
            texts = card_texts(app)
            assert [t.split()[0] for t in texts] == [i.status.label for i in interviews]
            for text, interview in zip(texts, interviews, strict=True):
                seen.add(interview.status)
                assert interview.type_name in text
                assert f"({interview.timezone})" in text
                assert interview.method.label in text
                if interview.video_link:
                    assert interview.video_link in text
                if interview.room_name:
                    assert interview.room_name in text
                for participant in interview.participants:
                    # Status and type, time, method (and link); then the participants.
                    lines = text.splitlines()[4 if interview.method is Method.VIDEO else 3 :]
                    line = next(ln for ln in lines if participant.name in ln)
                    assert participant.response.label in line
                    assert participant.role in line
                    warned = f"{participant.name} ⚠" in line
                    assert warned is not participant.calendar_integrated
            await pilot.press("escape")
            assert isinstance(app.screen, ApplicationsScreen)
    assert seen == set(InterviewStatus)


async def test_interview_time_is_in_organiser_zone(
    workspace: Workspace, target: ApplicationSummary
) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        app.open_application(target.id)
        await pilot.pause()
        text = card_texts(app)[0]
        # Tue 01 Dec 10:00–11:00 (Europe/Amsterdam) style.
        second_line = text.splitlines()[1]
        assert "–" in second_line
        assert "(Europe/" in second_line or "(America/" in second_line or "(Asia/" in second_line


async def test_ascii_flag_replaces_icons(workspace: Workspace, target: ApplicationSummary) -> None:
    app = PanelistApp(workspace, ascii=True)
    async with app.run_test(size=SIZE) as pilot:
        app.open_application(target.id)
        await pilot.pause()
        text = "\n".join(card_texts(app))
        assert "🎥" not in text and "⚠" not in text and "–" not in text
        assert "[V]" in text or "[P]" in text or "[R]" in text
        for glyph in astuple(UNICODE):
            if not glyph.isascii():
                assert glyph not in text


async def test_ascii_from_environment(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANELIST_ASCII", "1")
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE):
        assert app.ascii
    monkeypatch.setenv("PANELIST_ASCII", "0")
    assert not PanelistApp(workspace).ascii


async def test_help_opens_and_closes(workspace: Workspace) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        keys = str(app.screen.query_one("#help-keys", Static).content)
        for expected in ("Search", "Next stage filter", "Back", "Copy", "Quit", "^p"):
            assert expected in keys
        # The form's and the grid's keys too, read from their bindings.
        for expected in ("Invite interviewers", "Longer", "Choose a room free for the span"):
            assert expected in keys
        await pilot.press("escape")
        assert isinstance(app.screen, ApplicationsScreen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, ApplicationsScreen)


async def test_core_error_is_a_notification(workspace: Workspace) -> None:
    """Another session deletes the application while it is listed here."""
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(DataTable)
        victim = app.screen.table.current_application_id
        assert victim is not None
        workspace.db.execute("DELETE FROM interviews WHERE application_id = ?", [victim])
        workspace.db.execute("DELETE FROM applications WHERE id = ?", [victim])
        workspace.db.conn.commit()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ApplicationsScreen)
        messages = [(n.message, n.severity) for n in app._notifications]
        assert (f"application {victim} not found", "error") in messages
        # The app keeps running: refreshing drops the row, keys still work.
        await pilot.press("f5")
        assert victim not in [a.id for a in app.screen.applications]
        assert table.row_count == len(list_applications(workspace))
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)


async def test_palette_opens_an_application(
    workspace: Workspace, target: ApplicationSummary
) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*f"open {target.candidate_name}")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ApplicationScreen)
        assert app.screen.application.id == target.id


async def test_palette_filters_by_stage_from_a_detail_screen(
    workspace: Workspace, target: ApplicationSummary
) -> None:
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        app.open_application(target.id)
        await pilot.pause()
        assert isinstance(app.screen, ApplicationScreen)
        await pilot.press("ctrl+p")
        await pilot.press(*"stage: offer")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ApplicationsScreen)
        assert app.screen.query_one("#stage-filter", Select).value is Stage.OFFER
        assert set(column(app, "Stage")) <= {"Offer"}


async def test_application_without_interviews_says_so(workspace: Workspace) -> None:
    lonely = next(a for a in list_applications(workspace) if a.interview_count == 0)
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        app.open_application(lonely.id)
        await pilot.pause()
        assert isinstance(app.screen, ApplicationScreen)
        assert card_texts(app) == []
        empty = app.screen.query_one("#no-interviews", Static)
        assert empty.display
        assert str(empty.content) == "No interviews yet: n plans one, l sends a scheduling link."
        await pilot.press("y")
        messages = [n.message for n in app._notifications]
        assert "This interview has no video link." in messages


async def test_copy_video_link(workspace: Workspace, target: ApplicationSummary) -> None:
    interviews = interviews_for_application(workspace, target.id)
    with_link = next(i for i, interview in enumerate(interviews) if interview.video_link)
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        app.open_application(target.id)
        await pilot.pause()
        await pilot.press(*["down"] * with_link, "y")
        assert app.clipboard == interviews[with_link].video_link


async def test_refresh_keeps_the_highlighted_interview(
    workspace: Workspace, target: ApplicationSummary
) -> None:
    interviews = interviews_for_application(workspace, target.id)
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        app.open_application(target.id)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ApplicationScreen)
        await pilot.press("down")
        assert screen.current_interview == interviews[1]
        # Another session answers for a participant; F5 reads it again.
        first = interviews[1].participants[0]
        workspace.db.execute(
            "UPDATE interview_participants SET response = 'declined'"
            " WHERE interview_id = ? AND employee_id = ?",
            [interviews[1].id, first.employee_id],
        )
        workspace.db.conn.commit()
        await pilot.press("f5")
        await pilot.pause()
        assert len(card_texts(app)) == len(interviews)
        assert screen.current_interview is not None
        assert screen.current_interview.id == interviews[1].id
        skip = 4 if interviews[1].method is Method.VIDEO else 3
        line = next(ln for ln in card_texts(app)[1].splitlines()[skip:] if first.name in ln)
        assert "Declined" in line


async def test_a_skipped_plugin_is_announced_and_the_app_still_starts(
    workspace: Workspace,
) -> None:
    broken = PluginStatus(
        "acme", "1.0", "panelist-acme", error="could not be loaded: RuntimeError: kaboom"
    )
    workspace.registry = replace(workspace.registry, plugins=[*workspace.registry.plugins, broken])
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        messages = [(n.message, n.severity) for n in app._notifications]
        assert (
            "Plugin acme skipped: could not be loaded: RuntimeError: kaboom",
            "warning",
        ) in messages
        assert app.screen.query_one(DataTable).row_count == len(list_applications(workspace))


async def test_keys_typed_ahead_from_the_search_reach_the_list(
    workspace: Workspace, target: ApplicationSummary
) -> None:
    """Over a slow SSH link Down and Enter arrive together: Enter must open the row Down
    went to, not land in the search box that had focus a moment before."""
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *target.candidate_name)
        assert column(app, "Candidate") == [target.candidate_name]
        for key, character in (("down", None), ("enter", "\r")):  # one read, no pause
            app.post_message(events.Key(key, character))
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ApplicationScreen)
        assert app.screen.application.id == target.id
