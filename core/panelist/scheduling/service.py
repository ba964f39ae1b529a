"""The scheduling service: what "Invite interviewers", "Mail invitation", "Cancel" and
"Reschedule" do, for any calendar and video provider.

Each operation checks the rules, then changes the interview and queues its side
effects in one `BEGIN IMMEDIATE` transaction (so two processes cannot book one
room), then works the outbox off. Operations are safe to repeat: a repeated
invite with the same `request_key`, cancel of a cancelled interview or move to the
time it already has only finishes what is left in the outbox.

Idempotency keys follow the demo's format: ``interview-<id>-interviewer_event-e<employee>``,
``interview-<id>-room_booking-r<room>``, ``interview-<id>-meeting``; later changes add
``-s<sequence>`` or ``-delete``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final, Literal

from panelist import audit
from panelist.errors import NotFound, PanelistError, ProviderUnavailable, ValidationError
from panelist.mail.templates import format_when
from panelist.mail.transport import MailTransport
from panelist.models import CandidateStatus, Employee, InterviewStatus, Method, Room
from panelist.permissions import Right, can_view_application, require
from panelist.providers import CalendarCapability, ResponseStatus
from panelist.retry import RetryPolicy, with_retries
from panelist.scheduling import mails, outbox
from panelist.scheduling.errors import NoUnsentMail, OutboxIncomplete
from panelist.scheduling.executor import Executor, OnStep, Stage, StepEvent
from panelist.scheduling.notices import add_notice
from panelist.scheduling.outbox import Effect, Kind, OutboxRow
from panelist.scheduling.panel import PANEL_REF, Panel, panel_of
from panelist.scheduling.recheck import recheck_providers
from panelist.scheduling.records import InterviewRecord, get_room, load_interview, read_interview
from panelist.scheduling.refs import ExternalRef, find_ref, refs_of
from panelist.scheduling.reminders import plan_reminders, stop_reminders
from panelist.scheduling.requests import InterviewRequest, MailDraft, MailEdit, TemplateChoice
from panelist.scheduling.scope import touchable
from panelist.scheduling.settings import claimer_for, default_reminder_policy, retry_policy
from panelist.scheduling.validation import (
    Slot,
    check_conflicts,
    check_move,
    check_request,
    conflict_problems,
    is_move,
    move_slot,
    open_problems,
    participants_of,
    verified_account,
)
from panelist.services.directory import get_employee
from panelist.services.interviews import unsent_mails_of
from panelist.storage.instants import from_text, to_text
from panelist.storage.transaction import immediate
from panelist.workspace import Workspace

_log = logging.getLogger(__name__)


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep()
"""For `reschedule`: leave the room as it is."""


@dataclass(frozen=True)
class _Unanswered:
    message: str


@dataclass(frozen=True)
class ResumeReport:
    interviews: int
    problems: dict[int, list[str]] = field(default_factory=dict)


class SchedulingService:
    """One user's scheduling actions on one workspace. All provider work is async."""

    def __init__(
        self,
        ws: Workspace,
        mail_transport: MailTransport | None = None,
        *,
        on_step: OnStep | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.ws = ws
        self.db = ws.db
        self.on_step = on_step
        self.policy = retry or retry_policy(ws.db)
        self.executor = Executor(ws, mail_transport, self.policy, claimer_for(ws.db), on_step)

    # ------------------------------------------------------------------ invite

    def check(self, request: InterviewRequest) -> list[ValidationError]:
        """Every rule the request breaks now, for inline display (no provider is asked)."""
        require(self.db, self.ws.user.id, Right.SCHEDULE_INTERVIEWS, request.application_id)
        problems = check_request(self.ws, request)
        if not problems:
            problems += conflict_problems(self.db, self._slot(request))
        return problems

    async def invite(self, request: InterviewRequest) -> InterviewRecord:
        """Book the interview and make its meeting, events and room booking (SPEC §2.9).

        Raises a `SchedulingError` when a rule is broken (nothing is booked), or
        `OutboxIncomplete` when the interview is booked but some provider kept
        failing; the outbox then keeps what is left (see `resume_pending`).
        """
        require(self.db, self.ws.user.id, Right.SCHEDULE_INTERVIEWS, request.application_id)
        existing = self._requested(request.request_key)
        if existing is None:
            existing = await self._book(request)
        await self._work(existing)
        return read_interview(self.db, existing)

    async def _book(self, request: InterviewRequest) -> int:
        problems = check_request(self.ws, request)
        if problems:
            raise problems[0]
        slot = self._slot(request)
        check_conflicts(self.db, slot)  # cheap, and spares the providers a doomed request
        await recheck_providers(self.ws, slot, self.policy, video=self._video(request))
        label = f"application-{request.application_id}-{to_text(request.start)}"
        self._step("reserve", label)
        with immediate(self.db):
            interview_id = self._requested(request.request_key)
            if interview_id is None:
                check_conflicts(self.db, slot)
                interview_id = self._insert(request, slot)
                record = read_interview(self.db, interview_id)
                effects = invite_effects(record, self._panel(record))
                outbox.enqueue(self.db, interview_id, effects, self.ws.clock.now())
                plan_reminders(self.db, record)
                detail = f"application {record.application_id}, {_slot_detail(record)}"
                audit.record_by(self.ws, audit.Action.INVITE, _subject(interview_id), detail)
        self._step("reserved", label)
        return interview_id

    def _requested(self, request_key: str | None) -> int | None:
        if request_key is None:
            return None
        row = self.db.execute(
            "SELECT id FROM interviews WHERE request_key = ?", [request_key]
        ).fetchone()
        return int(row[0]) if row else None

    def _slot(self, request: InterviewRequest) -> Slot:
        organiser = get_employee(self.db, request.organiser_id)
        host = request.video_host_id
        return Slot(
            start=request.start,
            end=request.end,
            zone=request.timezone or organiser.timezone,
            participants=participants_of(self.db, (p.employee_id for p in request.participants)),
            room=get_room(self.db, request.room_id) if request.room_id is not None else None,
            video_host=get_employee(self.db, host) if host is not None else None,
        )

    def _video(self, request: InterviewRequest) -> tuple[str, str] | None:
        if request.method is not Method.VIDEO or request.video_host_id is None:
            return None
        provider = request.video_provider or ""
        account = verified_account(self.db, request.video_host_id, provider) or ""
        return provider, account

    def _insert(self, request: InterviewRequest, slot: Slot) -> int:
        now = to_text(self.ws.clock.now())
        policy = None
        if request.evaluation_form_id is not None:
            policy = (request.reminder_policy or default_reminder_policy(self.db)).to_json()
        cursor = self.db.execute(
            "INSERT INTO interviews (application_id, type_id, organiser_id, start_utc, end_utc,"
            " timezone, room_id, method, video_provider, video_host_id, notes,"
            " evaluation_form_id, reminder_policy, created_at, updated_at, request_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                request.application_id,
                request.type_id,
                request.organiser_id,
                to_text(request.start),
                to_text(request.end),
                slot.zone,
                request.room_id,
                request.method.value,
                request.video_provider if request.method is Method.VIDEO else None,
                request.video_host_id if request.method is Method.VIDEO else None,
                request.notes.strip(),
                request.evaluation_form_id,
                policy,
                now,
                now,
                request.request_key,
            ],
        )
        interview_id = int(cursor.lastrowid or 0)
        for participant in request.participants:
            self.db.execute(
                "INSERT INTO interview_participants (interview_id, employee_id, role_id)"
                " VALUES (?, ?, ?)",
                [interview_id, participant.employee_id, participant.role_id],
            )
        return interview_id

    # ------------------------------------------------------------------ candidate

    def draft_candidate_mail(
        self,
        interview_id: int,
        purpose: str = "candidate_invitation",
        *,
        template_id: int | None = None,
        language: str | None = None,
    ) -> MailDraft:
        """The composer's starting point: the template chosen by id, else by purpose and
        language, rendered for the interview (times in the candidate's zone), with both
        times, the attachment's name and, when this mail already went out, what was sent.

        `candidate_cancellation` is the cancellation as `cancel` would send it now (a CANCEL
        .ics); `candidate_reschedule` the new-time mail of the move last made (a move yet
        to be made is drafted by `draft_move_mail`)."""
        if purpose not in (*mails.COMPOSER_PURPOSES, *mails.CHANGE_PURPOSES):
            raise ValidationError(f"the composer cannot write a {purpose} mail", field="purpose")
        record = self._open_for_change(interview_id)
        if purpose == "candidate_cancellation":
            invited = self._candidate_invited(record)
            return self._draft(
                _as_cancelled(record), purpose, template_id, language, will_send=invited
            )
        previous = None
        if purpose == "candidate_reschedule":
            previous = self._moved_from(record)
            if previous is None:
                raise ValidationError("this interview was never moved", field="purpose")
        key = None
        if purpose == "candidate_invitation":
            key = _candidate_invitation(record.id, record.sequence, None).key
        elif purpose == "candidate_reschedule":
            key = _candidate_reschedule(record, record.sequence).key
        sent = self._sent_mail(record, key, purpose, previous) if key else None
        # The last move's mail exists only when the candidate had been invited by then.
        told = purpose != "candidate_reschedule" or self._queued(key)
        return self._draft(
            record, purpose, template_id, language, previous=previous, sent=sent, will_send=told
        )

    def draft_move_mail(
        self,
        interview_id: int,
        start: datetime,
        end: datetime,
        room_id: int | _Keep | None = KEEP,
        *,
        template_id: int | None = None,
        language: str | None = None,
    ) -> MailDraft:
        """The candidate's new-time mail of a move not made yet, for the composer to show
        before `reschedule(..., mail=)`: rendered for the interview as it will be (the new
        time in the candidate's zone and the organiser's, the old one offered to the
        template as `previous`), its .ics a REQUEST. `will_send` is False when the move
        mails nobody (the candidate was never invited, or nothing moves). A move that
        `check_reschedule` refuses is refused here too."""
        record = self._open_for_change(interview_id)
        problems = self._move_problems(record, start, end, room_id)
        if problems:
            raise problems[0]
        wanted = _room_wanted(record, room_id)
        room = get_room(self.db, wanted) if wanted is not None else None
        goes = is_move(record, start, end, wanted) and self._candidate_invited(record)
        return self._draft(
            _as_moved(record, start, end, room),
            "candidate_reschedule",
            template_id,
            language,
            previous=(record.start, record.end),
            will_send=goes,
        )

    def _draft(
        self,
        record: InterviewRecord,
        purpose: str,
        template_id: int | None,
        language: str | None,
        *,
        previous: tuple[datetime, datetime] | None = None,
        sent: tuple[datetime, str, str] | None = None,
        will_send: bool = True,
    ) -> MailDraft:
        """`record` as the mail will show it (moved, cancelled); `sent`, what already went."""
        template = mails.template_for(self.db, purpose, template_id, language)
        if sent is not None:
            sent_at, subject, text = sent
        else:
            settings = mails.MailSettings.load(self.db)
            rendered = mails.render_candidate(record, template, settings, previous=previous)
            sent_at, subject, text = None, rendered.subject, rendered.text
        stored = mails.templates_of(self.db, purpose)
        choices = tuple(TemplateChoice(t.id, t.name, t.language) for t in stored) or (
            TemplateChoice(0, template.name, template.language),
        )
        method = _ics_method(purpose)
        return MailDraft(
            interview_id=record.id,
            purpose=purpose,
            template=TemplateChoice(template.id, template.name, template.language),
            templates=choices,
            languages=tuple(sorted({c.language for c in choices})),
            to=f"{record.candidate_name} <{record.candidate_email}>",
            subject=subject,
            text=text,
            candidate_time=format_when(record.start, record.end, mails.candidate_zone(record)),
            organiser_time=format_when(record.start, record.end, record.timezone),
            attachment=mails.ICS_NAME if method is not None else None,
            sent_at=sent_at,
            ics_method=method,
            will_send=will_send,
        )

    def _moved_from(self, record: InterviewRecord) -> tuple[datetime, datetime] | None:
        """The time the interview was last moved from, None when it never moved."""
        row = self.db.execute(
            "SELECT start_utc, end_utc FROM interview_history WHERE interview_id = ?"
            " ORDER BY id DESC LIMIT 1",
            [record.id],
        ).fetchone()
        return (from_text(str(row[0])), from_text(str(row[1]))) if row else None

    def _queued(self, key: str | None) -> bool:
        """Whether the outbox holds the mail under `key`, to go or gone (not skipped)."""
        row = self.db.execute(
            "SELECT 1 FROM outbox WHERE key = ? AND state IN ('pending', 'done')", [key]
        ).fetchone()
        return row is not None

    def _sent_mail(
        self,
        record: InterviewRecord,
        key: str,
        purpose: str,
        previous: tuple[datetime, datetime] | None = None,
    ) -> tuple[datetime, str, str] | None:
        """When and what the candidate's mail under `key` went out as."""
        row = self.db.execute(
            "SELECT updated_at, payload FROM outbox WHERE key = ? AND state = 'done'", [key]
        ).fetchone()
        if row is None:
            return None
        payload = json.loads(row[1])
        intent, request = payload.get("intent", {}), payload.get("request", {})
        if "text" in intent:
            subject, text = str(intent["subject"]), str(intent["text"])
        else:  # sent before the composer: the template as it renders now
            template = mails.template_for(self.db, purpose, intent.get("template_id"))
            settings = mails.MailSettings.load(self.db)
            rendered = mails.render_candidate(record, template, settings, previous=previous)
            subject, text = str(request.get("subject", rendered.subject)), rendered.text
        return from_text(str(row[0])), subject, text

    def _change_mail(
        self,
        record: InterviewRecord,
        purpose: str,
        mail: MailEdit | None,
        previous: tuple[datetime, datetime] | None = None,
    ) -> tuple[int | None, tuple[str, str] | None]:
        """The template and the edited text of a change's mail to the candidate, checked
        on `record` as it will be: a template that does not render, or an edit that could
        not be sent, is refused before anything changes."""
        template_id = mail.template_id if mail is not None else None
        template = mails.template_for(self.db, purpose, template_id)
        edit = mails.clean_edited(mail.subject, mail.text) if mail is not None else None
        mails.candidate_message(
            record,
            template,
            mails.MailSettings.load(self.db),
            key="check",
            method=_ics_method(purpose) or "REQUEST",
            now=self.ws.clock.now(),
            previous=previous,
            text=mails.edited(*edit) if edit else None,
        )
        return template_id, edit

    async def send_candidate_invitation(
        self,
        interview_id: int,
        template_id: int | None = None,
        *,
        subject: str | None = None,
        text: str | None = None,
    ) -> InterviewRecord:
        """Mail the candidate the invitation with its .ics (SPEC §2.10): status Email sent.

        With `subject` and `text` (the composer's edit, both or neither) exactly that text
        is sent and kept in the outbox, never rendered as a template. Goes out once per
        version of the interview: asking again after it went sends nothing.
        """
        record = self._open_for_change(interview_id)
        template = mails.template_for(self.db, "candidate_invitation", template_id)
        edit = self._edit(subject, text)
        # A broken template (or edit) is refused now, before anything is queued.
        settings = mails.MailSettings.load(self.db)
        now = self.ws.clock.now()
        rendered = mails.edited(*edit) if edit else None
        mails.candidate_message(
            record, template, settings, key="check", method="REQUEST", now=now, text=rendered
        )
        effect = _candidate_invitation(record.id, record.sequence, template_id, edit=edit)
        with immediate(self.db):
            outbox.enqueue(self.db, record.id, [effect], now)
            # Failed before (a wrong password): asking again is the person's retry.
            failed = outbox.failed_row(self.db, effect.key)
            if failed is not None:
                chosen = effect.intent if template_id is not None or edit else None
                outbox.reopen(self.db, [failed], now, chosen)
            detail = "candidate invitation" + (
                f", template {template_id}" if template_id is not None else ""
            )
            if edit:
                detail += ", edited text"
            audit.record_by(self.ws, audit.Action.MAIL_SEND, _subject(record.id), detail)
        await self._work(record.id)
        return read_interview(self.db, record.id)

    async def send_candidate_message(
        self, interview_id: int, subject: str, text: str, template_id: int | None = None
    ) -> InterviewRecord:
        """Mail the candidate a message the recruiter wrote (no .ics), exactly that text.

        Its outbox key is made from the text, so sending the same message twice (a key
        pressed twice, a retry) sends it once; a different text is a new message.
        """
        record = self._open_for_change(interview_id)
        clean = self._edit(subject, text)
        assert clean is not None  # both given
        settings = mails.MailSettings.load(self.db)
        now = self.ws.clock.now()
        mails.free_message(record, settings, mails.edited(*clean), key="check", now=now)
        digest = hashlib.sha256("\n".join(clean).encode()).hexdigest()[:16]
        intent = {
            "purpose": "candidate_message",
            "template_id": template_id,
            "subject": clean[0],
            "text": clean[1],
        }
        effect = _mail(
            f"interview-{record.id}-mail-candidate_message-{digest}", "mail:candidate", 0, intent
        )
        with immediate(self.db):
            outbox.enqueue(self.db, record.id, [effect], now)
            failed = outbox.failed_row(self.db, effect.key)
            if failed is not None:
                outbox.reopen(self.db, [failed], now)
            audit.record_by(
                self.ws, audit.Action.MAIL_SEND, _subject(record.id), "candidate message"
            )
        await self._work(record.id)
        return read_interview(self.db, record.id)

    @staticmethod
    def _edit(subject: str | None, text: str | None) -> tuple[str, str] | None:
        if subject is None and text is None:
            return None
        if subject is None or text is None:
            raise ValidationError(
                "an edited mail needs both its subject and its text", field="body"
            )
        return mails.clean_edited(subject, text)

    async def retry_mails(self, interview_id: int) -> InterviewRecord:
        """Send the interview's unsent mails (`unsent_mails_of`) again, once their cause is
        fixed: those that failed for good and those waiting for a transient cause to pass.

        Each keeps its key, so its Message-ID: a Maildir that already holds it keeps one
        file. Raises `NoUnsentMail` when there is none, `OutboxIncomplete` when one fails
        again (its reason is stored for the Interviews tab).
        """
        record = self._load_for_change(interview_id)
        with immediate(self.db):
            unsent = unsent_mails_of(self.db, record.id, self.ws.clock.now())
            if not unsent:
                raise NoUnsentMail(record.id)
            outbox.reopen(self.db, [mail.row_id for mail in unsent], self.ws.clock.now())
            audit.record_by(
                self.ws, audit.Action.MAIL_RETRY, _subject(record.id), f"{len(unsent)} mail(s)"
            )
        await self._work(record.id)
        return read_interview(self.db, record.id)

    def record_candidate_response(self, interview_id: int, response: ResponseStatus) -> None:
        """The candidate answered the .ics. Nobody is notified and the status stays (SPEC §4)."""
        record = read_interview(self.db, interview_id)
        require(self.db, self.ws.user.id, Right.SCHEDULE_INTERVIEWS, record.application_id)
        self.db.execute(
            "UPDATE interviews SET candidate_response = ? WHERE id = ?",
            [ResponseStatus(response).value, interview_id],
        )

    # ------------------------------------------------------------------ responses

    async def refresh_responses(self, interview_id: int) -> InterviewRecord:
        """Read every interviewer's answer back from their calendar (where the provider can),
        and the room's where the room answers (a resource attendee on a scheduling server).

        An interviewer who newly declines is reported to the organiser: a notice in
        the TUI and a mail; a room that declines, a notice. Raises `ProviderUnavailable`
        naming calendars that did not answer, after saving what the others said. The
        system actor (the host's duties round) reads back any interview; a person only
        those they may see.
        """
        record = read_interview(self.db, interview_id)
        if self.ws.system is None and not can_view_application(
            self.db, self.ws.user.id, record.application_id
        ):
            raise NotFound(f"interview {interview_id} not found")
        if record.status is InterviewStatus.CANCELLED:
            return record
        people = [p.employee for p in record.participants]
        panel = self._panel(record)
        panel_ref = find_ref(self.db, record.id, PANEL_REF)
        sources = {
            person.id: find_ref(self.db, record.id, "interviewer_event", person.id)
            or (panel_ref if panel is not None and panel.has(person) else None)
            for person in people
        }
        room_ref = (
            panel_ref
            if panel is not None and panel.holds_room(record.room)
            else find_ref(self.db, record.id, "room_booking")
        )
        refs = {ref.key: ref for ref in [*sources.values(), room_ref] if ref is not None}
        read = await asyncio.gather(*(self._answers_in(ref) for ref in refs.values()))
        answers_of = dict(zip(refs, read, strict=True))
        failed = {
            f"{answers.message} for {person.name}'s calendar"
            for person in people
            if (ref := sources[person.id]) is not None
            and isinstance(answers := answers_of[ref.key], _Unanswered)
        }
        known = {
            person.id: answer
            for person in people
            if (answer := _answer_of(answers_of, sources[person.id], person.email)) is not None
        }
        room_answer = None
        if record.room is not None and record.room.calendar_id is not None:
            room_answer = _answer_of(answers_of, room_ref, record.room.calendar_id)
        if self._save_answers(record, known, room_answer):
            await self._work(record.id)
        if failed:
            raise ProviderUnavailable("; ".join(sorted(failed)))
        return read_interview(self.db, interview_id)

    async def _answers_in(self, ref: ExternalRef) -> dict[str, ResponseStatus] | _Unanswered | None:
        """Every attendee's answer in the event `ref` names; None where none are kept."""
        provider = self.ws.calendar_provider(ref.provider)
        if CalendarCapability.RSVP_READBACK not in provider.capabilities or not ref.calendar_id:
            return None
        calendar_id, uid = ref.calendar_id, ref.external_id
        try:
            return await with_retries(
                lambda: provider.attendee_responses(calendar_id, uid),
                self.policy,
                provider=provider.id,
            )
        except PanelistError:
            return _Unanswered(f"{provider.display_name} did not answer")

    def _save_answers(
        self,
        record: InterviewRecord,
        answers: dict[int, ResponseStatus],
        room_answer: ResponseStatus | None = None,
    ) -> bool:
        """Store changed answers; True when a decline was queued for the organiser."""
        now = self.ws.clock.now()
        queued = False
        with immediate(self.db):
            for participant in record.participants:
                answer = answers.get(participant.employee.id)
                if answer is None or answer is participant.response:
                    continue
                self.db.execute(
                    "UPDATE interview_participants SET response = ? WHERE interview_id = ?"
                    " AND employee_id = ?",
                    [answer.value, record.id, participant.employee.id],
                )
                if answer is ResponseStatus.DECLINED:
                    self._report_decline(record, participant.employee, now)
                    queued = True
            if room_answer is not None and room_answer is not record.room_response:
                self.db.execute(
                    "UPDATE interviews SET room_response = ? WHERE id = ?",
                    [room_answer.value, record.id],
                )
                if room_answer is ResponseStatus.DECLINED:
                    self._report_room_decline(record, now)
        return queued

    def _report_room_decline(self, record: InterviewRecord, now: datetime) -> None:
        assert record.room is not None
        key = f"interview-{record.id}-room_decline_notice-r{record.room.id}-s{record.sequence}"
        when = format_when(record.start, record.end, record.organiser.timezone)
        message = (
            f"Room {record.room.name} declined the interview with {record.candidate_name}"
            f" ({when}): choose another room"
        )
        add_notice(self.db, record.organiser.id, record.id, key, message, now)

    def _report_decline(self, record: InterviewRecord, person: Employee, now: datetime) -> None:
        key = f"interview-{record.id}-decline_notice-e{person.id}-s{record.sequence}"
        when = format_when(record.start, record.end, record.organiser.timezone)
        message = f"{person.name} declined the interview with {record.candidate_name} ({when})"
        add_notice(self.db, record.organiser.id, record.id, key, message, now)
        effect = Effect(
            key=f"interview-{record.id}-mail-decline_notice-e{person.id}-s{record.sequence}",
            kind=Kind.SEND_MAIL,
            target="mail:organiser",
            provider=outbox.MAIL_PROVIDER,
            intent={
                "purpose": "decline_notice",
                "recipient_id": record.organiser.id,
                "about_id": person.id,
            },
        )
        outbox.enqueue(self.db, record.id, [effect], now)

    # ------------------------------------------------------------------ cancel

    async def cancel(self, interview_id: int, *, mail: MailEdit | None = None) -> InterviewRecord:
        """Cancel: every event and the booking removed, the meeting deleted, the candidate
        sent METHOD:CANCEL and the interviewers a message (SPEC §5). Safe to repeat.

        `mail`, the composer's edit (`draft_candidate_mail(..., "candidate_cancellation")`),
        is the candidate's cancellation exactly as sent and kept in the outbox; a candidate
        who was never invited is sent none. A cancellation template that does not render,
        or an edit that could not be sent, is refused before anything changes. A repeated
        call (after a crash) sends what the first one kept, once."""
        record = read_interview(self.db, interview_id)
        require(self.db, self.ws.user.id, Right.SCHEDULE_INTERVIEWS, record.application_id)
        if record.status is not InterviewStatus.CANCELLED:
            self._refuse_unless_open(record)
            template_id, edit = None, None
            if mail is not None or self._candidate_invited(record):
                template_id, edit = self._change_mail(
                    _as_cancelled(record), "candidate_cancellation", mail
                )
            now = self.ws.clock.now()
            with immediate(self.db):
                current = read_interview(self.db, interview_id)
                if current.status is not InterviewStatus.CANCELLED:
                    self.db.execute(
                        "UPDATE interviews SET status = 'cancelled', sequence = sequence + 1,"
                        " updated_at = ? WHERE id = ?",
                        [to_text(now), interview_id],
                    )
                    stop_reminders(self.db, interview_id)
                    effects = cancel_effects(
                        current, self._panel(current), template_id=template_id, edit=edit
                    )
                    outbox.enqueue(self.db, interview_id, effects, now)
                    detail = _slot_detail(current) + (", edited mail" if edit else "")
                    audit.record_by(self.ws, audit.Action.CANCEL, _subject(interview_id), detail)
        await self._work(interview_id)
        return read_interview(self.db, interview_id)

    # ------------------------------------------------------------------ reschedule

    def check_reschedule(
        self,
        interview_id: int,
        start: datetime,
        end: datetime,
        room_id: int | _Keep | None = KEEP,
    ) -> list[ValidationError]:
        """Every rule moving the interview there breaks now, for inline display (no provider
        is asked); `reschedule` refuses the first of them."""
        record = self._load_for_change(interview_id)
        return self._move_problems(record, start, end, room_id)

    async def reschedule(
        self,
        interview_id: int,
        start: datetime,
        end: datetime,
        *,
        room_id: int | _Keep | None = KEEP,
        mail: MailEdit | None = None,
    ) -> InterviewRecord:
        """Move the interview: its events, booking and meeting are moved (never copied),
        the candidate gets the new time with a higher SEQUENCE, the old time is kept in
        the history. Checked like a new booking (`check_reschedule`, then the providers)
        before anything is written; safe to repeat.

        `mail`, the composer's edit of `draft_move_mail`, is the candidate's new-time mail
        exactly as sent and kept in the outbox; a candidate who was never invited is sent
        none. A reschedule template that does not render, or an edit that could not be
        sent, is refused before anything changes. A repeated call (after a crash) sends
        what the first one kept, once."""
        record = self._load_for_change(interview_id)
        problems = self._move_problems(record, start, end, room_id)
        if problems:
            raise problems[0]
        wanted = _room_wanted(record, room_id)
        if is_move(record, start, end, wanted):
            room = get_room(self.db, wanted) if wanted is not None else None
            choice: tuple[int | None, tuple[str, str] | None] = (None, None)
            if mail is not None or self._candidate_invited(record):
                moved = _as_moved(record, start, end, room)
                previous = (record.start, record.end)
                choice = self._change_mail(moved, "candidate_reschedule", mail, previous)
            await self._move(record, start, end, room, choice)
        await self._work(interview_id)
        return read_interview(self.db, interview_id)

    def _move_problems(
        self, record: InterviewRecord, start: datetime, end: datetime, room_id: int | _Keep | None
    ) -> list[ValidationError]:
        wanted = _room_wanted(record, room_id)
        return check_move(self.db, record, start, end, wanted, self.ws.clock.now())

    async def _move(
        self,
        record: InterviewRecord,
        start: datetime,
        end: datetime,
        room: Room | None,
        mail: tuple[int | None, tuple[str, str] | None] = (None, None),
    ) -> None:
        """Re-check with the providers, then save the move and queue its effects at once.

        The rules were checked by the caller; conflicts are checked again inside the
        transaction so that two processes cannot both take the time.
        """
        slot = move_slot(record, start, end, room)
        own = {ref.external_id for ref in refs_of(self.db, record.id)}
        await recheck_providers(
            self.ws, slot, self.policy, own_uids=own, video=self._host_of(record)
        )
        self._step("reserve", f"interview-{record.id}-{to_text(start)}")
        now = self.ws.clock.now()
        with immediate(self.db):
            check_conflicts(self.db, slot)
            self._save_move(record, start, end, room, now)
            moved = read_interview(self.db, record.id)
            effects = move_effects(
                record,
                moved,
                tell_candidate=self._candidate_invited(record),
                panels=(self._panel(record), self._panel(moved)),
                template_id=mail[0],
                edit=mail[1],
            )
            outbox.enqueue(self.db, record.id, effects, now)
            plan_reminders(self.db, moved)
            detail = f"from {_slot_detail(record)} to {_slot_detail(moved)}"
            if mail[1] is not None:
                detail += ", edited mail"
            audit.record_by(self.ws, audit.Action.RESCHEDULE, _subject(record.id), detail)
        self._step("reserved", f"interview-{record.id}-{to_text(start)}")

    def _save_move(
        self,
        record: InterviewRecord,
        start: datetime,
        end: datetime,
        room: Room | None,
        now: datetime,
    ) -> None:
        self.db.execute(
            "INSERT INTO interview_history (interview_id, start_utc, end_utc, changed_at)"
            " VALUES (?, ?, ?, ?)",
            [record.id, to_text(record.start), to_text(record.end), to_text(now)],
        )
        self.db.execute(
            "UPDATE interviews SET start_utc = ?, end_utc = ?, room_id = ?,"
            " sequence = sequence + 1, updated_at = ? WHERE id = ?",
            [to_text(start), to_text(end), _id(room), to_text(now), record.id],
        )
        # A new time asks everyone again, as the calendars do; a new room at the same time
        # keeps the answers, as the calendars do too (else the next refresh would report
        # every decline a second time).
        if (start, end) != (record.start, record.end):
            self.db.execute(
                "UPDATE interview_participants SET response = 'needs_action'"
                " WHERE interview_id = ?",
                [record.id],
            )

    def _candidate_invited(self, record: InterviewRecord) -> bool:
        if record.candidate_status is CandidateStatus.EMAIL_SENT:
            return True
        row = self.db.execute(
            "SELECT 1 FROM outbox WHERE interview_id = ? AND target = 'mail:candidate'"
            " AND state IN ('pending', 'done') LIMIT 1",
            [record.id],
        ).fetchone()
        return row is not None

    def _host_of(self, record: InterviewRecord) -> tuple[str, str] | None:
        if record.video_provider is None or record.video_host is None:
            return None
        account = verified_account(self.db, record.video_host.id, record.video_provider)
        return record.video_provider, account or record.video_host.email

    # ------------------------------------------------------------------ maintenance

    async def resume_pending(self, interview_id: int | None = None) -> ResumeReport:
        """Finish what earlier runs left in the outbox (after a crash, or a provider outage):
        every interview's under the system actor (cron), else those the user may schedule."""
        if interview_id is not None:
            ids = touchable(self.ws, [interview_id], refuse=True)
        else:
            ids = touchable(self.ws, outbox.pending_interviews(self.db))
        results = await asyncio.gather(*(self.executor.run(iid) for iid in ids))
        problems = {
            iid: [p.message for p in found]
            for iid, found in zip(ids, results, strict=True)
            if found
        }
        if ids:
            _log.info("%s resumed the outbox of interviews %s", self.ws.actor_label, ids)
        return ResumeReport(len(ids), problems)

    def close_finished(self) -> int:
        """Scheduled interviews that have ended become Closed (by the injected clock): all
        under the system actor (cron), else those the user may schedule."""
        now = to_text(self.ws.clock.now())
        ended = self.db.execute(
            "SELECT id FROM interviews WHERE status = 'scheduled' AND end_utc <= ?", [now]
        ).fetchall()
        ids = touchable(self.ws, [iid for (iid,) in ended])
        for interview_id in ids:
            self.db.execute(
                "UPDATE interviews SET status = 'closed', updated_at = ?"
                " WHERE id = ? AND status = 'scheduled'",
                [now, interview_id],
            )
        if ids:
            _log.info("%s closed interviews %s", self.ws.actor_label, ids)
        return len(ids)

    def outbox_of(self, interview_id: int) -> list[OutboxRow]:
        """The interview's side effects and their states, for a details view; they carry
        its private details, so `NotFound` unless the user may see the interview."""
        load_interview(self.ws, interview_id)
        return outbox.rows_of(self.db, interview_id)

    # ------------------------------------------------------------------ helpers

    def _load_for_change(self, interview_id: int) -> InterviewRecord:
        record = read_interview(self.db, interview_id)
        require(self.db, self.ws.user.id, Right.SCHEDULE_INTERVIEWS, record.application_id)
        return record

    def _open_for_change(self, interview_id: int) -> InterviewRecord:
        record = self._load_for_change(interview_id)
        self._refuse_unless_open(record)
        return record

    def _refuse_unless_open(self, record: InterviewRecord) -> None:
        problems = open_problems(record, self.ws.clock.now())
        if problems:
            raise problems[0]

    def _panel(self, record: InterviewRecord) -> Panel | None:
        return panel_of(record, self.ws.calendar_provider)

    async def _work(self, interview_id: int) -> None:
        problems = await self.executor.run(interview_id)
        if problems:
            messages = [p.message for p in problems]
            retryable = any(p.retryable for p in problems)
            raise OutboxIncomplete(interview_id, messages, retryable=retryable)

    def _step(self, stage: Stage, key: str) -> None:
        if self.on_step is not None:
            self.on_step(StepEvent(stage, key))


