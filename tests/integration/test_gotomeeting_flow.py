"""End to end with GoTo Meeting (issue 16): the CalDAV flow's company on Radicale, Sam hosting
on the loopback fake GoTo through the gotomeeting plugin's real httpx client. Invite (the
GoTo link in every event and the candidate's mail), reschedule in place, cancel; and GoTo
making the meeting while its answer never arrives (the connection dropped: as if Panelist
died between GoTo's create and recording it), then resume: exactly one meeting."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from caldav_flow_helpers import (
    TUESDAY_10,
    Company,
    Received,
    aclose_service,
    email,
    employee_id,
    flow_request,
    open_service,
)

from panelist.clock import FrozenClock
from panelist.plugins import PluginRegistry
from panelist.scheduling import (
    InterviewRequest,
    OutboxIncomplete,
    RetryPolicy,
    SchedulingService,
)
from panelist.scheduling.records import read_interview
from panelist.secrets import env_name
from panelist.storage.database import open_database
from panelist_gotomeeting.config import refresh_token_name
from panelist_gotomeeting.testing import JOIN_BASE, FakeGoTo

pytestmark = pytest.mark.anyio
LATER = TUESDAY_10 + timedelta(days=1, hours=3)
SAM = email("sam")
RETRIES = RetryPolicy(
    budget_seconds=3.0, call_timeout_seconds=5.0, first_backoff_seconds=0.05,
    max_backoff_seconds=0.2,
)  # fmt: skip


@pytest.fixture
def goto(
    company: Company, monkeypatch: pytest.MonkeyPatch, clock: FrozenClock
) -> Iterator[FakeGoTo]:
    """The fake GoTo, Sam connected (his grant in the environment, as a host's service
    would have it: GoTo here answers a refresh with the same token), the company's
    provider settings pointing at it and Sam's GoTo account recorded as verified."""
    with FakeGoTo(rotate_refresh_tokens=False, now=clock.now()) as fake:
        client_id, secret = fake.add_client()
        fake.add_organizer(SAM, "Sam Lee")
        monkeypatch.setenv(env_name("gotomeeting", "client_secret"), secret)
        monkeypatch.setenv(
            env_name("gotomeeting", refresh_token_name(SAM)),
            fake.refresh_token_for(client_id, SAM),
        )
        monkeypatch.setattr("panelist.secrets.keep_secret", lambda *a: None)  # no OS keyring
        db = open_database(company.db_path)
        try:
            with db.atomic():
                for key, value in (fake.settings(client_id) | {"timeout": "5"}).items():
                    db.table("provider_settings").insert(
                        {"provider": "gotomeeting", "key": key, "value": value}
                    )
                db.table("video_accounts").insert(
                    {"employee_id": employee_id("sam"), "provider": "gotomeeting",
                     "account": SAM, "verified_at": "2026-10-01T00:00:00+00:00"}
                )  # fmt: skip
        finally:
            db.close()
        yield fake
        assert fake.internal_errors == []


@pytest.fixture
def service(
    company: Company,
    goto: FakeGoTo,
    registry: PluginRegistry,
    clock: FrozenClock,
    smtp: tuple[int, Received],
) -> Iterator[SchedulingService]:
    import asyncio

    service = open_service(company, registry, clock, smtp[0], retry=RETRIES)
    yield service
    asyncio.run(aclose_service(service))


def request(*people: str) -> InterviewRequest:
    return flow_request(*people, video_provider="gotomeeting", notes="Ask about Rust.")


