"""Microsoft Teams as a Panelist conference provider (``teams``).

Usually core needs no call here: Exchange is a scheduling server whose calendar makes the
Teams meeting itself (`MicrosoftCalendarProvider.conferences`), so an interview's panel
event in the host's mailbox carries the meeting and its join URL, in one request.

This provider serves the other case, a host whose calendar is not in Exchange: the meeting
is made the same way, with a private event marked free in the host's mailbox
(``isOnlineMeeting`` + ``teamsForBusiness``), chosen over the ``onlineMeetings`` API
because that one needs a Teams application access policy set with PowerShell beside the
Graph permission, and its meetings stay in no calendar: with an event, the host's
calendar shows the meeting, "one meeting at a time" is checked from it like any busy
time, and cancelling the event ends the meeting. Idempotent through the event's
``transactionId``.

A host is verified when their account is enabled and licensed for Teams (an enabled
``TeamspaceAPI`` service plan in ``assignedPlans``: permission User.Read.All).
"""

from __future__ import annotations

from datetime import UTC, datetime

from panelist.errors import EventNotFound, PanelistError, ProviderError, ValidationError
from panelist.providers import (
    Check,
    ConferenceCapability,
    ConferenceProvider,
    EventDraft,
    Meeting,
    MeetingDraft,
    ProviderContext,
    Transparency,
)
from panelist_microsoft.config import OPTIONS, PROVIDER, TEAMS
from panelist_microsoft.graph import mailbox_path, status_of
from panelist_microsoft.provider import MicrosoftCalendarProvider

TEAMS_SERVICE = "TeamspaceAPI"
"""The service of the Teams service plans (TEAMS1 and its successors) in ``assignedPlans``."""


class TeamsProvider(ConferenceProvider):
    id = TEAMS
    display_name = "Microsoft Teams"
    capabilities = (
        ConferenceCapability.VERIFIES_HOSTS
        | ConferenceCapability.UPDATE_IN_PLACE
        | ConferenceCapability.IDEMPOTENT_CREATE
    )
    options = OPTIONS
    settings_id = PROVIDER  # one connection for calendars and Teams: `panelist connect microsoft`

    def __init__(self, context: ProviderContext) -> None:
        super().__init__(context)
        self.calendar = MicrosoftCalendarProvider(context)

    async def aclose(self) -> None:
        await self.calendar.aclose()

    async def is_verified_host(self, email: str) -> bool:
        try:
            user = await self.calendar.graph.call(
                "GET",
                mailbox_path(email.strip()),
                f"the directory entry of {email}",
                query={"$select": "id,accountEnabled,assignedPlans"},
            )
        except ProviderError as exc:
            if status_of(exc) in (400, 404):
                return False
            raise
        return bool(user and user.get("accountEnabled")) and _licensed_for_teams(user)

    async def create_meeting(self, draft: MeetingDraft, idempotency_key: str) -> Meeting:
        host = draft.host_email.strip().casefold()
        event = await self.calendar.create_event(host, _holder(draft), f"teams:{idempotency_key}")
        return _meeting(host, event.uid, event.conference_url, draft)

    async def update_meeting(self, meeting_id: str, draft: MeetingDraft) -> Meeting:
        host, uid = _split(meeting_id)
        event = await self.calendar.update_event(host, uid, _holder(draft))
        return _meeting(host, uid, event.conference_url, draft)

    async def delete_meeting(self, meeting_id: str) -> None:
        host, uid = _split(meeting_id)
        try:
            await self.calendar.delete_event(host, uid)
        except EventNotFound:
            return

    async def check(self, calendar_ids: list[str]) -> list[Check]:
        """``panelist doctor``: whether hosts can be verified (the directory answers)."""
        try:
            await self.calendar.graph.call(
                "GET", "/users", "the directory", query={"$top": "1", "$select": "id"}
            )
        except PanelistError as exc:
            return [Check("hosts", "fail", f"hosts cannot be verified: {exc}")]
        return [
            Check(
                "hosts",
                "ok",
                "hosts are verified as enabled accounts licensed for Teams; a Teams meeting "
                "is made with the host's interview event",
            )
        ]


def _holder(draft: MeetingDraft) -> EventDraft:
    """The private, free event in the host's mailbox that holds the meeting."""
    if draft.end <= draft.start:
        raise ValidationError("the meeting ends before it starts", field="end")
    return EventDraft(
        summary=draft.topic,
        start=_aware(draft.start),
        end=_aware(draft.end),
        timezone=draft.timezone or "UTC",
        description=draft.agenda,
        private=True,
        transparency=Transparency.FREE,  # the interview's own event blocks the host's time
        conference=TEAMS,
    )


def _meeting(host: str, uid: str, url: str | None, draft: MeetingDraft) -> Meeting:
    if not url:
        raise ProviderError(f"Exchange sent the Teams meeting of {host} without its link")
    return Meeting(f"{host}/{uid}", url, host, _aware(draft.start), _aware(draft.end))


def _licensed_for_teams(user: dict[str, object]) -> bool:
    plans = user.get("assignedPlans")
    return isinstance(plans, list) and any(
        isinstance(plan, dict)
        and plan.get("service") == TEAMS_SERVICE
        and plan.get("capabilityStatus") == "Enabled"
        for plan in plans
    )


def _split(meeting_id: str) -> tuple[str, str]:
    host, _, uid = meeting_id.partition("/")
    if not host or not uid:
        raise ValidationError(f"{meeting_id!r} is not a Teams meeting id of Panelist's")
    return host, uid


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
