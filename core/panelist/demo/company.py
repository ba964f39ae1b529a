"""The demo company's records: roles, people, rooms, jobs, candidates and configuration."""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from panelist.demo import data
from panelist.demo.data import JobSpec, Person, RoomSpec
from panelist.demo.times import iso
from panelist.models import Method, Stage, WorkingHours
from panelist.permissions import DEFAULT_ROLES, dump_rights
from panelist.services.directory import set_setting

LOCAL = "local"
JITSI = "jitsi"


@dataclass(frozen=True)
class DemoEmployee:
    id: int
    person: Person
    email: str
    hours: WorkingHours
    calendar_id: str | None

    @property
    def name(self) -> str:
        return self.person.name

    @property
    def zone(self) -> str:
        return self.person.zone

    @property
    def region(self) -> str:
        return data.REGION_OF_ZONE[self.person.zone]


@dataclass(frozen=True)
class DemoRoom:
    id: int
    spec: RoomSpec
    calendar_id: str


@dataclass(frozen=True)
class DemoJob:
    id: int
    spec: JobSpec
    recruiter: DemoEmployee
    hiring_manager: DemoEmployee


@dataclass(frozen=True)
class DemoApplication:
    id: int
    job: DemoJob
    candidate_name: str
    candidate_email: str
    candidate_zone: str | None
    stage: Stage


@dataclass(frozen=True)
class InterviewType:
    id: int
    name: str
    minutes: int
    method: Method
    form_id: int | None


@dataclass
class Company:
    employees: list[DemoEmployee]
    rooms: list[DemoRoom]
    jobs: list[DemoJob]
    applications: list[DemoApplication]
    role_ids: dict[str, int]
    interview_types: dict[str, InterviewType]
    jitsi_hosts: list[DemoEmployee]

    def employee(self, name: str) -> DemoEmployee:
        return next(e for e in self.employees if e.name == name)

    @property
    def integrated(self) -> list[DemoEmployee]:
        return [e for e in self.employees if e.calendar_id is not None]


def insert_rows(db: Database, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """One executemany per table: far faster than row-by-row inserts."""
    if not rows:
        return
    columns = list(rows[0])
    sql = (
        f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)})"
        f" VALUES ({', '.join('?' for _ in columns)})"
    )
    db.conn.executemany(sql, [[row[c] for c in columns] for row in rows])


def ascii_slug(text: str, keep: str = "") -> str:
    """ "Łukasz Nowak" -> "lukasznowak": for e-mail addresses and calendar ids."""
    folded = text.casefold().translate(_NON_DECOMPOSING)
    plain = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain if ch.isalnum() or ch in keep)


_NON_DECOMPOSING = str.maketrans(
    {"ł": "l", "ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ı": "i", "ð": "d", "þ": "th"}
)


def email_for(name: str, domain: str) -> str:
    first, _, last = name.partition(" ")
    return f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}"


def seed_company(
    db: Database, rng: random.Random, today: date, now: datetime, os_user: str | None
) -> Company:
    role_ids = _insert_roles(db)
    employees = _insert_employees(db, role_ids, os_user)
    rooms = _insert_rooms(db)
    by_name = {e.name: e for e in employees}
    jobs = _insert_jobs(db, by_name, role_ids)
    applications = _insert_candidates(db, rng, jobs, today)
    interview_types = _insert_forms_and_types(db)
    _insert_templates(db)
    jitsi_hosts = _insert_video_accounts(db, employees, now)
    _insert_settings(db)
    return Company(employees, rooms, jobs, applications, role_ids, interview_types, jitsi_hosts)


def _insert_roles(db: Database) -> dict[str, int]:
    """The default roles; a migration normally created them already, so only add what lacks."""
    existing = dict(db.execute("SELECT name, id FROM recruiting_roles").fetchall())
    missing = [name for name in DEFAULT_ROLES if name not in existing]
    insert_rows(
        db,
        "recruiting_roles",
        [{"name": name, "rights": dump_rights(DEFAULT_ROLES[name])} for name in missing],
    )
    return {name: id_ for name, id_ in db.execute("SELECT name, id FROM recruiting_roles")}


