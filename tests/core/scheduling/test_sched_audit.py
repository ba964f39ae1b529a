"""The audit log of scheduling (issue 12, item 4): each invite, reschedule, cancel, mail
and mail retry is one line naming who, what and which interview, written with the
change; a refused or failed action writes none. Real service, real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import scheduling_helpers as h

from panelist.errors import PermissionDenied, ValidationError
from panelist.mail.transport import MaildirTransport
from panelist.models import Method
from panelist.plugins import PluginRegistry
from panelist.scheduling import NoUnsentMail, OutboxIncomplete, SchedulingService
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio

ROSA = h.employee_id("rosa")


def audit_rows(ws: Workspace) -> list[dict[str, Any]]:
    rows = ws.db.execute(
        "SELECT at, actor, actor_label, actor_email, action, subject, detail"
        " FROM audit_log ORDER BY id"
    ).fetchall()
    keys = ("at", "actor", "actor_label", "actor_email", "action", "subject", "detail")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def by_rosa(action: str, interview_id: int) -> dict[str, Any]:
    return {
        "actor": ROSA,
        "actor_label": f"employee {ROSA}",
        "actor_email": h.email("rosa"),
        "action": action,
        "subject": f"interview {interview_id}",
    }


def head(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("actor", "actor_label", "actor_email", "action", "subject")}


async def test_an_invite_is_one_line_and_its_repeat_none(
    ws: Workspace, service: SchedulingService
) -> None:
    request = h.request("sam", room="amstel", request_key="press-once")
    record = await service.invite(request)
    await service.invite(request)  # the same press again: nothing new is booked
    (row,) = audit_rows(ws)
    assert head(row) == by_rosa("invite", record.id)
    assert row["at"] == "2026-11-23T09:00:00+00:00"  # the workspace clock's now
    assert row["detail"] == (
        f"application 1, 2026-11-24T09:00:00+00:00..2026-11-24T10:00:00+00:00,"
        f" room {h.room_id('amstel')}"
    )


async def test_reschedule_and_cancel_are_one_line_each(
    ws: Workspace, service: SchedulingService
) -> None:
    record = await service.invite(h.request("sam"))
    later = h.TUESDAY_10 + timedelta(hours=2)
    await service.reschedule(record.id, later, later + timedelta(hours=1))
    await service.reschedule(record.id, later, later + timedelta(hours=1))  # already there
    await service.cancel(record.id)
    await service.cancel(record.id)  # already cancelled
    rows = audit_rows(ws)
    assert [head(row) for row in rows] == [
        by_rosa("invite", record.id),
        by_rosa("reschedule", record.id),
        by_rosa("cancel", record.id),
    ]
    assert rows[1]["detail"] == (
        "from 2026-11-24T09:00:00+00:00..2026-11-24T10:00:00+00:00"
        " to 2026-11-24T11:00:00+00:00..2026-11-24T12:00:00+00:00"
    )


async def test_mail_invitation_and_its_retry_are_one_line_each(
    ws: Workspace, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    broken = SchedulingService(ws, MaildirTransport(blocked / "outbox"), retry=h.FAST_RETRIES)
    record = await broken.invite(h.request("sam"))
    with pytest.raises(OutboxIncomplete):
        await broken.send_candidate_invitation(record.id)
    fixed = SchedulingService(ws, MaildirTransport(tmp_path / "outbox"), retry=h.FAST_RETRIES)
    await fixed.retry_mails(record.id)
    with pytest.raises(NoUnsentMail):  # nothing left: refused, so no line
        await fixed.retry_mails(record.id)
    rows = audit_rows(ws)
    assert [head(row) for row in rows] == [
        by_rosa("invite", record.id),
        by_rosa("mail send", record.id),
        by_rosa("mail retry", record.id),
    ]
    assert [row["detail"] for row in rows[1:]] == ["candidate invitation", "1 mail(s)"]


async def test_refused_and_broken_actions_write_no_line(
    company_db: Path, test_registry: PluginRegistry, clock: Any, service: SchedulingService
) -> None:
    eve = h.workspace(company_db, test_registry, clock, as_key="eve")  # no recruiting rights
    try:
        with pytest.raises(PermissionDenied):
            await SchedulingService(eve, retry=h.FAST_RETRIES).invite(h.request("sam"))
        past = h.NOW - timedelta(days=1)
        with pytest.raises(ValidationError):  # a rule broken: nothing booked
            await service.invite(h.request("sam", start=past))
        assert audit_rows(eve) == []
    finally:
        eve.close()


async def test_no_private_text_reaches_the_log(ws: Workspace, service: SchedulingService) -> None:
    secret_notes = "Candidate disclosed a health condition"
    record = await service.invite(
        h.request("sam", "ana", method=Method.VIDEO, host="sam", notes=secret_notes)
    )
    await service.cancel(record.id)
    dump = repr(audit_rows(ws))
    assert secret_notes not in dump and "Daan" not in dump and "Senior Backend" not in dump


async def test_a_change_whose_line_cannot_be_written_is_not_made(
    ws: Workspace, service: SchedulingService
) -> None:
    record = await service.invite(h.request("sam"))
    ws.db.execute("ALTER TABLE audit_log RENAME TO audit_log_gone")  # the log breaks
    with pytest.raises(sqlite3.OperationalError, match="no such table: audit_log"):
        await service.cancel(record.id)
    with pytest.raises(sqlite3.OperationalError, match="no such table: audit_log"):
        await service.invite(h.request("ana", start=h.TUESDAY_10 + timedelta(hours=3)))
    statuses = ws.db.execute("SELECT id, status FROM interviews").fetchall()
    assert statuses == [(record.id, "scheduled")]  # neither change was made unrecorded