# ---------------------------------------------------------------------- effects


def _answer_of(
    answers_of: dict[str, dict[str, ResponseStatus] | _Unanswered | None],
    ref: ExternalRef | None,
    email: str,
) -> ResponseStatus | None:
    answers = answers_of.get(ref.key) if ref is not None else None
    return answers.get(email.casefold()) if isinstance(answers, dict) else None


def _event_effect(
    kind: Kind, key: str, owner: Employee | Room, phase: int, provider: str | None = None
) -> Effect:
    if isinstance(owner, Employee):
        target = f"interviewer_event-e{owner.id}"
        intent: dict[str, Any] = {"ref_kind": "interviewer_event", "employee_id": owner.id}
    else:
        target = "room_booking"
        intent = {"ref_kind": "room_booking", "room_id": owner.id}
    return Effect(key, kind, target, provider or owner.calendar_provider or "-", phase, intent)


def _panel_effect(kind: Kind, key: str, panel: Panel, phase: int) -> Effect:
    intent: dict[str, Any] = {"ref_kind": PANEL_REF, "employee_id": panel.owner.id}
    if panel.conference:  # what comes later waits for its link, as for a meeting's
        intent["makes_meeting"] = True
    return Effect(key, kind, PANEL_REF, panel.provider, phase, intent)


