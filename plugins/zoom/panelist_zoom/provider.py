"""Zoom as a Panelist conference provider (``zoom``).

Meetings are scheduled meetings (type 2) of the host, made with ``POST
/users/{host}/meetings``: a waiting room, join before host off, the start in UTC (zoomus
writes the datetime it is given with a ``Z`` and converts nothing) with the interview's time
zone for display, and the duration in whole minutes. Moved in place (``PATCH``, 204: the
join link stays), deleted on cancel (404 code 3001 is "already gone").

Zoom takes no idempotency key, so the meeting carries one: its agenda starts with the line
``Panelist reference: zoom/<scope>/<key>`` (`reference`). Before creating, the host's
scheduled meetings are read (``GET /users/{host}/meetings?type=scheduled``, every page) and
a meeting with that line is returned, brought to the draft's time and topic if they differ:
a create whose answer was lost (a crash, a dropped connection) is never made twice.

A host is verified when ``GET /users/{email}`` answers an active (``status``), verified
(``verified: 1``) user; `host_meetings` reads the same list of scheduled meetings (recurring
ones with a fixed time through their occurrences), so core keeps a host to one meeting at a
time, which Zoom itself does not.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

import anyio

from panelist.errors import EventNotFound, PanelistError, ProviderError, ValidationError
from panelist.providers import (
    Check,
    ConferenceCapability,
    ConferenceProvider,
    HostMeeting,
    Meeting,
    MeetingDraft,
    ProviderContext,
)
from panelist_zoom.client import CODE_NO_USER, ZoomNotFound, ZoomWire
from panelist_zoom.config import OPTIONS, PROVIDER, SECRET_CLIENT, ZoomSettings

T = TypeVar("T")

REFERENCE_PREFIX = "Panelist reference: "
PAGE_SIZE = 300
"""The largest page Zoom gives of a user's meetings."""
SCHEDULED = 2
RECURRING_FIXED = 8
MAX_TOPIC = 200


def reference(scope: str, key: str) -> str:
    """The agenda line that marks the meeting Panelist made under `key`."""
    return f"{REFERENCE_PREFIX}zoom/{scope + '/' if scope else ''}{key}"


