"""Providers that fail on purpose: 429 with Retry-After, 5xx, timeouts, dropped connections.
Retried with backoff within a bounded time, then reported by name; the outbox keeps the rest
and a later run finishes it without doubling anything."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import scheduling_helpers as h

from panelist.clock import FrozenClock
from panelist.mail.transport import MaildirTransport
from panelist.plugins import PluginRegistry
from panelist.providers import EventDraft
from panelist.scheduling import OutboxIncomplete, RetryPolicy, SchedulingService
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio


def misbehave(ws: Workspace, provider: str = "flaky", **settings: object) -> None:
    for key, value in settings.items():
        ws.db.table("provider_settings").upsert(
            {"provider": provider, "key": key, "value": str(value)}, pk=("provider", "key")
        )


def fenna_rows(ws: Workspace) -> list[dict[str, object]]:
    return [r for r in h.local_rows(ws.db, "%") if r["calendar_id"] == h.calendar_id("fenna")]


def fresh(
    ws: Workspace, maildir: Path, reg: PluginRegistry, clock: FrozenClock
) -> SchedulingService:
    """Another session (the next TUI start, or cron): new provider instances, same database."""
    return SchedulingService(
        h.workspace(ws.db_path, reg, clock), MaildirTransport(maildir), retry=h.FAST_RETRIES
    )


async def test_429_with_retry_after_is_honoured(ws: Workspace, maildir: Path) -> None:
    misbehave(ws, failures=2, mode="429", retry_after=0.15)
    service = SchedulingService(ws, MaildirTransport(maildir), retry=RetryPolicy(budget_seconds=10))
    started = time.monotonic()
    record = await service.invite(h.request("fenna", "sam"))
    assert time.monotonic() - started >= 0.3  # it waited as asked, twice
    assert len(fenna_rows(service.ws)) == 1
    (row,) = [r for r in h.outbox_rows(service.ws.db, record.id) if "e5" in r["key"]]
    assert (row["state"], row["attempts"]) == ("done", 3)


@pytest.mark.parametrize("mode", ["503", "timeout", "drop"])
async def test_a_provider_that_keeps_failing_is_named_and_left_in_the_outbox(
    service: SchedulingService,
    maildir: Path,
    test_registry: PluginRegistry,
    clock: FrozenClock,
    mode: str,
) -> None:
    misbehave(service.ws, failures=1000, mode=mode)
    started = time.monotonic()
    with pytest.raises(OutboxIncomplete) as caught:
        await service.invite(h.request("fenna", "sam"))
    assert time.monotonic() - started < h.FAST_RETRIES.budget_seconds + 1.0
    assert str(caught.value) == "Flaky Calendar did not answer for Fenna Bos's calendar"
    assert caught.value.retryable
    interview_id = caught.value.interview_id
    states = {
        r["key"].split("-")[-1]: r["state"] for r in h.outbox_rows(service.ws.db, interview_id)
    }
    assert states == {"e3": "done", "e5": "pending"}  # Sam's event was made regardless
    assert fenna_rows(service.ws) == []

    misbehave(service.ws, failures=0)
    later = fresh(service.ws, maildir, test_registry, clock)
    report = await later.resume_pending()
    assert report.problems == {}
    assert len(fenna_rows(service.ws)) == 1
    assert len(h.local_rows(service.ws.db)) == 2
    later.ws.close()


async def test_an_answer_lost_after_the_write_does_not_double_the_event(
    service: SchedulingService,
) -> None:
    misbehave(service.ws, failures=1, mode="drop_after_write")
    await service.invite(h.request("fenna"))
    assert len(fenna_rows(service.ws)) == 1  # the key made the retry return the first event


async def test_a_provider_without_idempotent_create_is_reconciled(
    service: SchedulingService, maildir: Path, test_registry: PluginRegistry, clock: FrozenClock
) -> None:
    ws = service.ws
    ws.db.execute(
        "UPDATE employees SET calendar_provider = 'sloppy' WHERE id = ?", [h.employee_id("fenna")]
    )
    # This provider really does make a second event for a repeated create …
    draft = EventDraft("Probe", h.TUESDAY_10.replace(hour=15), h.TUESDAY_10.replace(hour=16))
    await ws.calendar_provider("sloppy").create_event("probe", draft, "same-key")
    await ws.calendar_provider("sloppy").create_event("probe", draft, "same-key")
    assert len([r for r in h.local_rows(ws.db, "sloppy-%") if r["calendar_id"] == "probe"]) == 2
    # … yet a create whose answer was lost is found again, not repeated.
    misbehave(ws, "sloppy", failures=1, mode="drop_after_write")
    service = fresh(ws, maildir, test_registry, clock)
    record = await service.invite(h.request("fenna"))
    service.ws.close()
    (event,) = [
        r for r in h.local_rows(ws.db, "sloppy-%") if r["calendar_id"] == h.calendar_id("fenna")
    ]
    assert (
        f"Panelist reference: interview-{record.id}-interviewer_event-e5"
        in event["data"]["description"]
    )
    (row,) = h.outbox_rows(ws.db, record.id)
    assert row["result"]["reconciled"] is True and row["result"]["uid"] == event["uid"]


async def test_a_refusal_is_not_retried_and_says_why(service: SchedulingService) -> None:
    misbehave(service.ws, failures=1000, mode="auth")
    with pytest.raises(OutboxIncomplete) as caught:
        await service.invite(h.request("fenna", room="ij"))
    assert str(caught.value) == (
        "Flaky Calendar refused Fenna Bos's calendar: 401 the service account lost access; "
        "Flaky Calendar refused the calendar of room IJ: 401 the service account lost access"
    )
    assert not caught.value.retryable
    rows = h.outbox_rows(service.ws.db, caught.value.interview_id)
    assert [(r["state"], r["attempts"]) for r in rows] == [("failed", 1), ("failed", 1)]
    assert service.ws.calendar_provider("flaky").writes == 2  # type: ignore[attr-defined]


async def test_cancel_does_not_wait_for_a_calendar_that_is_down(
    service: SchedulingService, maildir: Path, test_registry: PluginRegistry, clock: FrozenClock
) -> None:
    misbehave(service.ws, failures=1000, mode="503")
    with pytest.raises(OutboxIncomplete) as invited:
        await service.invite(h.request("fenna", "sam", "ana"))
    interview_id = invited.value.interview_id
    with pytest.raises(
        OutboxIncomplete, match="Flaky Calendar did not answer for Fenna Bos's calendar"
    ):
        await service.cancel(interview_id)
    live = [r for r in h.local_rows(service.ws.db) if not r["deleted"]]
    assert live == []  # Sam's and Ana's events are gone already
    assert service.ws.db.execute("SELECT status FROM interviews").fetchone()[0] == "cancelled"

    misbehave(service.ws, failures=0)
    later = fresh(service.ws, maildir, test_registry, clock)
    assert (await later.resume_pending()).problems == {}
    # Fenna's create had been tried, so it may have happened: it is finished, then removed.
    assert [r["deleted"] for r in fenna_rows(service.ws)] == [True]
    assert not [r for r in h.outbox_rows(service.ws.db, interview_id) if r["state"] == "pending"]
    later.ws.close()


async def test_work_never_started_is_dropped_when_cancelled(
    service: SchedulingService, maildir: Path, test_registry: PluginRegistry, clock: FrozenClock
) -> None:
    # A crash right after booking: the outbox holds the invite, nothing was called yet.
    from panelist.scheduling.outbox import enqueue
    from panelist.scheduling.records import load_interview
    from panelist.scheduling.service import invite_effects

    record = await service.invite(h.request("sam"))
    service.ws.db.execute(
        "UPDATE outbox SET state = 'pending', attempts = 0 WHERE interview_id = ?", [record.id]
    )
    service.ws.db.execute("DELETE FROM interview_external_refs")
    service.ws.db.execute("DELETE FROM local_events")
    enqueue(
        service.ws.db,
        record.id,
        invite_effects(load_interview(service.ws, record.id)),
        clock.now(),
    )
    service.ws.db.execute("UPDATE interviews SET status = 'cancelled' WHERE id = ?", [record.id])
    await service.resume_pending()
    assert [r["state"] for r in h.outbox_rows(service.ws.db, record.id)] == ["skipped"]
    assert h.local_rows(service.ws.db) == []


async def test_a_retry_after_beyond_the_budget_is_reported_at_once(
    service: SchedulingService,
) -> None:
    misbehave(service.ws, failures=1000, mode="429", retry_after=3600)
    started = time.monotonic()
    with pytest.raises(
        OutboxIncomplete, match="Flaky Calendar did not answer for Fenna Bos's calendar"
    ):
        await service.invite(h.request("fenna"))
    assert time.monotonic() - started < 1.0  # it does not sit out an hour inside the app
    assert service.ws.calendar_provider("flaky").writes == 1  # type: ignore[attr-defined]
