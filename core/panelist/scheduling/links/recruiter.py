"""The recruiter's side: make, mail, preview, list and withdraw links (rights checked)."""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from panelist import audit
from panelist.errors import (
    NotFound,
    ValidationError,
)
from panelist.mail.headers import one_line
from panelist.mail.message import compose
from panelist.mail.templates import (
    MessageTemplate,
    format_when,
    link_context,
    render_template,
    text_to_html,
)
from panelist.mail.transport import MailTransport
from panelist.models import Method
from panelist.permissions import Right, can_view_application, require
from panelist.retry import RetryPolicy, is_retryable, with_retries
from panelist.scheduling import mails, outbox
from panelist.scheduling.links.model import (
    MAX_CHANGE_HOURS,
    MAX_OPTIONS,
    PURPOSE,
    TOKEN_PLACEHOLDER,
    CreatedLink,
    LinkMailNotSent,
    LinkRequest,
    LinkState,
    LinkSummary,
)
from panelist.scheduling.links.options import offered_options
from panelist.scheduling.links.stored import (
    LINK_COLUMNS,
    StoredLink,
    application_of,
    audit_subject,
    link_from_row,
    link_url,
    read_link,
    token_hash,
    type_name,
)
from panelist.scheduling.outbox import State
from panelist.scheduling.records import read_interview
from panelist.scheduling.requests import (
    InterviewRequest,
    MailDraft,
    TemplateChoice,
)
from panelist.scheduling.settings import claimer_for, retry_policy
from panelist.scheduling.validation import check_request
from panelist.services.directory import get_employee, get_setting
from panelist.storage.instants import from_text, to_text
from panelist.storage.transaction import immediate
from panelist.workspace import Workspace

MAX_WINDOW_DAYS = 35

# ---------------------------------------------------------------------- the recruiter's side


