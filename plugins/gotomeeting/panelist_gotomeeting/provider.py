"""GoTo Meeting as a Panelist conference provider (``gotomeeting``).

GoTo makes a meeting for the organiser whose token it is, so each host connects their own
GoTo account (``panelist connect gotomeeting``, a refresh token per host in the keyring),
and a meeting id here is ``<host email>/<GoTo meetingId>``: update and delete use the
host's token again.

- Hosts: verified when connected and their organiser (``GET /organizers/{organizerKey}``,
  the key GoTo sends with the token; ``GET /organizers?email=`` when it sends none, which
  only an admin may ask; else GoToMeeting answering ``GET /upcomingMeetings`` for them)
  is ``active`` with the ``G2M`` product. Core caches the answer (issue 16).
- Meetings: ``POST /meetings`` (201 with an array), times in UTC with the draft's
  duration, no password, ``meetingtype`` scheduled; ``PUT`` (204) moves it in place and
  ``DELETE`` (204; 404: gone already) removes it. GoTo has no waiting-room or
  join-before-host field in this API: its attendees wait for the organiser by default.
- No idempotency key at GoTo: the subject ends with a marker made from the key
  (``[P:`` and 10 hex digits of its SHA-256), and before creating, the host's upcoming
  meetings (``GET /upcomingMeetings``) are searched for it: a create retried after a
  crash, or after an answer lost on the way, returns the meeting made the first time.
  What it cannot find: a meeting whose end has passed (GoTo lists it no more), one whose
  subject the host edited in GoTo, one made under another host's account; and two
  Panelist databases on one GoTo account share keys ("interview-3-meeting").
- ``host_meetings``: the host's upcoming meetings overlapping a window (GoTo lets one
  organiser's meetings overlap; core refuses the interview then).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from panelist.errors import (
    AuthenticationFailed,
    EventNotFound,
    PanelistError,
    ProviderError,
    ValidationError,
)
from panelist.providers import (
    Check,
    ConferenceCapability,
    ConferenceProvider,
    HostMeeting,
    Meeting,
    MeetingDraft,
    ProviderContext,
)
from panelist_gotomeeting.api import GoToAPI, SecretKeeper
from panelist_gotomeeting.config import (
    DISPLAY,
    MEETING_PRODUCT,
    OPTIONS,
    PROVIDER,
    SECRET_CLIENT,
    GoToSettings,
)

SUBJECT_LIMIT = 100
MARKER_PREFIX = "[P:"
_MARKER = re.compile(r"\[P:[0-9a-f]{10}\]")


def marker(idempotency_key: str) -> str:
    """What ends the subject of the meeting made under `idempotency_key`."""
    return f"{MARKER_PREFIX}{hashlib.sha256(idempotency_key.encode()).hexdigest()[:10]}]"


class GoToMeetingProvider(ConferenceProvider):
    id = PROVIDER
    display_name = DISPLAY
    capabilities = (
        ConferenceCapability.VERIFIES_HOSTS
        | ConferenceCapability.UPDATE_IN_PLACE
        | ConferenceCapability.IDEMPOTENT_CREATE
        | ConferenceCapability.LISTS_HOST_MEETINGS
    )
    options = OPTIONS

    def __init__(self, context: ProviderContext, keep: SecretKeeper | None = None) -> None:
        """`keep(name, value)` stores a rotated refresh token (default: the OS keyring)."""
        super().__init__(context)
        self.settings = GoToSettings.from_mapping(context.settings)
        if keep is None:
            from panelist.secrets import keep_secret

            def keep(name: str, value: str) -> None:
                keep_secret(PROVIDER, name, value)

        self.api = GoToAPI(self.settings, lambda name: context.secret(PROVIDER, name), keep)

    async def aclose(self) -> None:
        await self.api.aclose()

    # ------------------------------------------------------------------ hosts

    async def is_verified_host(self, email: str) -> bool:
        host = _account(email)
        if not host or not self.api.connected(host):
            return False
        try:
            organizer = await self._organizer(host)
        except (AuthenticationFailed, EventNotFound):
            return False
        if organizer is None:
            return False
        products = organizer.get("products") or []
        return (
            str(organizer.get("status", "")).lower() == "active"
            and isinstance(products, list)
            and MEETING_PRODUCT in products
            and str(organizer.get("email", "")).casefold() == host
        )

    async def _organizer(self, host: str) -> dict[str, Any] | None:
        key = await self.api.organizer_key(host)
        what = f"the organiser {host}"
        if key:
            found = await self.api.call(host, "GET", f"/organizers/{key}", what)
        else:  # GoTo's newer token answers name no organiser key
            try:
                found = await self.api.call(host, "GET", "/organizers", what, query={"email": host})
            except (AuthenticationFailed, EventNotFound):
                raise
            except ProviderError as exc:
                if exc.retryable:
                    raise
                return await self._organizer_by_use(host)  # not an admin: 403
        items = found if isinstance(found, list) else [found]
        return next((o for o in items if isinstance(o, dict)), None)

    async def _organizer_by_use(self, host: str) -> dict[str, Any] | None:
        """Without a key, and not an admin: the account is an active G2M organiser when
        GoToMeeting answers it as one (its upcoming meetings); it refuses others."""
        try:
            await self._upcoming(host)
        except (AuthenticationFailed, EventNotFound):
            raise
        except ProviderError as exc:
            if exc.retryable:
                raise
            return None
        return {"email": host, "status": "active", "products": [MEETING_PRODUCT]}

    # ------------------------------------------------------------------ meetings

    async def create_meeting(self, draft: MeetingDraft, idempotency_key: str) -> Meeting:
        _check_times(draft)
        host = _account(draft.host_email)
        tag = marker(idempotency_key)
        for item in await self._upcoming(host):
            if tag in str(item.get("subject", "")):  # made before: a retry after a crash
                return self._meeting(host, item)
        body = self._body(draft, tag)
        made = await self.api.call(host, "POST", "/meetings", f"a meeting of {host}", body=body)
        first = made[0] if isinstance(made, list) and made else made
        if not isinstance(first, dict) or not first.get("meetingid"):
            raise ProviderError(
                f"{DISPLAY} made a meeting of {host} but sent no meeting id", provider=PROVIDER
            )
        meeting_id = str(first["meetingid"])
        url = str(first.get("joinURL") or self.settings.join_base + meeting_id)
        return Meeting(
            meeting_id=f"{host}/{meeting_id}",
            join_url=url,
            host_email=host,
            start=_aware(draft.start),
            end=_aware(draft.end),
            extra={"conference_call_info": str(first.get("conferenceCallInfo") or "")},
        )

    async def update_meeting(self, meeting_id: str, draft: MeetingDraft) -> Meeting:
        _check_times(draft)
        host, number = _split(meeting_id)
        what = f"the meeting {number} of {host}"
        found = await self.api.call(host, "GET", f"/meetings/{number}", what)
        current = (found[0] if isinstance(found, list) and found else found) or {}
        tag = _MARKER.search(str(current.get("subject", "")))
        body = self._body(draft, tag.group(0) if tag else "")
        body["passwordrequired"] = bool(current.get("passwordRequired", False))
        body["conferencecallinfo"] = str(current.get("conferenceCallInfo") or self.settings.audio)
        await self.api.call(host, "PUT", f"/meetings/{number}", what, body=body)
        return Meeting(
            meeting_id=f"{host}/{number}",
            join_url=self.settings.join_base + number,
            host_email=host,
            start=_aware(draft.start),
            end=_aware(draft.end),
        )

    async def delete_meeting(self, meeting_id: str) -> None:
        host, number = _split(meeting_id)
        try:
            await self.api.call(
                host, "DELETE", f"/meetings/{number}", f"the meeting {number} of {host}"
            )
        except EventNotFound:
            return

    async def host_meetings(
        self, host_email: str, start: datetime, end: datetime
    ) -> list[HostMeeting]:
        host = _account(host_email)
        window = (_aware(start), _aware(end))
        found = []
        for item in await self._upcoming(host):
            begins, ends = _time(item.get("startTime")), _time(item.get("endTime"))
            if begins is None or ends is None:
                continue
            if begins < window[1] and ends > window[0]:
                found.append(HostMeeting(f"{host}/{item.get('meetingId')}", begins, ends))
        return sorted(found, key=lambda m: m.start)

    def join_link(self, meeting: Meeting) -> str:
        return meeting.join_url

    async def check(self, calendar_ids: list[str]) -> list[Check]:
        """``panelist doctor``: the OAuth client is set; hosts connect their own accounts."""
        try:
            self.settings.require_client()
        except PanelistError as exc:
            return [Check("settings", "fail", str(exc))]
        if not self.context.secret(PROVIDER, SECRET_CLIENT):
            return [
                Check(
                    "settings",
                    "fail",
                    f"{DISPLAY}: no client secret; an Admin runs 'panelist connect gotomeeting "
                    "--client-id ID' (or set PANELIST_GOTOMEETING_CLIENT_SECRET)",
                )
            ]
        return [
            Check(
                "hosts",
                "ok",
                "a host is verified when they have connected their own GoTo account "
                "('panelist connect gotomeeting') and are an active GoToMeeting organiser",
            )
        ]

    # ------------------------------------------------------------------ helpers

    async def _upcoming(self, host: str) -> list[dict[str, Any]]:
        found = await self.api.call(
            host, "GET", "/upcomingMeetings", f"the upcoming meetings of {host}"
        )
        return [item for item in (found or []) if isinstance(item, dict)]

    def _body(self, draft: MeetingDraft, tag: str) -> dict[str, Any]:
        return {
            "subject": subject(draft.topic, tag),
            "starttime": _wire_time(draft.start),
            "endtime": _wire_time(draft.end),
            "passwordrequired": False,
            "conferencecallinfo": self.settings.audio,
            "timezonekey": "",  # deprecated by GoTo; must be sent, empty
            "meetingtype": "scheduled",
        }

    def _meeting(self, host: str, item: dict[str, Any]) -> Meeting:
        number = str(item.get("meetingId") or item.get("meetingid") or "")
        begins, ends = _time(item.get("startTime")), _time(item.get("endTime"))
        if not number or begins is None or ends is None:
            raise ProviderError(
                f"{DISPLAY} listed a meeting of {host} without its id or times", provider=PROVIDER
            )
        return Meeting(
            meeting_id=f"{host}/{number}",
            join_url=str(item.get("joinURL") or self.settings.join_base + number),
            host_email=host,
            start=begins,
            end=ends,
        )


def subject(topic: str, tag: str) -> str:
    """GoTo's subject: at most 100 characters, ``<`` and ``>`` as entities, the marker last."""
    room = SUBJECT_LIMIT - (len(tag) + 1 if tag else 0)
    text = " ".join(topic.split())
    escaped = _escape(text)
    while len(escaped) > room:
        text = text[: max(0, len(text) - max(1, len(escaped) - room))].rstrip()
        escaped = _escape(text)
    return f"{escaped} {tag}".strip() if tag else escaped


def _escape(text: str) -> str:
    """`html.escape(text, quote=False)` without importing `html` (its entity table costs the
    app's start-up, where every plugin loads)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _check_times(draft: MeetingDraft) -> None:
    if _aware(draft.end) <= _aware(draft.start):
        raise ValidationError("the meeting ends before it starts", field="end")


def _account(email: str) -> str:
    return email.strip().casefold()


def _split(meeting_id: str) -> tuple[str, str]:
    host, _, number = meeting_id.rpartition("/")
    if not host or not number.isdigit():
        raise ValidationError(f"{meeting_id!r} is not a GoTo Meeting id of Panelist's")
    return host, number


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _wire_time(moment: datetime) -> str:
    return _aware(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_OFFSET = re.compile(r"\.?([+-]\d{2}):?(\d{2})$")


def _time(value: object) -> datetime | None:
    """GoTo's times: ``2026-03-24T08:00:00Z``, ``…+00:00`` or G2M's ``…T08:00:00.+0000``."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    text = _OFFSET.sub(lambda m: f"{m.group(1)}:{m.group(2)}", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return _aware(moment).astimezone(UTC)
