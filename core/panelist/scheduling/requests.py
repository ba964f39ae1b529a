"""What a recruiter asks for when pressing "Invite interviewers": plain, immutable input."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from panelist.errors import ValidationError
from panelist.models import Method


@dataclass(frozen=True)
class ParticipantRequest:
    employee_id: int
    role_id: int | None
    """The recruiting role this person holds in the interview; None is refused."""


@dataclass(frozen=True)
class ReminderPolicy:
    """When interviewers are reminded to fill in the evaluation form, counted from the end."""

    first_after_minutes: int = 60
    repeat_every_minutes: int = 1440
    max_reminders: int = 3

    def __post_init__(self) -> None:
        if self.first_after_minutes < 0 or self.repeat_every_minutes <= 0:
            raise ValidationError("reminder times must be positive", field="reminder_policy")
        if not 1 <= self.max_reminders <= 20:
            raise ValidationError("send between 1 and 20 reminders", field="reminder_policy")

    def due(self, end: datetime, already_sent: int) -> datetime | None:
        """When the next reminder is due after `already_sent`; None when the limit is reached."""
        if already_sent >= self.max_reminders:
            return None
        delay = self.first_after_minutes + already_sent * self.repeat_every_minutes
        return end + timedelta(minutes=delay)

    def to_json(self) -> str:
        return json.dumps(
            {
                "first_after_minutes": self.first_after_minutes,
                "repeat_every_minutes": self.repeat_every_minutes,
                "max_reminders": self.max_reminders,
            }
        )

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> ReminderPolicy:
        try:
            return cls(
                int(data.get("first_after_minutes", 60)),
                int(data.get("repeat_every_minutes", 1440)),
                int(data.get("max_reminders", 3)),
            )
        except (TypeError, ValueError):
            raise ValidationError(
                f"not a reminder policy: {data!r}", field="reminder_policy"
            ) from None

    @classmethod
    def from_json(cls, raw: str) -> ReminderPolicy:
        return cls.from_mapping(json.loads(raw))


@dataclass(frozen=True)
class InterviewRequest:
    """One interview to book. Times are aware instants; `timezone` is the organiser's zone
    (None: the organiser's own), shown in brackets on the Interviews tab."""

    application_id: int
    organiser_id: int
    participants: tuple[ParticipantRequest, ...]
    start: datetime
    end: datetime
    method: Method
    type_id: int | None = None
    timezone: str | None = None
    room_id: int | None = None
    video_provider: str | None = None
    video_host_id: int | None = None
    notes: str = ""
    evaluation_form_id: int | None = None
    reminder_policy: ReminderPolicy | None = None
    """None with a form: the company's default (setting evaluation_reminder_policy)."""
    request_key: str | None = None
    """A client's key for this request: inviting again with it returns the same interview."""


@dataclass(frozen=True)
class TemplateChoice:
    """A message template the composer offers; id 0 is the built-in one."""

    id: int
    name: str
    language: str


@dataclass(frozen=True)
class MailDraft:
    """What the composer shows before a mail to the candidate goes: the template rendered
    for the interview, ready to edit (`SchedulingService.draft_candidate_mail`)."""

    interview_id: int
    purpose: str
    template: TemplateChoice
    templates: tuple[TemplateChoice, ...]
    languages: tuple[str, ...]
    to: str
    subject: str
    text: str
    candidate_time: str
    """Date, time and zone as the candidate reads them (their zone, else the organiser's)."""
    organiser_time: str
    attachment: str | None
    """The file name of the .ics the mail carries, None for a free message."""
    sent_at: datetime | None = None
    """When this mail already went out: then `text` is what was sent, and sending again
    sends nothing."""
    link_id: int | None = None
    """A scheduling link's mail (`panelist.scheduling.links`): no interview yet, so
    `interview_id` is 0."""
