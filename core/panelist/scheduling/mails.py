"""The mails scheduling sends, made from message templates (panelist.mail).

The candidate's mail carries its own .ics event (SPEC §6): the candidate is its
only attendee and it holds nothing internal. Colleagues' mails (cancellations,
the decline notice, evaluation reminders) have no .ics: their calendars are
changed through the provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Literal

from sqlite_utils import Database

from panelist.errors import ConfigurationError
from panelist.mail.headers import parse_mailbox
from panelist.mail.ics import interview_ics
from panelist.mail.message import compose, sender_domain
from panelist.mail.templates import MessageTemplate, message_context, render_template
from panelist.models import Employee
from panelist.scheduling.records import InterviewRecord
from panelist.services.directory import get_setting

# Used when the company has no template of a purpose yet (a new, empty company).
DEFAULT_TEMPLATES: dict[str, tuple[str, str]] = {
    "candidate_invitation": (
        "Invitation: {{ interview.type }} for {{ job.title }} at {{ company.name }}",
        "Dear {{ candidate.name }},\n\n"
        "We would like to invite you to a {{ interview.type | lower }} for {{ job.title }}"
        " on {{ interview.start_candidate }} ({{ interview.duration_minutes }} minutes).\n"
        "{% if interview.video_link %}Join the video call at {{ interview.video_link }}\n"
        "{% elif interview.location %}Address: {{ interview.location }}\n{% endif %}\n"
        "Kind regards,\n{{ organiser.name }}\n{{ company.name }}\n",
    ),
    "candidate_reschedule": (
        "New time for your {{ interview.type | lower }} for {{ job.title }}",
        "Dear {{ candidate.name }},\n\n"
        "We have moved your {{ interview.type | lower }} for {{ job.title }}"
        " from {{ previous.start_candidate }} to {{ interview.start_candidate }}.\n"
        "{% if interview.video_link %}Join the video call at {{ interview.video_link }}\n"
        "{% elif interview.location %}Address: {{ interview.location }}\n{% endif %}\n"
        "The attached calendar event replaces the earlier one.\n\n"
        "Kind regards,\n{{ organiser.name }}\n{{ company.name }}\n",
    ),
    "candidate_cancellation": (
        "Your interview for {{ job.title }} has been cancelled",
        "Dear {{ candidate.name }},\n\n"
        "Unfortunately we have to cancel your interview for {{ job.title }} on"
        " {{ interview.start_candidate }}.\n\nOur apologies,\n{{ organiser.name }}\n",
    ),
    "interviewer_cancellation": (
        "Cancelled: interview with {{ candidate.name }} ({{ job.title }})",
        "Hi {{ interviewer.name }},\n\nThe {{ interview.type | lower }} with"
        " {{ candidate.name }} on {{ interview.start_local }} has been cancelled.\n\n"
        "{{ organiser.name }}\n",
    ),
    "evaluation_reminder": (
        "Reminder: evaluate {{ candidate.name }} for {{ job.title }}",
        'Hi {{ interviewer.name }},\n\nPlease fill in the "{{ form.name }}" form for'
        " {{ candidate.name }} ({{ interview.start_local }}).\n",
    ),
    "decline_notice": (
        "{{ interviewer.name }} declined the interview with {{ candidate.name }}",
        "Hi {{ organiser.name }},\n\n{{ interviewer.name }} declined the"
        " {{ interview.type | lower }} with {{ candidate.name }} ({{ job.title }}) on"
        " {{ interview.start_local }}.\n",
    ),
}


@dataclass(frozen=True)
class MailSettings:
    sender: str
    domain: str
    company_name: str

    @classmethod
    def load(cls, db: Database) -> MailSettings:
        sender = str(get_setting(db, "mail_from"))
        return cls(
            sender=sender,
            domain=sender_domain(sender),
            company_name=str(get_setting(db, "company_name")),
        )


def candidate_zone(record: InterviewRecord) -> str:
    """The zone the candidate reads times in: their own, else the organiser's, which the
    Interviews tab shows and the mail names, rather than a company zone the candidate
    has no reason to assume."""
    return record.candidate_timezone or record.timezone


def template_for(db: Database, purpose: str, template_id: int | None = None) -> MessageTemplate:
    """The chosen template, else the company's first of that purpose, else the built-in one."""
    if template_id is not None:
        row = db.execute(
            "SELECT id, name, purpose, subject, body FROM message_templates WHERE id = ?",
            [template_id],
        ).fetchone()
        if row is None or row[2] != purpose:
            raise ConfigurationError(f"message template {template_id} is not a {purpose} template")
        return MessageTemplate(*row)
    row = db.execute(
        "SELECT id, name, purpose, subject, body FROM message_templates WHERE purpose = ?"
        " ORDER BY id LIMIT 1",
        [purpose],
    ).fetchone()
    if row is not None:
        return MessageTemplate(*row)
    subject, body = DEFAULT_TEMPLATES[purpose]
    return MessageTemplate(0, f"Built-in {purpose}", purpose, subject, body)