def _insert_employees(
    db: Database, role_ids: Mapping[str, int], os_user: str | None
) -> list[DemoEmployee]:
    employees = []
    for i, person in enumerate(data.PEOPLE, start=1):
        if person.email_local:
            email = f"{person.email_local}@{data.EMAIL_DOMAIN}"
        else:
            email = email_for(person.name, data.EMAIL_DOMAIN)
        hours = WorkingHours.from_mapping(data.HOURS[person.hours])
        calendar_id = email if person.integrated else None
        employees.append(DemoEmployee(i, person, email, hours, calendar_id))
    insert_rows(
        db,
        "employees",
        [
            {
                "id": e.id,
                "email": e.email,
                "name": e.name,
                "timezone": e.zone,
                "working_hours": e.hours.to_json(),
                "calendar_provider": LOCAL if e.calendar_id else None,
                "calendar_id": e.calendar_id,
                "os_user": os_user if e.person.os_user_slot else None,
                "company_role_id": role_ids[e.person.role],
                "active": 1,
            }
            for e in employees
        ],
    )
    return employees


def _insert_rooms(db: Database) -> list[DemoRoom]:
    rooms = [
        DemoRoom(i, spec, f"room:{ascii_slug(spec.name, keep='-')}")
        for i, spec in enumerate(data.ROOMS, start=1)
    ]
    insert_rows(
        db,
        "rooms",
        [
            {
                "id": r.id,
                "name": r.spec.name,
                "capacity": r.spec.capacity,
                "location": r.spec.location,
                "calendar_provider": LOCAL,
                "calendar_id": r.calendar_id,
            }
            for r in rooms
        ],
    )
    return rooms


def _insert_jobs(
    db: Database, by_name: Mapping[str, DemoEmployee], role_ids: Mapping[str, int]
) -> list[DemoJob]:
    jobs = [
        DemoJob(i, spec, by_name[spec.recruiter], by_name[spec.hiring_manager])
        for i, spec in enumerate(data.JOBS, start=1)
    ]
    insert_rows(
        db,
        "jobs",
        [
            {
                "id": j.id,
                "title": j.spec.title,
                "department": j.spec.department,
                "location": j.spec.location,
                "status": "open" if j.spec.open else "closed",
            }
            for j in jobs
        ],
    )
    responsibles = []
    for job in jobs:
        responsibles.append((job.id, job.recruiter.id, role_ids["Recruiter"]))
        responsibles.append((job.id, job.hiring_manager.id, role_ids["Hiring manager"]))
    insert_rows(
        db,
        "job_responsibles",
        [{"job_id": j, "employee_id": e, "role_id": r} for j, e, r in responsibles],
    )
    return jobs


# Stages of a job's applicants in order of arrival; shuffled per job. Every job
# with two applicants or more has someone in the interview stage.
_STAGE_PATTERN = (
    Stage.INTERVIEW, Stage.SCREENING, Stage.INTERVIEW, Stage.NEW, Stage.REJECTED, Stage.OFFER,
    Stage.HIRED, Stage.INTERVIEW, Stage.NEW, Stage.SCREENING, Stage.REJECTED,
)  # fmt: skip
_CLOSED_JOB_STAGES = (Stage.HIRED, Stage.REJECTED, Stage.REJECTED, Stage.REJECTED)


