"""Interviews in every state, consistent with the calendars they were booked in.

Future scheduled interviews, past ones still stored as scheduled (shown as
Closed), closed and cancelled ones; participants with every response; for the
ones that were not cancelled the interviewer events and room bookings exist in
the local calendars and are recorded in `interview_external_refs`.
"""

from __future__ import annotations

import enum
import hashlib
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from panelist.demo import data
from panelist.demo.calendars import CalendarPlan, person_key, room_key
from panelist.demo.company import (
    JITSI,
    LOCAL,
    Company,
    DemoApplication,
    DemoEmployee,
    DemoJob,
    DemoRoom,
    InterviewType,
    insert_rows,
)
from panelist.demo.sync import run_sync
from panelist.demo.times import iso, workdays
from panelist.models import CandidateStatus, InterviewStatus, Method, Stage
from panelist.providers import ConferenceProvider, Meeting, MeetingDraft
from panelist.providers.events import Attendee, EventDraft, ResponseStatus
from panelist.services.directory import SETTING_DEFAULTS


class When(enum.Enum):
    """Where in time an interview is placed, and how it is stored."""

    FUTURE = "future"  # scheduled, still to come
    RECENT = "recent"  # stored scheduled, but over: shown as Closed
    EARLIER = "earlier"  # stored closed, weeks ago
    CANCELLED_AHEAD = "cancelled_ahead"
    CANCELLED_PAST = "cancelled_past"


@dataclass(frozen=True)
class Participant:
    employee: DemoEmployee
    role: str
    response: ResponseStatus


@dataclass
class PlannedInterview:
    id: int
    application: DemoApplication
    type: InterviewType
    organiser: DemoEmployee
    participants: list[Participant]
    start: datetime
    end: datetime
    when: When
    method: Method
    room: DemoRoom | None = None
    video_host: DemoEmployee | None = None
    video_link: str | None = None
    meeting_id: str | None = None
    notes: str = ""
    candidate_status: CandidateStatus = CandidateStatus.EMAIL_SENT
    sequence: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    moved_from: tuple[datetime, datetime] | None = None
    event_keys: dict[str, tuple[str, str, int | None]] = field(default_factory=dict)
    """idempotency key -> (kind, calendar id, employee id) of each event written."""

    @property
    def status(self) -> InterviewStatus:
        if self.when is When.EARLIER:
            return InterviewStatus.CLOSED
        if self.when in (When.CANCELLED_AHEAD, When.CANCELLED_PAST):
            return InterviewStatus.CANCELLED
        return InterviewStatus.SCHEDULED


@dataclass(frozen=True)
class _Request:
    application: DemoApplication
    type_name: str
    when: When


_MAIN_TYPE = {
    "Engineering": "Technical interview",
    "Design": "Case study",
    "Data": "Case study",
    "Operations": "Culture fit",
}
_SECOND_TYPE = {"Engineering": "Hiring manager interview", "Design": "Culture fit"}
_OFFICE_ZONE = {
    "Amsterdam": data.AMSTERDAM,
    "London": data.LONDON,
    "New York": data.NEW_YORK,
    "Kolkata": data.KOLKATA,
}
_NOTES = (
    "",
    "",
    "",
    "Please probe system-design experience.",
    "Candidate asked for an English-speaking panel.",
    "Portfolio link is in the application.",
    "Visitor badge and parking reserved at reception.",
    "Second round: read the phone-screen evaluation first.",
)
_REMINDER = json.dumps(
    {"first_after_minutes": 60, "repeat_every_minutes": 1440, "max_reminders": 3}
)


