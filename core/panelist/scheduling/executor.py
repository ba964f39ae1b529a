"""Carrying out outbox rows: one provider call or mail each, recorded before and after.

Rows that wait for nothing run concurrently (the meeting first, then every
event and the booking together), each with its own retry budget. A row that
keeps failing stays pending with its last error and blocks only what depends
on it; a row refused for good is ``failed``. Either way the recruiter gets one
line naming the provider and whose calendar it was.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from panelist.calendars.cache import CalendarCache, CalendarKey
from panelist.errors import EventNotFound, PanelistError, ProviderError
from panelist.mail.headers import one_line
from panelist.mail.transport import MailTransport
from panelist.models import Employee, InterviewStatus, Room
from panelist.providers import (
    CalendarCapability,
    CalendarEvent,
    CalendarProvider,
    ConferenceCapability,
    ConferenceProvider,
    EventDraft,
)
from panelist.providers.events import describe
from panelist.retry import RetryPolicy, is_retryable, with_retries
from panelist.scheduling import drafts, mails, outbox
from panelist.scheduling.outbox import Claimer, Kind, OutboxRow, State
from panelist.scheduling.panel import PANEL_REF, Panel, panel_of
from panelist.scheduling.records import InterviewRecord, get_room, read_interview
from panelist.scheduling.refs import ExternalRef, find_ref, forget_ref, save_ref
from panelist.services.directory import get_employee, get_setting
from panelist.storage.instants import from_text
from panelist.storage.transaction import immediate
from panelist.workspace import Workspace

log = logging.getLogger(__name__)

Stage = Literal["reserve", "reserved", "call", "called", "recorded", "skipped", "failed"]


@dataclass(frozen=True)
class StepEvent:
    """A seam between two steps, reported to `on_step` (progress in the TUI, tests)."""

    stage: Stage
    key: str
    """The outbox key, or the request's description for "reserve"/"reserved"."""


OnStep = Callable[[StepEvent], None]


@dataclass(frozen=True)
class Problem:
    message: str
    retryable: bool


@dataclass
class _Call:
    provider_name: str
    whose: str
    request: dict[str, Any]
    run: Callable[[int], Awaitable[dict[str, Any]]]
    """Makes the call; gets the number of earlier attempts (> 0: it may have happened)."""
    apply: Callable[[dict[str, Any]], None]
    """Records what the result implies; runs in the transaction that marks the row done."""
    is_mail: bool = False


@dataclass(frozen=True)
class _Skip:
    reason: str