def _insert_candidates(
    db: Database, rng: random.Random, jobs: Sequence[DemoJob], today: date
) -> list[DemoApplication]:
    names = _CandidateNames(rng)
    applications: list[DemoApplication] = []
    candidates: list[dict[str, Any]] = []
    for job in jobs:
        pattern = _STAGE_PATTERN if job.spec.open else _CLOSED_JOB_STAGES
        stages = list(pattern[: job.spec.applicants])
        rng.shuffle(stages)
        for stage in stages:
            name, email = names.next()
            zone = rng.choice(data.CANDIDATE_ZONES) if rng.random() < 0.5 else None
            candidates.append(
                {
                    "id": len(candidates) + 1,
                    "name": name,
                    "email": email,
                    "phone": f"+31 6 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}",
                    "timezone": zone,
                }
            )
            app_id = len(applications) + 1
            applications.append(DemoApplication(app_id, job, name, email, zone, stage))
    # A few candidates also apply to a second job, as real ones do.
    for source_id, job in ((2, jobs[6]), (5, jobs[1]), (30, jobs[0])):
        source = applications[source_id - 1]
        applications.append(
            DemoApplication(
                len(applications) + 1,
                job,
                source.candidate_name,
                source.candidate_email,
                source.candidate_zone,
                Stage.SCREENING,
            )
        )
    insert_rows(db, "candidates", candidates)
    candidate_ids = {c["email"]: c["id"] for c in candidates}
    insert_rows(
        db,
        "applications",
        [
            {
                "id": a.id,
                "candidate_id": candidate_ids[a.candidate_email],
                "job_id": a.job.id,
                "stage": a.stage.value,
                "applied_on": _applied_on(rng, a.stage, today).isoformat(),
            }
            for a in applications
        ],
    )
    return applications


def _applied_on(rng: random.Random, stage: Stage, today: date) -> date:
    """Later stages applied longer ago."""
    oldest, newest = {
        Stage.NEW: (10, 1),
        Stage.SCREENING: (25, 5),
        Stage.INTERVIEW: (45, 12),
        Stage.OFFER: (70, 30),
        Stage.HIRED: (90, 45),
        Stage.REJECTED: (80, 10),
    }[stage]
    return today - timedelta(days=rng.randint(newest, oldest))


class _CandidateNames:
    """Unique candidate names and e-mail addresses, culture by culture."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._taken: set[str] = set()

    def next(self) -> tuple[str, str]:
        firsts, lasts = self._rng.choice(data.CANDIDATE_NAMES)
        while True:
            name = f"{self._rng.choice(firsts)} {self._rng.choice(lasts)}"
            if name not in self._taken:
                break
        self._taken.add(name)
        return name, email_for(name, data.CANDIDATE_EMAIL_DOMAIN)


EVALUATION_FORMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("General evaluation", (
        "How well does the candidate communicate?",
        "What motivates the candidate for this role?",
        "Strengths and concerns",
        "Recommendation: strong no / no / yes / strong yes",
    )),
    ("Technical evaluation", (
        "Problem solving: how did the candidate approach the exercise?",
        "Code quality and testing",
        "System design: trade-offs considered",
        "Could they work on our codebase within a month?",
        "Recommendation: strong no / no / yes / strong yes",
    )),
    ("Culture and values", (
        "Collaboration: examples of working with others",
        "How does the candidate handle feedback?",
        "Which of our values did you recognise?",
    )),
    ("Case study review", (
        "Structure of the presentation",
        "Quality of the analysis",
        "Answers to follow-up questions",
        "Recommendation: strong no / no / yes / strong yes",
    )),
)  # fmt: skip

# name, minutes, method, evaluation form
INTERVIEW_TYPES: tuple[tuple[str, int, Method, str | None], ...] = (
    ("Phone screen", 30, Method.PHONE, None),
    ("Technical interview", 90, Method.VIDEO, "Technical evaluation"),
    ("Hiring manager interview", 60, Method.VIDEO, "General evaluation"),
    ("Culture fit", 45, Method.IN_PERSON, "Culture and values"),
    ("Case study", 120, Method.IN_PERSON, "Case study review"),
    ("Final interview", 60, Method.IN_PERSON, "General evaluation"),
)


def _insert_forms_and_types(db: Database) -> dict[str, InterviewType]:
    form_ids = {name: i for i, (name, _) in enumerate(EVALUATION_FORMS, start=1)}
    insert_rows(
        db,
        "evaluation_forms",
        [
            {"id": form_ids[name], "name": name, "questions": json.dumps(list(questions))}
            for name, questions in EVALUATION_FORMS
        ],
    )
    types = {
        name: InterviewType(i, name, minutes, method, form_ids[form] if form else None)
        for i, (name, minutes, method, form) in enumerate(INTERVIEW_TYPES, start=1)
    }
    insert_rows(
        db,
        "interview_types",
        [
            {
                "id": t.id,
                "name": t.name,
                "duration_minutes": t.minutes,
                "default_method": t.method.value,
                "evaluation_form_id": t.form_id,
            }
            for t in types.values()
        ],
    )
    return types


# Placeholders used: candidate.name, job.title, company.name, organiser.name,
# interviewer.name, interview.type, interview.start_candidate, interview.start_local,
# interview.duration_minutes, interview.location, interview.video_link, form.name,
# previous.start_candidate.
MESSAGE_TEMPLATES: tuple[tuple[str, str, str, str], ...] = (
    (
        "Interview invitation",
        "candidate_invitation",
        "Your interview for {{ job.title }} at {{ company.name }}",
        """Dear {{ candidate.name }},

