"""A small company for the scheduling tests, built into a real SQLite file.

Northwind: Rosa (recruiter, organises), Piet (hiring manager), interviewers Sam and
Ana on the local calendar, Fenna on the flaky calendar, Nadia without an integrated
calendar, Olga (a recruiter not responsible for the job) and eight more interviewers
for the wide panels. Two rooms on the local calendar, one on the flaky one. Jitsi
hosts: Rosa, Sam, Piet; Ana started a Jitsi sign-up that is not verified.
"""

from __future__ import annotations

import getpass
import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email import policy as mail_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import scheduling_providers
from smtp_helpers import Received
from sqlite_utils import Database

from panelist.clock import FrozenClock
from panelist.mail.templates import save_template
from panelist.models import Method, WorkingHours
from panelist.plugins import PluginRegistry, build_registry
from panelist.scheduling import InterviewRequest, ParticipantRequest, RetryPolicy
from panelist.services.directory import find_employee_by_email, set_setting
from panelist.storage.database import open_database
from panelist.workspace import Workspace

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday; as in tests/conftest.py
TUESDAY_10 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
DOMAIN = "northwind.example"

PEOPLE = {
    # key: (name, zone, calendar provider, company role)
    "rosa": ("Rosa Jansen", "Europe/Amsterdam", "local", "Recruiter"),
    "piet": ("Piet van Dijk", "Europe/Amsterdam", "local", "Hiring manager"),
    "sam": ("Sam Lee", "Europe/London", "local", "Interviewer"),
    "ana": ("Ana Silva", "Europe/Lisbon", "local", "Interviewer"),
    "fenna": ("Fenna Bos", "Europe/Amsterdam", "flaky", "Interviewer"),
    "nadia": ("Nadia Haddad", "Europe/Amsterdam", None, "Interviewer"),
    "olga": ("Olga Petrova", "Europe/Amsterdam", "local", "Recruiter"),
    "eve": ("Eve Employee", "Europe/Amsterdam", "local", "Employee"),
    **{
        f"i{n}": (f"Interviewer {n}", "Europe/Amsterdam", "local", "Interviewer")
        for n in range(1, 9)
    },
}
ROOMS = {"amstel": ("Amstel", 6, "local"), "maas": ("Maas", 2, "local"), "ij": ("IJ", 8, "flaky")}


def registry() -> PluginRegistry:
    return build_registry(extra_plugins=[("scheduling-test", scheduling_providers.plugin())])


def email(key: str) -> str:
    return f"{key}@{DOMAIN}"


def calendar_id(key: str) -> str:
    return email(key)


def build_company(path: Path, reg: PluginRegistry) -> None:
    db = open_database(path, reg.migrations)
    try:
        with db.atomic():
            _fill(db)
        with db.ensure_autocommit_on():
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def _fill(db: Database) -> None:
    roles = dict(db.execute("SELECT name, id FROM recruiting_roles").fetchall())
    hours = WorkingHours.office().to_json()
    for n, (key, (name, zone, provider, role)) in enumerate(PEOPLE.items(), start=1):
        db.table("employees").insert(
            {
                "id": n,
                "email": email(key),
                "name": name,
                "timezone": zone,
                "working_hours": hours,
                "calendar_provider": provider,
                "calendar_id": calendar_id(key) if provider else None,
                "company_role_id": roles[role],
            }
        )
    for n, (key, (name, seats, provider)) in enumerate(ROOMS.items(), start=1):
        db.table("rooms").insert(
            {
                "id": n,
                "name": name,
                "capacity": seats,
                "location": "Keizersgracht 1, Amsterdam",
                "calendar_provider": provider,
                "calendar_id": f"room:{key}",
            }
        )
    db.table("jobs").insert(
        {"id": 1, "title": "Senior Backend Engineer", "department": "Engineering"}
    )
    for key, role in (("rosa", "Recruiter"), ("piet", "Hiring manager")):
        db.table("job_responsibles").insert(
            {"job_id": 1, "employee_id": employee_id(key), "role_id": roles[role]}
        )
    db.table("candidates").insert(
        {
            "id": 1,
            "name": "Daan de Jong",
            "email": "daan@candidate.example",
            "timezone": "America/New_York",
        }
    )
    db.table("applications").insert(
        {"id": 1, "candidate_id": 1, "job_id": 1, "stage": "interview", "applied_on": "2026-11-01"}
    )
    db.table("evaluation_forms").insert(
        {"id": 1, "name": "Technical evaluation", "questions": json.dumps(["Code?"])}
    )
    db.table("interview_types").insert(
        {
            "id": 1,
            "name": "Technical interview",
            "duration_minutes": 60,
            "default_method": "video",
            "evaluation_form_id": 1,
        }
    )
    for key in ("rosa", "sam", "piet"):
        db.table("video_accounts").insert(
            {
                "employee_id": employee_id(key),
                "provider": "jitsi",
                "account": email(key),
                "verified_at": "2026-10-01T00:00:00+00:00",
            }
        )
    db.table("video_accounts").insert(
        {
            "employee_id": employee_id("ana"),
            "provider": "jitsi",
            "account": email("ana"),
            "verified_at": None,
        }
    )
    for key in ("rosa", "sam"):
        db.table("video_accounts").insert(
            {
                "employee_id": employee_id(key),
                "provider": "strict",
                "account": email(key),
                "verified_at": "2026-10-01T00:00:00+00:00",
            }
        )
    set_setting(db, "company_name", "Northwind")
    set_setting(db, "company_timezone", "Europe/Amsterdam")
    set_setting(db, "mail_from", f"Northwind Recruiting <jobs@{DOMAIN}>")
    set_setting(db, "application_base_url", "https://ats.northwind.example/applications/")
    save_template(
        db,
        "Invitation (English)",
        "candidate_invitation",
        "Your {{ interview.type | lower }} at {{ company.name }}",
        "Dear {{ candidate.name }},\n\nWe look forward to meeting you on {{ interview.start_candidate }}"
        " ({{ interview.start_local }} for us).\n{% if interview.video_link %}Video call: {{ interview.video_link }}\n"
        "{% endif %}\n{{ organiser.name }}\n",
    )


