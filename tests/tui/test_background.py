"""What the open app does by itself: stale calendars announced, declines shown as notices."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from panelist.calendars import CalendarKey, SyncService
from panelist.retry import RetryPolicy
from panelist.scheduling import list_notices
from panelist.scheduling.duties import HostDuties, upcoming_organised
from panelist.services.directory import get_employee, set_setting
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp

pytestmark = pytest.mark.anyio

SIZE = (100, 30)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def messages(app: PanelistApp) -> list[tuple[str, str]]:
    return [(n.message, n.severity) for n in app._notifications]


async def test_a_calendar_that_failed_to_sync_is_announced(workspace: Workspace) -> None:
    db = workspace.db
    sam = workspace.user.id + 1
    name = get_employee(db, sam).name
    db.execute(
        "INSERT INTO provider_settings VALUES ('caldav', 'url', ?)",
        [f"http://127.0.0.1:{closed_port()}/"],
    )
    db.execute(
        "UPDATE employees SET calendar_provider = 'caldav', calendar_id = 'sam/' WHERE id = ?",
        [sam],
    )
    db.conn.commit()
    no_retries = RetryPolicy(budget_seconds=5.0, first_backoff_seconds=8.0)
    service = SyncService(workspace, policy=no_retries)
    (report,) = await service.sync([CalendarKey("caldav", "sam/")])
    assert report.error and "connection refused" in report.error
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        warnings = [m for m, severity in messages(app) if severity == "warning"]
        assert any(m.startswith(f"{name}'s calendar may be out of date") for m in warnings)


async def test_a_decline_becomes_a_notice_and_a_mail(workspace: Workspace, tmp_path: Path) -> None:
    db = workspace.db
    set_setting(db, "maildir_path", str(tmp_path / "mail"))
    interview_id = upcoming_organised(workspace)[0]
    calendar_id, uid, email, name = db.execute(
        "SELECT r.calendar_id, r.external_id, e.email, e.name FROM interview_external_refs r"
        " JOIN employees e ON e.id = r.employee_id JOIN interview_participants p"
        " ON p.interview_id = r.interview_id AND p.employee_id = r.employee_id"
        " WHERE r.interview_id = ? AND r.kind = 'interviewer_event' AND r.provider = 'local'"
        " AND p.response != 'declined' LIMIT 1",
        [interview_id],
    ).fetchone()
    workspace.calendar_provider("local").set_response(calendar_id, uid, email, "declined")  # type: ignore[attr-defined]
    db.conn.commit()
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        app.run_duties()
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = [m for m, _ in messages(app)]
        assert any(name in m and "declined" in m for m in shown), shown
    assert list_notices(workspace) == []  # shown once, then marked read
    mails = list((tmp_path / "mail" / "new").iterdir())
    assert any(
        f"{name}".encode() in path.read_bytes() or b"declined" in path.read_bytes()
        for path in mails
    )


def decline_one(workspace: Workspace) -> str:
    """An interviewer of the user's next interview declines in their calendar; their name."""
    db = workspace.db
    calendar_id, uid, email, name = db.execute(
        "SELECT r.calendar_id, r.external_id, e.email, e.name FROM interview_external_refs r"
        " JOIN employees e ON e.id = r.employee_id JOIN interview_participants p"
        " ON p.interview_id = r.interview_id AND p.employee_id = r.employee_id"
        " WHERE r.interview_id = ? AND r.kind = 'interviewer_event' AND r.provider = 'local'"
        " AND p.response != 'declined' LIMIT 1",
        [upcoming_organised(workspace)[0]],
    ).fetchone()
    workspace.calendar_provider("local").set_response(calendar_id, uid, email, "declined")  # type: ignore[attr-defined]
    db.conn.commit()
    return str(name)


async def test_an_app_without_the_duties_reads_nothing_back_but_shows_the_notices(
    workspace: Workspace, tmp_path: Path
) -> None:
    set_setting(workspace.db, "maildir_path", str(tmp_path / "mail"))
    name = decline_one(workspace)
    holder = HostDuties(workspace)  # another open app, or the worker, has the duties
    assert holder.take()
    app = PanelistApp(workspace)
    try:
        async with app.run_test(size=SIZE) as pilot:
            app.run_duties()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert not any("declined" in m for m, _ in messages(app))  # no provider read
            assert not (tmp_path / "mail").exists()

            await holder.run_round()  # the holder's round reads the decline back
            app.run_duties()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert any(name in m and "declined" in m for m, _ in messages(app))
    finally:
        holder.release()


async def test_the_first_open_app_keeps_the_duties_until_it_quits(workspace: Workspace) -> None:
    other_app = HostDuties(workspace)
    app = PanelistApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        app.run_duties()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not other_app.take()
    assert other_app.take()  # the app quit: the next one takes over
    other_app.release()
