"""The candidate's side: a link opened by its token, acting as the link's creator."""

from __future__ import annotations

import contextlib
import hmac
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from panelist import audit
from panelist.clock import Clock
from panelist.errors import (
    NotFound,
    PermissionDenied,
)
from panelist.mail.transport import MailTransport
from panelist.models import Employee, InterviewStatus
from panelist.permissions import Right, require
from panelist.retry import RetryPolicy
from panelist.scheduling import mails
from panelist.scheduling.errors import OutboxIncomplete, SchedulingError
from panelist.scheduling.errors import SlotTaken as BusyAtThatTime
from panelist.scheduling.links.model import (
    TOKEN_SHAPE,
    Booked,
    CandidatePage,
    LinkState,
    LinkUnavailable,
    OfferedSlot,
    SlotTaken,
)
from panelist.scheduling.links.options import Option, by_day, offered_options, option_id, zone_name
from panelist.scheduling.links.stored import (
    LINK_COLUMNS,
    StoredLink,
    application_of,
    audit_subject,
    link_from_row,
    token_hash,
    type_name,
)
from panelist.scheduling.records import InterviewRecord, read_interview
from panelist.scheduling.requests import (
    InterviewRequest,
)
from panelist.services.directory import get_employee, get_setting
from panelist.storage.instants import to_text
from panelist.storage.transaction import immediate
from panelist.timezones import zone_or_none
from panelist.workspace import Workspace

MAX_WINDOW_DAYS = 35

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

    def _find(self, token: str) -> StoredLink:
        if not isinstance(token, str) or not TOKEN_SHAPE.fullmatch(token):
            raise LinkUnavailable("unknown")
        wanted = token_hash(token)
        row = self.db.execute(
            f"SELECT {LINK_COLUMNS}, token_hash FROM scheduling_links WHERE token_hash = ?",
            [wanted],
        ).fetchone()
        if row is None or not hmac.compare_digest(str(row[-1]), wanted):
            raise LinkUnavailable("unknown")
        return link_from_row(row[:-1])

    def _acting(self, link: StoredLink) -> Workspace:
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

    def _usable(self, link: StoredLink, now: datetime) -> LinkState:
        state = self._reconciled(link).state_at(now)
        if state is LinkState.EXPIRED:
            raise LinkUnavailable("expired")
        if state is LinkState.WITHDRAWN:
            raise LinkUnavailable("withdrawn")
        if state is LinkState.CANCELLED:
            raise LinkUnavailable("used")
        return state

    def _reconciled(self, link: StoredLink) -> StoredLink:
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

    def _mark_booked(self, link: StoredLink, interview_id: int) -> None:
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
        shown = zone_name(zone) if zone else default_zone
        tz = ZoneInfo(shown)
        booked: OfferedSlot | None = None
        change_until: datetime | None = None
        can_change = False
        options: list[Option] = []
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
                offered = await offered_options(ws, link, now, moving=record)
                options = [o for o in offered if o.start != record.start]
        else:
            options = await offered_options(ws, link, now)
        return CandidatePage(
            state=state,
            company_name=str(get_setting(self.db, "company_name")),
            candidate_name=application_of(self.db, link.application_id)[0],
            job_title=application_of(self.db, link.application_id)[2],
            type_name=type_name(self.db, link.type_id),
            minutes=link.minutes,
            method={"in_person": "in person", "phone": "phone", "video": "video"}[
                link.method.value
            ],
            interviewers=self._interviewers(link),
            zone=shown,
            default_zone=default_zone,
            days=by_day(options, tz),
            expires_at=link.expires_at.astimezone(tz),
            booked=booked,
            change_until=change_until,
            can_change=can_change,
        )

    def _default_zone(self, link: StoredLink) -> str:
        candidate_zone = application_of(self.db, link.application_id)[3]
        if candidate_zone and zone_or_none(candidate_zone) is not None:
            return candidate_zone
        company = str(get_setting(self.db, "company_timezone"))
        return company if zone_or_none(company) is not None else link.zone

    def _interviewers(self, link: StoredLink) -> tuple[str, ...]:
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
        tz = ZoneInfo(zone_name(zone))
        ws = self._acting(link)
        if state is LinkState.BOOKED:
            assert link.interview_id is not None
            record = read_interview(self.db, link.interview_id)
            if option_id(link, record.start, record.room.id if record.room else None) == slot_id:
                return self._booked(link, record, tz)  # the same choice again: answered
            raise LinkUnavailable("used")
        chosen = next((o for o in await offered_options(ws, link, now) if o.id == slot_id), None)
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
        tz = ZoneInfo(zone_name(zone))
        now = self.clock.now()
        if option_id(link, record.start, record.room.id if record.room else None) == slot_id:
            return self._booked(link, record, tz)
        options = await offered_options(ws, link, now, moving=record)
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

    async def _changeable(self, token: str) -> tuple[StoredLink, InterviewRecord, Workspace]:
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

    def _booked(self, link: StoredLink, record: InterviewRecord, tz: ZoneInfo) -> Booked:
        deadline = record.start - timedelta(hours=link.change_until_hours)
        room_id = record.room.id if record.room else None
        return Booked(
            slot=OfferedSlot(
                option_id(link, record.start, room_id),
                record.start.astimezone(tz),
                record.end.astimezone(tz),
            ),
            zone=str(tz.key),
            change_until=deadline.astimezone(tz),
            type_name=record.type_name,
            company_name=str(get_setting(self.db, "company_name")),
            location=record.location,
        )

    def _audit(self, link: StoredLink, action: audit.Action, detail: str) -> None:
        actor = audit.Actor(None, f"candidate via scheduling link {link.id}")
        audit.record(self.db, actor, action, audit_subject(link.id), detail, at=self.clock.now())
