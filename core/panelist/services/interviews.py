"""Interviews read for display (of an application; the user's upcoming ones); statuses are
derived here, once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from panelist.errors import NotFound
from panelist.models import (
    CandidateStatus,
    InterviewStatus,
    InterviewSummary,
    Method,
    ParticipantSummary,
    UnsentMail,
)
from panelist.permissions import can_view_application, visible_applications_sql
from panelist.providers.events import ResponseStatus
from panelist.services.applications import get_application
from panelist.storage.instants import to_text
from panelist.workspace import Workspace


def effective_status(stored: InterviewStatus, end: datetime, now: datetime) -> InterviewStatus:
    """A scheduled interview whose end has passed is Closed."""
    if stored is InterviewStatus.SCHEDULED and end <= now:
        return InterviewStatus.CLOSED
    return stored


def interviews_for_application(ws: Workspace, application_id: int) -> list[InterviewSummary]:
    get_application(ws, application_id)  # raises NotFound unless visible
    return _summaries(ws, "i.application_id = ? ORDER BY i.start_utc DESC", [application_id])


def upcoming_interviews(ws: Workspace, limit: int = 20) -> list[InterviewSummary]:
    """The user's scheduled interviews that have not ended (one in progress included), as
    organiser or participant, soonest first; only those whose application they may see."""
    visible, params = visible_applications_sql(ws.db, ws.user.id)
    where = f"""
        i.status = 'scheduled' AND i.end_utc > :now AND {visible}
        AND (i.organiser_id = :me OR EXISTS (SELECT 1 FROM interview_participants p
                                              WHERE p.interview_id = i.id AND p.employee_id = :me))
        ORDER BY i.start_utc, i.id LIMIT :limit
    """
    now = to_text(ws.clock.now())
    return _summaries(ws, where, {**params, "now": now, "me": ws.user.id, "limit": limit})


def _summaries(
    ws: Workspace, where: str, params: Sequence[object] | dict[str, object]
) -> list[InterviewSummary]:
    """Interviews read for display; `where` is the SQL after WHERE (with any ORDER BY), over
    aliases i (interviews) and a (applications). Callers check visibility."""
    rows = ws.db.execute(
        """
        SELECT i.id, i.application_id, coalesce(t.name, 'Interview'), o.name, i.start_utc,
               i.end_utc, i.timezone, i.method, i.video_provider, i.video_link, r.name,
               i.status, i.candidate_status, c.name, i.room_response
          FROM interviews i
          JOIN employees o ON o.id = i.organiser_id
          JOIN applications a ON a.id = i.application_id
          JOIN candidates c ON c.id = a.candidate_id
          LEFT JOIN interview_types t ON t.id = i.type_id
          LEFT JOIN rooms r ON r.id = i.room_id
         WHERE """
        + where,
        params,
    ).fetchall()
    now = ws.clock.now()
    return [_summary(ws, row, now) for row in rows]


def _summary(ws: Workspace, row: tuple[Any, ...], now: datetime) -> InterviewSummary:
    (
        iid,
        application_id,
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
        candidate_name,
        room_response,
    ) = row
    start_dt, end_dt = datetime.fromisoformat(start), datetime.fromisoformat(end)
    return InterviewSummary(
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
        candidate_name=candidate_name,
        unsent_mails=tuple(unsent_mails_of(ws.db, iid, now)),
        room_response=ResponseStatus(room_response),
    )


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


def unsent_mails(ws: Workspace, interview_id: int) -> list[UnsentMail]:
    """The interview's mails that did not go out, for anyone who may see its application."""
    row = ws.db.execute(
        "SELECT application_id FROM interviews WHERE id = ?", [interview_id]
    ).fetchone()
    if row is None or not can_view_application(ws.db, ws.user.id, row[0]):
        raise NotFound(f"interview {interview_id} not found")
    return unsent_mails_of(ws.db, interview_id, ws.clock.now())


# A mail row that failed, or that failed for now (pending with an error), unless a later
# row sends the same mail (a newer reminder, the invitation at the new time) or, for an
# invitation, the interview is no longer open: the candidate must not get it then.
_UNSENT_MAILS = """
SELECT o.id, json_extract(o.payload, '$.intent.purpose'), o.state, o.last_error,
       CASE WHEN o.target = 'mail:candidate' THEN c.name ELSE e.name END
  FROM outbox o
  JOIN interviews i ON i.id = o.interview_id
  JOIN applications a ON a.id = i.application_id
  JOIN candidates c ON c.id = a.candidate_id
  LEFT JOIN employees e ON e.id = json_extract(o.payload, '$.intent.recipient_id')
 WHERE o.interview_id = :interview AND o.kind = 'send_mail'
   AND (o.state = 'pending' AND o.last_error IS NOT NULL
        OR o.state = 'failed'
           AND NOT EXISTS (
               SELECT 1 FROM outbox n
                WHERE n.interview_id = o.interview_id AND n.target = o.target AND n.id > o.id
                  AND (json_extract(n.payload, '$.intent.purpose')
                       = json_extract(o.payload, '$.intent.purpose')
                       OR json_extract(n.payload, '$.intent.purpose') = 'candidate_reschedule'
                          AND json_extract(o.payload, '$.intent.purpose')
                              = 'candidate_invitation')
                  AND json_extract(n.payload, '$.intent.about_id')
                      IS json_extract(o.payload, '$.intent.about_id'))
           AND NOT (json_extract(o.payload, '$.intent.purpose')
                        IN ('candidate_invitation', 'candidate_reschedule')
                    AND (i.status != 'scheduled' OR i.end_utc <= :now)))
 ORDER BY o.id
"""


def unsent_mails_of(db: Database, interview_id: int, now: datetime) -> list[UnsentMail]:
    """What the Interviews tab shows and Retry sends again (callers check the rights)."""
    rows = db.execute(_UNSENT_MAILS, {"interview": interview_id, "now": to_text(now)}).fetchall()
    return [
        UnsentMail(
            row_id=row_id,
            purpose=purpose or "mail",
            recipient=recipient or "someone no longer in the directory",
            reason=error or "the mail was not sent",
            automatic=state == "pending",
        )
        for row_id, purpose, state, error, recipient in rows
    ]
