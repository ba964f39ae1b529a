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

from panelist.errors import ConfigurationError, ValidationError
from panelist.mail.headers import parse_mailbox
from panelist.mail.ics import interview_ics
from panelist.mail.message import compose, sender_domain
from panelist.mail.templates import (
    MessageTemplate,
    RenderedMessage,
    message_context,
    render_template,
    text_to_html,
)
from panelist.models import Employee
from panelist.scheduling.records import InterviewRecord
from panelist.services.directory import get_setting
from panelist.text import printable, require_plain

MAX_EDITED_TEXT = 100_000  # characters, as a rendered template part
MAX_SUBJECT = 250

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
    # The smart scheduling link: no interview yet, the candidate picks the time.
    "scheduling_link": (
        "Choose a time for your {{ link.type | lower }} for {{ job.title }}",
        "Dear {{ candidate.name }},\n\n"
        "We would like to invite you to a {{ link.type | lower }} for {{ job.title }}"
        " ({{ link.duration_minutes }} minutes). Please choose a time that suits you,"
        " from {{ link.window }}:\n\n{{ link.url }}\n\n"
        "The link works until {{ link.expires }}.\n\n"
        "Kind regards,\n{{ organiser.name }}\n{{ company.name }}\n",
    ),
    # A free message to the candidate: a greeting and a signature the recruiter writes between.
    "candidate_message": (
        "Your application for {{ job.title }} at {{ company.name }}",
        "Dear {{ candidate.name }},\n\n\n\n"
        "Kind regards,\n{{ organiser.name }}\n{{ company.name }}\n",
    ),
}
# Purposes the composer offers for a mail to the candidate; only the invitation carries an .ics.
COMPOSER_PURPOSES = ("candidate_invitation", "candidate_message")
# The candidate's mails that come with a change, composed before it is made: the new time
# (its .ics a REQUEST) and the cancellation (its .ics a CANCEL).
CHANGE_PURPOSES = ("candidate_reschedule", "candidate_cancellation")
ICS_NAME = "invite.ics"


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


def template_for(
    db: Database, purpose: str, template_id: int | None = None, language: str | None = None
) -> MessageTemplate:
    """The chosen template, else the company's first of that purpose (in `language` when
    there is one in it), else the built-in one."""
    columns = "SELECT id, name, purpose, subject, body, language FROM message_templates"
    if template_id is not None:
        row = db.execute(f"{columns} WHERE id = ?", [template_id]).fetchone()
        if row is None or row[2] != purpose:
            raise ConfigurationError(f"message template {template_id} is not a {purpose} template")
        return MessageTemplate(*row)
    row = db.execute(
        f"{columns} WHERE purpose = ? ORDER BY language = ? DESC, id LIMIT 1",
        [purpose, language or ""],
    ).fetchone()
    if row is not None:
        return MessageTemplate(*row)
    subject, body = DEFAULT_TEMPLATES[purpose]
    return MessageTemplate(0, f"Built-in {purpose.replace('_', ' ')}", purpose, subject, body)


def clean_edited(subject: str, text: str) -> tuple[str, str]:
    """The recruiter's subject and text as they will be sent, or `ValidationError` naming
    the field (and the line): the subject one plain line (no header can be added through
    it), the text without control characters, neither empty nor too long."""
    clean_subject = subject.strip()
    if not clean_subject:
        raise ValidationError("the message needs a subject", field="subject")
    require_plain(clean_subject, "subject")
    if len(clean_subject) > MAX_SUBJECT:
        raise ValidationError(f"subject is longer than {MAX_SUBJECT} characters", field="subject")
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    if not body.strip():
        raise ValidationError("the message is empty", field="body")
    if len(body) > MAX_EDITED_TEXT:
        raise ValidationError(f"text is longer than {MAX_EDITED_TEXT:,} characters", field="body")
    for number, line in enumerate(body.split("\n"), start=1):
        if printable(line.replace("\t", " ")) != line.replace("\t", " "):
            raise ValidationError(f"text line {number} has a control character", field="body")
    lines = [line.rstrip() for line in body.split("\n")]
    return clean_subject, "\n".join(lines).strip("\n") + "\n"