def candidate_uid(interview_id: int, domain: str) -> str:
    """The candidate's event keeps this UID through every change and the cancellation."""
    return f"panelist-interview-{interview_id}-candidate@{domain}"


def _context(
    record: InterviewRecord,
    settings: MailSettings,
    local_zone: str,
    *,
    interviewer: Employee | None = None,
    previous: tuple[datetime, datetime] | None = None,
) -> dict[str, object]:
    return message_context(
        candidate_name=record.candidate_name,
        job_title=record.job_title,
        company_name=settings.company_name,
        organiser_name=record.organiser.name,
        organiser_email=record.organiser.email,
        interview_type=record.type_name,
        method=record.method.value,
        start=record.start,
        end=record.end,
        candidate_zone=candidate_zone(record),
        local_zone=local_zone,
        location=record.location if record.room is not None else "",
        video_link=record.video_link,
        interviewer_name=interviewer.name if interviewer else None,
        form_name=record.form_name or "evaluation",
        previous=previous,
    )


def candidate_message(
    record: InterviewRecord,
    template: MessageTemplate,
    settings: MailSettings,
    *,
    key: str,
    method: Literal["REQUEST", "CANCEL"],
    now: datetime,
    previous: tuple[datetime, datetime] | None = None,
) -> EmailMessage:
    """The invitation (REQUEST) or cancellation (CANCEL) with the candidate's own .ics.

    `previous`, the start and end a reschedule moved from, is offered to the template.
    The mail comes from the organiser, sent by the mail_from address ("on behalf of").
    """
    context = _context(record, settings, record.timezone, previous=previous)
    rendered = render_template(template.subject, template.body, context)
    sender = parse_mailbox(settings.sender, "mail_from")
    ics = interview_ics(
        method=method,
        uid=candidate_uid(record.id, settings.domain),
        sequence=record.sequence,
        start=record.start,
        end=record.end,
        timezone=candidate_zone(record),
        summary=f"{record.type_name}: {record.job_title} at {settings.company_name}",
        description=rendered.text,
        location=record.location,
        organizer_email=record.organiser.email,
        organizer_name=record.organiser.name,
        attendee_email=record.candidate_email,
        attendee_name=record.candidate_name,
        url=record.video_link,
        stamp=now,
        sender_email=sender.addr_spec,
    )
    return compose(
        sender=settings.sender,
        to=[(record.candidate_name, record.candidate_email)],
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        ics=ics,
        ics_method=method,
        message_id_key=key,
        domain=settings.domain,
        date=now,
        reply_to=(record.organiser.name, record.organiser.email),
        on_behalf_of=(record.organiser.name, record.organiser.email),
    )


def colleague_message(
    record: InterviewRecord,
    template: MessageTemplate,
    settings: MailSettings,
    *,
    key: str,
    recipient: Employee,
    about: Employee | None,
    now: datetime,
) -> EmailMessage:
    """A mail to a colleague in their own zone; `about` is the interviewer it concerns."""
    context = _context(record, settings, recipient.timezone, interviewer=about or recipient)
    rendered = render_template(template.subject, template.body, context)
    return compose(
        sender=settings.sender,
        to=[(recipient.name, recipient.email)],
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id_key=key,
        domain=settings.domain,
        date=now,
        reply_to=(record.organiser.name, record.organiser.email),
    )
