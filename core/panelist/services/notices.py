"""Notices read for display, such as "Sam declined the interview with Ana (Tue 24 Nov 10:00)".

The scheduling service writes them (`panelist.scheduling.notices`); reading lives here,
apart, so the first screen shows them without importing scheduling (icalendar, ~0.1 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from panelist.storage.instants import from_text
from panelist.workspace import Workspace


@dataclass(frozen=True)
class Notice:
    id: int
    interview_id: int | None
    message: str
    created_at: datetime
    read: bool


def list_notices(ws: Workspace, unread_only: bool = True, limit: int | None = None) -> list[Notice]:
    """The current user's notices, newest first; at most `limit` (None: all)."""
    sql = (
        "SELECT id, interview_id, message, created_at, read_at IS NOT NULL"
        " FROM scheduling_notices WHERE employee_id = ?"
    )
    if unread_only:
        sql += " AND read_at IS NULL"
    sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
    rows = ws.db.execute(sql, [ws.user.id, -1 if limit is None else limit]).fetchall()
    return [Notice(nid, iid, msg, from_text(at), bool(read)) for nid, iid, msg, at, read in rows]
