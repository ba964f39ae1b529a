"""Employees, rooms and company settings: reading them as core models."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from panelist.errors import ConfigurationError, NotFound
from panelist.models import Employee, Room, WorkingHours

# Company settings and their defaults; values are stored as JSON in `settings`.
SETTING_DEFAULTS: dict[str, Any] = {
    "company_name": "Panelist",
    "company_timezone": "Europe/Amsterdam",
    "holiday_country": "NL",
    "holiday_subdivision": None,
    "show_private_event_names": False,
    "application_base_url": "panelist://application/",
    # Smart scheduling links: their base URL ({base}/s/{token}; None: application_base_url
    # when it is http(s), else `panelist serve`'s default) and whether the candidate's page
    # names the interviewers (first names only).
    "links_base_url": None,
    "links_show_interviewers": False,
    # True in a database built by `panelist demo`, which may then be rebuilt freely.
    "demo": False,
    # Outgoing mail (panelist.mail). "maildir" writes into a local Maildir, needing no server.
    "mail_transport": "maildir",
    "maildir_path": None,  # None: beside the database, <stem>-outbox (mail.transport)
    "mail_from": "Panelist <panelist@example.com>",
    "mail_timeout_s": 30,
    "smtp_host": None,
    "smtp_port": 587,
    "smtp_security": "starttls",  # "starttls", "tls" (implicit TLS, port 465) or "none"
    "smtp_username": None,  # the password is a secret: PANELIST_SMTP_PASSWORD or the keyring
    # Scheduling (panelist.scheduling): how long one calendar/meeting/mail side effect keeps
    # retrying before the recruiter is told (the outbox keeps it for later), and one call's limit.
    "provider_retry_budget_s": 30,
    "provider_call_timeout_s": 20,
    # The calendar cache (panelist.calendars): calendars on screen older than this are synced.
    "calendar_freshness_seconds": 60,
    # How long a video provider's verdict on a host is trusted before it is asked again.
    "host_verification_ttl_hours": 24,
    # How long a process may hold outbox rows before another takes them over (a dead one's at once).
    "outbox_claim_minutes": 10,
    # Evaluation reminders when an interview has a form but names no policy of its own.
    "evaluation_reminder_policy": {
        "first_after_minutes": 60,
        "repeat_every_minutes": 1440,
        "max_reminders": 3,
    },
}


def get_setting(db: Database, key: str) -> Any:
    if key not in SETTING_DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else SETTING_DEFAULTS[key]


def set_setting(db: Database, key: str, value: Any) -> None:
    if key not in SETTING_DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    db.table("settings").upsert({"key": key, "value": json.dumps(value)}, pk="key")


def positive_setting(db: Database, key: str) -> float:
    """A numeric setting that must be above zero (timeouts, ports, budgets)."""
    value = get_setting(db, key)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"setting {key}: {value!r} is not a number") from None
    if not number > 0:
        raise ConfigurationError(f"setting {key}: must be more than 0, got {value!r}")
    return number


def providers_with_settings(db: Database) -> set[str]:
    """The provider ids that have settings here (set up, as far as the database knows)."""
    return {str(p) for (p,) in db.execute("SELECT DISTINCT provider FROM provider_settings")}


def provider_settings(db: Database, provider_id: str) -> dict[str, str]:
    rows = db.execute(
        "SELECT key, value FROM provider_settings WHERE provider = ?", [provider_id]
    ).fetchall()
    return dict(rows)


def employee_from_row(row: dict[str, Any]) -> Employee:
    return Employee(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        timezone=row["timezone"],
        working_hours=WorkingHours.from_json(row["working_hours"]),
        calendar_provider=row["calendar_provider"],
        calendar_id=row["calendar_id"],
        company_role_id=row["company_role_id"],
    )


def get_employee(db: Database, employee_id: int) -> Employee:
    rows = list(db.table("employees").rows_where("id = ?", [employee_id]))
    if not rows:
        raise NotFound(f"no employee with id {employee_id}")
    return employee_from_row(rows[0])


def find_employee_by_email(db: Database, email: str) -> Employee | None:
    rows = list(db.table("employees").rows_where("email = ? COLLATE NOCASE", [email.strip()]))
    return employee_from_row(rows[0]) if rows else None


def find_employee_by_os_user(db: Database, os_user: str) -> Employee | None:
    rows = list(db.table("employees").rows_where("os_user = ?", [os_user]))
    return employee_from_row(rows[0]) if rows else None


def list_employees(db: Database, search: str = "") -> list[Employee]:
    like = f"%{search.strip()}%"
    return [
        employee_from_row(row)
        for row in db.table("employees").rows_where(
            "active AND (name LIKE ? OR email LIKE ?)", [like, like], order_by="name"
        )
    ]


def list_rooms(db: Database) -> list[Room]:
    return [
        Room(
            id=row["id"],
            name=row["name"],
            capacity=row["capacity"],
            location=row["location"],
            calendar_provider=row["calendar_provider"],
            calendar_id=row["calendar_id"],
        )
        for row in db.table("rooms").rows_where(order_by="name")
    ]
