"""Notices the TUI shows a user once, such as "Sam declined the interview with Ana"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from panelist.errors import NotFound
from panelist.scheduling.records import from_text, to_text
from panelist.workspace import Workspace


@dataclass(frozen=True)
class Notice:
    id: int
    interview_id: int | None
    message: str
    created_at: datetime
    read: bool


def add_notice(
    db: Database, employee_id: int, interview_id: int, key: str, message: str, now: datetime
) -> None:
    """Record a notice once per key; call inside the transaction that learned the news."""
    db.execute(
        "INSERT OR IGNORE INTO scheduling_notices (employee_id, interview_id, key, message,"
        " created_at) VALUES (?, ?, ?, ?, ?)",
        [employee_id, interview_id, key, message, to_text(now)],
    )


def list_notices(ws: Workspace, unread_only: bool = True) -> list[Notice]:
    """The current user's notices, newest first."""
    sql = (
        "SELECT id, interview_id, message, created_at, read_at IS NOT NULL"
        " FROM scheduling_notices WHERE employee_id = ?"
    )
    if unread_only:
        sql += " AND read_at IS NULL"
    rows = ws.db.execute(sql + " ORDER BY created_at DESC, id DESC", [ws.user.id]).fetchall()
    return [Notice(nid, iid, msg, from_text(at), bool(read)) for nid, iid, msg, at, read in rows]


def mark_notice_read(ws: Workspace, notice_id: int) -> None:
    changed = ws.db.execute(
        "UPDATE scheduling_notices SET read_at = ? WHERE id = ? AND employee_id = ?",
        [to_text(ws.clock.now()), notice_id, ws.user.id],
    ).rowcount
    if not changed:
        raise NotFound(f"notice {notice_id} not found")