class Executor:
    def __init__(
        self,
        ws: Workspace,
        transport: MailTransport | None,
        policy: RetryPolicy,
        claimer: Claimer,
        on_step: OnStep | None = None,
    ) -> None:
        self.ws = ws
        self.db = ws.db
        self.transport = transport
        self.policy = policy
        self.claimer = claimer
        self.on_step = on_step

    def step(self, stage: Stage, key: str) -> None:
        if self.on_step is not None:
            self.on_step(StepEvent(stage, key))

    async def run(self, interview_id: int) -> list[Problem]:
        """Work off the interview's outbox as far as it goes now; returns what is left."""
        seen: set[int] = set()
        problems: list[Problem] = []
        while True:
            ready = [row for row in outbox.runnable(self.db, interview_id) if row.id not in seen]
            seen |= {row.id for row in ready}
            mine = self.claimer.claim(self.db, ready, self.ws.clock.now())
            if not mine:
                return problems
            record = read_interview(self.db, interview_id)  # one read for the whole round
            try:
                outcomes = await asyncio.gather(*(self._execute(row, record) for row in mine))
            finally:  # cancelled (the app closing) or a bug: let the next run take them at once
                self.claimer.release(self.db, [row.id for row in mine])
            problems += [problem for problem in outcomes if problem is not None]

    # ------------------------------------------------------------------ one row

    async def _execute(self, row: OutboxRow, record: InterviewRecord) -> Problem | None:
        try:
            prepared = self._prepare(row, record)
        except PanelistError as exc:
            reason = str(exc) if row.kind is Kind.SEND_MAIL else None
            return self._fail(row, f"{_what(row)} cannot be made: {exc}", reason)
        if isinstance(prepared, _Skip):
            with immediate(self.db):
                outbox.mark(
                    self.db, row.id, State.SKIPPED, self.ws.clock.now(), error=prepared.reason
                )
            self.step("skipped", row.key)
            return None

        async def attempt() -> dict[str, Any]:
            earlier = outbox.record_attempt(self.db, row.id, prepared.request, self.ws.clock.now())
            self.step("call", row.key)
            return await prepared.run(earlier)

        try:
            result = await with_retries(
                attempt, self.policy, provider=row.provider, own_timeout=prepared.is_mail
            )
        except Exception as exc:
            return self._failure(row, prepared, exc)
        self.step("called", row.key)
        with immediate(self.db):
            prepared.apply(result)
            outbox.mark(self.db, row.id, State.DONE, self.ws.clock.now(), result=result)
        self.step("recorded", row.key)
        return None

    def _failure(self, row: OutboxRow, call: _Call, exc: BaseException) -> Problem:
        # A mail row keeps the transport's one line (the Interviews tab shows it beside the
        # mail it concerns); a calendar row the whole message.
        reason = one_line(str(exc)) if call.is_mail else None
        if call.is_mail:
            verb = "is not sent yet" if is_retryable(exc) else "could not be sent"
            message = f"{call.whose} {verb}: {exc}"
        elif is_retryable(exc):
            message = f"{call.provider_name} did not answer for {call.whose}"
        else:
            message = f"{call.provider_name} refused {call.whose}: {exc}"
        if not is_retryable(exc):
            return self._fail(row, message, reason)
        with immediate(self.db):
            error = reason or f"{type(exc).__name__}: {exc}"
            outbox.note_error(self.db, row.id, error, self.ws.clock.now())
            self.claimer.release(self.db, [row.id])
        return Problem(message, retryable=True)

    def _fail(self, row: OutboxRow, message: str, reason: str | None = None) -> Problem:
        """Failed for good: kept until a person acts (a mail: Retry in the Interviews tab)."""
        with immediate(self.db):
            now = self.ws.clock.now()
            outbox.mark(self.db, row.id, State.FAILED, now, error=reason or message)
        self.step("failed", row.key)
        return Problem(message, retryable=False)

    def _prepare(self, row: OutboxRow, record: InterviewRecord) -> _Call | _Skip:
        cancelled = record.status is InterviewStatus.CANCELLED
        if cancelled and row.attempts == 0 and row.kind in _NOT_AFTER_CANCEL:
            # Never started anywhere (attempts counts calls begun), so nothing exists to undo.
            return _Skip("the interview was cancelled before this was made")
        intent: dict[str, Any] = row.payload.get("intent", {})
        handlers = {
            Kind.CREATE_EVENT: self._create_event,
            Kind.UPDATE_EVENT: self._update_event,
            Kind.DELETE_EVENT: self._delete_event,
            Kind.CREATE_MEETING: self._create_meeting,
            Kind.UPDATE_MEETING: self._update_meeting,
            Kind.DELETE_MEETING: self._delete_meeting,
            Kind.SEND_MAIL: self._send_mail,
        }
        return handlers[row.kind](row, record, intent)

    # ------------------------------------------------------------------ calendars

    def _owner(self, record: InterviewRecord, intent: dict[str, Any]) -> Employee | Room:
        if intent["ref_kind"] == "room_booking":
            return get_room(self.db, int(intent["room_id"]))
        return get_employee(self.db, int(intent["employee_id"]))

    def _calendar(self, provider_id: str) -> tuple[CalendarProvider, str]:
        provider = self.ws.calendar_provider(provider_id)
        return provider, provider.display_name

    def _draft(
        self,
        record: InterviewRecord,
        owner: Employee | Room,
        provider: CalendarProvider,
        reference: str,
        panel: Panel | None,
    ) -> EventDraft:
        idempotent = CalendarCapability.IDEMPOTENT_CREATE in provider.capabilities
        base_url = str(get_setting(self.db, "application_base_url"))
        marker = None if idempotent else reference
        if panel is not None:
            return drafts.panel_draft(record, panel, base_url, marker)
        return drafts.event_draft(record, owner, provider.capabilities, base_url, marker)

    def _panel(self, intent: dict[str, Any], record: InterviewRecord) -> Panel | None:
        """The panel event a row is about (None for a copy or a booking of its own)."""
        if intent["ref_kind"] != PANEL_REF:
            return None
        panel = panel_of(record, self.ws.calendar_provider)
        if panel is None:
            raise PanelistError("the interview has no participant on a scheduling server now")
        return panel

    def _copies(self, panel: Panel | None, calendar_id: str) -> list[str]:
        """Every calendar an event is in: the panel event is in each member's and the room's."""
        if panel is None:
            return [calendar_id]
        people = [m.calendar_id for m in panel.members if m.calendar_id is not None]
        room = [panel.room.calendar_id] if panel.room and panel.room.calendar_id else []
        return list(dict.fromkeys([calendar_id, *people, *room]))

    def _made(self, panel: Panel | None, event: CalendarEvent, result: dict[str, Any]) -> None:
        """The link of the meeting the panel event made, into the row's result."""
        if panel is None or panel.conference is None:
            return
        if not event.conference_url:
            raise ProviderError(
                f"the calendar made {describe(event)} without the {panel.conference} link"
            )
        result["join_url"] = event.conference_url

    def _create_event(
        self, row: OutboxRow, record: InterviewRecord, intent: dict[str, Any]
    ) -> _Call | _Skip:
        owner = self._owner(record, intent)
        if owner.calendar_provider is None or owner.calendar_id is None:
            return _Skip(f"{_whose(owner)} is not integrated")
        provider, name = self._calendar(owner.calendar_provider)
        calendar_id = owner.calendar_id
        panel = self._panel(intent, record)
        draft = self._draft(record, owner, provider, row.key, panel)
        made: list[CalendarEvent] = []

        async def run(earlier: int) -> dict[str, Any]:
            if earlier and CalendarCapability.IDEMPOTENT_CREATE not in provider.capabilities:
                found = await _find_by_reference(provider, calendar_id, draft, row.key)
                if found is not None:
                    return {"uid": found, "calendar_id": calendar_id, "reconciled": True}
            event = await provider.create_event(calendar_id, draft, row.key)
            made.append(event)
            result: dict[str, Any] = {"uid": event.uid, "calendar_id": calendar_id}
            self._made(panel, event, result)
            return result

        def apply(result: dict[str, Any]) -> None:
            self._write_through(provider.id, self._copies(panel, calendar_id), made)
            ref = ExternalRef(
                intent["ref_kind"],
                provider.id,
                calendar_id,
                result["uid"],
                owner.id if isinstance(owner, Employee) else None,
                row.key,
            )
            save_ref(self.db, record.id, ref)
            if "join_url" in result:
                self._set_link(record.id, result["join_url"])

        whose = "the panel's event" if panel else _whose(owner)
        return _Call(name, whose, {"calendar_id": calendar_id, **_plain(draft)}, run, apply)

    def _update_event(
        self, row: OutboxRow, record: InterviewRecord, intent: dict[str, Any]
    ) -> _Call | _Skip:
        owner = self._owner(record, intent)
        ref = find_ref(self.db, record.id, intent["ref_kind"], intent.get("employee_id"))
        if ref is None or ref.calendar_id is None:
            # The first create failed or was skipped: make it now, at the new time.
            return self._create_event(row, record, intent)
        provider, name = self._calendar(ref.provider)
        calendar_id, uid = ref.calendar_id, ref.external_id
        panel = self._panel(intent, record)
        draft = self._draft(record, owner, provider, ref.key, panel)
        made: list[CalendarEvent] = []

        async def run(earlier: int) -> dict[str, Any]:
            try:
                event = await provider.update_event(calendar_id, uid, draft)
                result: dict[str, Any] = {"uid": event.uid, "calendar_id": calendar_id}
            except EventNotFound:
                # Someone deleted it at the provider: make it again, under this row's key.
                event = await provider.create_event(calendar_id, draft, row.key)
                result = {"uid": event.uid, "calendar_id": calendar_id, "recreated": True}
            made.append(event)
            self._made(panel, event, result)
            return result

        def apply(result: dict[str, Any]) -> None:
            self._write_through(provider.id, self._copies(panel, calendar_id), made)
            if result.get("recreated"):
                replaced = dataclasses.replace(ref, external_id=result["uid"], key=row.key)
                save_ref(self.db, record.id, replaced)
            if "join_url" in result:
                self._set_link(record.id, result["join_url"])

        request = {"calendar_id": calendar_id, "uid": uid, **_plain(draft)}
        whose = "the panel's event" if panel else _whose(owner)
        return _Call(name, whose, request, run, apply)

    def _delete_event(
        self, row: OutboxRow, record: InterviewRecord, intent: dict[str, Any]
    ) -> _Call | _Skip:
        ref = find_ref(self.db, record.id, intent["ref_kind"], intent.get("employee_id"))
        if ref is None or ref.calendar_id is None:
            return _Skip("nothing to remove: the event was never made")
        provider, name = self._calendar(ref.provider)
        calendar_id, uid = ref.calendar_id, ref.external_id
        owner = self._owner(record, intent)
        panel = panel_of(record, self.ws.calendar_provider) if ref.kind == PANEL_REF else None

        async def run(earlier: int) -> dict[str, Any]:
            await provider.delete_event(calendar_id, uid)
            return {"uid": uid, "calendar_id": calendar_id, "deleted": True}

        def apply(result: dict[str, Any]) -> None:
            self._write_through(provider.id, self._copies(panel, calendar_id), removed=uid)
            forget_ref(self.db, record.id, ref.kind, ref.employee_id)

        request = {"calendar_id": calendar_id, "uid": uid}
        whose = "the panel's event" if ref.kind == PANEL_REF else _whose(owner)
        return _Call(name, whose, request, run, apply)

    def _write_through(
        self,
        provider_id: str,
        calendar_ids: Sequence[str],
        made: Sequence[CalendarEvent] = (),
        *,
        removed: str | None = None,
    ) -> None:
        """Our own write shows in the calendar cache at once, not only after the next sync
        (which corrects the copy if the provider changed anything). Runs in `apply`'s
        transaction; an event the cache cannot hold is left to that sync."""
        cache = CalendarCache(self.db)
        for calendar_id in calendar_ids:
            key = CalendarKey(provider_id, calendar_id)
            try:
                for event in made:
                    cache.put(key, event)
            except ValueError as exc:
                log.warning("%s: not put in the calendar cache: %s", key, exc)
            if removed is not None:
                cache.remove(key, removed)

    # ------------------------------------------------------------------ meetings

    def _conference(self, record: InterviewRecord) -> tuple[ConferenceProvider, Employee, str]:
        if record.video_provider is None or record.video_host is None:
            raise PanelistError("the interview has no video provider and host")
        provider = self.ws.conference_provider(record.video_provider)
        host = record.video_host
        row = self.db.execute(
            "SELECT account FROM video_accounts WHERE employee_id = ? AND provider = ?",
            [host.id, provider.id],
        ).fetchone()
        return provider, host, str(row[0]) if row else host.email

    def _create_meeting(
        self, row: OutboxRow, record: InterviewRecord, intent: dict[str, Any]
    ) -> _Call | _Skip:
        provider, host, account = self._conference(record)
        draft = drafts.meeting_draft(record, account)

        async def run(earlier: int) -> dict[str, Any]:
            meeting = await provider.create_meeting(draft, row.key)
            return {"meeting_id": meeting.meeting_id, "join_url": provider.join_link(meeting)}

        def apply(result: dict[str, Any]) -> None:
            ref = ExternalRef("meeting", provider.id, None, result["meeting_id"], host.id, row.key)
            save_ref(self.db, record.id, ref)
            self._set_link(record.id, result["join_url"])

        return _Call(provider.display_name, "the video meeting", _plain(draft), run, apply)

    def _update_meeting(
        self, row: OutboxRow, record: InterviewRecord, intent: dict[str, Any]
    ) -> _Call | _Skip:
        ref = find_ref(self.db, record.id, "meeting")
        if ref is None:
            return _Skip("nothing to move: the meeting was never made")
        provider, host, account = self._conference(record)
        draft = drafts.meeting_draft(record, account)
        in_place = ConferenceCapability.UPDATE_IN_PLACE in provider.capabilities

        async def run(earlier: int) -> dict[str, Any]:
            if in_place:
                meeting = await provider.update_meeting(ref.external_id, draft)
            else:  # a new meeting under this row's key, then the old one goes
                meeting = await provider.create_meeting(draft, row.key)
            if meeting.meeting_id != ref.external_id:
                await provider.delete_meeting(ref.external_id)
            return {"meeting_id": meeting.meeting_id, "join_url": provider.join_link(meeting)}

        def apply(result: dict[str, Any]) -> None:
            key = ref.key if result["meeting_id"] == ref.external_id else row.key
            moved = ExternalRef("meeting", provider.id, None, result["meeting_id"], host.id, key)
            save_ref(self.db, record.id, moved)
            self._set_link(record.id, result["join_url"])

        request = {"meeting_id": ref.external_id, **_plain(draft)}
        return _Call(provider.display_name, "the video meeting", request, run, apply)

    def _delete_meeting(
        self, row: OutboxRow, record: InterviewRecord, intent: dict[str, Any]
    ) -> _Call | _Skip:
        ref = find_ref(self.db, record.id, "meeting")
        if ref is None:
            return _Skip("nothing to remove: the meeting was never made")
        provider = self.ws.conference_provider(ref.provider)

        async def run(earlier: int) -> dict[str, Any]:
            await provider.delete_meeting(ref.external_id)
            return {"meeting_id": ref.external_id, "deleted": True}

        def apply(result: dict[str, Any]) -> None:
            forget_ref(self.db, record.id, "meeting", None)

        request = {"meeting_id": ref.external_id}
        return _Call(provider.display_name, "the video meeting", request, run, apply)

    def _set_link(self, interview_id: int, link: str) -> None:
        self.db.execute("UPDATE interviews SET video_link = ? WHERE id = ?", [link, interview_id])

    # ------------------------------------------------------------------ mail

    def _send_mail(
        self, row: OutboxRow, record: InterviewRecord, intent: dict[str, Any]
    ) -> _Call | _Skip:
        purpose = str(intent["purpose"])
        skip = self._mail_skip(row, record, purpose, intent)
        if skip is not None:
            return skip
        if self.transport is None:
            raise PanelistError("no mail transport is configured")
        transport = self.transport
        settings = mails.MailSettings.load(self.db)
        template = mails.template_for(self.db, purpose, intent.get("template_id"))
        now = self.ws.clock.now()
        # The recruiter's edited text, kept in the intent, is sent as it is.
        text = mails.edited(intent["subject"], intent["text"]) if "text" in intent else None
        if purpose == "candidate_message" and text is not None:
            message = mails.free_message(record, settings, text, key=row.key, now=now)
            to_name = record.candidate_name
        elif purpose.startswith("candidate_"):
            method: Literal["REQUEST", "CANCEL"] = (
                "CANCEL" if purpose == "candidate_cancellation" else "REQUEST"
            )
            message = mails.candidate_message(
                record,
                template,
                settings,
                key=row.key,
                method=method,
                now=now,
                previous=_previous_time(intent),
                text=text,
            )
            to_name = record.candidate_name
        else:
            recipient = get_employee(self.db, int(intent["recipient_id"]))
            about_id = intent.get("about_id")
            about = get_employee(self.db, int(about_id)) if about_id is not None else None
            message = mails.colleague_message(
                record, template, settings, key=row.key, recipient=recipient, about=about, now=now
            )
            to_name = recipient.name

        async def run(earlier: int) -> dict[str, Any]:
            # smtplib blocks: a worker thread keeps the other calls of this round going.
            await asyncio.to_thread(transport.send, message)
            return {"message_id": str(message["Message-ID"]), "sequence": record.sequence}

        def apply(result: dict[str, Any]) -> None:
            if purpose in _INVITING:
                self._candidate_invited(record, settings.domain)

        request = {
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "template": template.name,
        }
        whose = f"the {purpose.replace('_', ' ')} to {to_name}"
        return _Call("Mail", whose, request, run, apply, is_mail=True)

    def _mail_skip(
        self, row: OutboxRow, record: InterviewRecord, purpose: str, intent: dict[str, Any]
    ) -> _Skip | None:
        cancelled = record.status is InterviewStatus.CANCELLED
        if purpose in _INVITING and cancelled and row.attempts == 0:
            return _Skip("the interview was cancelled before the invitation went out")
        if purpose == "candidate_cancellation" and not self._candidate_was_invited(record.id):
            return _Skip("the candidate was never sent an invitation")
        if purpose == "evaluation_reminder":
            if cancelled:
                return _Skip("the interview was cancelled")
            done = self.db.execute(
                "SELECT done_at FROM evaluation_reminders WHERE interview_id = ?"
                " AND employee_id = ?",
                [record.id, intent["recipient_id"]],
            ).fetchone()
            if done is not None and done[0] is not None:
                return _Skip("the evaluation form is done")
        return None

    def _candidate_was_invited(self, interview_id: int) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM outbox WHERE interview_id = ? AND target = 'mail:candidate'"
            " AND state = 'done'"
            " AND json_extract(payload, '$.intent.purpose') IN (?, ?) LIMIT 1",
            [interview_id, *_INVITING],
        ).fetchone()
        return row is not None

    def _candidate_invited(self, record: InterviewRecord, domain: str) -> None:
        self.db.execute(
            "UPDATE interviews SET candidate_status = 'email_sent' WHERE id = ?", [record.id]
        )
        uid = mails.candidate_uid(record.id, domain)
        key = f"interview-{record.id}-candidate_event"
        save_ref(self.db, record.id, ExternalRef("candidate_event", "mail", None, uid, None, key))