class ZoomProvider(ConferenceProvider):
    id = PROVIDER
    display_name = "Zoom"
    capabilities = (
        ConferenceCapability.VERIFIES_HOSTS
        | ConferenceCapability.UPDATE_IN_PLACE
        | ConferenceCapability.IDEMPOTENT_CREATE
        | ConferenceCapability.LISTS_HOST_MEETINGS
    )
    options = OPTIONS

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self.settings = ZoomSettings.from_mapping(context.settings)
        self.wire = ZoomWire(self.settings, lambda: context.secret(PROVIDER, SECRET_CLIENT))

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args))

    # -- hosts ---------------------------------------------------------------------------

    async def is_verified_host(self, email: str) -> bool:
        return await self._run(self._verified, email.strip())

    def _verified(self, email: str) -> bool:
        if not email or "@" not in email:
            return False
        try:
            user = self.wire.call(
                f"the Zoom user {email}", lambda z: z.user.get(id=_user_path(email))
            ).body
        except ZoomNotFound:  # 1001: no such user in this account
            return False
        return (
            isinstance(user, dict)
            and user.get("status") == "active"
            and user.get("verified") in (1, True)
        )

    async def host_meetings(
        self, host_email: str, start: datetime, end: datetime
    ) -> list[HostMeeting]:
        return await self._run(self._host_meetings, host_email.strip(), _aware(start), _aware(end))

    def _host_meetings(self, host: str, start: datetime, end: datetime) -> list[HostMeeting]:
        try:
            listed = self._scheduled(host)
        except ZoomNotFound as exc:
            if exc.code == CODE_NO_USER:
                return []  # no Zoom user: no meetings
            raise
        found: list[HostMeeting] = []
        for item in listed:
            for begins, ends in self._times_of(host, item):
                if begins < end and ends > start:
                    found.append(HostMeeting(str(item["id"]), begins, ends))
        return sorted(found, key=lambda m: (m.start, m.meeting_id))

    def _times_of(self, host: str, item: dict[str, Any]) -> list[tuple[datetime, datetime]]:
        """When a listed meeting takes place: once, or at each occurrence of a series with a
        fixed time (read from the meeting itself); none for one without a fixed time."""
        if item.get("type") == RECURRING_FIXED:
            meeting_id = item["id"]
            try:
                full = self.wire.call(
                    f"the meeting {meeting_id} of {host}",
                    lambda z: z.meeting.get(id=meeting_id),
                ).body
            except EventNotFound:
                return []
            return [
                _span(o.get("start_time"), o.get("duration"))
                for o in (full or {}).get("occurrences") or []
                if o.get("status") != "deleted" and o.get("start_time")
            ]
        if item.get("type") == SCHEDULED and item.get("start_time"):
            return [_span(item["start_time"], item.get("duration"))]
        return []

    def _scheduled(self, host: str) -> list[dict[str, Any]]:
        """The host's scheduled meetings (upcoming, live and unexpired past), every page."""
        meetings: list[dict[str, Any]] = []
        token = ""
        while True:
            query: dict[str, Any] = {"type": "scheduled", "page_size": PAGE_SIZE}
            if token:
                query["next_page_token"] = token
            page = (
                self.wire.call(
                    f"the meetings of {host}",
                    lambda z, q=query: z.meeting.list(user_id=_user_path(host), **q),
                ).body
                or {}
            )
            meetings += [m for m in page.get("meetings") or [] if isinstance(m, dict)]
            token = page.get("next_page_token") or ""
            if not token:
                return meetings

    # -- meetings ------------------------------------------------------------------------

    async def create_meeting(self, draft: MeetingDraft, idempotency_key: str) -> Meeting:
        _check(draft)
        return await self._run(self._create, draft, idempotency_key)

    def _create(self, draft: MeetingDraft, key: str) -> Meeting:
        host = draft.host_email.strip()
        try:
            return self._find_or_make(host, draft, reference(self.settings.reference_scope, key))
        except ZoomNotFound as exc:
            if exc.code != CODE_NO_USER:
                raise
            raise ProviderError(
                f"Zoom: {host} is not a user of this Zoom account (code {exc.code})",
                provider=self.id,
            ) from None

    def _find_or_make(self, host: str, draft: MeetingDraft, marker: str) -> Meeting:
        earlier = self._find(host, marker)
        if earlier is not None:  # made before, its answer lost: that one, as drafted now
            return self._update(str(earlier["id"]), draft)
        body = {
            **_times(draft),
            "topic": _topic(draft),
            "type": SCHEDULED,
            "agenda": marker + (f"\n\n{draft.agenda}" if draft.agenda else ""),
            "settings": {
                "waiting_room": True,
                "join_before_host": False,
                "approval_type": 2,  # no registration
            },
        }
        made = self.wire.call(
            f"a meeting of {host}",
            lambda z: z.meeting.create(user_id=_user_path(host), **body),
        ).body
        return self._meeting(host, made, draft)

    def _find(self, host: str, marker: str) -> dict[str, Any] | None:
        for item in self._scheduled(host):
            if marker in (item.get("agenda") or "").splitlines():
                return item
        return None

    async def update_meeting(self, meeting_id: str, draft: MeetingDraft) -> Meeting:
        _check(draft)
        return await self._run(self._update, _meeting_number(meeting_id), draft)

    def _update(self, meeting_id: str, draft: MeetingDraft) -> Meeting:
        host = draft.host_email.strip()
        what = f"the meeting {meeting_id} of {host}"
        body = {**_times(draft), "topic": _topic(draft)}
        current = self.wire.call(what, lambda z: z.meeting.get(id=meeting_id)).body or {}
        if any(current.get(k) != v for k, v in _wire_times(body).items()):
            self.wire.call(what, lambda z: z.meeting.update(id=meeting_id, **body))
            current = self.wire.call(what, lambda z: z.meeting.get(id=meeting_id)).body or {}
        return self._meeting(host, current, draft)

    async def delete_meeting(self, meeting_id: str) -> None:
        number = _meeting_number(meeting_id)

        def delete() -> None:
            try:
                self.wire.call(f"the meeting {number}", lambda z: z.meeting.delete(id=number))
            except ZoomNotFound:
                return  # 3001: gone already

        await self._run(delete)

    def _meeting(self, host: str, item: Any, draft: MeetingDraft) -> Meeting:
        if not isinstance(item, dict) or not item.get("id") or not item.get("join_url"):
            raise ProviderError(
                f"Zoom sent the meeting of {host} without its link", provider=self.id
            )
        begins, ends = (
            _span(item["start_time"], item.get("duration"))
            if item.get("start_time")
            else (_aware(draft.start), _aware(draft.end))
        )
        return Meeting(
            meeting_id=str(item["id"]),
            join_url=str(item["join_url"]),
            host_email=host,
            start=begins,
            end=ends,
        )

    # -- doctor --------------------------------------------------------------------------

    async def check(self, calendar_ids: list[str]) -> list[Check]:
        """``panelist doctor``: a token can be had (account id, client id and secret)."""
        try:
            await self._run(self.wire.client)
        except PanelistError as exc:
            return [Check("hosts", "fail", f"hosts cannot be verified: {exc}")]
        return [
            Check(
                "hosts",
                "ok",
                "Zoom answers; hosts are verified as active, verified users of the account, "
                "and their scheduled meetings are read to keep them to one at a time",
            )
        ]


def _check(draft: MeetingDraft) -> None:
    if _aware(draft.end) <= _aware(draft.start):
        raise ValidationError("the meeting ends before it starts", field="end")
    if not draft.host_email.strip():
        raise ValidationError("the meeting has no host", field="host_email")


def _times(draft: MeetingDraft) -> dict[str, Any]:
    """zoomus writes `start_time` with ``%Y-%m-%dT%H:%M:%SZ`` and converts nothing: UTC."""
    start = _aware(draft.start).astimezone(UTC).replace(tzinfo=None)
    minutes = math.ceil((_aware(draft.end) - _aware(draft.start)).total_seconds() / 60)
    return {"start_time": start, "duration": minutes, "timezone": draft.timezone or "UTC"}


def _wire_times(body: dict[str, Any]) -> dict[str, Any]:
    """`body` as Zoom answers it on GET, to tell whether anything changed."""
    return {**body, "start_time": body["start_time"].strftime("%Y-%m-%dT%H:%M:%SZ")}


def _topic(draft: MeetingDraft) -> str:
    return (draft.topic.strip() or "Interview")[:MAX_TOPIC]


def _span(start_time: Any, duration: Any) -> tuple[datetime, datetime]:
    begins = datetime.fromisoformat(str(start_time).replace("Z", "+00:00"))
    return _aware(begins), _aware(begins) + timedelta(minutes=int(duration or 0))


def _user_path(email: str) -> str:
    """zoomus puts ids into the path as they are: an address is quoted here."""
    return quote(email, safe="@")


def _meeting_number(meeting_id: str) -> str:
    text = meeting_id.strip()
    if not text.isdigit():
        raise ValidationError(f"{meeting_id!r} is not a Zoom meeting id")
    return text


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