def _requests(company: Company) -> list[_Request]:
    """Which application gets which interview when, job by job."""
    requests: list[_Request] = []
    for index, job in enumerate(company.jobs):
        main = _MAIN_TYPE.get(job.spec.department, "Hiring manager interview")
        second = _SECOND_TYPE.get(job.spec.department, "Final interview")
        mine = [a for a in company.applications if a.job.id == job.id]
        by_stage = {stage: [a for a in mine if a.stage is stage] for stage in Stage}
        for rank, app in enumerate(by_stage[Stage.INTERVIEW]):
            if rank == 0:
                requests.append(_Request(app, "Phone screen", When.EARLIER))
                requests.append(_Request(app, main, When.FUTURE))
            elif rank == 1:
                requests.append(_Request(app, second, When.FUTURE))
            else:
                requests.append(_Request(app, "Phone screen", When.RECENT))
        for app in by_stage[Stage.OFFER]:
            requests.append(_Request(app, main, When.EARLIER))
            requests.append(_Request(app, "Final interview", When.RECENT))
        for app in by_stage[Stage.HIRED]:
            requests.append(_Request(app, main, When.EARLIER))
            requests.append(_Request(app, "Final interview", When.EARLIER))
        for app in by_stage[Stage.REJECTED][:1]:
            ahead = index % 2 == 0 and job.spec.open
            cancelled = When.CANCELLED_AHEAD if ahead else When.CANCELLED_PAST
            requests.append(_Request(app, "Phone screen", cancelled))
    return requests


def plan_interviews(plan: CalendarPlan) -> list[PlannedInterview]:
    planned: list[PlannedInterview] = []
    # Future interviews first: they matter most in the demo and get the pick of the slots.
    requests = sorted(_requests(plan.company), key=lambda r: r.when is not When.FUTURE)
    for request in requests:
        interview = _schedule(plan, request, len(planned) + 1)
        if interview is not None:
            planned.append(interview)
    _ensure_every_response(planned)
    _reschedule_one(plan, planned)
    return planned


def add_interview_events(plan: CalendarPlan, planned: Sequence[PlannedInterview]) -> None:
    """Calendar events for every interview that was not cancelled (once links are known)."""
    for interview in planned:
        if interview.status is not InterviewStatus.CANCELLED:
            _add_events(plan, interview)


def attach_meetings(
    planned: Sequence[PlannedInterview], provider: ConferenceProvider | None
) -> None:
    """Video meetings made by the conference provider itself, so that moving or cancelling
    an interview later finds a meeting the provider recognises."""
    videos = [i for i in planned if i.method is Method.VIDEO]
    if provider is None:  # the plugin is blocked: links of the same shape, made here
        for interview in videos:
            digest = hashlib.sha256(_meeting_key(interview).encode()).hexdigest()[:20]
            interview.meeting_id = f"Panelist-{digest}"
            interview.video_link = f"https://meet.jit.si/{interview.meeting_id}"
        return

    async def create_all() -> list[Meeting]:
        return [await provider.create_meeting(_meeting_draft(i), _meeting_key(i)) for i in videos]

    for interview, meeting in zip(videos, run_sync(create_all()), strict=True):
        interview.meeting_id = meeting.meeting_id
        interview.video_link = provider.join_link(meeting)


def _meeting_key(interview: PlannedInterview) -> str:
    return f"interview-{interview.id}-meeting"


def _meeting_draft(interview: PlannedInterview) -> MeetingDraft:
    host = interview.video_host or interview.organiser
    return MeetingDraft(
        topic=_summary(interview),
        start=interview.start,
        end=interview.end,
        host_email=host.email,
        timezone=interview.organiser.zone,
    )


def _day_choices(plan: CalendarPlan, when: When) -> list[date]:
    window = plan.window
    tomorrow = window.today + timedelta(days=1)
    if when in (When.FUTURE, When.CANCELLED_AHEAD):
        choices = workdays(tomorrow, tomorrow + timedelta(days=15))
    elif when in (When.RECENT, When.CANCELLED_PAST):
        choices = workdays(window.start, window.today)
    else:
        choices = workdays(window.today - timedelta(days=35), window.start)
    return plan.rng.sample(choices, min(4, len(choices)))


