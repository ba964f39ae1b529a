"""The scheduling flow against a real Radicale: a small company whose interviewers and room
keep their calendars on the server, a real SMTP server (aiosmtpd) for the mail, and the
`caldav` library as "another calendar app" changing things on the server.

Northwind-on-CalDAV: Rosa (recruiter, organises), Sam and Ana (interviewers) and room
Amstel on Radicale, Piet (hiring manager) on the local calendar. Each test gets its own
Radicale user (``--auth-type none``: the Basic username is the user), so its calendars
``<user>/sam/``, ``<user>/ana/``, ``<user>/room-amstel/`` start empty.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
from smtp_helpers import Received
from sqlite_utils import Database

from panelist.clock import FrozenClock
from panelist.mail.transport import SmtpTransport
from panelist.models import Method, WorkingHours
from panelist.plugins import PluginRegistry
from panelist.scheduling import (
    InterviewRequest,
    ParticipantRequest,
    RetryPolicy,
    SchedulingService,
)
from panelist.services.directory import find_employee_by_email, set_setting
from panelist.storage.database import open_database
from panelist.workspace import Workspace
from panelist_caldav.testing import RadicaleServer, free_port

DOMAIN = "northwind.example"
TUESDAY_10 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
PASSWORD = "not-checked"  # Radicale runs with --auth-type none

# key: (name, calendar provider or None, company role); ids follow this order from 1
PEOPLE = {
    "rosa": ("Rosa Jansen", "caldav", "Recruiter"),
    "piet": ("Piet van Dijk", "local", "Hiring manager"),
    "sam": ("Sam Lee", "caldav", "Interviewer"),
    "ana": ("Ana Silva", "caldav", "Interviewer"),
}
CALDAV_CALENDARS = ("rosa", "sam", "ana", "room-amstel")

# CalDAV calls run in worker threads and the first one imports caldav: generous per call,
# yet short enough that an unreachable server is reported within a second or two.
RETRIES = RetryPolicy(
    budget_seconds=1.5,
    call_timeout_seconds=5.0,
    first_backoff_seconds=0.05,
    max_backoff_seconds=0.2,
)


def employee_id(key: str) -> int:
    return list(PEOPLE).index(key) + 1


def email(key: str) -> str:
    return f"{key}@{DOMAIN}"


class RestartableRadicale(RadicaleServer):
    """A Radicale that comes back on the same port after `stop()`, as a restarted server would."""

    def _pick_port(self) -> int:
        if not self.port:
            self.port = free_port()
        return self.port


@dataclass
class Company:
    """The company's database file, its Radicale account and the mail it sent."""

    db_path: Path
    server: RadicaleServer
    user: str
    mail: Received

    def calendar_id(self, key: str) -> str:
        return f"{self.user}/{key}/"

    # ------------------------------------------------------------------ the server's view

    def other_client(self) -> Any:
        """The `caldav` library as another calendar app of the same account."""
        from caldav.davclient import DAVClient

        return DAVClient(url=self.server.url, username=self.user, password=PASSWORD)

    def objects(self, key: str) -> dict[str, icalendar.Calendar]:
        """Every calendar object resource in a calendar, by href, as another client lists them."""
        with self.other_client() as client:
            calendar = client.calendar(url=self.server.url + self.calendar_id(key))
            return {
                str(obj.url.path): icalendar.Calendar.from_ical(obj.data)
                for obj in calendar.events()
            }  # not objects(): its sync-collection also lists deleted hrefs (without data)

    def event(self, key: str) -> tuple[str, icalendar.Component]:
        """The only resource of a calendar and its VEVENT."""
        found = self.objects(key)
        assert len(found) == 1, f"{key}: {sorted(found)}"
        ((href, calendar),) = found.items()
        (vevent,) = calendar.walk("VEVENT")
        return href, vevent

    def set_partstat(self, key: str, uid: str, attendee: str, partstat: str) -> None:
        """`attendee` answers in their own calendar app: PARTSTAT changed on the server."""
        with self.other_client() as client:
            calendar = client.calendar(url=self.server.url + self.calendar_id(key))
            obj = calendar.event_by_uid(uid)
            component = obj.icalendar_component
            for prop in _as_list(component.get("ATTENDEE")):
                if str(prop).lower() == f"mailto:{attendee}".lower():
                    prop.params["PARTSTAT"] = partstat
                    prop.params.pop("RSVP", None)
            obj.save()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def build_company(
    server: RadicaleServer, folder: Path, registry: PluginRegistry, mail: Received
) -> Company:
    user = f"nw{uuid.uuid4().hex[:10]}"
    for name in CALDAV_CALENDARS:
        server.make_calendar(user, name, password=PASSWORD)
    company = Company(folder / "northwind.db", server, user, mail)
    db = open_database(company.db_path, registry.migrations)
    try:
        with db.atomic():
            _fill(db, company)
    finally:
        db.close()
    return company


