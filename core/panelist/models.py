"""The company's records as core hands them around. Storage rows map onto these."""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, time

from panelist.errors import ValidationError
from panelist.providers.events import ResponseStatus


class Stage(enum.StrEnum):
    NEW = "new"
    SCREENING = "screening"
    INTERVIEW = "interview"
    OFFER = "offer"
    HIRED = "hired"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Method(enum.StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"

    @property
    def label(self) -> str:
        return {"in_person": "In person", "phone": "Phone", "video": "Video"}[self.value]


class InterviewStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class CandidateStatus(enum.StrEnum):
    NOT_INVITED = "not_invited"
    EMAIL_SENT = "email_sent"

    @property
    def label(self) -> str:
        return {"not_invited": "Not invited", "email_sent": "Email sent"}[self.value]


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkingHours:
    """Per weekday (Monday = 0) the local-time spans a person works; empty = day off."""

    days: tuple[tuple[tuple[time, time], ...], ...]

    @classmethod
    def office(cls, start: str = "09:00", end: str = "17:00", days: int = 5) -> WorkingHours:
        span = ((time.fromisoformat(start), time.fromisoformat(end)),)
        return cls(tuple(span if i < days else () for i in range(7)))

    @classmethod
    def from_json(cls, raw: str) -> WorkingHours:
        return cls.from_mapping(json.loads(raw))

    @classmethod
    def from_mapping(cls, data: dict[str, list[list[str]]]) -> WorkingHours:
        unknown = set(data) - set(WEEKDAYS)
        if unknown:
            raise ValidationError(f"unknown weekday {sorted(unknown)[0]!r} in working hours")
        days = []
        for day in WEEKDAYS:
            spans = []
            for pair in data.get(day, []):
                try:
                    start, end = (time.fromisoformat(pair[0]), time.fromisoformat(pair[1]))
                except (ValueError, IndexError, TypeError):
                    raise ValidationError(
                        f"working hours on {day}: {pair!r} is not a pair of HH:MM times"
                    ) from None
                if end <= start:
                    raise ValidationError(
                        f"working hours on {day}: {pair[1]} is not after {pair[0]}"
                    )
                spans.append((start, end))
            days.append(tuple(sorted(spans)))
        return cls(tuple(days))

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """ "Mon-Fri 09:00-17:00; Sat 10:00-12:00, 13:00-15:00" (as `describe` writes it,
        en dashes or hyphens; days may be listed "Mon,Wed"); "none" or "": no hours."""
        line = text.strip()
        if line.casefold() in ("", "none", "no working hours"):
            return cls(((),) * 7)
        spans: dict[str, list[list[str]]] = {}
        for part in filter(None, (p.strip() for p in line.split(";"))):
            first_digit = re.search(r"\d", part)
            cut = first_digit.start() if first_digit else len(part)
            days, times = _weekdays(part[:cut].strip(), part), _spans(part[cut:], part)
            for day in days:
                spans.setdefault(day, []).extend(times)
        return cls.from_mapping(spans)

    def to_json(self) -> str:
        return json.dumps(
            {
                WEEKDAYS[i]: [[s.strftime("%H:%M"), e.strftime("%H:%M")] for s, e in spans]
                for i, spans in enumerate(self.days)
                if spans
            }
        )

    def describe(self) -> str:
        """ "Mon–Fri 09:00–17:00" style, for people."""
        parts = []
        for i, spans in enumerate(self.days):
            if spans:
                text = ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in spans)
                parts.append(f"{WEEKDAYS[i].capitalize()} {text}")
        return "; ".join(parts) or "no working hours"


_DAY_RANGE = re.compile(r"^([a-z]{3})(?:\s*[-–]\s*([a-z]{3}))?$")
_SPAN = re.compile(r"^(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})$")


def _weekdays(text: str, part: str) -> list[str]:
    """ "Mon-Fri" or "Mon, Wed-Thu" → the weekday keys, in order given."""
    if not text:
        raise ValidationError(f"{part!r} does not start with a day (Mon … Sun)")
    days: list[str] = []
    for piece in (p.strip() for p in text.split(",")):
        found = _DAY_RANGE.match(piece.lower())
        names = [n for n in found.groups() if n] if found else []
        if not names or any(name not in WEEKDAYS for name in names):
            raise ValidationError(f"{piece!r} is not a weekday or range like Mon-Fri")
        first, last = WEEKDAYS.index(names[0]), WEEKDAYS.index(names[-1])
        if last < first:
            raise ValidationError(f"{piece!r}: the range runs backwards")
        days.extend(WEEKDAYS[first : last + 1])
    return days


def _spans(text: str, part: str) -> list[list[str]]:
    """ "09:00-12:00, 13:00-17:00" → [["09:00", "12:00"], ["13:00", "17:00"]]."""
    spans = []
    for span in (s.strip() for s in text.split(",")):
        found = _SPAN.match(span)
        if not found:
            raise ValidationError(f"{part!r} is not like 'Mon-Fri 09:00-17:00'")
        spans.append([t.zfill(5) for t in found.groups()])
    return spans


@dataclass(frozen=True)
class Employee:
    id: int
    email: str
    name: str
    timezone: str
    working_hours: WorkingHours
    calendar_provider: str | None = None
    calendar_id: str | None = None
    company_role_id: int | None = None

    @property
    def calendar_integrated(self) -> bool:
        return self.calendar_provider is not None


@dataclass(frozen=True)
class Room:
    id: int
    name: str
    capacity: int
    location: str = ""
    calendar_provider: str | None = None
    calendar_id: str | None = None


@dataclass(frozen=True)
class ApplicationSummary:
    id: int
    candidate_name: str
    candidate_email: str
    job_id: int
    job_title: str
    stage: Stage
    applied_on: str
    interview_count: int = 0


@dataclass(frozen=True)
class ParticipantSummary:
    employee_id: int
    name: str
    role: str
    response: ResponseStatus
    calendar_integrated: bool


@dataclass(frozen=True)
class UnsentMail:
    """A mail of an interview that did not go out, and why (one line, from the transport)."""

    row_id: int
    purpose: str
    """The template purpose: "candidate_invitation", "interviewer_cancellation" …"""
    recipient: str
    reason: str
    automatic: bool
    """True: the cause may pass (a full disk, SMTP 4xx, a timeout), so `panelist resume`
    and the next action try again; False: a person must act, then retry."""

    @property
    def description(self) -> str:
        return f"the {self.purpose.replace('_', ' ')} to {self.recipient}"


@dataclass(frozen=True)
class InterviewSummary:
    id: int
    application_id: int
    type_name: str
    organiser_name: str
    start: datetime
    end: datetime
    timezone: str
    method: Method
    video_provider: str | None
    video_link: str | None
    room_name: str | None
    status: InterviewStatus
    candidate_status: CandidateStatus
    participants: tuple[ParticipantSummary, ...] = field(default=())
    candidate_name: str = ""
    unsent_mails: tuple[UnsentMail, ...] = field(default=())
    room_response: ResponseStatus = ResponseStatus.NEEDS_ACTION
    """The room's answer where rooms answer (resource attendees); otherwise never given."""