def _schedule(plan: CalendarPlan, request: _Request, interview_id: int) -> PlannedInterview | None:
    company, rng = plan.company, plan.rng
    job = request.application.job
    kind = company.interview_types[request.type_name]
    for _attempt in range(4):
        panel = _panel(company, job, kind, rng)
        method = _method(company, job, kind, panel)
        days = _day_choices(plan, request.when)
        found = _find_slot(plan, [p.employee for p in panel], days, kind.minutes, method, job)
        if found is None:
            continue
        start, room = found
        organiser = _organiser(job, rng)
        interview = PlannedInterview(
            id=interview_id,
            application=request.application,
            type=kind,
            organiser=organiser,
            participants=[_respond(p, request.when, rng) for p in panel],
            start=start,
            end=start + timedelta(minutes=kind.minutes),
            when=request.when,
            method=method,
            room=room,
            notes=rng.choice(_NOTES),
        )
        _add_host(interview, company)
        _stamp(interview, plan, rng)
        if interview.status is not InterviewStatus.CANCELLED:
            _reserve(plan, interview)
        return interview
    return None


def _panel(
    company: Company, job: DemoJob, kind: InterviewType, rng: random.Random
) -> list[Participant]:
    """Who interviews: the recruiter screens, the hiring manager and colleagues go deeper."""
    pool = [
        e
        for e in company.employees
        if e.person.department == job.spec.department
        and e.region == job.spec.region
        and e.id not in (job.hiring_manager.id, job.recruiter.id)
        and e.person.role in ("Interviewer", "Employee")
    ]
    recruiter = Participant(job.recruiter, "Recruiter", ResponseStatus.NEEDS_ACTION)
    manager = Participant(job.hiring_manager, "Hiring manager", ResponseStatus.NEEDS_ACTION)

    def interviewers(count: int) -> list[Participant]:
        chosen = rng.sample(pool, min(count, len(pool)))
        return [Participant(e, "Interviewer", ResponseStatus.NEEDS_ACTION) for e in chosen]

    if kind.name == "Phone screen":
        return [recruiter, *interviewers(rng.choice((0, 1)))]
    if kind.name == "Hiring manager interview":
        return [manager, *([recruiter] if rng.random() < 0.5 else [])]
    if kind.name == "Final interview":
        return [manager, recruiter, *interviewers(1)]
    extra = [manager] if rng.random() < 0.5 else []
    return [*interviewers(2), *extra] or [manager]


def _method(
    company: Company, job: DemoJob, kind: InterviewType, panel: Sequence[Participant]
) -> Method:
    """The type's default, unless it cannot be: no office for in person, no host for video."""
    method = kind.method
    if method is Method.IN_PERSON and job.spec.location not in _OFFICE_ZONE:
        method = Method.VIDEO
    if method is Method.VIDEO and _host(company, panel) is None:
        method = Method.PHONE
    return method


def _host(company: Company, panel: Sequence[Participant]) -> DemoEmployee | None:
    host_ids = {h.id for h in company.jitsi_hosts}
    return next((p.employee for p in panel if p.employee.id in host_ids), None)


def _find_slot(
    plan: CalendarPlan,
    people: list[DemoEmployee],
    days: Sequence[date],
    minutes: int,
    method: Method,
    job: DemoJob,
) -> tuple[datetime, DemoRoom | None] | None:
    if method is not Method.IN_PERSON:
        start = plan.find_time(people, days, minutes)
        return None if start is None else (start, None)
    office = _OFFICE_ZONE[job.spec.location]
    seats = len(people) + 1  # and the candidate
    rooms = sorted(
        (r for r in plan.company.rooms if r.spec.zone == office and r.spec.capacity >= seats),
        key=lambda r: r.spec.capacity,
    )
    for room in rooms:
        start = plan.find_time(people, days, minutes, room)
        if start is not None:
            return start, room
    return None


def _organiser(job: DemoJob, rng: random.Random) -> DemoEmployee:
    """Rosa organises all of her jobs' interviews; elsewhere mostly the recruiter."""
    if job.recruiter.name == data.RECRUITER_ON_OS_ACCOUNT or rng.random() < 0.7:
        return job.recruiter
    return job.hiring_manager


def _respond(participant: Participant, when: When, rng: random.Random) -> Participant:
    if participant.employee.calendar_id is None:
        response = ResponseStatus.NEEDS_ACTION  # nothing to read an answer back from
    elif when is When.FUTURE:
        response = rng.choices(
            (
                ResponseStatus.ACCEPTED,
                ResponseStatus.TENTATIVE,
                ResponseStatus.DECLINED,
                ResponseStatus.NEEDS_ACTION,
            ),
            weights=(55, 15, 10, 20),
        )[0]
    else:
        response = ResponseStatus.ACCEPTED
    return Participant(participant.employee, participant.role, response)