class SchedulingLinks:
    """The recruiter's side: make, mail, list and withdraw links, as `ws.user`."""

    def __init__(
        self,
        ws: Workspace,
        mail_transport: MailTransport | None = None,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.ws = ws
        self.db = ws.db
        self.transport = mail_transport
        self.policy = retry or retry_policy(ws.db)

    # -- check and create

    def check(self, request: LinkRequest) -> list[ValidationError]:
        """Every rule the link breaks now, for inline display (no provider is asked)."""
        require(self.db, self.ws.user.id, Right.SCHEDULE_INTERVIEWS, request.application_id)
        return link_problems(self.ws, request)

    def create(self, request: LinkRequest) -> CreatedLink:
        """Store the link (not sent yet: `draft_mail`, then `send`). The raw token is in the
        answer only; the database keeps its hash."""
        require(self.db, self.ws.user.id, Right.SCHEDULE_INTERVIEWS, request.application_id)
        problems = link_problems(self.ws, request)
        if problems:
            raise problems[0]
        token = secrets.token_urlsafe(32)
        now = to_text(self.ws.clock.now())
        organiser = get_employee(self.db, request.organiser_id)
        video = request.method is Method.VIDEO
        with immediate(self.db):
            cursor = self.db.execute(
                "INSERT INTO scheduling_links (application_id, token_hash, created_by,"
                " organiser_id, type_id, participants, room_id, room_seats, method,"
                " video_provider, video_host_id, minutes, zone, window_start, window_days,"
                " max_options, expires_at, change_until_hours, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    request.application_id,
                    token_hash(token),
                    self.ws.user.id,
                    request.organiser_id,
                    request.type_id,
                    json.dumps([[p.employee_id, p.role_id] for p in request.participants]),
                    request.room_id,
                    request.room_seats if request.room_id is None else None,
                    request.method.value,
                    request.video_provider if video else None,
                    request.video_host_id if video else None,
                    request.minutes,
                    organiser.timezone,
                    request.window_start.isoformat(),
                    request.window_days,
                    request.max_options,
                    to_text(request.expires_at),
                    request.change_until_hours,
                    now,
                    now,
                ],
            )
            link_id = int(cursor.lastrowid or 0)
            last = request.window_start + timedelta(days=request.window_days - 1)
            detail = (
                f"application {request.application_id}, {request.window_start}..{last},"
                f" expires {to_text(request.expires_at)}"
            )
            audit.record_by(self.ws, audit.Action.LINK_CREATE, audit_subject(link_id), detail)
        return CreatedLink(link_id, token, link_url(self.db, token))

    # -- the mail

    def draft_mail(
        self,
        link_id: int,
        token: str,
        template_id: int | None = None,
        language: str | None = None,
    ) -> MailDraft:
        """The composer's starting point: the scheduling_link template rendered with the
        link's URL (times in the candidate's zone, else the organiser's). After the mail
        went, what was sent (`sent_at` set)."""
        link = self._load_for_change(link_id)
        _require_token(link, self.db, token)
        template = mails.template_for(self.db, PURPOSE, template_id, language)
        name, email, _, candidate_zone = application_of(self.db, link.application_id)
        zone = candidate_zone or link.zone
        sent = self._sent(link)
        url = link_url(self.db, token)
        if sent is not None:
            sent_at, subject, text = sent[0], sent[1], sent[2].replace(TOKEN_PLACEHOLDER, token)
        else:
            rendered = render_link_mail(self.db, link, template, url)
            sent_at, subject, text = None, rendered[0], rendered[1]
        stored = mails.templates_of(self.db, PURPOSE)
        choices = tuple(TemplateChoice(t.id, t.name, t.language) for t in stored) or (
            TemplateChoice(0, template.name, template.language),
        )
        return MailDraft(
            interview_id=0,
            purpose=PURPOSE,
            template=TemplateChoice(template.id, template.name, template.language),
            templates=choices,
            languages=tuple(sorted({c.language for c in choices})),
            to=f"{name} <{email}>",
            subject=subject,
            text=text,
            candidate_time=_window_words(link, zone),
            organiser_time=_window_words(link, link.zone),
            attachment=None,
            sent_at=sent_at,
            link_id=link.id,
        )

    def _sent(self, link: StoredLink) -> tuple[datetime, str, str] | None:
        row = self.db.execute(
            "SELECT updated_at, payload FROM outbox WHERE key = ? AND state = 'done'",
            [link.mail_key],
        ).fetchone()
        if row is None:
            return None
        intent = json.loads(row[1]).get("intent", {})
        return from_text(str(row[0])), str(intent.get("subject", "")), str(intent.get("text", ""))

    async def send(self, link_id: int, token: str, subject: str, text: str) -> None:
        """Mail the candidate exactly this text (it must hold the link's URL), once: the
        outbox row is keyed by the link, and asking again after it went sends nothing.
        The outbox keeps the text with `TOKEN_PLACEHOLDER` in place of the token.
        Raises `LinkMailNotSent` when the mail did not go (kept for a retry: send again)."""
        link = self._load_for_change(link_id)
        _require_token(link, self.db, token)
        state = link.state_at(self.ws.clock.now())
        if state not in (LinkState.DRAFT, LinkState.SENT):
            raise ValidationError(f"the link is {state.label.lower()}", field="link")
        clean_subject, clean_text = mails.clean_edited(subject, text)
        url = link_url(self.db, token)
        if url not in clean_text:
            raise ValidationError(f"the text must hold the link {url}", field="body")
        now = self.ws.clock.now()
        intent = {
            "purpose": PURPOSE,
            "subject": clean_subject,
            "text": clean_text.replace(token, TOKEN_PLACEHOLDER),
        }
        with immediate(self.db):
            self.db.execute(
                "INSERT OR IGNORE INTO outbox (link_id, key, batch, phase, target, kind,"
                " provider, payload, created_at, updated_at)"
                " VALUES (?, ?, 1, 0, 'mail:candidate', 'send_mail', ?, ?, ?, ?)",
                [
                    link.id,
                    link.mail_key,
                    outbox.MAIL_PROVIDER,
                    json.dumps({"intent": intent}),
                    to_text(now),
                    to_text(now),
                ],
            )
            failed = outbox.failed_row(self.db, link.mail_key)
            if failed is not None:
                outbox.reopen(self.db, [failed], now, intent)
            else:  # still pending (a transient failure before): this edit is what goes
                self.db.execute(
                    "UPDATE outbox SET payload = ? WHERE key = ? AND state = 'pending'",
                    [json.dumps({"intent": intent}), link.mail_key],
                )
            audit.record_by(self.ws, audit.Action.LINK_SEND, audit_subject(link.id), "mail")
        await self._deliver(link, token)

    async def _deliver(self, link: StoredLink, token: str) -> None:
        row = self.db.execute(
            "SELECT id FROM outbox WHERE key = ? AND state = 'pending'", [link.mail_key]
        ).fetchone()
        if row is None:
            return  # sent before
        claimer = claimer_for(self.db)
        taken = claimer.claim(self.db, [outbox.get_row(self.db, int(row[0]))], self.ws.clock.now())
        if not taken:
            return  # another process sends it now
        mine = taken[0]
        try:
            await self._send_row(link, token, mine.id, mine.payload.get("intent", {}))
        finally:
            claimer.release(self.db, [mine.id])

    async def _send_row(
        self, link: StoredLink, token: str, row_id: int, intent: dict[str, Any]
    ) -> None:
        if self.transport is None:
            raise LinkMailNotSent("no mail transport is configured", retryable=False)
        transport = self.transport
        settings = mails.MailSettings.load(self.db)
        name, email, _, _ = application_of(self.db, link.application_id)
        organiser = get_employee(self.db, link.organiser_id)
        text = str(intent["text"]).replace(TOKEN_PLACEHOLDER, token)
        subject = str(intent["subject"])
        now = self.ws.clock.now()
        message = compose(
            sender=settings.sender,
            to=[(name, email)],
            subject=subject,
            text=text,
            html=text_to_html(text),
            message_id_key=link.mail_key,
            domain=settings.domain,
            date=now,
            reply_to=(organiser.name, organiser.email),
            on_behalf_of=(organiser.name, organiser.email),
        )
        message_id = str(message["Message-ID"])
        request = {"to": str(message["To"]), "subject": subject, "message_id": message_id}

        async def attempt() -> None:
            outbox.record_attempt(self.db, row_id, request, self.ws.clock.now())
            await asyncio.to_thread(transport.send, message)

        try:
            await with_retries(attempt, self.policy, provider="mail", own_timeout=True)
        except Exception as exc:
            reason = one_line(str(exc))
            retryable = is_retryable(exc)
            with immediate(self.db):
                if retryable:
                    outbox.note_error(self.db, row_id, reason, self.ws.clock.now())
                else:
                    outbox.mark(self.db, row_id, State.FAILED, self.ws.clock.now(), error=reason)
            verb = "is not sent yet" if retryable else "could not be sent"
            message_text = f"the scheduling link {verb}: {exc}"
            raise LinkMailNotSent(message_text, retryable=retryable) from exc
        with immediate(self.db):
            result = {"message_id": str(message["Message-ID"])}
            outbox.mark(self.db, row_id, State.DONE, self.ws.clock.now(), result=result)
            self.db.execute(
                "UPDATE scheduling_links SET state = 'sent', sent_at = ?, updated_at = ?"
                " WHERE id = ? AND state = 'draft'",
                [to_text(now), to_text(now), link.id],
            )

    # -- withdraw and list

    def withdraw(self, link_id: int) -> None:
        """The link no longer works for the candidate (an interview booked through it
        stays: cancel that on its own). Safe to repeat."""
        link = self._load_for_change(link_id)
        if link.state == LinkState.WITHDRAWN:
            return
        now = to_text(self.ws.clock.now())
        with immediate(self.db):
            self.db.execute(
                "UPDATE scheduling_links SET state = 'withdrawn', updated_at = ?"
                " WHERE id = ? AND state != 'withdrawn'",
                [now, link.id],
            )
            audit.record_by(self.ws, audit.Action.LINK_WITHDRAW, audit_subject(link.id), "")

    async def preview(self, request: LinkRequest) -> list[tuple[datetime, datetime]]:
        """The times the candidate would be offered now (from the calendar cache), for the
        form to say how many there are before the link is made; [] while it breaks a rule."""
        require(self.db, self.ws.user.id, Right.SCHEDULE_INTERVIEWS, request.application_id)
        if link_problems(self.ws, request):
            return []
        organiser = get_employee(self.db, request.organiser_id)
        now = self.ws.clock.now()
        draft = StoredLink(
            id=0,
            application_id=request.application_id,
            created_by=self.ws.user.id,
            organiser_id=request.organiser_id,
            type_id=request.type_id,
            participants=request.participants,
            room_id=request.room_id,
            room_seats=request.room_seats if request.room_id is None else None,
            method=request.method,
            video_provider=request.video_provider,
            video_host_id=request.video_host_id,
            minutes=request.minutes,
            zone=organiser.timezone,
            window_start=request.window_start,
            window_days=request.window_days,
            max_options=request.max_options,
            expires_at=request.expires_at,
            change_until_hours=request.change_until_hours,
            state="draft",
            interview_id=None,
            created_at=now,
            sent_at=None,
        )
        return [(o.start, o.end) for o in await offered_options(self.ws, draft, now)]

    def links_for_application(self, application_id: int) -> list[LinkSummary]:
        """The application's links, newest first; `NotFound` unless the user may see it."""
        if not can_view_application(self.db, self.ws.user.id, application_id):
            raise NotFound(f"application {application_id} not found")
        rows = self.db.execute(
            f"SELECT {LINK_COLUMNS} FROM scheduling_links WHERE application_id = ?"
            " ORDER BY id DESC",
            [application_id],
        ).fetchall()
        now = self.ws.clock.now()
        return [self._summary(link_from_row(row), now) for row in rows]

    def _summary(self, link: StoredLink, now: datetime) -> LinkSummary:
        booked_start = booked_end = None
        if link.interview_id is not None:
            record = read_interview(self.db, link.interview_id)
            booked_start, booked_end = record.start, record.end
        error = self.db.execute(
            "SELECT last_error FROM outbox WHERE key = ? AND state IN ('pending', 'failed')",
            [link.mail_key],
        ).fetchone()
        return LinkSummary(
            id=link.id,
            state=link.state_at(now),
            type_name=type_name(self.db, link.type_id),
            minutes=link.minutes,
            window_first=link.window_start,
            window_last=link.window_start + timedelta(days=link.window_days - 1),
            zone=link.zone,
            expires_at=link.expires_at,
            created_at=link.created_at,
            sent_at=link.sent_at,
            interview_id=link.interview_id,
            booked_start=booked_start,
            booked_end=booked_end,
            mail_error=str(error[0]) if error and error[0] else None,
        )

    def _load_for_change(self, link_id: int) -> StoredLink:
        link = read_link(self.db, link_id)
        if not can_view_application(self.db, self.ws.user.id, link.application_id):
            raise NotFound(f"scheduling link {link_id} not found")
        require(self.db, self.ws.user.id, Right.SCHEDULE_INTERVIEWS, link.application_id)
        return link