def _owners(record: InterviewRecord, panel: Panel | None = None) -> list[Employee]:
    """The participants who keep a copy of their own (not members of the panel event)."""
    people = [p.employee for p in record.participants]
    return [p for p in people if panel is None or not panel.has(p)]


def _own_room(record: InterviewRecord, panel: Panel | None) -> Room | None:
    """The room when it is booked by an event of its own (not in the panel event)."""
    return None if panel is not None and panel.holds_room(record.room) else record.room


def invite_effects(record: InterviewRecord, panel: Panel | None = None) -> list[Effect]:
    """The meeting first (its link goes into every event), then all events and the booking.

    With a panel event that makes the meeting itself, that event goes first instead."""
    base = f"interview-{record.id}"
    effects = []
    if video := _separate_meeting(record, panel):
        effects.append(Effect(f"{base}-meeting", Kind.CREATE_MEETING, "meeting", video, 0))
    if panel is not None:
        phase = 0 if panel.conference else 1
        effects.append(_panel_effect(Kind.CREATE_EVENT, f"{base}-{PANEL_REF}", panel, phase))
    for person in _owners(record, panel):
        if person.calendar_provider is not None:
            key = f"{base}-interviewer_event-e{person.id}"
            effects.append(_event_effect(Kind.CREATE_EVENT, key, person, 1))
    room = _own_room(record, panel)
    if room is not None and room.calendar_provider is not None:
        key = f"{base}-room_booking-r{room.id}"
        effects.append(_event_effect(Kind.CREATE_EVENT, key, room, 1))
    return effects