# The mails that hand the candidate the interview's .ics event.
_INVITING = ("candidate_invitation", "candidate_reschedule")


def _previous_time(intent: dict[str, Any]) -> tuple[datetime, datetime] | None:
    """The time a reschedule mail says the interview moved from."""
    if "previous_start" not in intent:
        return None
    return from_text(str(intent["previous_start"])), from_text(str(intent["previous_end"]))


_NOT_AFTER_CANCEL = frozenset(
    {Kind.CREATE_EVENT, Kind.UPDATE_EVENT, Kind.CREATE_MEETING, Kind.UPDATE_MEETING}
)


def _whose(owner: Employee | Room) -> str:
    if isinstance(owner, Employee):
        return f"{owner.name}'s calendar"
    return f"the calendar of room {owner.name}"


def _what(row: OutboxRow) -> str:
    return f"{row.kind.value.replace('_', ' ')} ({row.target})"


def _plain(value: Any) -> dict[str, Any]:
    """A dataclass as JSON-ready data, for the outbox payload."""
    data: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(value), default=str))
    return data


async def _find_by_reference(
    provider: CalendarProvider, calendar_id: str, draft: EventDraft, key: str
) -> str | None:
    """The uid of an event an earlier, unanswered attempt made (its description ends in `key`)."""
    if not isinstance(draft.start, datetime) or not isinstance(draft.end, datetime):
        return None
    events = await provider.list_events(calendar_id, draft.start, draft.end)
    marker = f"{drafts.REFERENCE_PREFIX}{key}"
    for event in events:
        if event.description.rstrip().endswith(marker):
            return event.uid
    return None
