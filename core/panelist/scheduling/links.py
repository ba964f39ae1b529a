"""Smart scheduling links (issue 18): the candidate picks the time from a page.

The recruiter's side (`SchedulingLinks`, acting as the workspace's user, rights checked)
makes a link for one application: who takes part, the room rule, the method, a window of
days, how many options at most and until when it works. The link goes out as a mail of
purpose ``scheduling_link`` through the outbox, keyed by the link, so it goes once.

The candidate's side (`CandidateLinks`) is authenticated by the token alone and acts as
the link's creator: their rights are checked at every step (a recruiter who lost the right
to schedule makes the link unavailable). The options are recomputed from the calendar
cache with the slot finder each time the page is asked for; a slot id names one of the
options offered now and nothing else. Booking is a normal `SchedulingService.invite`
(live re-check with the providers, the outbox, exactly once) under a request key made
from the link, so a retried POST or a second tab books once; then the candidate gets the
normal invitation mail with its .ics.

Tokens: `secrets.token_urlsafe(32)` (256 bits). The database keeps the sha256 of a token
only; the mail's text in the outbox keeps `TOKEN_PLACEHOLDER` where the token was, and
the raw token lives only in memory between `create` and `send` (and in the mail itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from panelist import audit
from panelist.availability import SlotRequest, find_slots
from panelist.clock import Clock
from panelist.errors import (
    NotFound,
    PanelistError,
    PermissionDenied,
    ProviderError,
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
from panelist.models import Employee, InterviewStatus, Method
from panelist.permissions import Right, can_view_application, require
from panelist.retry import RetryPolicy, is_retryable, with_retries
from panelist.scheduling import mails, outbox
from panelist.scheduling.errors import OutboxIncomplete, SchedulingError
from panelist.scheduling.errors import SlotTaken as BusyAtThatTime
from panelist.scheduling.outbox import State
from panelist.scheduling.records import InterviewRecord, read_interview
from panelist.scheduling.requests import (
    InterviewRequest,
    MailDraft,
    ParticipantRequest,
    TemplateChoice,
)
from panelist.scheduling.settings import claimer_for, retry_policy
from panelist.scheduling.validation import check_request
from panelist.services.calendar_view import load_calendar_view
from panelist.services.directory import get_employee, get_setting
from panelist.storage.instants import from_text, to_text
from panelist.storage.transaction import immediate
from panelist.timezones import zone_or_none
from panelist.workspace import Workspace

MAX_WINDOW_DAYS = 35
MAX_OPTIONS = 50
MAX_CHANGE_HOURS = 720
TOKEN_PLACEHOLDER = "[scheduling-link-token]"
"""What the outbox keeps instead of the token in the text of a link's mail."""
PURPOSE = "scheduling_link"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
"""Where `panelist serve` answers by default: the links' base when no http(s) base is set."""
STEP = timedelta(minutes=15)
MIN_NOTICE = timedelta(hours=2)
"""The earliest option starts this long after the page is asked for."""
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


class LinkState(enum.StrEnum):
    """A link's effective state: the stored one, with expiry read against the clock."""

    DRAFT = "draft"
    """Made, its mail not sent yet."""
    SENT = "sent"
    BOOKED = "booked"
    CANCELLED = "cancelled"
    """The candidate cancelled the interview they booked through it."""
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            "draft": "Link not sent",
            "sent": "Link sent",
            "booked": "Booked",
            "cancelled": "Cancelled by the candidate",
            "expired": "Expired",
            "withdrawn": "Withdrawn",
        }[self.value]


class LinkUnavailable(NotFound):
    """The candidate's link cannot be used; `reason` is one of "unknown", "expired",
    "withdrawn", "used" (booked or cancelled and no longer changeable) or "unavailable"
    (the recruiter who made it may no longer schedule). The message is fit for the
    candidate: it names nothing internal."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "unknown": "This scheduling link is not valid. Please check the link in your mail.",
        "expired": "This scheduling link has expired. Please contact us for a new one.",
        "withdrawn": "This scheduling link was withdrawn. Please contact us.",
        "used": "This scheduling link was already used and can no longer be changed.",
        "unavailable": "This scheduling link cannot be used at the moment. Please contact us.",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.MESSAGES.get(reason, self.MESSAGES["unknown"]))
        self.reason = reason


class SlotTaken(PanelistError):
    """The chosen time is no longer free (someone else took it, or it is no longer offered):
    the page shows fresh options. The message names nobody."""

    def __init__(self) -> None:
        super().__init__("That time is no longer available. Please choose another one.")


class LinkMailNotSent(ProviderError):
    """The link's mail did not go; the outbox keeps it (`retryable`: try again later)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message, provider="mail")
        self.retryable = retryable


