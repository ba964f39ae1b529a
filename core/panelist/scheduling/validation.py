"""The rules of SPEC §2, checked before anything is booked.

Three layers, cheapest first:
- `check_request`: the request against the company's records (roles, the job's
  responsibles, verified video accounts, rooms); every violation, for inline display;
- `recheck_providers` (module `recheck`): the slot, the room and the host against
  the providers themselves, at commit time;
- `check_conflicts`: other Panelist interviews in the same room, with the same
  host or the same people, run again inside the reserving transaction so that two
  processes cannot both win.

`check_move` is the first layer for a reschedule (SPEC §5): the same time, room and
conflict rules, applied to an interview that already exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from panelist.errors import NotFound, ValidationError
from panelist.models import Employee, InterviewStatus, Method, Room
from panelist.scheduling.errors import (
    HostHasOverlappingMeeting,
    HostNotVerified,
    InterviewNotOpen,
    NoParticipants,
    OrganiserNotResponsible,
    ParticipantWithoutRole,
    RoomTaken,
    SchedulingError,
    SlotTaken,
)
from panelist.scheduling.records import InterviewRecord, get_room
from panelist.scheduling.requests import InterviewRequest
from panelist.services.directory import get_employee
from panelist.storage.instants import to_text
from panelist.timezones import get_zone
from panelist.workspace import Workspace

MAX_LENGTH = timedelta(hours=12)


@dataclass(frozen=True)
class Slot:
    """What the conflict checks need to know about an interview being booked or moved."""

    start: datetime
    end: datetime
    zone: str
    participants: tuple[Employee, ...]
    room: Room | None
    video_host: Employee | None
    exclude_interview: int | None = None

    def span(self, start: str | datetime, end: str | datetime) -> str:
        """ "10:00–11:00" in the interview's zone; an end on another day says which."""
        return f"{self.moment(start)}–{self.moment(end)}"

    def moment(self, value: str | datetime) -> str:
        """ "10:00", or "Tue 24 Nov 10:00" on another day than the interview's, in its zone."""
        tz = get_zone(self.zone)
        local = _aware(value).astimezone(tz)
        day = "" if local.date() == self.start.astimezone(tz).date() else f"{local:%a %d %b} "
        return f"{day}{local:%H:%M}"


