"""Google Meet as a Panelist conference provider (``google_meet``).

A Meet is made the way Calendar makes one: an event in the host's own calendar carrying
``conferenceData.createRequest`` (with ``conferenceDataVersion=1``), read again while its
status is ``pending``. Chosen over the Meet REST API's spaces because a space cannot be
deleted (it outlives a cancelled interview, PROVIDERS.md §6) while the event's Meet goes
with the event, and because the host's calendar then shows the meeting, so the rule "one
meeting at a time" is checked from their calendar like any busy time. The holder event is
private and marked free: the interview's own event already blocks the host's time.

Idempotent: the holder's event id and the createRequest's requestId both come from the
idempotency key, so a retried create meets 409 and returns the first meeting.

Settings are the google plugin's (provider "google"); a host is verified when the
Workspace directory knows them as an active user (not suspended, not archived).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio

from panelist.errors import PanelistError, ProviderError, ValidationError
from panelist.providers import (
    Check,
    ConferenceCapability,
    ConferenceProvider,
    Meeting,
    MeetingDraft,
    ProviderContext,
)
from panelist_google.auth import Grants
from panelist_google.conference import create_request, join_url, settled
from panelist_google.config import MEET_PROVIDER, OPTIONS, PROVIDER, GoogleSettings
from panelist_google.convert import event_id_for, google_time
from panelist_google.google_api import GoogleError, Wire

T = TypeVar("T")


class GoogleMeetProvider(ConferenceProvider):
    id = MEET_PROVIDER
    display_name = "Google Meet"
    capabilities = (
        ConferenceCapability.VERIFIES_HOSTS
        | ConferenceCapability.UPDATE_IN_PLACE
        | ConferenceCapability.IDEMPOTENT_CREATE
    )
    options = OPTIONS
    settings_id = PROVIDER  # one connection for Calendar and Meet: `panelist connect google`

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self.settings = GoogleSettings.from_mapping(context.settings)
        self.grants = Grants(self.settings, lambda name: context.secret(PROVIDER, name))
        self.wire = Wire(self.settings, self.grants)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args))

    async def check(self, calendar_ids: list[str]) -> list[Check]:
        """``panelist doctor``: hosts are verified in the Workspace directory; say if it answers."""
        try:
            admin = self.grants.directory_subject()
            await self.is_verified_host(admin)
        except PanelistError as exc:  # ConfigurationError too
            return [Check("hosts", "fail", f"hosts cannot be verified: {exc}")]
        return [
            Check(
                "hosts",
                "ok",
                "hosts are verified as active users in the Workspace directory; a Meet is "
                "made with the host's interview event",
            )
        ]

    async def is_verified_host(self, email: str) -> bool:
        return await self._run(self._active_user, email)

    def _active_user(self, email: str) -> bool:
        users = self.wire.service("directory").users()
        try:
            user = self.wire.execute(
                users.get(userKey=email),
                self.grants.directory_subject(),
                f"the directory entry of {email}",
            )
        except GoogleError as exc:
            if exc.status in (400, 404):
                return False
            raise
        return not user.get("suspended") and not user.get("archived")

    async def create_meeting(self, draft: MeetingDraft, idempotency_key: str) -> Meeting:
        if draft.end <= draft.start:
            raise ValidationError("the meeting ends before it starts", field="end")
        host = draft.host_email.strip().casefold()
        event_id = event_id_for(f"meet:{idempotency_key}")
        body = {
            **self._times(draft),
            "id": event_id,
            "summary": draft.topic,
            "description": draft.agenda,
            "visibility": "private",
            "transparency": "transparent",
            "extendedProperties": {"private": {"panelistKey": idempotency_key}},
            "conferenceData": create_request(event_id),
        }
        item = await self._run(self._insert, host, body)
        item = await settled(
            item, lambda event_id: self._run(self._read, host, event_id), host, self.id
        )
        return self._meeting(host, item)

    def _insert(self, host: str, body: dict[str, Any]) -> dict[str, Any]:
        events = self.wire.service("calendar").events()
        try:
            made: dict[str, Any] = self.wire.execute(
                events.insert(
                    calendarId=host, body=body, conferenceDataVersion=1, sendUpdates="none"
                ),
                host,
                f"a Meet in the calendar of {host}",
            )
            return made
        except GoogleError as exc:
            if exc.status != 409:
                raise
        return self._read(host, body["id"])  # made by an earlier attempt with this key

    def _read(self, host: str, event_id: str) -> dict[str, Any]:
        events = self.wire.service("calendar").events()
        found: dict[str, Any] = self.wire.execute(
            events.get(calendarId=host, eventId=event_id),
            host,
            f"the Meet {event_id!r} of {host}",
        )
        return found

    async def update_meeting(self, meeting_id: str, draft: MeetingDraft) -> Meeting:
        if draft.end <= draft.start:
            raise ValidationError("the meeting ends before it starts", field="end")
        host, event_id = _split(meeting_id)
        body = {**self._times(draft), "summary": draft.topic, "description": draft.agenda}

        def patch() -> dict[str, Any]:
            events = self.wire.service("calendar").events()
            found: dict[str, Any] = self.wire.execute(
                events.patch(calendarId=host, eventId=event_id, body=body, sendUpdates="none"),
                host,
                f"the Meet {event_id!r} of {host}",
            )
            return found

        return self._meeting(host, await self._run(patch))

    async def delete_meeting(self, meeting_id: str) -> None:
        host, event_id = _split(meeting_id)

        def delete() -> None:
            events = self.wire.service("calendar").events()
            try:
                self.wire.execute(
                    events.delete(calendarId=host, eventId=event_id, sendUpdates="none"),
                    host,
                    f"the Meet {event_id!r} of {host}",
                )
            except GoogleError as exc:
                if exc.status not in (404, 410):
                    raise

        await self._run(delete)

    def _times(self, draft: MeetingDraft) -> dict[str, Any]:
        zone = draft.timezone or "UTC"
        from panelist.timezones import get_zone

        tz = get_zone(zone, "the meeting")
        return {
            "start": google_time(_aware(draft.start).astimezone(tz), zone),
            "end": google_time(_aware(draft.end).astimezone(tz), zone),
        }

    def _meeting(self, host: str, item: dict[str, Any]) -> Meeting:
        from panelist_google.convert import parse_time

        start, end = parse_time(item.get("start"), "start"), parse_time(item.get("end"), "end")
        url, conference = join_url(item), item.get("conferenceData") or {}
        if not url or not isinstance(start, datetime) or not isinstance(end, datetime):
            raise ProviderError(
                f"Google sent the Meet of {host} without its link or times", provider=self.id
            )
        return Meeting(
            meeting_id=f"{host}/{item['id']}",
            join_url=url,
            host_email=host,
            start=start,
            end=end,
            extra={"conference_id": str(conference.get("conferenceId", ""))},
        )


def _split(meeting_id: str) -> tuple[str, str]:
    host, _, event_id = meeting_id.rpartition("/")
    if not host or not event_id:
        raise ValidationError(f"{meeting_id!r} is not a Google Meet id of Panelist's")
    return host, event_id


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