async def test_invite_reschedule_and_cancel_with_a_goto_meeting(
    service: SchedulingService, goto: FakeGoTo, smtp: tuple[int, Received]
) -> None:
    record = await service.invite(request("sam", "ana"))
    (meeting,) = goto.meetings_of(SAM)
    assert record.video_link == f"{JOIN_BASE}{meeting['meetingId']}"
    assert (meeting["starttime"], meeting["endtime"]) == (
        "2026-11-24T09:00:00Z", "2026-11-24T10:00:00Z",
    )  # fmt: skip
    await service.send_candidate_invitation(record.id)
    (mail,) = smtp[1].messages()
    assert record.video_link in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    moved = await service.reschedule(record.id, LATER, LATER + timedelta(hours=1))
    (same,) = goto.meetings_of(SAM)
    assert same["meetingId"] == meeting["meetingId"]  # in place: the link stays
    assert moved.video_link == record.video_link
    assert (same["starttime"], same["endtime"]) == ("2026-11-25T12:00:00Z", "2026-11-25T13:00:00Z")

    await service.cancel(record.id)
    assert goto.meetings_of(SAM) == []


async def test_a_create_whose_answer_never_came_is_found_by_resume_and_not_made_twice(
    service: SchedulingService, goto: FakeGoTo
) -> None:
    # GoTo makes the meeting and the connection drops; GoTo is then down for this run.
    goto.drop_after_create(then_fail=1_000)
    with pytest.raises(OutboxIncomplete):
        await service.invite(request("sam", "ana"))
    (made,) = goto.meetings_of(SAM)
    (interview_id,) = [row[0] for row in service.ws.db.execute("SELECT id FROM interviews")]
    assert read_interview(service.ws.db, interview_id).video_link is None

    goto.clear_faults()  # GoTo is back
    report = await service.resume_pending()
    assert report.problems == {}
    (meeting,) = goto.meetings_of(SAM)  # still the one meeting
    assert meeting["meetingId"] == made["meetingId"]
    link = read_interview(service.ws.db, interview_id).video_link
    assert link == f"{JOIN_BASE}{meeting['meetingId']}"
    assert len([r for r in goto.requests if r[:2] == ("POST", "/meetings")]) == 1


CHILD = """
import asyncio, os, signal, sys
from datetime import datetime
from caldav_flow_helpers import open_service
from test_gotomeeting_flow import request
from panelist.clock import FrozenClock
from panelist.plugins import load_registry
from panelist_gotomeeting.provider import GoToMeetingProvider

made = GoToMeetingProvider.create_meeting

async def create_then_die(self, draft, key):
    await made(self, draft, key)  # GoTo has the meeting now; Panelist never records it
    os.kill(os.getpid(), signal.SIGKILL)

GoToMeetingProvider.create_meeting = create_then_die

class Company:
    db_path = sys.argv[1]

service = open_service(Company, load_registry(), FrozenClock(datetime.fromisoformat(sys.argv[2])),
                       int(sys.argv[3]))
asyncio.run(service.invite(request("sam", "ana")))
"""


async def test_sigkill_between_goto_making_the_meeting_and_recording_it_then_resume(
    company: Company,
    goto: FakeGoTo,
    registry: PluginRegistry,
    clock: FrozenClock,
    smtp: tuple[int, Received],
) -> None:
    here = Path(__file__).parent
    path = os.pathsep.join([str(here), str(here.parent), os.environ.get("PYTHONPATH", "")])
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(company.db_path), clock.now().isoformat(),
         str(smtp[0])],
        env=os.environ | {"PYTHONPATH": path}, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr
    (made,) = goto.meetings_of(SAM)

    service = open_service(company, registry, clock, smtp[0], retry=RETRIES)
    try:
        (interview_id,) = [row[0] for row in service.ws.db.execute("SELECT id FROM interviews")]
        assert read_interview(service.ws.db, interview_id).video_link is None
        report = await service.resume_pending()
        assert report.problems == {}
        (meeting,) = goto.meetings_of(SAM)  # exactly one meeting
        assert meeting["meetingId"] == made["meetingId"]
        link = read_interview(service.ws.db, interview_id).video_link
        assert link == f"{JOIN_BASE}{meeting['meetingId']}"
    finally:
        await aclose_service(service)