def employee_id(key: str) -> int:
    return list(PEOPLE).index(key) + 1


def room_id(key: str) -> int:
    return list(ROOMS).index(key) + 1


def map_os_account(path: Path, key: str) -> None:
    """Map this OS account to `key`'s employee: a subprocess may then name them with --as
    (only an Admin's OS account may name someone else)."""
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "UPDATE employees SET os_user = ? WHERE email = ?", [getpass.getuser(), email(key)]
        )


def copy_company(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    return target


def workspace(
    path: Path, reg: PluginRegistry, clock: FrozenClock, as_key: str = "rosa"
) -> Workspace:
    db = open_database(path, reg.migrations)
    user = find_employee_by_email(db, email(as_key))
    assert user is not None
    return Workspace(db, path, reg, clock, user)


def request(
    *people: str,
    start: datetime = TUESDAY_10,
    minutes: int = 60,
    method: Method = Method.IN_PERSON,
    room: str | None = None,
    host: str | None = None,
    video: str = "jitsi",
    organiser: str = "rosa",
    roles: dict[str, int | None] | None = None,
    **extra: Any,
) -> InterviewRequest:
    """An interview for Daan's application; Interviewer role (id 4) unless `roles` says otherwise."""
    roles = roles or {}
    return InterviewRequest(
        application_id=1,
        organiser_id=employee_id(organiser),
        participants=tuple(ParticipantRequest(employee_id(p), roles.get(p, 4)) for p in people),
        start=start,
        end=start + timedelta(minutes=minutes),
        method=method,
        type_id=1,
        room_id=room_id(room) if room else None,
        video_provider=video if method is Method.VIDEO else None,
        video_host_id=employee_id(host) if host else None,
        **extra,
    )


def local_rows(db: Database, like: str = "interview-%") -> list[dict[str, Any]]:
    """The local calendar's rows made by interviews (their idempotency keys say so)."""
    rows = db.execute(
        "SELECT calendar_id, uid, idempotency_key, deleted, data FROM local_events"
        " WHERE idempotency_key LIKE ? ORDER BY idempotency_key",
        [like],
    ).fetchall()
    return [
        {"calendar_id": c, "uid": u, "key": k, "deleted": bool(d), "data": json.loads(data)}
        for c, u, k, d, data in rows
    ]


def outbox_rows(db: Database, interview_id: int) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT key, kind, state, attempts, result, last_error FROM outbox WHERE interview_id = ? ORDER BY id",
        [interview_id],
    ).fetchall()
    return [
        {
            "key": k,
            "kind": kind,
            "state": s,
            "attempts": a,
            "result": json.loads(r) if r else None,
            "error": e,
        }
        for k, kind, s, a, r, e in rows
    ]


# Tests wait for real retries: keep them short, but long enough for several attempts.
FAST_RETRIES = RetryPolicy(
    budget_seconds=0.6,
    call_timeout_seconds=0.2,
    first_backoff_seconds=0.02,
    max_backoff_seconds=0.1,
)


def read_maildir(path: Path) -> list[EmailMessage]:
    """Every mail delivered, parsed as a mail client would, oldest first by name."""
    found = []
    for file in sorted((path / "new").iterdir()) if (path / "new").exists() else []:
        parsed = message_from_bytes(file.read_bytes(), policy=mail_policy.default)
        assert isinstance(parsed, EmailMessage)
        found.append(parsed)
    return found


@dataclass
class SmtpServer:
    host: str
    port: int
    received: Received
