"""The audit log: who did what and when, append-only (table ``audit_log``, migration m006).

Writing: every change worth auditing calls `record` (or `record_by` with a workspace)
*inside the transaction of the change*, so a change that rolls back leaves no line and
a line that cannot be written rolls the change back: nothing is done unrecorded. A call
outside a transaction (an identity switch at start-up) commits the line at once.
SQLite refuses UPDATE and DELETE on the table (triggers), so rows only accumulate.

What a line holds is for Admins to read: ids, times, names of templates and settings.
Never an event's title, a candidate's notes or a secret: `detail` is cut to one plain
line, and the value of a setting whose key looks secret is not stored (`setting_detail`).

Reading is for Admins: `panelist.services.audit.list_audit`.

Access management (`panelist.services.access`) records grants and revokes; an SSH
session records the key that opened it, or why it was refused (`SSH_SESSION`).
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from panelist.models import Employee
from panelist.storage.instants import to_text
from panelist.text import printable

if TYPE_CHECKING:
    from panelist.workspace import Workspace

MAX_DETAIL = 200
# Setting keys whose value must never reach the log (passwords, tokens, API keys).
_SECRET_KEY = re.compile(r"pass|secret|token|key|credential|auth", re.IGNORECASE)


class Action(enum.StrEnum):
    """What was done; the names `panelist audit` shows and `--json` carries."""

    INVITE = "invite"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    MAIL_SEND = "mail send"
    """The candidate's invitation queued for sending (Mail invitation)."""
    MAIL_RETRY = "mail retry"
    """Unsent mails sent again once their cause was fixed."""
    SETTING = "setting"
    TEMPLATE = "template"
    IMPORT = "import"
    ACCESS_GRANT = "access grant"
    ACCESS_REVOKE = "access revoke"
    IDENTITY_SWITCH = "identity switch"
    """Someone acts as another employee (--as, PANELIST_USER)."""
    SSH_SESSION = "ssh session"
    """A forced-command session: the key that opened it, or why it was refused."""
    LINK_CREATE = "link create"
    """A smart scheduling link was made (never its token)."""
    LINK_SEND = "link send"
    LINK_WITHDRAW = "link withdraw"
    LINK_BOOK = "link book"
    """The candidate booked through a scheduling link."""
    LINK_RESCHEDULE = "link reschedule"
    LINK_CANCEL = "link cancel"


@dataclass(frozen=True)
class Actor:
    """Who acted, as the log keeps it."""

    employee_id: int | None
    label: str
    email: str | None = None

    @classmethod
    def employee(cls, employee: Employee) -> Actor:
        return cls(employee.id, f"employee {employee.id}", employee.email)

    @classmethod
    def os_account(cls, name: str) -> Actor:
        """An OS account not mapped to any employee."""
        return cls(None, f"OS account {name!r}")


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    actor_label: str
    actor_email: str | None
    action: str
    subject: str
    detail: str

    @property
    def who(self) -> str:
        """ "rosa@example.com (employee 7)", or the label alone for the system."""
        return f"{self.actor_email} ({self.actor_label})" if self.actor_email else self.actor_label

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": to_text(self.at),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "actor_email": self.actor_email,
            "action": self.action,
            "subject": self.subject,
            "detail": self.detail,
        }


def record(
    db: Database,
    actor: Actor,
    action: Action,
    subject: str,
    detail: str = "",
    *,
    at: datetime | None = None,
) -> None:
    """Append one line. Call it inside the change's transaction; let its errors propagate."""
    db.execute(
        "INSERT INTO audit_log (at, actor, actor_label, actor_email, action, subject, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            to_text(at or datetime.now(UTC)),
            actor.employee_id,
            one_line(actor.label),
            actor.email,
            Action(action).value,
            one_line(subject),
            one_line(detail),
        ],
    )


def record_by(ws: Workspace, action: Action, subject: str, detail: str = "") -> None:
    """`record` for the workspace's actor, at the workspace clock's now."""
    record(ws.db, actor_of(ws), action, subject, detail, at=ws.clock.now())


def actor_of(ws: Workspace) -> Actor:
    if isinstance(ws.actor, Employee):
        return Actor.employee(ws.actor)
    return Actor(None, ws.actor_label)


def one_line(text: str) -> str:
    """Plain, single-line, at most `MAX_DETAIL` characters."""
    line = " ".join(printable(text).split())
    return line if len(line) <= MAX_DETAIL else line[: MAX_DETAIL - 1] + "…"


def employee_subject(employee: Employee) -> str:
    return f"employee {employee.id} ({employee.email})"


def setting_detail(key: str, value: Any) -> str:
    """The new value as JSON; not the value when the key looks secret."""
    if _SECRET_KEY.search(key):
        return "changed (a secret: value not logged)"
    return f"set to {json.dumps(value, ensure_ascii=False)}"


def read_log(db: Database, since: datetime | None = None) -> list[AuditEntry]:
    """Raw read, newest first; front ends use `panelist.services.audit.list_audit`."""
    rows = db.execute(
        "SELECT id, at, actor, actor_label, actor_email, action, subject, detail"
        " FROM audit_log WHERE at >= ? ORDER BY at DESC, id DESC",
        [to_text(since) if since is not None else ""],
    ).fetchall()
    return [AuditEntry(row[0], datetime.fromisoformat(row[1]), *row[2:]) for row in rows]
