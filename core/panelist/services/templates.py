"""Message templates in the settings: an Admin's job (the Configure right).

`panelist.mail.templates.save_template` validates and writes without asking who; it is
internal. Front ends list, preview and save templates here: per purpose and language,
previewed for a real application in the candidate's zone, and saved only when they
render (a mistake is one line naming the part and line).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from panelist import audit
from panelist.mail import templates
from panelist.mail.templates import MessageTemplate, RenderedMessage
from panelist.models import InterviewStatus
from panelist.permissions import Right, require
from panelist.services.applications import get_application
from panelist.services.directory import get_setting
from panelist.services.interview_form import candidate_timezone
from panelist.services.interviews import interviews_for_application
from panelist.workspace import Workspace


@dataclass(frozen=True)
class TemplatePreview:
    """A template rendered for one application, and what the preview stands on."""

    message: RenderedMessage
    zone: str
    """The zone the candidate's times are shown in (theirs, else the organiser's)."""
    interview: str
    """Which interview the times come from: 'the interview of …', or 'a sample time'."""


def list_templates(ws: Workspace) -> list[MessageTemplate]:
    """Every template of the company, by purpose, language and name."""
    require(ws.db, ws.user.id, Right.CONFIGURE)
    rows = ws.db.execute(
        "SELECT id, name, purpose, subject, body, language FROM message_templates"
        " ORDER BY purpose, language, name"
    ).fetchall()
    return [MessageTemplate(*row) for row in rows]


def save_template(
    ws: Workspace,
    name: str,
    purpose: str,
    subject: str,
    body: str,
    language: str = "en",
    *,
    application_id: int | None = None,
    template_id: int | None = None,
) -> int:
    """Validate (it must render with the sample data, and for `application_id` too when
    given: the application the admin previews it for), then insert or update the template
    called `name` (with `template_id`: update that one, renamed if the name changed);
    returns its id. A refusal is a `ValidationError` naming part and line."""
    require(ws.db, ws.user.id, Right.CONFIGURE)
    if application_id is not None:
        preview_template(ws, purpose, subject, body, application_id)
    with ws.db.atomic():  # the template and its audit line, or neither
        template_id = templates.save_template(
            ws.db, name, purpose, subject, body, language, strict=True, template_id=template_id
        )
        subject_line = f"template {audit.one_line(name)!r}"
        detail = f"{purpose}, {language.strip()}, id {template_id}"
        audit.record_by(ws, audit.Action.TEMPLATE, subject_line, detail)
    return template_id


def preview_template(
    ws: Workspace, purpose: str, subject: str, body: str, application_id: int
) -> TemplatePreview:
    """`subject` and `body` (not saved) rendered for the application: its candidate, job and
    next scheduled interview (else a sample time tomorrow at 10:00), in the candidate's zone.
    Raises `ValidationError` naming part and line when it does not render."""
    require(ws.db, ws.user.id, Right.CONFIGURE)
    application = get_application(ws, application_id)
    zone_of_candidate = candidate_timezone(ws, application_id)
    now = ws.clock.now()
    planned = [
        i
        for i in interviews_for_application(ws, application_id)
        if i.status is InterviewStatus.SCHEDULED
    ]
    upcoming = [i for i in planned if i.end > now] or planned
    organiser = ws.user
    if upcoming:
        chosen = min(upcoming, key=lambda i: i.start)
        start, end, zone = chosen.start, chosen.end, chosen.timezone
        kind, method, link = chosen.type_name, chosen.method.value, chosen.video_link
        location = chosen.room_name or ""
        organiser_name, source = chosen.organiser_name, f"the {chosen.type_name.lower()}"
    else:
        zone = organiser.timezone
        start = _tomorrow_at_ten(now, zone)
        end = start + timedelta(hours=1)
        kind, method, link, location = "Interview", "video", "https://meet.example.com/x", ""
        organiser_name, source = organiser.name, "a sample time"
    candidate_zone = zone_of_candidate or zone
    context = templates.message_context(
        candidate_name=application.candidate_name,
        job_title=application.job_title,
        company_name=str(get_setting(ws.db, "company_name")),
        organiser_name=organiser_name,
        organiser_email=organiser.email,
        interview_type=kind,
        method=method,
        start=start,
        end=end,
        candidate_zone=candidate_zone,
        local_zone=zone,
        location=location,
        video_link=link,
        interviewer_name=organiser.name,
        form_name="Evaluation",
        previous=(start - timedelta(days=1), end - timedelta(days=1)),
        link=templates.sample_link(start),
    )
    templates.validate_template(subject, body, purpose=purpose)
    message = templates.render_template(subject, body, context)
    return TemplatePreview(message=message, zone=candidate_zone, interview=source)


def _tomorrow_at_ten(now: datetime, zone: str) -> datetime:
    local = now.astimezone(ZoneInfo(zone)) + timedelta(days=1)
    return local.replace(hour=10, minute=0, second=0, microsecond=0)
