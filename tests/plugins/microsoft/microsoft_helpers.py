"""Building the microsoft provider on the fake Graph, and what the tests do as other clients."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from microsoft_tenant import CLIENT_ID, SECRET

from panelist.clock import FrozenClock
from panelist.providers import EventDraft, ProviderContext, ResponseStatus
from panelist_microsoft.convert import graph_time, utc_text
from panelist_microsoft.graph import mailbox_path
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


async def override(
    provider: MicrosoftCalendarProvider,
    calendar_id: str,
    uid: str,
    recurrence_id: datetime,
    draft: EventDraft,
) -> Any:
    """Outlook moves one occurrence: PATCH the instance whose originalStart it is."""
    master_id = await provider._graph_id(calendar_id, uid)
    assert master_id is not None
    where = f"calendar {calendar_id!r}"
    instances, _ = await provider._pages(
        f"{mailbox_path(calendar_id)}/events/{master_id}/instances",
        where,
        {
            "startDateTime": utc_text(recurrence_id - timedelta(hours=1)),
            "endDateTime": utc_text(recurrence_id + timedelta(hours=1)),
        },
    )
    wanted = recurrence_id.astimezone(UTC)
    for item in instances:
        original = str(item.get("originalStart") or "")
        when = datetime.fromisoformat(original.replace("Z", "+00:00")[:25]).astimezone(UTC)
        if when.replace(microsecond=0) == wanted:
            return await provider.graph.call(
                "PATCH",
                f"{mailbox_path(calendar_id)}/events/{item['id']}",
                where,
                body={
                    "subject": draft.summary,
                    "start": graph_time(draft.start, draft.timezone),
                    "end": graph_time(draft.end, draft.timezone),
                },
            )
    raise AssertionError(f"no occurrence at {recurrence_id}")
