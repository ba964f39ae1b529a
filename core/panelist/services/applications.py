"""Applications as a recruiter browses them; every read is filtered by the user's rights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from panelist.errors import NotFound
from panelist.models import ApplicationSummary, Stage
from panelist.permissions import can_view_application, visible_applications_sql
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