@dataclass(frozen=True, kw_only=True)
class LinkRequest:
    """What the recruiter chose for a scheduling link."""

    application_id: int
    type_id: int | None
    organiser_id: int
    participants: tuple[ParticipantRequest, ...]
    room_id: int | None
    """A fixed room, or None (then `room_seats`, if given: any free room with that many)."""
    method: Method
    video_provider: str | None
    video_host_id: int | None
    minutes: int
    window_start: date
    """The first day offered, in the organiser's zone."""
    expires_at: datetime
    window_days: int = 14
    max_options: int = 12
    change_until_hours: int = 24
    room_seats: int | None = None


@dataclass(frozen=True)
class CreatedLink:
    link_id: int
    token: str
    """The raw token: only here, never stored."""
    url: str


@dataclass(frozen=True)
class LinkSummary:
    """One link on the application's Interviews tab."""

    id: int
    state: LinkState
    type_name: str
    minutes: int
    window_first: date
    window_last: date
    zone: str
    expires_at: datetime
    created_at: datetime
    sent_at: datetime | None
    interview_id: int | None
    booked_start: datetime | None
    booked_end: datetime | None
    mail_error: str | None = None
    """Why the link's mail did not go (yet), while it did not."""

    @property
    def open(self) -> bool:
        """Whether withdrawing it changes anything."""
        return self.state in (LinkState.DRAFT, LinkState.SENT, LinkState.BOOKED)


@dataclass(frozen=True)
class OfferedSlot:
    """An option on the candidate's page: `start` and `end` in the page's zone."""

    id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class OfferedDay:
    day: date
    slots: tuple[OfferedSlot, ...]


@dataclass(frozen=True)
class CandidatePage:
    """Everything the candidate may see, and nothing more."""

    state: LinkState
    company_name: str
    candidate_name: str
    job_title: str
    type_name: str
    minutes: int
    method: str
    """'in person', 'phone' or 'video'."""
    interviewers: tuple[str, ...]
    """First names, only when the setting links_show_interviewers allows; else empty."""
    zone: str
    default_zone: str
    days: tuple[OfferedDay, ...]
    expires_at: datetime
    """In `zone`."""
    booked: OfferedSlot | None = None
    change_until: datetime | None = None
    """Until when the booking may be changed or cancelled here (in `zone`)."""
    can_change: bool = False

    @property
    def slots(self) -> tuple[OfferedSlot, ...]:
        return tuple(slot for day in self.days for slot in day.slots)


@dataclass(frozen=True)
class Booked:
    """The candidate's booking, as the confirmation page shows it (times in `zone`)."""

    slot: OfferedSlot
    zone: str
    change_until: datetime | None
    type_name: str
    company_name: str
    location: str
    """'Video call' (the link is in the mail), 'Phone', or the room and its address."""


# ---------------------------------------------------------------------- the stored link


@dataclass(frozen=True)
class _Link:
    id: int
    application_id: int
    created_by: int
    organiser_id: int
    type_id: int | None
    participants: tuple[ParticipantRequest, ...]
    room_id: int | None
    room_seats: int | None
    method: Method
    video_provider: str | None
    video_host_id: int | None
    minutes: int
    zone: str
    window_start: date
    window_days: int
    max_options: int
    expires_at: datetime
    change_until_hours: int
    state: str
    interview_id: int | None
    created_at: datetime
    sent_at: datetime | None

    @property
    def request_key(self) -> str:
        return f"link-{self.id}-booking"

    @property
    def mail_key(self) -> str:
        return f"link-{self.id}-mail-{PURPOSE}"

    def window(self) -> tuple[datetime, datetime]:
        """The window's first and last instants: whole days in the organiser's zone."""
        tz = ZoneInfo(self.zone)
        first = datetime.combine(self.window_start, time(0), tz)
        last = datetime.combine(self.window_start + timedelta(days=self.window_days), time(0), tz)
        return first, last

    def state_at(self, now: datetime) -> LinkState:
        state = LinkState(self.state)
        if state in (LinkState.DRAFT, LinkState.SENT) and now >= self.expires_at:
            return LinkState.EXPIRED
        return state


