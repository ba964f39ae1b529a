"""Configuring the company (issue 17, Settings): an Admin's job (the Configure right).

Every function here asks for the Configure right first, validates all its input before it
writes anything, and writes one change with its audit line in one transaction: a change
that breaks a rule is refused with one line (`ValidationError`, naming the field) and
leaves nothing half saved. Front ends (the TUI's Settings screen) call only these.

Sections, in the order the Settings screen shows them: company, interview types, rooms,
people, video accounts, recruiting roles, integrations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Literal

from panelist import audit
from panelist.errors import NotFound, PanelistError, ValidationError
from panelist.models import WEEKDAYS, Employee, Method, Room, WorkingHours
from panelist.permissions import Right, admins, dump_rights, keep_an_admin, parse_rights, require
from panelist.providers import ProviderOption, RoomInfo
from panelist.services import directory
from panelist.text import plain_text_problem
from panelist.timezones import zone_or_none
from panelist.workspace import Workspace

MIN_DURATION = 5
MAX_DURATION = 1440
"""Minutes an interview type may last (the schema's CHECK, refused here first)."""


def _configure(ws: Workspace) -> None:
    require(ws.db, ws.user.id, Right.CONFIGURE)


def _line(value: str, what: str, field_name: str, *, required: bool = True) -> str:
    """`value` stripped, one plain line; refused empty when `required`."""
    text = value.strip()
    if required and not text:
        raise ValidationError(f"{what}: must not be empty", field=field_name)
    problem = plain_text_problem(text)
    if problem:
        raise ValidationError(f"{what}: {problem}", field=field_name)
    return text


def _record(ws: Workspace, subject: str, detail: str = "") -> None:
    audit.record_by(ws, audit.Action.SETTING, subject, detail)


# --------------------------------------------------------------------------- company

COMPANY_KEYS = (
    "company_name",
    "company_timezone",
    "holiday_country",
    "holiday_subdivision",
    "show_private_event_names",
    "application_base_url",
    "links_base_url",
    "links_show_interviewers",
    "mail_transport",
    "mail_from",
    "maildir_path",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
)
"""The company settings the Settings screen edits (the others are tuning knobs)."""

MAIL_TRANSPORTS = ("maildir", "smtp")
SMTP_SECURITY = ("starttls", "tls", "none")


def company_settings(ws: Workspace) -> dict[str, Any]:
    """The company settings (`COMPANY_KEYS`) with their current values."""
    _configure(ws)
    return {key: directory.get_setting(ws.db, key) for key in COMPANY_KEYS}


def save_company_settings(ws: Workspace, values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate every given value, then store those that changed in one transaction with
    one audit line each; returns what was stored (key -> new value)."""
    _configure(ws)
    unknown = sorted(set(values) - set(COMPANY_KEYS))
    if unknown:
        raise ValidationError(f"unknown company setting {unknown[0]!r}", field=unknown[0])
    clean = {key: _company_value(key, value) for key, value in values.items()}
    merged = {**company_settings(ws), **clean}
    if merged["mail_transport"] == "smtp" and not merged["smtp_host"]:
        raise ValidationError("SMTP server: needed when mail is sent by SMTP", field="smtp_host")
    changed = {
        key: value for key, value in clean.items() if directory.get_setting(ws.db, key) != value
    }
    with ws.db.atomic():
        for key, value in changed.items():
            directory.set_setting(ws.db, key, value)
            _record(ws, f"setting {key}", audit.setting_detail(key, value))
    return changed


def _company_value(key: str, value: Any) -> Any:
    """The value as stored, or `ValidationError` saying what is wrong with it."""
    if key == "show_private_event_names":
        if not isinstance(value, bool):
            raise ValidationError("show titles of private events: yes or no", field=key)
        return value
    if key == "links_show_interviewers":
        if not isinstance(value, bool):
            raise ValidationError("name the interviewers on the link page: yes or no", field=key)
        return value
    text = _line("" if value is None else str(value), key.replace("_", " "), key, required=False)
    if key in ("company_name", "mail_from"):
        if not text:
            raise ValidationError(f"{key.replace('_', ' ')}: must not be empty", field=key)
        return text
    if key == "company_timezone":
        if zone_or_none(text) is None:
            raise ValidationError(f"time zone: unknown zone {text!r}", field=key)
        return text
    if key == "holiday_country":
        if not re.fullmatch(r"[A-Za-z]{2}", text) or not _holiday_country_known(text.upper()):
            raise ValidationError(
                f"holiday country: {text!r} is not a country code with holidays (e.g. NL)",
                field=key,
            )
        return text.upper()
    if key == "holiday_subdivision":
        return text.upper() or None
    if key == "application_base_url":
        if not text or " " in text or ":" not in text:
            raise ValidationError(f"application link base URL: {text!r} is not a URL", field=key)
        return text
    if key == "links_base_url":
        if text and (" " in text or not text.startswith(("http://", "https://"))):
            raise ValidationError(
                f"scheduling link base URL: {text!r} is not an http(s) URL", field=key
            )
        return text.rstrip("/") or None
    if key == "mail_transport":
        if text not in MAIL_TRANSPORTS:
            raise ValidationError(
                f"mail transport: choose {' or '.join(MAIL_TRANSPORTS)}", field=key
            )
        return text
    if key == "smtp_security":
        if text not in SMTP_SECURITY:
            raise ValidationError(f"SMTP security: choose {', '.join(SMTP_SECURITY)}", field=key)
        return text
    if key == "smtp_port":
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise ValidationError(f"SMTP port: {text!r} is not a port (1–65535)", field=key)
        return int(text)
    return text or None  # maildir_path, smtp_host, smtp_username


def _holiday_country_known(code: str) -> bool:
    import holidays  # lazy: a large package, only needed when the country changes

    return code in holidays.list_supported_countries()


# --------------------------------------------------------------------------- interview types


@dataclass(frozen=True)
class InterviewTypeInput:
    name: str
    duration_minutes: int | str
    method: Method | str
    evaluation_form_id: int | None = None
    id: int | None = None
    """None: a new type."""
    reminder_hours: str | float | None = None
    """Hours after the interview ends that interviewers are first reminded of the form
    (empty or None: the type suggests no reminder)."""


@dataclass(frozen=True)
class InterviewTypeRow:
    id: int
    name: str
    duration_minutes: int
    method: Method
    evaluation_form_id: int | None
    evaluation_form_name: str | None
    reminder_after_minutes: int | None = None


@dataclass(frozen=True)
class NamedChoice:
    id: int
    name: str


def list_interview_types(ws: Workspace) -> list[InterviewTypeRow]:
    _configure(ws)
    rows = ws.db.execute(
        "SELECT t.id, t.name, t.duration_minutes, t.default_method, t.evaluation_form_id, f.name,"
        " t.reminder_after_minutes"
        " FROM interview_types t LEFT JOIN evaluation_forms f ON f.id = t.evaluation_form_id"
        " ORDER BY t.name"
    ).fetchall()
    return [
        InterviewTypeRow(int(i), str(n), int(d), Method(m), f, fn, r)
        for i, n, d, m, f, fn, r in rows
    ]


def list_evaluation_forms(ws: Workspace) -> list[NamedChoice]:
    _configure(ws)
    rows = ws.db.execute("SELECT id, name FROM evaluation_forms ORDER BY name").fetchall()
    return [NamedChoice(int(i), str(n)) for i, n in rows]


def parse_minutes(value: int | str, what: str = "duration") -> int:
    """Whole minutes between `MIN_DURATION` and `MAX_DURATION`."""
    text = str(value).strip()
    if not re.fullmatch(r"\d{1,6}", text):
        raise ValidationError(f"{what}: {text!r} is not a number of minutes", field="duration")
    minutes = int(text)
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise ValidationError(
            f"{what}: {minutes} minutes is outside {MIN_DURATION}–{MAX_DURATION}",
            field="duration",
        )
    return minutes


MAX_REMINDER_HOURS = 672
"""Four weeks: a first reminder later than that reminds of nothing."""


def parse_reminder_hours(value: str | float | None) -> int | None:
    """Hours (decimals allowed) after an interview ends as whole minutes; empty: None."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    try:
        hours = float(text.replace(",", "."))
    except ValueError:
        raise ValidationError(
            f"reminder: {text!r} is not a number of hours", field="reminder"
        ) from None
    if not 0 <= hours <= MAX_REMINDER_HOURS:
        raise ValidationError(
            f"reminder: {text} hours is outside 0–{MAX_REMINDER_HOURS}", field="reminder"
        )
    return round(hours * 60)


def save_interview_type(ws: Workspace, wanted: InterviewTypeInput) -> int:
    """Create or change an interview type; returns its id."""
    _configure(ws)
    db = ws.db
    name = _line(wanted.name, "name", "name")
    minutes = parse_minutes(wanted.duration_minutes)
    try:
        method = Method(wanted.method)
    except ValueError:
        raise ValidationError(f"method: unknown method {wanted.method!r}", field="method") from None
    form_id = wanted.evaluation_form_id
    if form_id is not None and not _exists(ws, "evaluation_forms", form_id):
        raise ValidationError("evaluation form: no such form", field="evaluation_form")
    reminder = parse_reminder_hours(wanted.reminder_hours)
    if reminder is not None and form_id is None:
        raise ValidationError(
            "reminder: choose the evaluation form it reminds of", field="evaluation_form"
        )
    clash = db.execute(
        "SELECT id FROM interview_types WHERE name = ? AND id IS NOT ?", [name, wanted.id]
    ).fetchone()
    if clash:
        raise ValidationError(f"name: another interview type is called {name!r}", field="name")
    values = {
        "name": name,
        "duration_minutes": minutes,
        "default_method": method.value,
        "evaluation_form_id": form_id,
        "reminder_after_minutes": reminder,
    }
    with db.atomic():
        type_id = _upsert(ws, "interview_types", wanted.id, values, "interview type")
        when = "no reminder" if reminder is None else f"reminder {reminder} min after"
        _record(
            ws, f"interview type {name!r}", f"{minutes} min, {method.value}, {when}, id {type_id}"
        )
    return type_id


def _exists(ws: Workspace, table: str, row_id: int) -> bool:
    return ws.db.execute(f"SELECT 1 FROM {table} WHERE id = ?", [row_id]).fetchone() is not None


def _upsert(
    ws: Workspace, table: str, row_id: int | None, values: dict[str, Any], what: str
) -> int:
    if row_id is None:
        return int(ws.db.table(table).insert(values).last_pk or 0)
    if not _exists(ws, table, row_id):
        raise NotFound(f"no {what} with id {row_id}")
    ws.db.table(table).update(row_id, values)
    return row_id


# --------------------------------------------------------------------------- evaluation forms

MAX_QUESTIONS = 50


@dataclass(frozen=True)
class EvaluationFormRow:
    id: int
    name: str
    questions: tuple[str, ...]
    """In the order interviewers answer them."""
    used_by: int
    """Interview types that suggest it."""


def list_evaluation_form_rows(ws: Workspace) -> list[EvaluationFormRow]:
    _configure(ws)
    import json

    rows = ws.db.execute(
        "SELECT f.id, f.name, f.questions,"
        " (SELECT count(*) FROM interview_types t WHERE t.evaluation_form_id = f.id)"
        " FROM evaluation_forms f ORDER BY f.name"
    ).fetchall()
    return [
        EvaluationFormRow(int(i), str(n), tuple(str(q) for q in json.loads(raw)), int(used))
        for i, n, raw, used in rows
    ]


def save_evaluation_form(
    ws: Workspace, name: str, questions: Sequence[str] | str, form_id: int | None = None
) -> int:
    """Create or change an evaluation form: its name and its questions in order (a text
    holds one question a line; empty lines are left out)."""
    _configure(ws)
    import json

    clean = _line(name, "name", "name")
    lines = questions.splitlines() if isinstance(questions, str) else list(questions)
    asked = [q.strip() for q in lines if q.strip()]
    if not asked:
        raise ValidationError("questions: give at least one, one a line", field="questions")
    if len(asked) > MAX_QUESTIONS:
        raise ValidationError(
            f"questions: {len(asked)} is more than {MAX_QUESTIONS}", field="questions"
        )
    for number, question in enumerate(asked, 1):
        problem = plain_text_problem(question)
        if problem:
            raise ValidationError(f"question {number}: {problem}", field="questions")
    repeated = next((q for i, q in enumerate(asked) if q in asked[:i]), None)
    if repeated is not None:
        raise ValidationError(f"questions: {repeated!r} is asked twice", field="questions")
    clash = ws.db.execute(
        "SELECT id FROM evaluation_forms WHERE name = ? AND id IS NOT ?", [clean, form_id]
    ).fetchone()
    if clash:
        raise ValidationError(f"name: another form is called {clean!r}", field="name")
    values = {"name": clean, "questions": json.dumps(asked, ensure_ascii=False)}
    with ws.db.atomic():
        saved = _upsert(ws, "evaluation_forms", form_id, values, "evaluation form")
        _record(ws, f"evaluation form {clean!r}", f"{len(asked)} questions, id {saved}")
    return saved


@dataclass(frozen=True)
class ReminderDefaults:
    """When interviewers are reminded of a form when the interview names no policy."""

    first_after_hours: float
    repeat_every_hours: float
    max_reminders: int


def reminder_defaults(ws: Workspace) -> ReminderDefaults:
    _configure(ws)
    value = directory.get_setting(ws.db, "evaluation_reminder_policy")
    policy = value if isinstance(value, dict) else {}
    return ReminderDefaults(
        int(policy.get("first_after_minutes", 60)) / 60,
        int(policy.get("repeat_every_minutes", 1440)) / 60,
        int(policy.get("max_reminders", 3)),
    )


def save_reminder_defaults(
    ws: Workspace,
    first_after_hours: str | float,
    repeat_every_hours: str | float,
    max_reminders: str | int,
) -> ReminderDefaults:
    _configure(ws)
    first = parse_reminder_hours(first_after_hours)
    if first is None:
        raise ValidationError("first reminder: give the hours after the end", field="reminder")
    repeat = _hours_field(repeat_every_hours, "repeat every", "repeat")
    count = str(max_reminders).strip()
    if not count.isdigit() or not 1 <= int(count) <= 20:
        raise ValidationError(
            f"reminders: {count!r} is not a number from 1 to 20", field="max_reminders"
        )
    value = {
        "first_after_minutes": first,
        "repeat_every_minutes": repeat,
        "max_reminders": int(count),
    }
    with ws.db.atomic():
        directory.set_setting(ws.db, "evaluation_reminder_policy", value)
        _record(
            ws,
            "setting evaluation_reminder_policy",
            audit.setting_detail("evaluation_reminder_policy", value),
        )
    return reminder_defaults(ws)


def _hours_field(value: str | float, what: str, field_name: str) -> int:
    text = str(value).strip()
    try:
        hours = float(text.replace(",", "."))
    except ValueError:
        raise ValidationError(
            f"{what}: {text!r} is not a number of hours", field=field_name
        ) from None
    if not 0 < hours <= MAX_REMINDER_HOURS:
        raise ValidationError(
            f"{what}: {text} hours is outside 0–{MAX_REMINDER_HOURS}", field=field_name
        )
    return max(1, round(hours * 60))


# --------------------------------------------------------------------------- calendars


def _calendar_binding(
    ws: Workspace, provider_id: str | None, calendar_id: str | None
) -> tuple[str | None, str | None]:
    """(provider, calendar id), both or neither; the provider installed and content."""
    provider = (provider_id or "").strip() or None
    calendar = _line(calendar_id or "", "calendar", "calendar_id", required=False) or None
    if provider is None:
        if calendar is not None:
            raise ValidationError("calendar: choose its provider too", field="calendar_provider")
        return None, None
    if provider not in ws.registry.calendar_providers:
        installed = ", ".join(sorted(ws.registry.calendar_providers)) or "none"
        raise ValidationError(
            f"calendar provider: {provider!r} is not installed (installed: {installed})",
            field="calendar_provider",
        )
    if calendar is None:
        raise ValidationError("calendar: give the calendar's id", field="calendar_id")
    problem = ws.registry.calendar_id_problem(
        provider, directory.provider_settings(ws.db, provider), calendar
    )
    if problem:
        raise ValidationError(f"calendar: {problem}", field="calendar_id")
    return provider, calendar


def calendar_providers(ws: Workspace) -> list[tuple[str, str]]:
    """(id, display name) of each installed calendar provider."""
    _configure(ws)
    return [
        (provider_id, provider.display_name)
        for provider_id, provider in sorted(ws.registry.calendar_providers.items())
    ]


# --------------------------------------------------------------------------- rooms


@dataclass(frozen=True)
class RoomInput:
    name: str
    capacity: int | str
    location: str = ""
    calendar_provider: str | None = None
    calendar_id: str | None = None
    id: int | None = None


def list_rooms(ws: Workspace) -> list[Room]:
    _configure(ws)
    return directory.list_rooms(ws.db)


def save_room(ws: Workspace, wanted: RoomInput) -> int:
    _configure(ws)
    name = _line(wanted.name, "name", "name")
    text = str(wanted.capacity).strip()
    if not re.fullmatch(r"-?\d{1,6}", text) or int(text) < 1:
        raise ValidationError(
            f"capacity: {text!r} is not a number of people (1 or more)", field="capacity"
        )
    location = _line(wanted.location, "location", "location", required=False)
    provider, calendar = _calendar_binding(ws, wanted.calendar_provider, wanted.calendar_id)
    clash = ws.db.execute(
        "SELECT id FROM rooms WHERE name = ? AND id IS NOT ?", [name, wanted.id]
    ).fetchone()
    if clash:
        raise ValidationError(f"name: another room is called {name!r}", field="name")
    shared = ws.db.execute(
        "SELECT name FROM rooms WHERE calendar_provider = ? AND calendar_id = ? AND id IS NOT ?",
        [provider, calendar, wanted.id],
    ).fetchone()
    if shared:
        raise ValidationError(
            f"calendar: the room {shared[0]!r} already uses it", field="calendar_id"
        )
    values = {
        "name": name,
        "capacity": int(text),
        "location": location,
        "calendar_provider": provider,
        "calendar_id": calendar,
    }
    with ws.db.atomic():
        room_id = _upsert(ws, "rooms", wanted.id, values, "room")
        where = f"{provider}:{calendar}" if provider else "not integrated"
        _record(ws, f"room {name!r}", f"capacity {text}, calendar {where}, id {room_id}")
    return room_id


async def provider_rooms(ws: Workspace, provider_id: str) -> list[RoomInfo]:
    """The rooms the provider lists, to pick a room's calendar from (`NotSupported` when
    it lists none: then the id is typed)."""
    _configure(ws)
    if provider_id not in ws.registry.calendar_providers:
        raise ValidationError(
            f"calendar provider: {provider_id!r} is not installed", field="calendar_provider"
        )
    provider = ws.calendar_provider(provider_id)
    try:
        return list(await provider.list_rooms())
    finally:
        await provider.aclose()


# --------------------------------------------------------------------------- people

_DAY_RANGE = re.compile(r"^([A-Za-z]{3})(?:\s*[-–]\s*([A-Za-z]{3}))?$")
_SPAN = re.compile(r"^(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})$")


def parse_working_hours(text: str) -> WorkingHours:
    """ "Mon-Fri 09:00-17:00; Sat 10:00-12:00, 13:00-15:00" (as `WorkingHours.describe`
    writes it, en dashes or hyphens); empty text or "none": no working hours."""
    line = text.strip()
    if line.casefold() in ("", "none", "no working hours"):
        return WorkingHours(((),) * 7)
    spans: dict[str, list[list[str]]] = {}
    for part in (p.strip() for p in line.split(";")):
        if not part:
            continue
        head, _, rest = part.partition(" ")
        days = _days(head, part)
        for span in (s.strip() for s in rest.split(",")):
            found = _SPAN.match(span)
            if not found:
                raise ValidationError(
                    f"working hours: {part!r} is not like 'Mon-Fri 09:00-17:00'",
                    field="working_hours",
                )
            start, end = (_hhmm(t, part) for t in found.groups())
            for day in days:
                spans.setdefault(day, []).append([start, end])
    try:
        return WorkingHours.from_mapping(spans)
    except ValidationError as exc:
        raise ValidationError(str(exc), field="working_hours") from None


def _days(head: str, part: str) -> list[str]:
    found = _DAY_RANGE.match(head)
    names = [name.lower() for name in found.groups() if name] if found else []
    if not names or any(name not in WEEKDAYS for name in names):
        raise ValidationError(
            f"working hours: {part!r} does not start with a day (Mon … Sun)",
            field="working_hours",
        )
    first = WEEKDAYS.index(names[0])
    last = WEEKDAYS.index(names[-1])
    if last < first:
        raise ValidationError(f"working hours: {head!r} runs backwards", field="working_hours")
    return list(WEEKDAYS[first : last + 1])


def _hhmm(text: str, part: str) -> str:
    try:
        return time.fromisoformat(text.zfill(5)).strftime("%H:%M")
    except ValueError:
        raise ValidationError(
            f"working hours: {text!r} in {part!r} is not a time", field="working_hours"
        ) from None


@dataclass(frozen=True)
class PersonInput:
    name: str
    email: str
    timezone: str
    working_hours: str
    """As `parse_working_hours` reads it."""
    calendar_provider: str | None = None
    calendar_id: str | None = None
    company_role_id: int | None = None
    id: int | None = None


@dataclass(frozen=True)
class PersonRow:
    employee: Employee
    role_name: str | None


def list_people(ws: Workspace) -> list[PersonRow]:
    _configure(ws)
    roles = {role.id: role.name for role in list_roles(ws)}
    return [
        PersonRow(employee, roles.get(employee.company_role_id or -1))
        for employee in directory.list_employees(ws.db)
    ]


def save_person(ws: Workspace, wanted: PersonInput) -> int:
    """Create or change an employee: name, email, zone, hours, calendar and company role.
    Refused when it would leave no one able to configure."""
    _configure(ws)
    db = ws.db
    name = _line(wanted.name, "name", "name")
    email = _line(wanted.email, "email", "email")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ValidationError(f"email: {email!r} is not an email address", field="email")
    zone = wanted.timezone.strip()
    if zone_or_none(zone) is None:
        raise ValidationError(f"time zone: unknown zone {zone!r}", field="timezone")
    hours = parse_working_hours(wanted.working_hours)
    provider, calendar = _calendar_binding(ws, wanted.calendar_provider, wanted.calendar_id)
    role_id = wanted.company_role_id
    if role_id is not None and not _exists(ws, "recruiting_roles", role_id):
        raise ValidationError("role: no such recruiting role", field="role")
    clash = db.execute(
        "SELECT id FROM employees WHERE email = ? COLLATE NOCASE AND id IS NOT ?",
        [email, wanted.id],
    ).fetchone()
    if clash:
        raise ValidationError(f"email: another employee has {email}", field="email")
    values = {
        "name": name,
        "email": email,
        "timezone": zone,
        "working_hours": hours.to_json(),
        "calendar_provider": provider,
        "calendar_id": calendar,
        "company_role_id": role_id,
    }
    with db.atomic():
        before = admins(db)
        person_id = _upsert(ws, "employees", wanted.id, values, "employee")
        keep_an_admin(db, before)
        where = f"{provider}:{calendar}" if provider else "not integrated"
        _record(
            ws,
            f"employee {person_id} ({email})",
            f"zone {zone}, hours {hours.describe()}, calendar {where}, role id {role_id}",
        )
    return person_id


@dataclass(frozen=True)
class CalendarTest:
    ok: bool
    message: str
    """One line: how many events were read, or why the calendar could not be read."""


async def read_calendar_now(ws: Workspace, employee_id: int, days: int = 7) -> CalendarTest:
    """Read the person's calendar now (the next `days` days, from the provider, not the
    cache): whether Panelist can, and how many events it found. Nothing is stored."""
    _configure(ws)
    from panelist.services.calendar_view import read_calendar

    person = directory.get_employee(ws.db, employee_id)
    if person.calendar_provider is None or person.calendar_id is None:
        return CalendarTest(False, f"{person.name}: calendar not integrated")
    start = ws.clock.now()
    try:
        provider = ws.calendar_provider(person.calendar_provider)
        try:
            events = await read_calendar(
                provider, person.calendar_id, start, start + timedelta(days=days)
            )
        finally:
            await provider.aclose()
    except PanelistError as exc:
        return CalendarTest(False, f"{person.name}: {audit.one_line(str(exc))}")
    noun = "event" if len(events) == 1 else "events"
    return CalendarTest(True, f"{person.name}: read {len(events)} {noun} in the next {days} days")


# --------------------------------------------------------------------------- video accounts


@dataclass(frozen=True)
class VideoAccount:
    employee_id: int
    employee_name: str
    provider: str
    account: str
    verified_at: datetime | None
    checked_at: datetime | None


def list_video_accounts(ws: Workspace) -> list[VideoAccount]:
    """Who is a verified host where (and who was asked and is not)."""
    _configure(ws)
    from panelist.storage.instants import from_text

    rows = ws.db.execute(
        "SELECT v.employee_id, e.name, v.provider, v.account, v.verified_at, v.checked_at"
        " FROM video_accounts v JOIN employees e ON e.id = v.employee_id"
        " ORDER BY e.name, v.provider"
    ).fetchall()
    return [
        VideoAccount(
            int(eid),
            str(name),
            str(provider),
            str(account),
            from_text(verified) if verified else None,
            from_text(checked) if checked else None,
        )
        for eid, name, provider, account, verified, checked in rows
    ]


async def verify_now(ws: Workspace, employee_id: int) -> list[str]:
    """Ask every video provider that verifies hosts about the person now; one line each."""
    _configure(ws)
    from panelist.services.hosts import verify_host

    checks = await verify_host(ws, employee_id, force=True)
    if not checks:
        return ["no video provider that verifies hosts is set up"]
    lines = []
    for check in checks:
        if check.verified is None:
            lines.append(f"{check.provider}: no answer ({check.problem})")
        else:
            lines.append(f"{check.provider}: {'verified' if check.verified else 'not verified'}")
    return lines


# --------------------------------------------------------------------------- roles


@dataclass(frozen=True)
class RoleRow:
    id: int
    name: str
    rights: frozenset[Right]
    holders: int
    """Employees holding it company-wide."""


def list_roles(ws: Workspace) -> list[RoleRow]:
    _configure(ws)
    rows = ws.db.execute(
        "SELECT r.id, r.name, r.rights,"
        " (SELECT count(*) FROM employees e WHERE e.company_role_id = r.id AND e.active)"
        " FROM recruiting_roles r ORDER BY r.id"
    ).fetchall()
    return [RoleRow(int(i), str(n), parse_rights(raw), int(c)) for i, n, raw, c in rows]


def save_role(
    ws: Workspace, name: str, rights: frozenset[Right] | set[Right], role_id: int | None = None
) -> int:
    """Create or change a recruiting role. Refused when no one would be left who may
    configure (the last Admin role losing Configure)."""
    _configure(ws)
    clean = _line(name, "name", "name")
    try:
        wanted = frozenset(Right(r) for r in rights)
    except ValueError as exc:
        raise ValidationError(f"rights: {exc}", field="rights") from None
    clash = ws.db.execute(
        "SELECT id FROM recruiting_roles WHERE name = ? AND id IS NOT ?", [clean, role_id]
    ).fetchone()
    if clash:
        raise ValidationError(f"name: another role is called {clean!r}", field="name")
    with ws.db.atomic():
        before = admins(ws.db)
        saved = _upsert(
            ws, "recruiting_roles", role_id, {"name": clean, "rights": dump_rights(wanted)}, "role"
        )
        try:
            keep_an_admin(ws.db, before)
        except ValidationError as exc:
            raise ValidationError(str(exc), field="rights") from None
        shown = ", ".join(sorted(r.value for r in wanted)) or "no rights"
        _record(ws, f"role {clean!r}", f"{shown}, id {saved}")
    return saved


@dataclass(frozen=True)
class JobRole:
    """A person responsible for a job, and the role they hold for it."""

    job_id: int
    job_title: str
    employee_id: int
    employee_name: str
    role_id: int
    role_name: str


def list_job_roles(ws: Workspace) -> list[JobRole]:
    _configure(ws)
    rows = ws.db.execute(
        "SELECT j.id, j.title, e.id, e.name, r.id, r.name FROM job_responsibles jr"
        " JOIN jobs j ON j.id = jr.job_id JOIN employees e ON e.id = jr.employee_id"
        " JOIN recruiting_roles r ON r.id = jr.role_id ORDER BY j.title, e.name"
    ).fetchall()
    return [JobRole(int(j), str(t), int(e), str(n), int(r), str(rn)) for j, t, e, n, r, rn in rows]


def list_jobs(ws: Workspace) -> list[NamedChoice]:
    """Every job, open or closed, by title."""
    _configure(ws)
    rows = ws.db.execute("SELECT id, title FROM jobs ORDER BY title").fetchall()
    return [NamedChoice(int(i), str(t)) for i, t in rows]


def set_job_role(ws: Workspace, job_id: int, employee_id: int, role_id: int | None) -> None:
    """Make the person responsible for the job with `role_id` (None: no longer)."""
    _configure(ws)
    if not _exists(ws, "jobs", job_id):
        raise NotFound(f"no job with id {job_id}")
    directory.get_employee(ws.db, employee_id)
    if role_id is not None and not _exists(ws, "recruiting_roles", role_id):
        raise ValidationError("role: no such recruiting role", field="role")
    with ws.db.atomic():
        if role_id is None:
            ws.db.execute(
                "DELETE FROM job_responsibles WHERE job_id = ? AND employee_id = ?",
                [job_id, employee_id],
            )
        else:
            ws.db.execute(
                "INSERT INTO job_responsibles (job_id, employee_id, role_id) VALUES (?, ?, ?)"
                " ON CONFLICT (job_id, employee_id) DO UPDATE SET role_id = excluded.role_id",
                [job_id, employee_id, role_id],
            )
        _record(ws, f"job {job_id}", f"employee {employee_id}: role id {role_id}")


# --------------------------------------------------------------------------- integrations

ProviderKind = Literal["calendar", "conference"]


@dataclass(frozen=True)
class OptionState:
    option: ProviderOption
    value: str | None
    """The stored value (None: not set); never a secret's value."""
    secret_kept: bool = False
    """For a secret: whether the keyring or environment has one."""


@dataclass(frozen=True)
class Integration:
    provider_id: str
    settings_id: str
    """Whose settings it reads (Google Meet reads Google's)."""
    display_name: str
    kind: ProviderKind
    options: tuple[OptionState, ...] = field(default=())
    set_up: bool = False


def list_integrations(ws: Workspace) -> list[Integration]:
    """Each installed provider with its declared options and their current values."""
    _configure(ws)
    from panelist.secrets import get_secret

    found = []
    set_up = directory.providers_with_settings(ws.db)
    registries: tuple[tuple[ProviderKind, Mapping[str, Any]], ...] = (
        ("calendar", ws.registry.calendar_providers),
        ("conference", ws.registry.conference_providers),
    )
    for kind, providers in registries:
        for provider_id, provider in sorted(providers.items()):
            settings_id = provider.settings_id or provider_id
            stored = directory.provider_settings(ws.db, settings_id)
            states = tuple(
                OptionState(option, None, get_secret(settings_id, option.name) is not None)
                if option.kind == "secret"
                else OptionState(option, stored.get(option.name))
                for option in provider.options
            )
            found.append(
                Integration(
                    provider_id,
                    settings_id,
                    provider.display_name,
                    kind,
                    states,
                    settings_id in set_up,
                )
            )
    return found


def _integration(ws: Workspace, provider_id: str, kind: ProviderKind | None) -> Integration:
    for integration in list_integrations(ws):
        if integration.provider_id == provider_id and (kind is None or integration.kind == kind):
            return integration
    raise NotFound(f"no installed provider {provider_id!r}")


def clean_secret(value: str) -> str:
    """A pasted secret without the whitespace that came with it (a trailing newline);
    one that still holds a line break or control character is refused."""
    text = value.strip()
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise ValidationError(
            "secret: holds a line break or control character; paste it on one line",
            field="secret",
        )
    return text


def _option_value(option: ProviderOption, raw: str) -> str:
    text = _line(raw, option.label, option.name, required=False)
    if not text:
        if option.required and option.default is None:
            raise ValidationError(f"{option.label}: needed", field=option.name)
        return text
    if option.kind == "int" and not re.fullmatch(r"-?\d+", text):
        raise ValidationError(f"{option.label}: {text!r} is not a whole number", field=option.name)
    if option.kind == "bool" and text.lower() not in ("true", "false", "yes", "no", "1", "0"):
        raise ValidationError(f"{option.label}: yes or no", field=option.name)
    if option.kind == "choice" and option.choices and text not in option.choices:
        raise ValidationError(
            f"{option.label}: choose one of {', '.join(option.choices)}", field=option.name
        )
    if option.kind == "url" and not re.fullmatch(r"https?://[^\s/]+\S*", text):
        raise ValidationError(f"{option.label}: {text!r} is not an http(s) URL", field=option.name)
    return text


def save_integration(
    ws: Workspace,
    provider_id: str,
    values: Mapping[str, str],
    secrets: Mapping[str, str] | None = None,
    kind: ProviderKind | None = None,
) -> None:
    """Store a provider's options (`values`, by option name) and secrets (into the OS
    keyring, trailing whitespace stripped; an empty one keeps the one kept). Every value
    is checked first; a secret the keyring refuses leaves the settings unchanged."""
    _configure(ws)
    from panelist.secrets import keep_secret

    integration = _integration(ws, provider_id, kind)
    options = {state.option.name: state.option for state in integration.options}
    unknown = sorted((set(values) | set(secrets or {})) - set(options))
    if unknown:
        raise ValidationError(f"{provider_id} has no option {unknown[0]!r}", field=unknown[0])
    clean: dict[str, str] = {}
    for name, option in options.items():
        if option.kind == "secret":
            continue
        if name in values:
            text = _option_value(option, values[name])
            if text:
                clean[name] = text
        elif option.required and option.default is None:
            raise ValidationError(f"{option.label}: needed", field=name)
    kept: dict[str, str] = {}
    for name, raw in (secrets or {}).items():
        if options[name].kind != "secret":
            raise ValidationError(f"{options[name].label}: not a secret", field=name)
        value = clean_secret(raw)
        if value:
            kept[name] = value
    for name, value in kept.items():
        keep_secret(integration.settings_id, name, value)
    with ws.db.atomic():
        for name, value in clean.items():
            ws.db.execute(
                "INSERT INTO provider_settings (provider, key, value) VALUES (?, ?, ?)"
                " ON CONFLICT (provider, key) DO UPDATE SET value = excluded.value",
                [integration.settings_id, name, value],
            )
        cleared = [name for name in options if name in values and name not in clean]
        for name in cleared:
            ws.db.execute(
                "DELETE FROM provider_settings WHERE provider = ? AND key = ?",
                [integration.settings_id, name],
            )
        detail = ", ".join(
            [f"{name} {audit.setting_detail(name, value)}" for name, value in sorted(clean.items())]
            + [f"{name} cleared" for name in cleared]
            + [f"{name} kept in the keyring" for name in sorted(kept)]
        )
        _record(ws, f"provider {integration.settings_id}", detail or "no change")


async def check_integration(
    ws: Workspace, provider_id: str, kind: ProviderKind | None = None
) -> list[tuple[str, str]]:
    """The provider's ``panelist doctor`` lines: (status, text) each."""
    _configure(ws)
    from panelist import doctor
    from panelist.calendars import mapped_calendars

    integration = _integration(ws, provider_id, kind)
    if integration.kind == "calendar":
        mine = [c for c in mapped_calendars(ws.db) if c.key.provider == provider_id]
        lines = await doctor.calendar_provider_lines(ws, provider_id, mine)
    else:
        lines = await doctor.conference_provider_lines(ws, provider_id)
    if not lines:
        return [("ok", f"{integration.display_name}: nothing to check")]
    return [(line.status, line.text()) for line in lines]
