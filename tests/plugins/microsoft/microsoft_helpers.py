"""Building the microsoft provider on the fake Graph, and what the tests do as other clients."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from microsoft_tenant import CLIENT_ID, SECRET

from panelist.clock import FrozenClock
from panelist.providers import EventDraft, ProviderContext, ResponseStatus
from panelist_microsoft.convert import graph_time
from panelist_microsoft.provider import MicrosoftCalendarProvider
from panelist_microsoft.testing import FakeGraph

RESPONSES = {
    ResponseStatus.ACCEPTED: "accepted",
    ResponseStatus.DECLINED: "declined",
    ResponseStatus.TENTATIVE: "tentativelyAccepted",
    ResponseStatus.NEEDS_ACTION: "notResponded",
}


def settings_for(graph: FakeGraph, **more: str) -> dict[str, str]:
    return {
        "tenant_id": graph.tenant_id,
        "client_id": CLIENT_ID,
        "api_base": graph.graph_url.removesuffix("/v1.0"),
        "authority": graph.authority,
        "ca_file": str(graph.ca_file),
        **more,
    }


def make_provider(
    graph: FakeGraph,
    now: datetime | None = None,
    *,
    secret: str | None = SECRET,
    settings: Mapping[str, str] | None = None,
) -> MicrosoftCalendarProvider:
    found = {"client_secret": secret} if secret else {}
    context = ProviderContext(
        database=None,
        clock=FrozenClock(now or datetime(2026, 3, 23, tzinfo=UTC)),
        settings=dict(settings or settings_for(graph)),
        secret_lookup=lambda provider, name: found.get(name),
    )
    return MicrosoftCalendarProvider(context)


def answer(
    graph: FakeGraph, calendar_id: str, uid: str, email: str, status: ResponseStatus
) -> None:
    graph.respond(email, uid, RESPONSES[status])


def override(
    graph: FakeGraph, calendar_id: str, uid: str, recurrence_id: datetime, draft: EventDraft
) -> None:
    """Outlook moves one occurrence of a series (it becomes an exception)."""
    zone = ZoneInfo(draft.timezone or "UTC")
    graph.override_occurrence(
        calendar_id,
        uid,
        recurrence_id.astimezone(zone).date(),
        {
            "subject": draft.summary,
            "start": graph_time(draft.start, draft.timezone),
            "end": graph_time(draft.end, draft.timezone),
        },
    )