def _separate_meeting(record: InterviewRecord, panel: Panel | None) -> str | None:
    """The video provider of a meeting that is not made by the panel event."""
    if record.method is not Method.VIDEO or (panel is not None and panel.conference):
        return None
    return record.video_provider


def cancel_effects(
    record: InterviewRecord,
    panel: Panel | None = None,
    *,
    template_id: int | None = None,
    edit: tuple[str, str] | None = None,
) -> list[Effect]:
    """Remove everything, then tell people; the candidate only if they were invited, in
    the template `template_id` or the recruiter's `edit` (subject, text), kept as sent."""
    base = f"interview-{record.id}"
    effects = []
    if panel is not None:
        effects.append(_panel_effect(Kind.DELETE_EVENT, f"{base}-{PANEL_REF}-delete", panel, 0))
    effects += [
        _event_effect(Kind.DELETE_EVENT, f"{base}-interviewer_event-e{p.id}-delete", p, 0)
        for p in _owners(record, panel)
    ]
    room = _own_room(record, panel)
    if room is not None:
        effects.append(_event_effect(Kind.DELETE_EVENT, f"{base}-room_booking-delete", room, 0))
    if video := _separate_meeting(record, panel):
        effects.append(Effect(f"{base}-meeting-delete", Kind.DELETE_MEETING, "meeting", video))
    cancellation: dict[str, Any] = {"purpose": "candidate_cancellation"}
    if template_id is not None:
        cancellation["template_id"] = template_id
    if edit is not None:
        cancellation |= {"subject": edit[0], "text": edit[1]}
    effects.append(_mail(f"{base}-mail-candidate_cancellation", "mail:candidate", 0, cancellation))
    for person in _owners(record):
        intent = {"purpose": "interviewer_cancellation", "recipient_id": person.id}
        key = f"{base}-mail-interviewer_cancellation-e{person.id}"
        effects.append(_mail(key, f"mail:interviewer-e{person.id}", 1, intent))
    return effects


