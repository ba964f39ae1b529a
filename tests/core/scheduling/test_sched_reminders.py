"""Evaluation reminders: a persisted schedule (an hour after the end, then daily, at most
three), sent by `panelist reminders run` or the open app, never twice, stopped by "done"."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import scheduling_helpers as h

from panelist.clock import FrozenClock
from panelist.mail.transport import MaildirTransport
from panelist.plugins import PluginRegistry
from panelist.scheduling import (
    ReminderPolicy,
    SchedulingService,
    mark_evaluation_done,
    run_due_reminders,
)
from panelist.services.directory import set_setting
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio


async def run(ws: Workspace, maildir: Path) -> int:
    done = await run_due_reminders(ws, MaildirTransport(maildir))
    assert done.problems == ()
    return done.queued


def recipients(maildir: Path) -> list[str]:
    return sorted(m["To"].addresses[0].addr_spec for m in h.read_maildir(maildir))


async def test_reminders_follow_the_policy_and_stop_at_the_limit(
    service: SchedulingService, clock: FrozenClock, maildir: Path
) -> None:
    record = await service.invite(h.request("sam", "ana", evaluation_form_id=1))
    ws = service.ws
    clock.set(record.end + timedelta(minutes=59))
    assert await run(ws, maildir) == 0
    clock.set(record.end + timedelta(hours=1))
    assert await run(ws, maildir) == 2
    assert await run(ws, maildir) == 0  # idempotent: nothing new at the same time
    assert recipients(maildir) == ["ana@northwind.example", "sam@northwind.example"]
    (first, _) = h.read_maildir(maildir)
    assert first["Subject"] == "Reminder: evaluate Daan de Jong for Senior Backend Engineer"
    assert "Technical evaluation" in first.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for day in (1, 2, 3, 4):
        clock.set(record.end + timedelta(hours=1, days=day))
        assert await run(ws, maildir) == (2 if day < 3 else 0)
    assert len(h.read_maildir(maildir)) == 6  # three each, then no more


async def test_marking_the_form_done_stops_them(
    service: SchedulingService, clock: FrozenClock, maildir: Path
) -> None:
    record = await service.invite(h.request("sam", "ana", evaluation_form_id=1))
    clock.set(record.end + timedelta(hours=1))
    await run(service.ws, maildir)
    mark_evaluation_done(service.ws, record.id, h.employee_id("sam"))
    clock.set(record.end + timedelta(days=5))
    await run(service.ws, maildir)
    assert recipients(maildir) == [
        "ana@northwind.example",
        "ana@northwind.example",
        "sam@northwind.example",
    ]


async def test_a_reminder_queued_but_unsent_is_dropped_once_done(
    service: SchedulingService, clock: FrozenClock, maildir: Path
) -> None:
    from panelist.scheduling.reminders import queue_due_reminders

    record = await service.invite(h.request("sam", evaluation_form_id=1))
    clock.set(record.end + timedelta(hours=2))
    queue_due_reminders(service.ws)  # a run that died before sending
    mark_evaluation_done(service.ws, record.id, h.employee_id("sam"))
    await run(service.ws, maildir)
    assert h.read_maildir(maildir) == []
    states = [r["state"] for r in h.outbox_rows(service.ws.db, record.id) if "reminder" in r["key"]]
    assert states == ["skipped"]


async def test_no_reminders_without_a_form_or_after_cancelling(
    service: SchedulingService, clock: FrozenClock, maildir: Path
) -> None:
    plain = await service.invite(h.request("sam"))
    cancelled = await service.invite(h.request("ana", evaluation_form_id=1))
    await service.cancel(cancelled.id)
    maildir_before = len(h.read_maildir(maildir))
    clock.set(plain.end + timedelta(days=2))
    assert await run(service.ws, maildir) == 0
    assert len(h.read_maildir(maildir)) == maildir_before


async def test_a_custom_policy_and_a_move_shift_the_schedule(
    service: SchedulingService, clock: FrozenClock
) -> None:
    policy = ReminderPolicy(first_after_minutes=30, repeat_every_minutes=60, max_reminders=1)
    record = await service.invite(h.request("sam", evaluation_form_id=1, reminder_policy=policy))
    later = record.start + timedelta(days=1)
    await service.reschedule(record.id, later, later + timedelta(hours=1))
    (due,) = service.ws.db.execute("SELECT next_due_utc FROM evaluation_reminders").fetchone()
    assert due == (later + timedelta(minutes=90)).isoformat()


async def test_only_the_interviewer_or_a_scheduler_marks_done(
    service: SchedulingService, test_registry: PluginRegistry, clock: FrozenClock
) -> None:
    from panelist.errors import PermissionDenied

    record = await service.invite(h.request("sam", "ana", evaluation_form_id=1))
    ana = h.workspace(service.ws.db_path, test_registry, clock, as_key="ana")
    try:
        with pytest.raises(PermissionDenied):
            mark_evaluation_done(ana, record.id, h.employee_id("sam"))
        mark_evaluation_done(ana, record.id, h.employee_id("ana"))
    finally:
        ana.close()


def panelist(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "panelist", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **env},
    )  # fmt: skip


async def test_reminders_run_from_three_processes_at_once_sends_each_once(
    company_db: Path, test_registry: PluginRegistry, tmp_path: Path
) -> None:
    # The command runs on the real clock: book an interview that ended two hours ago.
    real_now = datetime.now(UTC).replace(microsecond=0)
    ws = h.workspace(company_db, test_registry, FrozenClock(real_now - timedelta(hours=5)))
    maildir = tmp_path / "cron-outbox"
    set_setting(ws.db, "maildir_path", str(maildir))
    start = real_now - timedelta(hours=3)
    record = await SchedulingService(ws, MaildirTransport(maildir)).invite(
        h.request("sam", "ana", start=start, evaluation_form_id=1)
    )
    ws.close()
    h.map_os_account(company_db, "rosa")

    env = {"PANELIST_CONFIG": str(tmp_path / "none.toml")}
    args = ("reminders", "run", "--db", str(company_db), "--as", h.email("rosa"))
    runs = [panelist(*args, env=env) for _ in range(3)]
    outputs = [process.communicate(timeout=120) for process in runs]
    assert [process.returncode for process in runs] == [0, 0, 0], outputs
    due = sorted(int(out.split()[0]) for out, _ in outputs)
    assert sum(due) == 2 and all(
        "1 interviews closed" in out or "0 interviews closed" in out for out, _ in outputs
    )
    assert recipients(maildir) == ["ana@northwind.example", "sam@northwind.example"]

    check = h.workspace(company_db, test_registry, FrozenClock(real_now))
    rows = [r for r in h.outbox_rows(check.db, record.id) if "reminder" in r["key"]]
    assert [(r["state"], r["attempts"]) for r in rows] == [
        ("done", 1),
        ("done", 1),
    ]  # sent once each
    assert check.db.execute("SELECT status FROM interviews").fetchone()[0] == "closed"
    check.close()
