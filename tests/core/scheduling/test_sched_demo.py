"""The demo company's interviews were booked by the demo builder with the same key format;
the service moves, reads back and cancels them like its own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import scheduling_helpers as h

from panelist.clock import FrozenClock
from panelist.demo import build_demo_company
from panelist.mail.transport import MaildirTransport
from panelist.plugins import PluginRegistry
from panelist.providers.ical import event_from_dict
from panelist.scheduling import SchedulingError, SchedulingService, load_interview
from panelist.services.directory import find_employee_by_os_user
from panelist.storage.database import open_database
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory, test_registry: PluginRegistry) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = open_database(path, test_registry.migrations)
    build_demo_company(db, test_registry, FrozenClock(h.NOW), os_user="demo-os-user")
    with db.ensure_autocommit_on():
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path, test_registry: PluginRegistry) -> Iterator[Workspace]:
    path = h.copy_company(demo_template, tmp_path / "demo.db")
    db = open_database(path, test_registry.migrations)
    rosa = find_employee_by_os_user(db, "demo-os-user")
    assert rosa is not None
    ws = Workspace(db, path, test_registry, FrozenClock(h.NOW), rosa)
    yield ws
    ws.close()


def upcoming_video_interview(ws: Workspace) -> int:
    row = ws.db.execute(
        "SELECT id FROM interviews WHERE status = 'scheduled' AND start_utc > ? AND method = 'video'"
        " AND organiser_id = ? ORDER BY start_utc LIMIT 1",
        [h.NOW.isoformat(), ws.user.id],
    ).fetchone()
    assert row is not None
    return int(row[0])


async def move_somewhere_free(service: SchedulingService, interview_id: int) -> datetime:
    record = load_interview(service.ws, interview_id)
    for days in range(1, 15):
        for hour in (7, 20, 21):
            start = record.start.replace(hour=hour, minute=0) + timedelta(days=days)
            try:
                await service.reschedule(interview_id, start, start + (record.end - record.start))
                return start
            except SchedulingError:
                continue
    raise AssertionError("no free time found in two weeks")


async def test_a_demo_interview_is_moved_in_place_then_cancelled(
    demo: Workspace, tmp_path: Path
) -> None:
    service = SchedulingService(demo, MaildirTransport(tmp_path / "outbox"), retry=h.FAST_RETRIES)
    interview_id = upcoming_video_interview(demo)
    like = f"interview-{interview_id}-%"
    before = {r["key"]: r["uid"] for r in h.local_rows(demo.db, like)}
    assert before, "the demo wrote this interview's events"
    link = load_interview(demo, interview_id).video_link

    start = await move_somewhere_free(service, interview_id)
    moved = h.local_rows(demo.db, like)
    assert {r["key"]: r["uid"] for r in moved} == before  # the demo's own events, moved
    assert all(event_from_dict(r["data"]).start == start for r in moved)
    assert load_interview(demo, interview_id).video_link == link

    await service.refresh_responses(interview_id)  # read from the demo's events, no error
    await service.cancel(interview_id)
    assert all(r["deleted"] for r in h.local_rows(demo.db, like))
    kinds = [r["kind"] for r in h.outbox_rows(demo.db, interview_id) if r["state"] == "done"]
    assert "delete_meeting" in kinds and kinds.count("delete_event") == len(before)