def move_effects(
    before: InterviewRecord,
    after: InterviewRecord,
    *,
    tell_candidate: bool = False,
    panels: tuple[Panel | None, Panel | None] = (None, None),
    template_id: int | None = None,
    edit: tuple[str, str] | None = None,
) -> list[Effect]:
    """Move the meeting, then every event and the booking; a new room is a new booking.

    `panels` are the panel events before and after (the room may join or leave it).
    `tell_candidate` (they were invited): the candidate gets the reschedule mail, from
    the old time to the new, with the updated .ics: the template `template_id` or the
    recruiter's `edit` (subject, text), kept as sent.
    """
    base, seq = f"interview-{after.id}", after.sequence
    panel_before, panel = panels
    effects = []
    if video := _separate_meeting(after, panel):
        effects.append(Effect(f"{base}-meeting-s{seq}", Kind.UPDATE_MEETING, "meeting", video))
    if panel is not None:
        phase = 0 if panel.conference else 1
        key = f"{base}-{PANEL_REF}-s{seq}"
        effects.append(_panel_effect(Kind.UPDATE_EVENT, key, panel, phase))
    for person in _owners(after, panel):
        if person.calendar_provider is None:
            continue
        key = f"{base}-interviewer_event-e{person.id}-s{seq}"
        effects.append(_event_effect(Kind.UPDATE_EVENT, key, person, 1))
    old_room, new_room = _own_room(before, panel_before), _own_room(after, panel)
    effects += _room_moves(old_room, new_room, base, seq)
    if tell_candidate:
        effects.append(_candidate_reschedule(before, seq, template_id, edit))
    return effects