def link_problems(ws: Workspace, request: LinkRequest) -> list[ValidationError]:
    """The scheduling rules (as for an interview at some time in the window) and the
    link's own: a window of 1 to 35 days not in the past, options, expiry."""
    now = ws.clock.now()
    problems: list[ValidationError] = []
    if not 5 <= request.minutes <= 720:
        problems.append(ValidationError("an interview lasts 5 to 720 minutes", field="minutes"))
    probe_start = now + timedelta(days=1)
    probe = InterviewRequest(
        application_id=request.application_id,
        organiser_id=request.organiser_id,
        participants=request.participants,
        start=probe_start,
        end=probe_start + timedelta(minutes=max(5, min(request.minutes, 720))),
        method=request.method,
        type_id=request.type_id,
        room_id=request.room_id,
        video_provider=request.video_provider,
        video_host_id=request.video_host_id,
    )
    problems += [p for p in check_request(ws, probe) if p.field not in ("start", "end")]
    if not 1 <= request.window_days <= MAX_WINDOW_DAYS:
        problems.append(
            ValidationError(f"the window is 1 to {MAX_WINDOW_DAYS} days", field="window_days")
        )
    organiser = get_employee(ws.db, request.organiser_id)
    today = now.astimezone(ZoneInfo(organiser.timezone)).date()
    if request.window_start < today:
        problems.append(ValidationError("the window cannot start in the past", field="window"))
    if not 1 <= request.max_options <= MAX_OPTIONS:
        problems.append(ValidationError(f"offer 1 to {MAX_OPTIONS} options", field="max_options"))
    if not 0 <= request.change_until_hours <= MAX_CHANGE_HOURS:
        problems.append(
            ValidationError(
                f"changes are allowed until 0 to {MAX_CHANGE_HOURS} hours before",
                field="change_until_hours",
            )
        )
    if request.expires_at.tzinfo is None:
        problems.append(ValidationError("the expiry needs a timezone", field="expires_at"))
    elif request.expires_at <= now:
        problems.append(ValidationError("the link must expire in the future", field="expires_at"))
    if request.room_id is None and request.room_seats is not None and request.room_seats < 1:
        problems.append(ValidationError("a room needs at least one seat", field="room"))
    return problems


