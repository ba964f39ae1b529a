"""Who may host where (panelist.services.hosts): each provider's verdict kept with when it was
asked, asked again after the time-to-live or when the form asks, and a provider that does
not answer keeps the verdict it gave before."""

from __future__ import annotations

from datetime import timedelta

import pytest
import scheduling_helpers as h

from panelist.clock import FrozenClock
from panelist.services.directory import set_setting
from panelist.services.hosts import HostCheck, stale_verifications, verify_host
from panelist.services.interview_form import video_choices
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio


def strict_hosts(ws: Workspace, *keys: str) -> None:
    ws.db.execute("DELETE FROM provider_settings WHERE provider = 'strict'")
    ws.db.table("provider_settings").insert(
        {"provider": "strict", "key": "hosts", "value": ",".join(h.email(k) for k in keys)}
    )
    ws._providers.clear()  # the provider reads its settings when made


def offered(ws: Workspace, key: str) -> list[str]:
    return [choice.provider for choice in video_choices(ws, h.employee_id(key))]


async def test_verdicts_are_kept_asked_again_after_their_time_and_on_request(
    ws: Workspace, clock: FrozenClock
) -> None:
    strict_hosts(ws, "sam")
    sam, ana = h.employee_id("sam"), h.employee_id("ana")
    assert stale_verifications(ws, sam) == ["strict"]  # verified once, never asked here
    assert await verify_host(ws, sam) == [HostCheck("strict", True)]
    assert await verify_host(ws, ana) == [HostCheck("strict", False)]
    assert stale_verifications(ws, sam) == [] and await verify_host(ws, sam) == []
    assert "strict" in offered(ws, "sam") and "strict" not in offered(ws, "ana")

    strict_hosts(ws)  # Sam's licence goes
    clock.advance(timedelta(hours=23))
    assert await verify_host(ws, sam) == []  # still trusted
    assert "strict" in offered(ws, "sam")
    assert await verify_host(ws, sam, force=True) == [HostCheck("strict", False)]
    assert "strict" not in offered(ws, "sam")

    strict_hosts(ws, "ana")  # Ana gets one; after the time-to-live she is asked again
    clock.advance(timedelta(hours=25))
    assert stale_verifications(ws, ana) == ["strict"]
    assert await verify_host(ws, ana) == [HostCheck("strict", True)]
    assert "strict" in offered(ws, "ana")


async def test_a_provider_that_does_not_answer_keeps_its_verdict(ws: Workspace) -> None:
    strict_hosts(ws, "sam")
    sam = h.employee_id("sam")
    await verify_host(ws, sam)
    strict = ws.conference_provider("strict")

    async def down(email: str) -> bool:
        raise ConnectionResetError("the provider hung up")

    strict.is_verified_host = down  # type: ignore[method-assign]
    set_setting(ws.db, "provider_retry_budget_s", 0.3)  # tried again within the budget, then not
    (check,) = await verify_host(ws, sam, force=True)
    assert check.verified is None and "connection lost" in check.problem
    assert "strict" in offered(ws, "sam")