Thank you for your interest in the position of {{ job.title }}. We would like to
invite you to a {{ interview.type | lower }} on {{ interview.start_candidate }}
({{ interview.duration_minutes }} minutes).
{% if interview.video_link %}
Join the video call at {{ interview.video_link }}
{% elif interview.location %}
Address: {{ interview.location }}. Please report to the reception.
{% else %}
We will call you on the number you gave us.
{% endif %}
The attached calendar event holds the same details.

Kind regards,
{{ organiser.name }}
{{ company.name }}
""",
    ),
    (
        "Uitnodiging sollicitatiegesprek",
        "candidate_invitation",
        "Uitnodiging: {{ job.title }} bij {{ company.name }}",
        """Beste {{ candidate.name }},

Bedankt voor je sollicitatie naar de functie {{ job.title }}. Graag nodigen we je uit
voor een gesprek op {{ interview.start_candidate }}.
{% if interview.video_link %}
Je kunt deelnemen via {{ interview.video_link }}
{% elif interview.location %}
Adres: {{ interview.location }}
{% endif %}
Met vriendelijke groet,
{{ organiser.name }}
""",
    ),
    (
        "Interview cancelled (candidate)",
        "candidate_cancellation",
        "Your interview for {{ job.title }} has been cancelled",
        """Dear {{ candidate.name }},

Unfortunately we have to cancel your interview for {{ job.title }} on
{{ interview.start_candidate }}. We will contact you shortly about a new date.

Our apologies,
{{ organiser.name }}
{{ company.name }}
""",
    ),
    (
        "Interview cancelled (interviewer)",
        "interviewer_cancellation",
        "Cancelled: interview with {{ candidate.name }} ({{ job.title }})",
        """Hi {{ interviewer.name }},

The {{ interview.type | lower }} with {{ candidate.name }} for {{ job.title }} on
{{ interview.start_local }} has been cancelled. The event has been removed from
your calendar.

{{ organiser.name }}
""",
    ),
    (
        "Evaluation reminder",
        "evaluation_reminder",
        "Reminder: evaluate {{ candidate.name }} for {{ job.title }}",
        """Hi {{ interviewer.name }},

You interviewed {{ candidate.name }} for {{ job.title }} on {{ interview.start_local }}.
Please fill in the "{{ form.name }}" form while it is fresh in your mind.

Thanks!
""",
    ),
    (
        "Interviewer declined",
        "decline_notice",
        "{{ interviewer.name }} declined the interview with {{ candidate.name }}",
        """Hi {{ organiser.name }},

