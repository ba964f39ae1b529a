"""Applications as a recruiter browses them; every read is filtered by the user's rights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from panelist import audit
from panelist.errors import NotFound, PermissionDenied, ValidationError
from panelist.models import ApplicationSummary, Stage
from panelist.permissions import (
    Right,
    can_view_application,
    company_rights,
    job_role_rights,
    visible_applications_sql,
)
from panelist.storage.transaction import immediate
from panelist.text import email_address, plain_text_problem
from panelist.timezones import zone_or_none
from panelist.workspace import Workspace

_SELECT = """
SELECT a.id, c.name, c.email, j.id, j.title, a.stage, a.applied_on,
       (SELECT count(*) FROM interviews i WHERE i.application_id = a.id)
  FROM applications a
  JOIN candidates c ON c.id = a.candidate_id
  JOIN jobs j ON j.id = a.job_id
"""


@dataclass(frozen=True)
class ApplicationFilter:
    search: str = ""
    job_id: int | None = None
    stage: Stage | None = None


def _summary(row: tuple[Any, ...]) -> ApplicationSummary:
    app_id, name, email, job_id, title, stage, applied_on, count = row
    return ApplicationSummary(
        id=app_id,
        candidate_name=name,
        candidate_email=email,
        job_id=job_id,
        job_title=title,
        stage=Stage(stage),
        applied_on=applied_on,
        interview_count=count,
    )


def list_applications(
    ws: Workspace, query: ApplicationFilter = ApplicationFilter()
) -> list[ApplicationSummary]:
    visible, params = visible_applications_sql(ws.db, ws.user.id)
    where = [visible]
    if query.search.strip():
        where.append("(c.name LIKE :search OR c.email LIKE :search OR j.title LIKE :search)")
        params["search"] = f"%{query.search.strip()}%"
    if query.job_id is not None:
        where.append("a.job_id = :job")
        params["job"] = query.job_id
    if query.stage is not None:
        where.append("a.stage = :stage")
        params["stage"] = query.stage.value
    sql = f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY a.applied_on DESC, a.id"
    return [_summary(row) for row in ws.db.execute(sql, params).fetchall()]


def get_application(ws: Workspace, application_id: int) -> ApplicationSummary:
    """One application; `NotFound` also when the user may not see it (no existence leak)."""
    row = ws.db.execute(f"{_SELECT} WHERE a.id = ?", [application_id]).fetchone()
    if row is None or not can_view_application(ws.db, ws.user.id, application_id):
        raise NotFound(f"application {application_id} not found")
    return _summary(row)


def list_jobs(ws: Workspace) -> list[tuple[int, str]]:
    """(id, title) of the jobs that have applications this user may see."""
    visible, params = visible_applications_sql(ws.db, ws.user.id)
    rows = ws.db.execute(
        f"SELECT DISTINCT j.id, j.title FROM applications a JOIN jobs j ON j.id = a.job_id"
        f" WHERE {visible} ORDER BY j.title",
        params,
    ).fetchall()
    return [(int(job_id), str(title)) for job_id, title in rows]


# --------------------------------------------------------------------------- adding


@dataclass(frozen=True)
class NewApplication:
    """A candidate's application as a recruiter types it in (the HR suite's import does
    the same in bulk: `panelist import applications`)."""

    job_id: int
    name: str
    email: str
    timezone: str = ""


def jobs_open_to(ws: Workspace) -> list[tuple[int, str]]:
    """(id, title) of the open jobs the user may add applications to, by title."""
    company = company_rights(ws.db, ws.user.id)
    held = job_role_rights(ws.db, ws.user.id)
    rows = ws.db.execute("SELECT id, title FROM jobs WHERE status = 'open' ORDER BY title")
    return [(int(i), str(t)) for i, t in rows.fetchall() if _may_add(company, held.get(int(i)))]


def _may_add(company: frozenset[Right], job: frozenset[Right] | None) -> bool:
    """Adding takes scheduling and seeing the job's applications, company-wide or through
    the role held in the job's team (`job`)."""
    job = job or frozenset()
    sees = Right.VIEW_ALL_APPLICATIONS in company or Right.VIEW_APPLICATION in job
    return sees and Right.SCHEDULE_INTERVIEWS in company | job


def add_application(ws: Workspace, wanted: NewApplication) -> int:
    """Add the candidate (or find them by email) and their application to an open job.
    Refused, with the field named, when a value is wrong or the candidate applied already."""
    company = company_rights(ws.db, ws.user.id)
    if not _may_add(company, job_role_rights(ws.db, ws.user.id).get(wanted.job_id)):
        raise PermissionDenied("your recruiting role does not allow adding applications here")
    name = _plain(wanted.name, "name")
    try:
        email = email_address(_plain(wanted.email, "email"))
    except ValueError as exc:
        raise ValidationError(f"email: {exc}", field="email") from None
    zone = wanted.timezone.strip() or None
    if zone is not None and zone_or_none(zone) is None:
        raise ValidationError(f"time zone: unknown zone {zone!r}", field="timezone")
    with immediate(ws.db):
        job = ws.db.execute("SELECT status FROM jobs WHERE id = ?", [wanted.job_id]).fetchone()
        if job is None or job[0] != "open":
            raise ValidationError("job: choose an open job", field="job")
        candidate_id = _candidate(ws, name, email, zone)
        if ws.db.execute(
            "SELECT 1 FROM applications WHERE candidate_id = ? AND job_id = ?",
            [candidate_id, wanted.job_id],
        ).fetchone():
            raise ValidationError(f"{email} has applied for this job already", field="email")
        application_id = int(
            ws.db.execute(
                "INSERT INTO applications (candidate_id, job_id, stage, applied_on)"
                " VALUES (?, ?, 'new', ?)",
                [candidate_id, wanted.job_id, ws.clock.now().date().isoformat()],
            ).lastrowid
            or 0
        )
        audit.record_by(
            ws,
            audit.Action.IMPORT,
            f"application {application_id}",
            f"added by hand, job {wanted.job_id}",
        )
    return application_id


def _plain(value: str, what: str) -> str:
    text = value.strip()
    problem = "must not be empty" if not text else plain_text_problem(text)
    if problem:
        raise ValidationError(f"{what}: {problem}", field=what)
    return text


def _candidate(ws: Workspace, name: str, email: str, zone: str | None) -> int:
    """The candidate with this email (the same person: the same name), else a new one."""
    found = ws.db.execute(
        "SELECT id, name FROM candidates WHERE email = ? COLLATE NOCASE", [email]
    ).fetchone()
    if found is None:
        cursor = ws.db.execute(
            "INSERT INTO candidates (name, email, timezone) VALUES (?, ?, ?)", [name, email, zone]
        )
        return int(cursor.lastrowid or 0)
    if found[1].casefold() != name.casefold():
        raise ValidationError(
            f"email: {email} belongs to the candidate {found[1]!r}", field="email"
        )
    return int(found[0])