_LINK_COLUMNS = (
    "id, application_id, created_by, organiser_id, type_id, participants, room_id, room_seats,"
    " method, video_provider, video_host_id, minutes, zone, window_start, window_days,"
    " max_options, expires_at, change_until_hours, state, interview_id, created_at, sent_at"
)


def _link_from_row(row: Iterable[Any]) -> _Link:
    values = list(row)
    participants = tuple(
        ParticipantRequest(int(employee), None if role is None else int(role))
        for employee, role in json.loads(values[5])
    )
    return _Link(
        id=int(values[0]),
        application_id=int(values[1]),
        created_by=int(values[2]),
        organiser_id=int(values[3]),
        type_id=values[4],
        participants=participants,
        room_id=values[6],
        room_seats=values[7],
        method=Method(values[8]),
        video_provider=values[9],
        video_host_id=values[10],
        minutes=int(values[11]),
        zone=str(values[12]),
        window_start=date.fromisoformat(values[13]),
        window_days=int(values[14]),
        max_options=int(values[15]),
        expires_at=from_text(values[16]),
        change_until_hours=int(values[17]),
        state=str(values[18]),
        interview_id=values[19],
        created_at=from_text(values[20]),
        sent_at=from_text(values[21]) if values[21] else None,
    )


def _read_link(db: Database, link_id: int) -> _Link:
    row = db.execute(
        f"SELECT {_LINK_COLUMNS} FROM scheduling_links WHERE id = ?", [link_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"scheduling link {link_id} not found")
    return _link_from_row(row)


def token_hash(token: str) -> str:
    """The hex sha256 the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(db: Database, token: str) -> str:
    """`{base}/s/{token}`: the base is the setting links_base_url, else application_base_url
    when it is an http(s) URL, else where `panelist serve` answers by default."""
    base = get_setting(db, "links_base_url")
    if not base:
        app_base = str(get_setting(db, "application_base_url"))
        base = app_base if app_base.startswith(("http://", "https://")) else DEFAULT_BASE_URL
    return f"{str(base).rstrip('/')}/s/{token}"


def _type_name(db: Database, type_id: int | None) -> str:
    if type_id is None:
        return "Interview"
    row = db.execute("SELECT name FROM interview_types WHERE id = ?", [type_id]).fetchone()
    return str(row[0]) if row else "Interview"


def _application(db: Database, application_id: int) -> tuple[str, str, str, str | None]:
    """Candidate name, email, job title and the candidate's zone."""
    row = db.execute(
        "SELECT c.name, c.email, j.title, c.timezone FROM applications a"
        " JOIN candidates c ON c.id = a.candidate_id JOIN jobs j ON j.id = a.job_id"
        " WHERE a.id = ?",
        [application_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"application {application_id} not found")
    return str(row[0]), str(row[1]), str(row[2]), row[3] or None


def _audit_subject(link_id: int) -> str:
    return f"scheduling link {link_id}"


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
            audit.record_by(self.ws, audit.Action.LINK_CREATE, _audit_subject(link_id), detail)
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
        name, email, _, candidate_zone = _application(self.db, link.application_id)
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

    def _sent(self, link: _Link) -> tuple[datetime, str, str] | None:
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
            audit.record_by(self.ws, audit.Action.LINK_SEND, _audit_subject(link.id), "mail")
        await self._deliver(link, token)

    async def _deliver(self, link: _Link, token: str) -> None:
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

    async def _send_row(self, link: _Link, token: str, row_id: int, intent: dict[str, Any]) -> None:
        if self.transport is None:
            raise LinkMailNotSent("no mail transport is configured", retryable=False)
        transport = self.transport
        settings = mails.MailSettings.load(self.db)
        name, email, _, _ = _application(self.db, link.application_id)
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
            audit.record_by(self.ws, audit.Action.LINK_WITHDRAW, _audit_subject(link.id), "")

    async def preview(self, request: LinkRequest) -> list[tuple[datetime, datetime]]:
        """The times the candidate would be offered now (from the calendar cache), for the
        form to say how many there are before the link is made; [] while it breaks a rule."""
        require(self.db, self.ws.user.id, Right.SCHEDULE_INTERVIEWS, request.application_id)
        if link_problems(self.ws, request):
            return []
        organiser = get_employee(self.db, request.organiser_id)
        now = self.ws.clock.now()
        draft = _Link(
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
        return [(o.start, o.end) for o in await _options(self.ws, draft, now)]

    def links_for_application(self, application_id: int) -> list[LinkSummary]:
        """The application's links, newest first; `NotFound` unless the user may see it."""
        if not can_view_application(self.db, self.ws.user.id, application_id):
            raise NotFound(f"application {application_id} not found")
        rows = self.db.execute(
            f"SELECT {_LINK_COLUMNS} FROM scheduling_links WHERE application_id = ?"
            " ORDER BY id DESC",
            [application_id],
        ).fetchall()
        now = self.ws.clock.now()
        return [self._summary(_link_from_row(row), now) for row in rows]

    def _summary(self, link: _Link, now: datetime) -> LinkSummary:
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
            type_name=_type_name(self.db, link.type_id),
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

    def _load_for_change(self, link_id: int) -> _Link:
        link = _read_link(self.db, link_id)
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
    db: Database, link: _Link, template: MessageTemplate, url: str
) -> tuple[str, str]:
    """The template rendered for the link: subject and text."""
    name, _, job_title, candidate_zone = _application(db, link.application_id)
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
            type_name=_type_name(db, link.type_id),
            minutes=link.minutes,
            first=first.astimezone(ZoneInfo(zone)).date(),
            last=(last - timedelta(seconds=1)).astimezone(ZoneInfo(zone)).date(),
            expires=format_when(link.expires_at, None, zone),
        ),
    }
    rendered = render_template(template.subject, template.body, context)
    return rendered.subject, rendered.text