{{ interviewer.name }} declined the {{ interview.type | lower }} with
{{ candidate.name }} ({{ job.title }}) on {{ interview.start_local }}.
Open the interview in Panelist to find another interviewer or a new time.
""",
    ),
    (
        "Interview moved",
        "candidate_reschedule",
        "New time for your interview for {{ job.title }} at {{ company.name }}",
        """Dear {{ candidate.name }},

We have had to move your {{ interview.type | lower }} for {{ job.title }}.
It was planned for {{ previous.start_candidate }};
the new time is {{ interview.start_candidate }} ({{ interview.duration_minutes }} minutes).
{% if interview.video_link %}
Join the video call at {{ interview.video_link }}
{% elif interview.location %}
Address: {{ interview.location }}. Please report to the reception.
{% endif %}
The attached calendar event replaces the one we sent before.

Kind regards,
{{ organiser.name }}
{{ company.name }}
""",
    ),
    (
        "Scheduling link",
        "scheduling_link",
        "Choose a time for your {{ link.type | lower }} at {{ company.name }}",
        """Dear {{ candidate.name }},

Thank you for your interest in the position of {{ job.title }}. We would like to
invite you to a {{ link.type | lower }} ({{ link.duration_minutes }} minutes).
Please choose a time that suits you, from {{ link.window }}:

{{ link.url }}

The link works until {{ link.expires }}.
After booking you can still move or cancel the interview through the same link.

Kind regards,
{{ organiser.name }}
{{ company.name }}
""",
    ),
    (
        "Planningslink",
        "scheduling_link",
        "Kies een tijd voor je gesprek bij {{ company.name }}",
        """Beste {{ candidate.name }},

Bedankt voor je sollicitatie naar de functie {{ job.title }}. Graag nodigen we je uit
voor een gesprek van {{ link.duration_minutes }} minuten. Kies via deze link een
moment dat je uitkomt ({{ link.window }}):

{{ link.url }}

De link werkt tot {{ link.expires }}.

Met vriendelijke groet,
{{ organiser.name }}
""",
    ),
)


# The demo's templates are English but for two, which the composer offers under "nl".
TEMPLATE_LANGUAGES = {"Uitnodiging sollicitatiegesprek": "nl", "Planningslink": "nl"}


def _insert_templates(db: Database) -> None:
    insert_rows(
        db,
        "message_templates",
        [
            {
                "id": i,
                "name": name,
                "purpose": purpose,
                "subject": subject,
                "body": body,
                "language": TEMPLATE_LANGUAGES.get(name, "en"),
            }
            for i, (name, purpose, subject, body) in enumerate(MESSAGE_TEMPLATES, start=1)
        ],
    )


# People who may host interviews get a verified Jitsi account; a few started a Zoom sign-up.
_HOST_ROLES = ("Recruiter", "Hiring manager", "Interviewer")
_ZOOM_PENDING = ("Emma Visser", "Michael Johnson", "George Wilson", "Ana Silva")
_NO_JITSI = ("Björn Lindqvist", "Priya Patel")


def _insert_video_accounts(
    db: Database, employees: Iterable[DemoEmployee], now: datetime
) -> list[DemoEmployee]:
    hosts = [
        e
        for e in employees
        if e.calendar_id and e.person.role in _HOST_ROLES and e.name not in _NO_JITSI
    ]
    rows = [
        {
            "employee_id": e.id,
            "provider": JITSI,
            "account": e.email,
            "verified_at": iso(now - timedelta(days=30 + e.id)),
        }
        for e in hosts
    ]
    rows += [
        {"employee_id": e.id, "provider": "zoom", "account": e.email, "verified_at": None}
        for e in employees
        if e.name in _ZOOM_PENDING
    ]
    insert_rows(db, "video_accounts", rows)
    return hosts


def _insert_settings(db: Database) -> None:
    for key, value in (
        ("company_name", data.COMPANY_NAME),
        ("company_timezone", data.AMSTERDAM),
        ("holiday_country", "NL"),
        ("show_private_event_names", False),
        ("demo", True),
    ):
        set_setting(db, key, value)