def _add_host(interview: PlannedInterview, company: Company) -> None:
    if interview.method is Method.VIDEO:
        interview.video_host = _host(company, interview.participants)


def _stamp(interview: PlannedInterview, plan: CalendarPlan, rng: random.Random) -> None:
    """Creation times before the interview (and before now); invitations mostly sent."""
    now = plan.window.now
    booked_before = timedelta(days=rng.randint(2, 8), hours=rng.randint(0, 7))
    created = min(now - timedelta(hours=2), interview.start - booked_before)
    interview.created_at = interview.updated_at = created
    if interview.when is When.FUTURE and rng.random() < 0.3:
        interview.candidate_status = CandidateStatus.NOT_INVITED
    if interview.status is InterviewStatus.CANCELLED:
        interview.sequence = 1
        interview.updated_at = min(now, interview.start) - timedelta(hours=rng.randint(3, 30))
        interview.updated_at = max(interview.updated_at, created)


def _ensure_every_response(planned: Sequence[PlannedInterview]) -> None:
    """The demo must show every attendee state on some upcoming interview."""
    upcoming = [
        (interview, i, p.response)
        for interview in planned
        if interview.when is When.FUTURE
        for i, p in enumerate(interview.participants)
        if p.employee.calendar_id is not None
    ]
    missing = [r for r in ResponseStatus if r not in {seen for _, _, seen in upcoming}]
    # Answers are changed only where they are "accepted", which stays plentiful.
    accepted = [(iv, i) for iv, i, seen in upcoming if seen is ResponseStatus.ACCEPTED]
    for (interview, i), response in zip(accepted[::2], missing, strict=False):
        old = interview.participants[i]
        interview.participants[i] = Participant(old.employee, old.role, response)


def _reschedule_one(plan: CalendarPlan, planned: Sequence[PlannedInterview]) -> None:
    """Rosa moved one interview by a day: it keeps its id, gains a sequence and a history row."""
    rosa_id = plan.company.employee(data.RECRUITER_ON_OS_ACCOUNT).id
    for interview in planned:
        if interview.when is When.FUTURE and interview.organiser.id == rosa_id:
            # It was a day earlier (a day later when it is now on a Monday).
            offset = timedelta(days=1 if interview.start.weekday() > 0 else -1)
            interview.moved_from = (interview.start - offset, interview.end - offset)
            interview.sequence = 1
            moved_at = plan.window.now - timedelta(days=1, hours=3)
            first_booked = moved_at - timedelta(days=2)
            interview.created_at = min(interview.created_at or first_booked, first_booked)
            interview.updated_at = moved_at
            return


# --- calendar events ---------------------------------------------------------------------


def _reserve(plan: CalendarPlan, interview: PlannedInterview) -> None:
    """Block the panel and the room, so later interviews and meetings go elsewhere."""
    panel = [person_key(p.employee) for p in interview.participants]
    plan.busy.book(panel, interview.start, interview.end)
    if interview.room is not None:
        plan.busy.book([room_key(interview.room)], interview.start, interview.end)


def _add_events(plan: CalendarPlan, interview: PlannedInterview) -> None:
    """The interviewer events and the room booking, as "Invite interviewers" makes them."""
    draft = _event_draft(interview)
    for participant in interview.participants:
        employee = participant.employee
        if employee.calendar_id is not None:
            key = f"interview-{interview.id}-interviewer_event-e{employee.id}"
            plan.add(employee.calendar_id, draft, key)
            interview.event_keys[key] = ("interviewer_event", employee.calendar_id, employee.id)
    if interview.room is not None:
        key = f"interview-{interview.id}-room_booking-r{interview.room.id}"
        plan.add(interview.room.calendar_id, draft, key)
        interview.event_keys[key] = ("room_booking", interview.room.calendar_id, None)


def _summary(interview: PlannedInterview) -> str:
    app = interview.application
    return f"Interview: {app.candidate_name} ({app.job.spec.title})"