def _fill(db: Database, company: Company) -> None:
    roles = dict(db.execute("SELECT name, id FROM recruiting_roles").fetchall())
    hours = WorkingHours.office().to_json()
    for n, (key, (name, provider, role)) in enumerate(PEOPLE.items(), start=1):
        calendar = company.calendar_id(key) if provider == "caldav" else email(key)
        db.table("employees").insert(
            {
                "id": n,
                "email": email(key),
                "name": name,
                "timezone": "Europe/Amsterdam",
                "working_hours": hours,
                "calendar_provider": provider,
                "calendar_id": calendar,
                "company_role_id": roles[role],
            }
        )
    db.table("rooms").insert(
        {
            "id": 1,
            "name": "Amstel",
            "capacity": 6,
            "location": "Keizersgracht 1, Amsterdam",
            "calendar_provider": "caldav",
            "calendar_id": company.calendar_id("room-amstel"),
        }
    )
    for key, value in {
        "url": company.server.url,
        "username": company.user,
        "auth_type": "basic",
        "timeout": "5",
    }.items():
        db.table("provider_settings").insert({"provider": "caldav", "key": key, "value": value})
    db.table("jobs").insert(
        {"id": 1, "title": "Senior Backend Engineer", "department": "Engineering"}
    )
    for key, role in (("rosa", "Recruiter"), ("piet", "Hiring manager")):
        db.table("job_responsibles").insert(
            {"job_id": 1, "employee_id": employee_id(key), "role_id": roles[role]}
        )
    db.table("candidates").insert(
        {"id": 1, "name": "Daan de Jong", "email": "daan@candidate.example",
         "timezone": "America/New_York"}
    )  # fmt: skip
    db.table("applications").insert(
        {"id": 1, "candidate_id": 1, "job_id": 1, "stage": "interview", "applied_on": "2026-11-01"}
    )
    db.table("evaluation_forms").insert(
        {"id": 1, "name": "Technical evaluation", "questions": json.dumps(["Code?"])}
    )
    db.table("interview_types").insert(
        {"id": 1, "name": "Technical interview", "duration_minutes": 60,
         "default_method": "video", "evaluation_form_id": 1}
    )  # fmt: skip
    db.table("video_accounts").insert(
        {"employee_id": employee_id("sam"), "provider": "jitsi", "account": email("sam"),
         "verified_at": "2026-10-01T00:00:00+00:00"}
    )  # fmt: skip
    set_setting(db, "company_name", "Northwind")
    set_setting(db, "company_timezone", "Europe/Amsterdam")
    set_setting(db, "mail_from", f"Northwind Recruiting <jobs@{DOMAIN}>")
    set_setting(db, "application_base_url", "https://ats.northwind.example/applications/")


def open_service(
    company: Any,
    registry: PluginRegistry,
    clock: FrozenClock,
    smtp_port: int,
    *,
    retry: RetryPolicy = RETRIES,
    **kwargs: Any,
) -> SchedulingService:
    """A session as Rosa on `company` (this one, or its Google or Microsoft twin: anything
    with a `db_path`): its own workspace, so its own provider instances."""
    db = open_database(company.db_path, registry.migrations)
    user = find_employee_by_email(db, email("rosa"))
    assert user is not None
    ws = Workspace(db, company.db_path, registry, clock, user)
    transport = SmtpTransport("127.0.0.1", smtp_port, security="none", timeout=5)
    return SchedulingService(ws, transport, retry=retry, **kwargs)


class NoServer:
    """What `_fill` asks of a company when its calendars are moved elsewhere after."""

    server = type("Server", (), {"url": "http://127.0.0.1:9/"})()
    user = "unused"

    def calendar_id(self, key: str) -> str:
        return f"unused/{key}/"


async def aclose_service(service: SchedulingService) -> None:
    await service.ws.calendar_provider("caldav").aclose()
    service.ws.close()


INTERVIEWER_ROLE = 4


def flow_request(*people: str, room: bool = True, **extra: object) -> InterviewRequest:
    """A video interview Rosa organises at TUESDAY_10 for an hour, Sam hosting; `extra`
    overrides any field (the video provider, notes …)."""
    fields: dict[str, object] = {
        "application_id": 1,
        "organiser_id": employee_id("rosa"),
        "participants": tuple(ParticipantRequest(employee_id(p), INTERVIEWER_ROLE) for p in people),
        "start": TUESDAY_10,
        "end": TUESDAY_10 + timedelta(hours=1),
        "method": Method.VIDEO,
        "type_id": 1,
        "room_id": 1 if room else None,
        "video_provider": "jitsi",
        "video_host_id": employee_id("sam"),
    }
    return InterviewRequest(**(fields | extra))  # type: ignore[arg-type]