def templates_of(db: Database, purpose: str) -> list[MessageTemplate]:
    """The company's templates of one purpose, by language and name."""
    rows = db.execute(
        "SELECT id, name, purpose, subject, body, language FROM message_templates"
        " WHERE purpose = ? ORDER BY language, name",
        [purpose],
    ).fetchall()
    return [MessageTemplate(*row) for row in rows]


def edited(subject: str, text: str) -> RenderedMessage:
    """The recruiter's own subject and text, as they will be sent (`clean_edited` first)."""
    return RenderedMessage(subject=subject, text=text, html=text_to_html(text))


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
    text: RenderedMessage | None = None,
) -> EmailMessage:
    """The invitation (REQUEST) or cancellation (CANCEL) with the candidate's own .ics.

    `previous`, the start and end a reschedule moved from, is offered to the template.
    `text`, the recruiter's edited text (`edited`), is sent as it is instead of the
    template: it is never rendered as a template. The mail comes from the organiser,
    sent by the mail_from address ("on behalf of").
    """
    rendered = text or render_candidate(record, template, settings, previous=previous)
    sender = parse_mailbox(settings.sender, "mail_from")
    ics = candidate_ics(record, settings, rendered.text, method, now, sender.addr_spec)
    return _to_candidate(record, settings, rendered, key=key, now=now, ics=(ics, method))


def candidate_ics(
    record: InterviewRecord,
    settings: MailSettings,
    description: str,
    method: Literal["REQUEST", "CANCEL"],
    now: datetime,
    sender_email: str | None = None,
) -> bytes:
    """The candidate's own event for the interview: the one their mail carries (and the
    scheduling link's page offers for download), in the candidate's zone."""
    return interview_ics(
        method=method,
        uid=candidate_uid(record.id, settings.domain),
        sequence=record.sequence,
        start=record.start,
        end=record.end,
        timezone=candidate_zone(record),
        summary=f"{record.type_name}: {record.job_title} at {settings.company_name}",
        description=description,
        location=record.location,
        organizer_email=record.organiser.email,
        organizer_name=record.organiser.name,
        attendee_email=record.candidate_email,
        attendee_name=record.candidate_name,
        url=record.video_link,
        stamp=now,
        sender_email=sender_email,
    )


def render_candidate(
    record: InterviewRecord,
    template: MessageTemplate,
    settings: MailSettings,
    *,
    previous: tuple[datetime, datetime] | None = None,
) -> RenderedMessage:
    """The template rendered for the candidate (times in their zone), before any edit."""
    context = _context(record, settings, record.timezone, previous=previous)
    return render_template(template.subject, template.body, context)


def free_message(
    record: InterviewRecord,
    settings: MailSettings,
    text: RenderedMessage,
    *,
    key: str,
    now: datetime,
) -> EmailMessage:
    """A message the recruiter wrote to the candidate: no .ics, from the organiser."""
    return _to_candidate(record, settings, text, key=key, now=now)


def _to_candidate(
    record: InterviewRecord,
    settings: MailSettings,
    text: RenderedMessage,
    *,
    key: str,
    now: datetime,
    ics: tuple[bytes, str] | None = None,
) -> EmailMessage:
    """A mail to the candidate from the organiser, sent by the company's address ("on
    behalf of"), with `ics` (the event, its METHOD) attached when given."""
    organiser = (record.organiser.name, record.organiser.email)
    return compose(
        sender=settings.sender,
        to=[(record.candidate_name, record.candidate_email)],
        subject=text.subject,
        text=text.text,
        html=text.html,
        ics=ics[0] if ics else None,
        ics_method=ics[1] if ics else None,
        message_id_key=key,
        domain=settings.domain,
        date=now,
        reply_to=organiser,
        on_behalf_of=organiser,
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