def _room_moves(old: Room | None, new: Room | None, base: str, seq: int) -> list[Effect]:
    if old is not None and new is not None and old.id == new.id:
        return [_event_effect(Kind.UPDATE_EVENT, f"{base}-room_booking-s{seq}", new, 1)]
    effects = []
    if old is not None:
        effects.append(
            _event_effect(Kind.DELETE_EVENT, f"{base}-room_booking-delete-s{seq}", old, 1)
        )
    if new is not None and new.calendar_provider is not None:
        key = f"{base}-room_booking-r{new.id}-s{seq}"
        effects.append(_event_effect(Kind.CREATE_EVENT, key, new, 1))
    return effects


def _mail(key: str, target: str, phase: int, intent: dict[str, Any]) -> Effect:
    return Effect(key, Kind.SEND_MAIL, target, outbox.MAIL_PROVIDER, phase, intent)


def _candidate_invitation(
    interview_id: int,
    sequence: int,
    template_id: int | None,
    phase: int = 0,
    edit: tuple[str, str] | None = None,
) -> Effect:
    """The intent keeps the recruiter's edited text, when there is one: what is sent."""
    intent: dict[str, Any] = {
        "purpose": "candidate_invitation",
        "template_id": template_id,
        "sequence": sequence,
    }
    if edit is not None:
        intent |= {"subject": edit[0], "text": edit[1]}
    key = f"interview-{interview_id}-mail-candidate_invitation-s{sequence}"
    return _mail(key, "mail:candidate", phase, intent)


