"""A Meet made by a Calendar event: the ``conferenceData`` Google sends with the event, and
the reads that wait for a ``pending`` one. Shared by the Meet provider (`meet`: a holder
event of its own) and the calendar provider (`provider`: the panel event itself makes it).

Google answers a ``createRequest`` with status ``pending``, ``success`` or ``failure``;
usually ``success`` at once, sometimes ``pending`` for a moment. `settled` reads the event
again while it is pending (the first read at once, then a short back-off).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from panelist.errors import ProviderError

POLL_WAITS = (0.2, 0.4, 0.8, 1.6, 3.2)
"""Seconds between reads of a pending Meet (Google usually answers on the first)."""
MEET_SOLUTION = "hangoutsMeet"


def create_request(request_id: str) -> dict[str, Any]:
    """``conferenceData`` asking for a new Meet (sent with ``conferenceDataVersion=1``); a
    request id the event carries already is ignored, so a repeated write makes no second Meet."""
    return {
        "createRequest": {
            "requestId": request_id,
            "conferenceSolutionKey": {"type": MEET_SOLUTION},
        }
    }


def status(item: dict[str, Any]) -> str | None:
    """``pending``, ``success`` or ``failure`` of the event's createRequest; None without one."""
    request = (item.get("conferenceData") or {}).get("createRequest") or {}
    code = (request.get("status") or {}).get("statusCode")
    return str(code) if code else None


def join_url(item: dict[str, Any]) -> str | None:
    """The Meet's link: ``hangoutLink``, else the conference's video entry point."""
    if item.get("hangoutLink"):
        return str(item["hangoutLink"])
    for entry in (item.get("conferenceData") or {}).get("entryPoints") or ():
        if entry.get("entryPointType") == "video" and entry.get("uri"):
            return str(entry["uri"])
    return None


async def settled(
    item: dict[str, Any],
    read: Callable[[str], Awaitable[dict[str, Any]]],
    host: str,
    provider: str,
) -> dict[str, Any]:
    """`item` once its Meet is made, read again (`read(event_id)`) while Google says
    ``pending``; a ``failure`` is one clear line naming the host."""
    for wait in (0.0, *POLL_WAITS):
        found = status(item)
        if found == "success" or (found is None and join_url(item)):
            return item
        if found == "failure":
            raise ProviderError(
                f"Google would not create a Meet for {host}: Meet may be turned off for "
                "them in the Admin console",
                provider=provider,
            )
        if wait:
            await anyio.sleep(wait)
        item = await read(str(item["id"]))
    raise ProviderError(
        f"Google kept the Meet for {host} pending; try again later", provider=provider
    )
