"""Interviews of an application, read for display; statuses are derived here, once."""

from __future__ import annotations

from datetime import datetime

from panelist.models import (
    CandidateStatus,
    InterviewStatus,
    InterviewSummary,
    Method,
    ParticipantSummary,
)
from panelist.providers.events import ResponseStatus
from panelist.services.applications import get_application
from panelist.workspace import Workspace


def effective_status(stored: InterviewStatus, end: datetime, now: datetime) -> InterviewStatus:
    """A scheduled interview whose end has passed is Closed."""
    if stored is InterviewStatus.SCHEDULED and end <= now:
        return InterviewStatus.CLOSED
    return stored


def interviews_for_application(ws: Workspace, application_id: int) -> list[InterviewSummary]:
    get_application(ws, application_id)  # raises NotFound unless visible
    rows = ws.db.execute(
        """
        SELECT i.id, coalesce(t.name, 'Interview'), o.name, i.start_utc, i.end_utc, i.timezone,
               i.method, i.video_provider, i.video_link, r.name, i.status, i.candidate_status
          FROM interviews i
          JOIN employees o ON o.id = i.organiser_id
          LEFT JOIN interview_types t ON t.id = i.type_id
          LEFT JOIN rooms r ON r.id = i.room_id
         WHERE i.application_id = ?
         ORDER BY i.start_utc DESC
        """,
        [application_id],
    ).fetchall()
    now = ws.clock.now()
    result = []
    for row in rows:
        (
            iid,
            type_name,
            organiser,
            start,
            end,
            tz,
            method,
            provider,
            link,
            room,
            status,
            candidate_status,
        ) = row
        start_dt, end_dt = datetime.fromisoformat(start), datetime.fromisoformat(end)
        result.append(
            InterviewSummary(
                id=iid,
                application_id=application_id,
                type_name=type_name,
                organiser_name=organiser,
                start=start_dt,
                end=end_dt,
                timezone=tz,
                method=Method(method),
                video_provider=provider,
                video_link=link,
                room_name=room,
                status=effective_status(InterviewStatus(status), end_dt, now),
                candidate_status=CandidateStatus(candidate_status),
                participants=_participants(ws, iid),
            )
        )
    return result


def _participants(ws: Workspace, interview_id: int) -> tuple[ParticipantSummary, ...]:
    rows = ws.db.execute(
        """
        SELECT e.id, e.name, r.name, p.response, e.calendar_provider IS NOT NULL
          FROM interview_participants p
          JOIN employees e ON e.id = p.employee_id
          JOIN recruiting_roles r ON r.id = p.role_id
         WHERE p.interview_id = ? ORDER BY e.name
        """,
        [interview_id],
    ).fetchall()
    return tuple(
        ParticipantSummary(eid, name, role, ResponseStatus(response), bool(integrated))
        for eid, name, role, response, integrated in rows
    )