def _aware(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def check_request(ws: Workspace, request: InterviewRequest) -> list[ValidationError]:
    """Every rule the request breaks, as typed errors in form order (empty: it may be booked)."""
    db = ws.db
    problems: list[ValidationError] = []
    job_id, job_title = _job_of(db, request.application_id)
    problems += _organiser_problems(db, request.organiser_id, job_id, job_title)
    participants = _participant_problems(db, request, problems)
    problems += _time_problems(request, ws.clock.now())
    problems += _method_problems(db, request, participants)
    problems += _room_problems(db, request, len(participants))
    problems += _reference_problems(db, request)
    return problems


def _job_of(db: Database, application_id: int) -> tuple[int, str]:
    row = db.execute(
        "SELECT j.id, j.title FROM applications a JOIN jobs j ON j.id = a.job_id WHERE a.id = ?",
        [application_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"application {application_id} not found")
    return int(row[0]), str(row[1])


def _organiser_problems(
    db: Database, organiser_id: int, job_id: int, job_title: str
) -> list[ValidationError]:
    rows = db.execute(
        "SELECT e.id, e.name FROM job_responsibles jr JOIN employees e ON e.id = jr.employee_id"
        " WHERE jr.job_id = ? ORDER BY e.name",
        [job_id],
    ).fetchall()
    if any(eid == organiser_id for eid, _ in rows):
        return []
    organiser = get_employee(db, organiser_id)
    return [OrganiserNotResponsible(organiser.name, job_title, [name for _, name in rows])]


def _participant_problems(
    db: Database, request: InterviewRequest, problems: list[ValidationError]
) -> list[Employee]:
    if not request.participants:
        problems.append(NoParticipants())
        return []
    ids = [p.employee_id for p in request.participants]
    if len(set(ids)) != len(ids):
        problems.append(ValidationError("a participant is listed twice", field="participants"))
    known_roles = {rid for (rid,) in db.execute("SELECT id FROM recruiting_roles").fetchall()}
    people = []
    for wanted in request.participants:
        person = get_employee(db, wanted.employee_id)
        people.append(person)
        if wanted.role_id is None or wanted.role_id not in known_roles:
            problems.append(ParticipantWithoutRole(person.name))
        if not _active(db, person.id):
            problems.append(
                ValidationError(f"{person.name} no longer works here", field="participants")
            )
    return people


def _active(db: Database, employee_id: int) -> bool:
    row = db.execute("SELECT active FROM employees WHERE id = ?", [employee_id]).fetchone()
    return bool(row and row[0])


def _time_problems(request: InterviewRequest, now: datetime) -> list[ValidationError]:
    return time_problems(request.start, request.end, request.timezone, now)


def time_problems(
    start: datetime, end: datetime, timezone: str | None, now: datetime
) -> list[ValidationError]:
    if start.tzinfo is None or end.tzinfo is None:
        return [ValidationError("start and end need a timezone", field="start")]
    if not _storable(start) or not _storable(end):
        return [ValidationError("that date is out of range", field="start")]
    problems: list[ValidationError] = []
    if end <= start:
        problems.append(ValidationError("the interview must end after it starts", field="end"))
    elif end - start > MAX_LENGTH:
        problems.append(ValidationError("an interview lasts at most 12 hours", field="end"))
    if start <= now:
        problems.append(ValidationError("the interview must start in the future", field="start"))
    if timezone is not None:
        try:
            get_zone(timezone)
        except ValidationError as exc:
            problems.append(exc)
    return problems


def _storable(moment: datetime) -> bool:
    """Instants are stored in UTC: 9999-12-31 in a zone west of UTC has no UTC date."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


def _method_problems(
    db: Database, request: InterviewRequest, participants: Sequence[Employee]
) -> list[ValidationError]:
    if request.method is not Method.VIDEO:
        if request.video_provider or request.video_host_id:
            return [ValidationError("only a video interview has a video host", field="method")]
        return []
    if not request.video_provider or request.video_host_id is None:
        return [ValidationError("choose a video provider and a host", field="video_host")]
    host = get_employee(db, request.video_host_id)
    allowed = {p.id for p in participants} | {request.organiser_id}
    if host.id not in allowed:
        return [ValidationError(f"{host.name} must take part to host", field="video_host")]
    if verified_account(db, host.id, request.video_provider) is None:
        return [HostNotVerified(host.name, request.video_provider)]
    return []


def verified_account(db: Database, employee_id: int, provider: str) -> str | None:
    """The host's login at the video provider, if it is verified."""
    row = db.execute(
        "SELECT account FROM video_accounts WHERE employee_id = ? AND provider = ?"
        " AND verified_at IS NOT NULL",
        [employee_id, provider],
    ).fetchone()
    return str(row[0]) if row else None


def _room_problems(db: Database, request: InterviewRequest, people: int) -> list[ValidationError]:
    room = get_room(db, request.room_id) if request.room_id is not None else None
    return room_problems(room, request.method, people)


def room_problems(room: Room | None, method: Method, people: int) -> list[ValidationError]:
    """An in-person interview needs a seat for every participant and the candidate."""
    if room is None:
        return []
    if method is Method.IN_PERSON and room.capacity < people + 1:
        return [
            ValidationError(
                f"{room.name} seats {room.capacity}; {people} participants and the candidate"
                " need more",
                field="room",
            )
        ]
    return []


def _reference_problems(db: Database, request: InterviewRequest) -> list[ValidationError]:
    problems: list[ValidationError] = []
    for table, value, field in (
        ("interview_types", request.type_id, "type"),
        ("evaluation_forms", request.evaluation_form_id, "evaluation_form"),
    ):
        if (
            value is not None
            and not db.execute(f"SELECT 1 FROM {table} WHERE id = ?", [value]).fetchone()
        ):
            problems.append(ValidationError(f"no {field.replace('_', ' ')} {value}", field=field))
    return problems


# ---------------------------------------------------------------------- conflicts in Panelist


def check_conflicts(db: Database, slot: Slot) -> None:
    """Other scheduled interviews that take the room, the host or a participant: raise.

    Run it inside the transaction that books, so the answer holds when it commits.
    """
    problems = conflict_problems(db, slot)
    if problems:
        raise problems[0]


def conflict_problems(db: Database, slot: Slot) -> list[SchedulingError]:
    """Every clash with other scheduled interviews: the room, then the host, then people."""
    window = {
        "start": to_text(slot.start),
        "end": to_text(slot.end),
        "self": slot.exclude_interview or -1,
    }
    return [
        *_room_conflict(db, slot, window),
        *_host_conflict(db, slot, window),
        *_people_conflicts(db, slot, window),
    ]


_OVERLAP = "i.status = 'scheduled' AND i.start_utc < :end AND i.end_utc > :start AND i.id != :self"


def _room_conflict(db: Database, slot: Slot, window: dict[str, object]) -> list[SchedulingError]:
    if slot.room is None:
        return []
    row = db.execute(
        f"SELECT i.start_utc, i.end_utc FROM interviews i WHERE i.room_id = :room AND {_OVERLAP}"
        " ORDER BY i.start_utc LIMIT 1",
        window | {"room": slot.room.id},
    ).fetchone()
    if row is None:
        return []
    return [RoomTaken(slot.room.name, f"{slot.span(*row)} for another interview")]


def _host_conflict(db: Database, slot: Slot, window: dict[str, object]) -> list[SchedulingError]:
    if slot.video_host is None:
        return []
    row = db.execute(
        f"SELECT i.start_utc, i.end_utc FROM interviews i WHERE i.video_host_id = :host"
        f" AND i.method = 'video' AND {_OVERLAP} ORDER BY i.start_utc LIMIT 1",
        window | {"host": slot.video_host.id},
    ).fetchone()
    if row is None:
        return []
    return [HostHasOverlappingMeeting(slot.video_host.name, slot.span(*row))]


def _people_conflicts(db: Database, slot: Slot, window: dict[str, object]) -> list[SchedulingError]:
    busy = []
    for person in slot.participants:
        row = db.execute(
            "SELECT i.start_utc, i.end_utc FROM interviews i JOIN interview_participants p"
            f" ON p.interview_id = i.id WHERE p.employee_id = :who AND p.response != 'declined'"
            f" AND {_OVERLAP} ORDER BY i.start_utc LIMIT 1",
            window | {"who": person.id},
        ).fetchone()
        if row is not None:
            busy.append(f"{person.name} has another interview {slot.span(*row)}")
    return [SlotTaken(busy)] if busy else []


def participants_of(db: Database, ids: Iterable[int]) -> tuple[Employee, ...]:
    return tuple(get_employee(db, eid) for eid in ids)


# ---------------------------------------------------------------------- moving an interview


def open_problems(record: InterviewRecord, now: datetime) -> list[ValidationError]:
    """Only a scheduled interview that has not ended may still change (SPEC §4, §5)."""
    if record.status is not InterviewStatus.SCHEDULED:
        return [InterviewNotOpen(record.id, record.status.label.lower())]
    if record.end <= now:
        return [InterviewNotOpen(record.id, "over")]
    return []


def is_move(record: InterviewRecord, start: datetime, end: datetime, room_id: int | None) -> bool:
    """False when the time and room are the ones the interview has."""
    current = record.room.id if record.room is not None else None
    return (record.start, record.end, current) != (start, end, room_id)


def move_slot(record: InterviewRecord, start: datetime, end: datetime, room: Room | None) -> Slot:
    """The interview at its new time and room; its own bookings are no conflict."""
    people = tuple(p.employee for p in record.participants)
    return Slot(start, end, record.timezone, people, room, record.video_host, record.id)


def check_move(
    db: Database,
    record: InterviewRecord,
    start: datetime,
    end: datetime,
    room_id: int | None,
    now: datetime,
) -> list[ValidationError]:
    """Every rule moving `record` to start–end in `room_id` breaks, in form order.

    Keeping the time and room is no move: repeating a reschedule only finishes its
    outbox, so then only whether the interview is still open counts.
    """
    problems = open_problems(record, now)
    if problems or not is_move(record, start, end, room_id):
        return problems
    problems += time_problems(start, end, None, now)
    timed = not problems  # overlaps of a backwards or past span mean nothing
    room = _known_room(db, room_id, problems)
    problems += room_problems(room, record.method, len(record.participants))
    if timed:
        problems += conflict_problems(db, move_slot(record, start, end, room))
    return problems


def _known_room(db: Database, room_id: int | None, problems: list[ValidationError]) -> Room | None:
    """The room, or None with a problem added when there is no such room."""
    if room_id is None:
        return None
    try:
        return get_room(db, room_id)
    except NotFound:
        problems.append(ValidationError(f"no room {room_id}", field="room"))
        return None