def render_link_mail(
    db: Database, link: StoredLink, template: MessageTemplate, url: str
) -> tuple[str, str]:
    """The template rendered for the link: subject and text."""
    name, _, job_title, candidate_zone = application_of(db, link.application_id)
    organiser = get_employee(db, link.organiser_id)
    zone = candidate_zone or link.zone
    first, last = link.window()
    context: dict[str, object] = {
        "candidate": {"name": name},
        "job": {"title": job_title},
        "company": {"name": str(get_setting(db, "company_name"))},
        "organiser": {"name": organiser.name, "email": organiser.email},
        "link": link_context(
            url=url,
            type_name=type_name(db, link.type_id),
            minutes=link.minutes,
            first=first.astimezone(ZoneInfo(zone)).date(),
            last=(last - timedelta(seconds=1)).astimezone(ZoneInfo(zone)).date(),
            expires=format_when(link.expires_at, None, zone),
        ),
    }
    rendered = render_template(template.subject, template.body, context)
    return rendered.subject, rendered.text


def _window_words(link: StoredLink, zone: str) -> str:
    first, last = link.window()
    tz = ZoneInfo(zone)
    a = first.astimezone(tz)
    b = (last - timedelta(seconds=1)).astimezone(tz)
    return f"{a:%a %d %b} – {b:%a %d %b %Y} ({zone}), {link.minutes} minutes"


def _require_token(link: StoredLink, db: Database, token: str) -> None:
    row = db.execute("SELECT token_hash FROM scheduling_links WHERE id = ?", [link.id]).fetchone()
    if row is None or not hmac.compare_digest(str(row[0]), token_hash(token)):
        raise ValidationError("that is not this link's token", field="token")