def _candidate_reschedule(
    before: InterviewRecord,
    sequence: int,
    template_id: int | None = None,
    edit: tuple[str, str] | None = None,
) -> Effect:
    """The executor renders it with the time it moved from, kept here as it was; the
    recruiter's edited text, when there is one, is kept instead: what is sent."""
    intent: dict[str, Any] = {
        "purpose": "candidate_reschedule",
        "template_id": template_id,
        "sequence": sequence,
        "previous_start": to_text(before.start),
        "previous_end": to_text(before.end),
    }
    if edit is not None:
        intent |= {"subject": edit[0], "text": edit[1]}
    key = f"interview-{before.id}-mail-candidate_reschedule-s{sequence}"
    return _mail(key, "mail:candidate", 2, intent)


def _ics_method(purpose: str) -> Literal["REQUEST", "CANCEL"] | None:
    """What the candidate's .ics of a mail of this purpose does; None: no .ics."""
    if purpose == "candidate_cancellation":
        return "CANCEL"
    if purpose in ("candidate_invitation", "candidate_reschedule"):
        return "REQUEST"
    return None


def _as_moved(
    record: InterviewRecord, start: datetime, end: datetime, room: Room | None
) -> InterviewRecord:
    """The interview as a move will leave it (`_save_move`), for its mail before it."""
    return replace(record, start=start, end=end, room=room, sequence=record.sequence + 1)


def _as_cancelled(record: InterviewRecord) -> InterviewRecord:
    """The interview as `cancel` will leave it, for its mail before it."""
    return replace(record, status=InterviewStatus.CANCELLED, sequence=record.sequence + 1)


def _subject(interview_id: int) -> str:
    return f"interview {interview_id}"


def _slot_detail(record: InterviewRecord) -> str:
    """Ids and times only: no titles or notes reach the log."""
    room = f", room {record.room.id}" if record.room is not None else ""
    return f"{to_text(record.start)}..{to_text(record.end)}{room}"


def _id(room: Room | None) -> int | None:
    return room.id if room is not None else None


def _room_wanted(record: InterviewRecord, room_id: int | _Keep | None) -> int | None:
    """The room a reschedule asks for, KEEP meaning the interview's own."""
    return _id(record.room) if isinstance(room_id, _Keep) else room_id