def _event_draft(interview: PlannedInterview) -> EventDraft:
    app = interview.application
    names = ", ".join(p.employee.name for p in interview.participants)
    link = f"{SETTING_DEFAULTS['application_base_url']}{app.id}"
    lines = [
        f"{interview.type.name} with {app.candidate_name} for {app.job.spec.title}.",
        f"Interviewers: {names}",
        f"Application: {link}",
    ]
    if interview.video_link:
        lines.append(f"Video call: {interview.video_link}")
    if interview.notes:
        lines += ["", interview.notes]
    where = {Method.PHONE: "Phone", Method.VIDEO: "Video call"}.get(interview.method, "")
    return EventDraft(
        summary=_summary(interview),
        start=interview.start,
        end=interview.end,
        timezone=interview.organiser.zone,
        description="\n".join(lines),
        location=interview.room.spec.name if interview.room else where,
        private=True,
        attendees=tuple(
            Attendee(p.employee.email, p.employee.name, p.response) for p in interview.participants
        ),
        organizer=interview.organiser.email,
        conference_url=interview.video_link,
    )


# --- rows ----------------------------------------------------------------------------------


def insert_interviews(db: Database, company: Company, planned: Sequence[PlannedInterview]) -> None:
    insert_rows(db, "interviews", [_interview_row(i) for i in planned])
    insert_rows(
        db,
        "interview_participants",
        [
            {
                "interview_id": i.id,
                "employee_id": p.employee.id,
                "role_id": company.role_ids[p.role],
                "response": p.response.value,
            }
            for i in planned
            for p in i.participants
        ],
    )
    insert_rows(
        db,
        "interview_history",
        [
            {
                "id": n,
                "interview_id": i.id,
                "start_utc": iso(i.moved_from[0]),
                "end_utc": iso(i.moved_from[1]),
                "changed_at": iso(i.updated_at or i.start),
            }
            for n, i in enumerate((i for i in planned if i.moved_from), start=1)
            if i.moved_from is not None
        ],
    )


def _interview_row(interview: PlannedInterview) -> dict[str, object]:
    created = interview.created_at or interview.start
    return {
        "id": interview.id,
        "application_id": interview.application.id,
        "type_id": interview.type.id,
        "organiser_id": interview.organiser.id,
        "start_utc": iso(interview.start),
        "end_utc": iso(interview.end),
        "timezone": interview.organiser.zone,
        "room_id": interview.room.id if interview.room else None,
        "method": interview.method.value,
        "video_provider": JITSI if interview.method is Method.VIDEO else None,
        "video_host_id": interview.video_host.id if interview.video_host else None,
        "video_link": interview.video_link,
        "notes": interview.notes,
        "evaluation_form_id": interview.type.form_id,
        "reminder_policy": _REMINDER if interview.type.form_id else None,
        "status": interview.status.value,
        "candidate_status": interview.candidate_status.value,
        "sequence": interview.sequence,
        "created_at": iso(created),
        "updated_at": iso(interview.updated_at or created),
    }


def insert_external_refs(
    db: Database, planned: Sequence[PlannedInterview], uids: Mapping[str, str]
) -> None:
    """What each interview created outside: events, room bookings, the video meeting."""
    rows: list[dict[str, object]] = []
    for interview in planned:
        for key, (kind, calendar_id, employee_id) in interview.event_keys.items():
            rows.append(_ref(interview, kind, LOCAL, calendar_id, uids[key], employee_id, key))
        if interview.meeting_id and interview.status is not InterviewStatus.CANCELLED:
            host = interview.video_host.id if interview.video_host else None
            key = _meeting_key(interview)
            rows.append(_ref(interview, "meeting", JITSI, None, interview.meeting_id, host, key))
    for number, row in enumerate(rows, start=1):
        row["id"] = number
    insert_rows(db, "interview_external_refs", rows)


def _ref(
    interview: PlannedInterview,
    kind: str,
    provider: str,
    calendar_id: str | None,
    external_id: str,
    employee_id: int | None,
    key: str,
) -> dict[str, object]:
    return {
        "interview_id": interview.id,
        "kind": kind,
        "provider": provider,
        "calendar_id": calendar_id,
        "external_id": external_id,
        "employee_id": employee_id,
        "idempotency_key": key,
    }