def _window_words(link: _Link, zone: str) -> str:
    first, last = link.window()
    tz = ZoneInfo(zone)
    a = first.astimezone(tz)
    b = (last - timedelta(seconds=1)).astimezone(tz)
    return f"{a:%a %d %b} – {b:%a %d %b %Y} ({zone}), {link.minutes} minutes"


def _require_token(link: _Link, db: Database, token: str) -> None:
    row = db.execute("SELECT token_hash FROM scheduling_links WHERE id = ?", [link.id]).fetchone()
    if row is None or not hmac.compare_digest(str(row[0]), token_hash(token)):
        raise ValidationError("that is not this link's token", field="token")


# ---------------------------------------------------------------------- the candidate's side


class CandidateLinks:
    """The candidate's side, authenticated by the token only; every action runs as the
    link's creator (a Workspace for that employee on `base`'s database, plugins and
    provider instances), rights checked each time. `base` may be any workspace of the
    database, e.g. `open_system_workspace("serve")`; `clock` defaults to its clock."""

    def __init__(
        self,
        base: Workspace,
        mail_transport: MailTransport | None = None,
        *,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.base = base
        self.db = base.db
        self.clock: Clock = clock or base.clock
        self.transport = mail_transport
        self.retry = retry

    def _factory(self, employee: Employee) -> Workspace:
        base = self.base
        # One provider instance per database, whoever acts.
        return Workspace(
            base.db, base.db_path, base.registry, self.clock, employee, base._providers
        )

    # -- finding the link

    def _find(self, token: str) -> _Link:
        if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
            raise LinkUnavailable("unknown")
        wanted = token_hash(token)
        row = self.db.execute(
            f"SELECT {_LINK_COLUMNS}, token_hash FROM scheduling_links WHERE token_hash = ?",
            [wanted],
        ).fetchone()
        if row is None or not hmac.compare_digest(str(row[-1]), wanted):
            raise LinkUnavailable("unknown")
        return _link_from_row(row[:-1])

    def _acting(self, link: _Link) -> Workspace:
        """The creator's workspace, when they may still schedule for the application."""
        try:
            creator = get_employee(self.db, link.created_by)
        except NotFound:
            raise LinkUnavailable("unavailable") from None
        active = self.db.execute(
            "SELECT active FROM employees WHERE id = ?", [creator.id]
        ).fetchone()
        if not active or not active[0]:
            raise LinkUnavailable("unavailable")
        try:
            require(self.db, creator.id, Right.SCHEDULE_INTERVIEWS, link.application_id)
        except PermissionDenied:
            raise LinkUnavailable("unavailable") from None
        return self._factory(creator)

    def _usable(self, link: _Link, now: datetime) -> LinkState:
        state = self._reconciled(link).state_at(now)
        if state is LinkState.EXPIRED:
            raise LinkUnavailable("expired")
        if state is LinkState.WITHDRAWN:
            raise LinkUnavailable("withdrawn")
        if state is LinkState.CANCELLED:
            raise LinkUnavailable("used")
        return state

    def _reconciled(self, link: _Link) -> _Link:
        """A booking whose last step did not finish (a crash after the interview was made)
        is found by its request key."""
        if link.interview_id is not None or link.state in ("withdrawn", "cancelled"):
            return link
        row = self.db.execute(
            "SELECT id FROM interviews WHERE request_key = ?", [link.request_key]
        ).fetchone()
        if row is None:
            return link
        self._mark_booked(link, int(row[0]))
        return replace(link, state="booked", interview_id=int(row[0]))

    def _mark_booked(self, link: _Link, interview_id: int) -> None:
        self.db.execute(
            "UPDATE scheduling_links SET state = 'booked', interview_id = ?, updated_at = ?"
            " WHERE id = ? AND interview_id IS NULL",
            [interview_id, to_text(self.clock.now()), link.id],
        )

    # -- the page

    async def open(self, token: str, zone: str | None = None) -> CandidatePage:
        """What the candidate's page shows, times in `zone` (None: the candidate's own zone,
        else the organiser's). Raises `LinkUnavailable`, or `ValidationError` (field
        "zone") for a zone that does not exist."""
        link = self._find(token)
        now = self.clock.now()
        state = self._usable(link, now)
        link = self._reconciled(link)
        ws = self._acting(link)
        default_zone = self._default_zone(link)
        shown = _zone(zone) if zone else default_zone
        tz = ZoneInfo(shown)
        booked: OfferedSlot | None = None
        change_until: datetime | None = None
        can_change = False
        options: list[_Option] = []
        if state is LinkState.BOOKED:
            assert link.interview_id is not None
            record = read_interview(self.db, link.interview_id)
            if record.status is InterviewStatus.CANCELLED:
                raise LinkUnavailable("used")
            booked = OfferedSlot("booked", record.start.astimezone(tz), record.end.astimezone(tz))
            deadline = record.start - timedelta(hours=link.change_until_hours)
            change_until = deadline.astimezone(tz)
            can_change = now < deadline and record.status is InterviewStatus.SCHEDULED
            if can_change:
                offered = await _options(ws, link, now, moving=record)
                options = [o for o in offered if o.start != record.start]
        else:
            options = await _options(ws, link, now)
        return CandidatePage(
            state=state,
            company_name=str(get_setting(self.db, "company_name")),
            candidate_name=_application(self.db, link.application_id)[0],
            job_title=_application(self.db, link.application_id)[2],
            type_name=_type_name(self.db, link.type_id),
            minutes=link.minutes,
            method={"in_person": "in person", "phone": "phone", "video": "video"}[
                link.method.value
            ],
            interviewers=self._interviewers(link),
            zone=shown,
            default_zone=default_zone,
            days=_by_day(options, tz),
            expires_at=link.expires_at.astimezone(tz),
            booked=booked,
            change_until=change_until,
            can_change=can_change,
        )

    def _default_zone(self, link: _Link) -> str:
        candidate_zone = _application(self.db, link.application_id)[3]
        if candidate_zone and zone_or_none(candidate_zone) is not None:
            return candidate_zone
        company = str(get_setting(self.db, "company_timezone"))
        return company if zone_or_none(company) is not None else link.zone

    def _interviewers(self, link: _Link) -> tuple[str, ...]:
        if not get_setting(self.db, "links_show_interviewers"):
            return ()
        names = [get_employee(self.db, p.employee_id).name for p in link.participants]
        return tuple(name.split()[0] for name in names if name.split())

    # -- booking

    async def book(self, token: str, slot_id: str, zone: str) -> Booked:
        """Book the option `slot_id` (one offered now) as a normal interview: the live
        re-check, the outbox, exactly once per link (a retry of the same choice answers
        the same booking); then the candidate's invitation mail with its .ics.
        Raises `LinkUnavailable`, or `SlotTaken` when it is no longer free."""
        link = self._find(token)
        now = self.clock.now()
        state = self._usable(link, now)
        link = self._reconciled(link)
        tz = ZoneInfo(_zone(zone))
        ws = self._acting(link)
        if state is LinkState.BOOKED:
            assert link.interview_id is not None
            record = read_interview(self.db, link.interview_id)
            if _slot_id(link, record.start, record.room.id if record.room else None) == slot_id:
                return self._booked(link, record, tz)  # the same choice again: answered
            raise LinkUnavailable("used")
        chosen = next((o for o in await _options(ws, link, now) if o.id == slot_id), None)
        if chosen is None:
            raise SlotTaken()
        service = self._service(ws)
        request = InterviewRequest(
            application_id=link.application_id,
            organiser_id=link.organiser_id,
            participants=link.participants,
            start=chosen.start,
            end=chosen.end,
            method=link.method,
            type_id=link.type_id,
            timezone=link.zone,
            room_id=chosen.room_id,
            video_provider=link.video_provider,
            video_host_id=link.video_host_id,
            notes="Booked by the candidate through a scheduling link.",
            request_key=link.request_key,
        )
        try:
            record = await service.invite(request)
        except OutboxIncomplete as incomplete:  # booked; the outbox finishes the rest later
            record = read_interview(self.db, incomplete.interview_id)
        except BusyAtThatTime:
            raise SlotTaken() from None
        except PermissionDenied:
            raise LinkUnavailable("unavailable") from None
        except SchedulingError:
            raise SlotTaken() from None
        if record.start != chosen.start:  # another tab booked this link first
            self._mark_booked(link, record.id)
            raise LinkUnavailable("used")
        with immediate(self.db):
            self._mark_booked(link, record.id)
            self._audit(link, audit.Action.LINK_BOOK, f"interview {record.id}")
        await self._invite_candidate(service, record.id)
        return self._booked(link, read_interview(self.db, record.id), tz)

    async def reschedule(self, token: str, slot_id: str, zone: str) -> Booked:
        """Move the booked interview to another option offered now (until
        `change_until_hours` before it starts); the candidate gets the new time by mail."""
        link, record, ws = await self._changeable(token)
        tz = ZoneInfo(_zone(zone))
        now = self.clock.now()
        if _slot_id(link, record.start, record.room.id if record.room else None) == slot_id:
            return self._booked(link, record, tz)
        options = await _options(ws, link, now, moving=record)
        chosen = next((o for o in options if o.id == slot_id), None)
        if chosen is None:
            raise SlotTaken()
        service = self._service(ws)
        try:
            moved = await service.reschedule(
                record.id, chosen.start, chosen.end, room_id=chosen.room_id
            )
        except OutboxIncomplete:
            moved = read_interview(self.db, record.id)
        except PermissionDenied:
            raise LinkUnavailable("unavailable") from None
        except SchedulingError:
            raise SlotTaken() from None
        self._audit(link, audit.Action.LINK_RESCHEDULE, f"interview {record.id}")
        return self._booked(link, moved, tz)

    async def cancel(self, token: str) -> None:
        """Cancel the booked interview (until `change_until_hours` before it starts): the
        events go, everyone is told, and the link is used up."""
        link, record, ws = await self._changeable(token)
        service = self._service(ws)
        try:
            await service.cancel(record.id)
        except OutboxIncomplete:
            pass  # cancelled; the outbox removes the rest later
        except PermissionDenied:
            raise LinkUnavailable("unavailable") from None
        with immediate(self.db):
            self.db.execute(
                "UPDATE scheduling_links SET state = 'cancelled', updated_at = ? WHERE id = ?",
                [to_text(self.clock.now()), link.id],
            )
            self._audit(link, audit.Action.LINK_CANCEL, f"interview {record.id}")

    def ics(self, token: str) -> bytes:
        """The booked interview's .ics for the candidate (the one their mail carries)."""
        link = self._find(token)
        state = self._usable(link, self.clock.now())
        link = self._reconciled(link)
        self._acting(link)
        if state is not LinkState.BOOKED or link.interview_id is None:
            raise LinkUnavailable("unknown")
        record = read_interview(self.db, link.interview_id)
        settings = mails.MailSettings.load(self.db)
        template = mails.template_for(self.db, "candidate_invitation")
        rendered = mails.render_candidate(record, template, settings)
        return mails.candidate_ics(record, settings, rendered.text, "REQUEST", self.clock.now())

    async def _changeable(self, token: str) -> tuple[_Link, InterviewRecord, Workspace]:
        link = self._find(token)
        now = self.clock.now()
        state = self._usable(link, now)
        link = self._reconciled(link)
        ws = self._acting(link)
        if state is not LinkState.BOOKED or link.interview_id is None:
            raise LinkUnavailable("unknown")
        record = read_interview(self.db, link.interview_id)
        deadline = record.start - timedelta(hours=link.change_until_hours)
        if record.status is not InterviewStatus.SCHEDULED or now >= deadline:
            raise LinkUnavailable("used")
        return link, record, ws

    def _service(self, ws: Workspace) -> Any:
        from panelist.scheduling.service import SchedulingService  # it imports much

        return SchedulingService(ws, self.transport, retry=self.retry)

    async def _invite_candidate(self, service: Any, interview_id: int) -> None:
        # An unsent mail stays in the outbox; the Interviews tab shows it unsent.
        with contextlib.suppress(OutboxIncomplete):
            await service.send_candidate_invitation(interview_id)

    def _booked(self, link: _Link, record: InterviewRecord, tz: ZoneInfo) -> Booked:
        deadline = record.start - timedelta(hours=link.change_until_hours)
        room_id = record.room.id if record.room else None
        return Booked(
            slot=OfferedSlot(
                _slot_id(link, record.start, room_id),
                record.start.astimezone(tz),
                record.end.astimezone(tz),
            ),
            zone=str(tz.key),
            change_until=deadline.astimezone(tz),
            type_name=record.type_name,
            company_name=str(get_setting(self.db, "company_name")),
            location=record.location,
        )

    def _audit(self, link: _Link, action: audit.Action, detail: str) -> None:
        actor = audit.Actor(None, f"candidate via scheduling link {link.id}")
        audit.record(self.db, actor, action, _audit_subject(link.id), detail, at=self.clock.now())


# ---------------------------------------------------------------------- options


@dataclass(frozen=True)
class _Option:
    id: str
    start: datetime
    end: datetime
    room_id: int | None
    score: float = field(default=0.0, compare=False)


def _slot_id(link: _Link, start: datetime, room_id: int | None) -> str:
    """Opaque: a slot id says nothing about the time or the room, and differs per link."""
    raw = f"{link.id}:{to_text(start)}:{room_id or 0}"
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


async def _options(
    ws: Workspace, link: _Link, now: datetime, *, moving: InterviewRecord | None = None
) -> list[_Option]:
    """The options offered now: free for every participant (and a room) in the cache,
    at most `max_options`, the best ranked, never two that overlap, in time order."""
    first, last = link.window()
    start = max(first, now + MIN_NOTICE)
    if start >= last:
        return []
    people = [p.employee_id for p in link.participants]
    room_ids = _room_ids(ws.db, link)
    view = await load_calendar_view(
        ws, people, room_ids, start, last, moving=moving.id if moving else None
    )
    host = None
    if link.method is Method.VIDEO and link.video_host_id in people:
        host = get_employee(ws.db, int(link.video_host_id or 0)).email.strip().casefold()
    rooms = tuple(r.timeline for r in view.rooms)
    seats = _seats(link) if link.room_id is None else None
    request = SlotRequest(
        required=tuple(p.timeline for p in view.people),
        duration=timedelta(minutes=link.minutes),
        window_start=start,
        window_end=last,
        rooms=rooms,
        seats=seats if rooms else None,
        step=STEP,
        organiser_zone=link.zone,
        candidate_zone=_application(ws.db, link.application_id)[3],
        video_host=host,
        top=max(link.max_options * 8, 40),
    )
    found = find_slots(request, now=now)
    room_of = {r.key: r.room.id for r in view.rooms}
    people_held, rooms_held = _held(ws.db, people, room_ids, start, last, moving)
    chosen: list[_Option] = []
    for slot in found.ranked:
        if len(chosen) >= link.max_options:
            break
        if any(slot.start < o.end and o.start < slot.end for o in chosen):
            continue
        if _overlaps(people_held, slot.start, slot.end):
            continue
        room_id = next(
            (
                room_of[k]
                for k in slot.rooms
                if k in room_of
                and not _overlaps(rooms_held.get(room_of[k], []), slot.start, slot.end)
            ),
            None,
        )
        if room_ids and room_id is None:
            continue
        chosen.append(
            _Option(_slot_id(link, slot.start, room_id), slot.start, slot.end, room_id, slot.score)
        )
    return sorted(chosen, key=lambda o: o.start)


Span = tuple[datetime, datetime]


def _held(
    db: Database,
    people: list[int],
    room_ids: list[int],
    start: datetime,
    end: datetime,
    moving: InterviewRecord | None,
) -> tuple[list[Span], dict[int, list[Span]]]:
    """What scheduled interviews in the database hold in [start, end): the participants'
    times, and each room's. One booked a moment ago (another tab, another candidate) holds
    them before its events reach the calendar cache, so the fresh options leave it out."""
    window = {"start": to_text(start), "end": to_text(end), "self": moving.id if moving else -1}
    overlap = (
        "i.status = 'scheduled' AND i.start_utc < :end AND i.end_utc > :start AND i.id != :self"
    )
    marks = ", ".join(f":p{n}" for n in range(len(people))) or "NULL"
    rows = db.execute(
        "SELECT DISTINCT i.start_utc, i.end_utc FROM interviews i JOIN interview_participants p"
        f" ON p.interview_id = i.id WHERE p.employee_id IN ({marks})"
        f" AND p.response != 'declined' AND {overlap}",
        window | {f"p{n}": person for n, person in enumerate(people)},
    ).fetchall()
    people_held = [(from_text(str(a)), from_text(str(b))) for a, b in rows]
    rooms_held: dict[int, list[Span]] = {}
    if room_ids:
        marks = ", ".join(f":r{n}" for n in range(len(room_ids)))
        for room, a, b in db.execute(
            f"SELECT i.room_id, i.start_utc, i.end_utc FROM interviews i"
            f" WHERE i.room_id IN ({marks}) AND {overlap}",
            window | {f"r{n}": room for n, room in enumerate(room_ids)},
        ).fetchall():
            rooms_held.setdefault(int(room), []).append((from_text(str(a)), from_text(str(b))))
    return people_held, rooms_held


def _overlaps(spans: list[Span], start: datetime, end: datetime) -> bool:
    return any(a < end and start < b for a, b in spans)


def _seats(link: _Link) -> int | None:
    """The seats a room needs: what the recruiter asked, and at least the participants and
    the candidate (booking refuses a smaller room, so none is offered)."""
    if link.room_seats is None:
        return None
    return max(link.room_seats, len(link.participants) + 1)


def _room_ids(db: Database, link: _Link) -> list[int]:
    if link.room_id is not None:
        return [link.room_id]
    if link.room_seats is None:
        return []
    rows = db.execute(
        "SELECT id FROM rooms WHERE capacity >= ? ORDER BY capacity, name", [_seats(link)]
    ).fetchall()
    return [int(r[0]) for r in rows]


def _by_day(options: list[_Option], tz: ZoneInfo) -> tuple[OfferedDay, ...]:
    days: dict[date, list[OfferedSlot]] = {}
    for option in options:
        start = option.start.astimezone(tz)
        days.setdefault(start.date(), []).append(
            OfferedSlot(option.id, start, option.end.astimezone(tz))
        )
    return tuple(OfferedDay(day, tuple(slots)) for day, slots in sorted(days.items()))


def _zone(name: str) -> str:
    clean = name.strip() if isinstance(name, str) else ""
    if len(clean) > 64 or zone_or_none(clean) is None or clean != clean.strip():
        raise ValidationError(f"unknown timezone {clean[:64]!r}", field="zone")
    return clean
