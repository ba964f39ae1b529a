"""Reading the audit log: an Admin's job (the Configure right). Writing is `panelist.audit`."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from panelist.audit import AuditEntry, read_log
from panelist.errors import ValidationError
from panelist.permissions import Right, require
from panelist.workspace import Workspace

_DURATION = re.compile(r"(\d+)\s*([mhdw])", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def list_audit(ws: Workspace, since: datetime | None = None) -> list[AuditEntry]:
    """The log, newest first; only what happened at or after `since` when given."""
    require(ws.db, ws.user.id, Right.CONFIGURE)
    return read_log(ws.db, since)


def parse_since(text: str, now: datetime, zone: str) -> datetime:
    """ "2026-12-01" (midnight in `zone`), "2026-12-01T09:00" or a duration back from `now`:
    "30m", "12h", "7d", "2w". `ValidationError` in one line otherwise."""
    cleaned = text.strip()
    try:
        match = _DURATION.fullmatch(cleaned)
        if match:
            return now - timedelta(**{_UNITS[match[2].lower()]: int(match[1])})
        if len(cleaned) == 10:
            return datetime.combine(date.fromisoformat(cleaned), time(), ZoneInfo(zone))
        moment = datetime.fromisoformat(cleaned)
    except (ValueError, OverflowError):
        raise ValidationError(
            f"since {text!r}: expected a date (2026-12-01), a time (2026-12-01T09:00) "
            "or a duration back from now (30m, 12h, 7d, 2w)",
            field="since",
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(zone))
