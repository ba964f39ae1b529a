"""Notices the TUI shows a user once, such as "Sam declined the interview with Ana".

Written here; read with `panelist.services.notices.list_notices`.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from panelist.errors import NotFound
from panelist.storage.instants import to_text
from panelist.workspace import Workspace


def add_notice(
    db: Database, employee_id: int, interview_id: int, key: str, message: str, now: datetime
) -> None:
    """Record a notice once per key; call inside the transaction that learned the news."""
    db.execute(
        "INSERT OR IGNORE INTO scheduling_notices (employee_id, interview_id, key, message,"
        " created_at) VALUES (?, ?, ?, ?, ?)",
        [employee_id, interview_id, key, message, to_text(now)],
    )


def mark_notice_read(ws: Workspace, notice_id: int) -> None:
    changed = ws.db.execute(
        "UPDATE scheduling_notices SET read_at = ? WHERE id = ? AND employee_id = ?",
        [to_text(ws.clock.now()), notice_id, ws.user.id],
    ).rowcount
    if not changed:
        raise NotFound(f"notice {notice_id} not found")
