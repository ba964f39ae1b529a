"""An interview as the scheduling service reads it: the row and everything around it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from panelist.errors import NotFound
from panelist.models import CandidateStatus, Employee, InterviewStatus, Method, Room
from panelist.permissions import can_view_application
from panelist.providers.events import ResponseStatus
from panelist.scheduling.requests import ReminderPolicy
from panelist.services.directory import employee_from_row, get_employee
from panelist.storage.instants import from_text
from panelist.workspace import Workspace


@dataclass(frozen=True)
class ParticipantRecord:
    employee: Employee
    role_id: int
    response: ResponseStatus


@dataclass(frozen=True)
class InterviewRecord:
    id: int
    application_id: int
    job_id: int
    job_title: str
    candidate_name: str
    candidate_email: str
    candidate_timezone: str | None
    type_name: str
    organiser: Employee
    participants: tuple[ParticipantRecord, ...]
    start: datetime
    end: datetime
    timezone: str
    room: Room | None
    method: Method
    video_provider: str | None
    video_host: Employee | None
    video_link: str | None
    notes: str
    evaluation_form_id: int | None
    form_name: str | None
    reminder_policy: ReminderPolicy | None
    status: InterviewStatus
    candidate_status: CandidateStatus
    sequence: int
    room_response: ResponseStatus = ResponseStatus.NEEDS_ACTION
    """The room's answer, where the room answers (a resource attendee at a scheduling server)."""

    def participant(self, employee_id: int) -> ParticipantRecord:
        for participant in self.participants:
            if participant.employee.id == employee_id:
                return participant
        raise NotFound(f"employee {employee_id} does not take part in interview {self.id}")

    @property
    def location(self) -> str:
        """Where it happens, as an invitation names it."""
        if self.method is Method.VIDEO:
            return "Video call"
        if self.method is Method.PHONE:
            return "Phone"
        if self.room is None:
            return ""
        return f"{self.room.name}, {self.room.location}" if self.room.location else self.room.name


_SELECT = """
SELECT i.id, i.application_id, j.id, j.title, c.name, c.email, c.timezone,
       coalesce(t.name, 'Interview'), i.organiser_id, i.start_utc, i.end_utc, i.timezone,
       i.room_id, i.method, i.video_provider, i.video_host_id, i.video_link, i.notes,
       i.evaluation_form_id, f.name, i.reminder_policy, i.status, i.candidate_status, i.sequence,
       i.room_response
  FROM interviews i
  JOIN applications a ON a.id = i.application_id
  JOIN candidates c ON c.id = a.candidate_id
  JOIN jobs j ON j.id = a.job_id
  LEFT JOIN interview_types t ON t.id = i.type_id
  LEFT JOIN evaluation_forms f ON f.id = i.evaluation_form_id
 WHERE i.id = ?
"""


def load_interview(ws: Workspace, interview_id: int) -> InterviewRecord:
    """The interview with its private details; `NotFound` unless the user may see its
    application (as if it did not exist)."""
    record = read_interview(ws.db, interview_id)
    if not can_view_application(ws.db, ws.user.id, record.application_id):
        raise NotFound(f"interview {interview_id} not found")
    return record


def read_interview(db: Database, interview_id: int) -> InterviewRecord:
    """Internal: no rights checked. For checked entry points and the outbox's workers."""
    row = db.execute(_SELECT, [interview_id]).fetchone()
    if row is None:
        raise NotFound(f"interview {interview_id} not found")
    (iid, app, job_id, title, cand, cand_email, cand_tz, type_name, organiser_id) = row[:9]
    (start, end, tz, room_id, method, provider, host_id, link, notes) = row[9:18]
    (form_id, form_name, policy, status, candidate_status, sequence, room_answer) = row[18:]
    return InterviewRecord(
        id=iid,
        application_id=app,
        job_id=job_id,
        job_title=title,
        candidate_name=cand,
        candidate_email=cand_email,
        candidate_timezone=cand_tz,
        type_name=type_name,
        organiser=get_employee(db, organiser_id),
        participants=_participants(db, iid),
        start=from_text(start),
        end=from_text(end),
        timezone=tz,
        room=get_room(db, room_id) if room_id is not None else None,
        method=Method(method),
        video_provider=provider,
        video_host=get_employee(db, host_id) if host_id is not None else None,
        video_link=link,
        notes=notes,
        evaluation_form_id=form_id,
        form_name=form_name,
        reminder_policy=ReminderPolicy.from_json(policy) if policy else None,
        status=InterviewStatus(status),
        candidate_status=CandidateStatus(candidate_status),
        sequence=sequence,
        room_response=ResponseStatus(room_answer),
    )


def _participants(db: Database, interview_id: int) -> tuple[ParticipantRecord, ...]:
    cursor = db.execute(
        "SELECT e.id, e.email, e.name, e.timezone, e.working_hours, e.calendar_provider,"
        " e.calendar_id, e.company_role_id, p.role_id, p.response"
        " FROM interview_participants p JOIN employees e ON e.id = p.employee_id"
        " WHERE p.interview_id = ? ORDER BY e.id",
        [interview_id],
    )
    columns = [c[0] for c in cursor.description]
    found = []
    for values in cursor.fetchall():
        row = dict(zip(columns, values, strict=True))
        found.append(
            ParticipantRecord(
                employee_from_row(row), row["role_id"], ResponseStatus(row["response"])
            )
        )
    return tuple(found)


def get_room(db: Database, room_id: int) -> Room:
    row = db.execute(
        "SELECT id, name, capacity, location, calendar_provider, calendar_id FROM rooms"
        " WHERE id = ?",
        [room_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"no room with id {room_id}")
    return Room(*row)
