"""Jitsi Meet: no account, no API. A meeting is a room name, derived from the key.

Anyone may host, so there is nothing to verify and nothing to store: the same
idempotency key always yields the same room, and moving the interview keeps it.
"""

from __future__ import annotations

import base64
import hashlib
import re

from panelist.errors import EventNotFound, ValidationError
from panelist.providers import (
    Check,
    ConferenceCapability,
    ConferenceProvider,
    Meeting,
    MeetingDraft,
    ProviderOption,
)

DEFAULT_BASE_URL = "https://meet.jit.si"
ROOM_PREFIX = "Panelist"
# Deliberately simple: Jitsi only needs something that looks like an address.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ROOM = re.compile(rf"^{ROOM_PREFIX}(-[a-z2-7]{{5}}){{4}}$")


def room_name(idempotency_key: str) -> str:
    """A readable, unguessable room: "Panelist-" and four groups of five base32 letters.

    Jitsi rooms are public to whoever knows the name; 100 bits of a hash keep it
    unguessable, and the key (not the topic) feeds it, so no candidate name leaks.
    """
    digest = hashlib.sha256(f"panelist-jitsi:{idempotency_key}".encode()).digest()
    letters = base64.b32encode(digest).decode().lower()[:20]
    groups = [letters[i : i + 5] for i in range(0, 20, 5)]
    return "-".join([ROOM_PREFIX, *groups])


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(text.strip()))


class JitsiConferenceProvider(ConferenceProvider):
    id = "jitsi"
    display_name = "Jitsi Meet"
    capabilities = ConferenceCapability.UPDATE_IN_PLACE | ConferenceCapability.IDEMPOTENT_CREATE
    options = (
        ProviderOption(
            name="base_url",
            label="Jitsi server",
            kind="url",
            default=DEFAULT_BASE_URL,
            help="The Jitsi Meet server rooms are opened on, e.g. a company's own instance.",
        ),
    )

    @property
    def base_url(self) -> str:
        configured = self.context.settings.get("base_url") or DEFAULT_BASE_URL
        return configured.strip().rstrip("/")

    async def check(self, calendar_ids: list[str]) -> list[Check]:
        """The server rooms open on; a plain-http one would send candidates to an open link."""
        if not self.base_url.startswith("https://"):
            return [Check("server", "warn", f"{self.base_url} is not https: use an https:// URL")]
        return [Check("server", "ok", f"rooms open on {self.base_url}; no account needed")]

    async def is_verified_host(self, email: str) -> bool:
        return is_email(email)

    async def create_meeting(self, draft: MeetingDraft, idempotency_key: str) -> Meeting:
        if not idempotency_key.strip():
            raise ValidationError("a Jitsi meeting needs a key", field="idempotency_key")
        return self._meeting(room_name(idempotency_key), draft)

    async def update_meeting(self, meeting_id: str, draft: MeetingDraft) -> Meeting:
        if not _ROOM.match(meeting_id):
            raise EventNotFound(f"{meeting_id!r} is not a Panelist Jitsi room", provider=self.id)
        return self._meeting(meeting_id, draft)

    async def delete_meeting(self, meeting_id: str) -> None:
        """Nothing to do: a Jitsi room exists only while people are in it."""

    def _meeting(self, room: str, draft: MeetingDraft) -> Meeting:
        _check(draft)
        return Meeting(
            meeting_id=room,
            join_url=f"{self.base_url}/{room}",
            host_email=draft.host_email,
            start=draft.start,
            end=draft.end,
        )


def _check(draft: MeetingDraft) -> None:
    what = "the meeting"  # never its topic: it names the candidate
    if draft.start.tzinfo is None or draft.end.tzinfo is None:
        raise ValidationError(f"{what}: start and end need a timezone", field="start")
    if draft.end <= draft.start:
        raise ValidationError(f"{what}: ends before it starts", field="end")
    if not is_email(draft.host_email):
        raise ValidationError(f"{what}: {draft.host_email!r} is not an email", field="host_email")
