"""What the interview form offers: read-only choices for one application (SPEC §2.2–2.8).

The form decides nothing itself; it asks here which types, organisers, roles, rooms,
forms and video providers to offer, and asks the scheduling service which rules the
request breaks.
"""

from __future__ import annotations

from dataclasses import dataclass

from panelist.errors import NotFound
from panelist.models import Employee, Method, Room
from panelist.services.applications import get_application
from panelist.services.directory import get_employee, list_employees, list_rooms
from panelist.workspace import Workspace

MAX_SEARCH_RESULTS = 20


@dataclass(frozen=True)
class InterviewType:
    id: int
    name: str
    duration_minutes: int
    method: Method
    evaluation_form_id: int | None
    reminder_after_minutes: int | None = None
    """The evaluation reminder the type suggests, minutes after the end (None: none)."""


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


@dataclass(frozen=True)
class VideoChoice:
    provider: str
    name: str


@dataclass(frozen=True)
class FormChoices:
    """Everything the form's selects offer for one application."""

    application_id: int
    job_title: str
    candidate_name: str
    candidate_timezone: str | None
    types: tuple[InterviewType, ...]
    organisers: tuple[Employee, ...]
    """The people responsible for the job: only they may organise its interviews."""
    default_organiser_id: int | None
    """The user when they are responsible, else the first responsible."""
    roles: tuple[Choice, ...]
    default_role_id: int | None
    """The role a newly added participant starts with ("Interviewer" when it exists)."""
    rooms: tuple[Room, ...]
    forms: tuple[Choice, ...]


def form_choices(ws: Workspace, application_id: int) -> FormChoices:
    """The choices for a new interview on `application_id` (NotFound unless visible)."""
    application = get_application(ws, application_id)
    db = ws.db
    types = tuple(
        InterviewType(int(tid), str(name), int(minutes), Method(method), form, reminder)
        for tid, name, minutes, method, form, reminder in db.execute(
            "SELECT id, name, duration_minutes, default_method, evaluation_form_id,"
            " reminder_after_minutes FROM interview_types ORDER BY id"
        ).fetchall()
    )
    organisers = tuple(
        get_employee(db, int(eid))
        for (eid,) in db.execute(
            "SELECT e.id FROM job_responsibles jr JOIN employees e ON e.id = jr.employee_id"
            " WHERE jr.job_id = ? AND e.active ORDER BY e.name",
            [application.job_id],
        ).fetchall()
    )
    ids = [person.id for person in organisers]
    default_organiser = ws.user.id if ws.user.id in ids else (ids[0] if ids else None)
    roles = tuple(
        Choice(int(rid), str(name))
        for rid, name in db.execute("SELECT id, name FROM recruiting_roles ORDER BY name")
    )
    default_role = next((r.id for r in roles if r.name.casefold() == "interviewer"), None)
    forms = tuple(
        Choice(int(fid), str(name))
        for fid, name in db.execute("SELECT id, name FROM evaluation_forms ORDER BY name")
    )
    return FormChoices(
        application_id=application_id,
        job_title=application.job_title,
        candidate_name=application.candidate_name,
        candidate_timezone=candidate_timezone(ws, application_id),
        types=types,
        organisers=organisers,
        default_organiser_id=default_organiser,
        roles=roles,
        default_role_id=default_role,
        rooms=tuple(list_rooms(db)),
        forms=forms,
    )


def search_participants(
    ws: Workspace, text: str, exclude: tuple[int, ...] = (), limit: int = MAX_SEARCH_RESULTS
) -> list[Employee]:
    """Active employees whose name or email contains `text` (nothing for blank text)."""
    if not text.strip():
        return []
    found = [p for p in list_employees(ws.db, text[:200]) if p.id not in exclude]
    return found[:limit]


def video_choices(ws: Workspace, host_id: int | None) -> list[VideoChoice]:
    """The video providers installed here at which `host_id` is a verified user (SPEC §2.6)."""
    if host_id is None:
        return []
    rows = ws.db.execute(
        "SELECT provider FROM video_accounts WHERE employee_id = ? AND verified_at IS NOT NULL"
        " ORDER BY provider",
        [host_id],
    ).fetchall()
    installed = ws.registry.conference_providers
    return [
        VideoChoice(str(provider), installed[provider].display_name)
        for (provider,) in rows
        if provider in installed
    ]


def candidate_timezone(ws: Workspace, application_id: int) -> str | None:
    """The candidate's own zone, when known (the Interviews tab shows their local time too)."""
    get_application(ws, application_id)  # NotFound unless visible
    row = ws.db.execute(
        "SELECT c.timezone FROM applications a JOIN candidates c ON c.id = a.candidate_id"
        " WHERE a.id = ?",
        [application_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"application {application_id} not found")
    return str(row[0]) if row[0] else None
