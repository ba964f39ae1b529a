"""SIGKILL between Zoom making the meeting and the client recording it: a child process asks
for the meeting through the real zoomus, the fake stores it and holds the answer, the child
is killed; the same key asked again (core's resume) returns that meeting and makes none."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from zoom_account import ANA
from zoom_helpers import zoom_provider

from panelist.providers import MeetingDraft
from panelist_zoom.testing import CLIENT_SECRET, FakeZoom

START = datetime(2026, 3, 24, 9, tzinfo=UTC)
KEY = "interview-12-meeting"

CHILD = """
import asyncio, json, sys
from datetime import datetime, timedelta
from panelist.clock import FrozenClock
from panelist.providers import MeetingDraft, ProviderContext
from panelist_zoom.provider import ZoomProvider

settings, start, host, key = json.loads(sys.argv[1])
start = datetime.fromisoformat(start)
context = ProviderContext(None, FrozenClock(start), settings)
draft = MeetingDraft("Interview", start, start + timedelta(hours=1), host, "Europe/Amsterdam")
asyncio.run(ZoomProvider(context).create_meeting(draft, key))
print("recorded")  # never reached: killed before the answer came
"""


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_client_killed_before_the_answer_leaves_one_meeting_found_on_resume(
    zoom: FakeZoom,
) -> None:
    made = zoom.hold_next_create()
    argument = json.dumps([zoom.settings(), START.isoformat(), ANA, KEY])
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, argument],
        env=os.environ | {"PANELIST_ZOOM_CLIENT_SECRET": CLIENT_SECRET},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert made.wait(60), "the child never asked for the meeting"
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=60)
    zoom.release()
    assert child.returncode == -signal.SIGKILL and "recorded" not in out
    (stored,) = zoom.meetings_of(ANA)

    draft = MeetingDraft("Interview", START, START + timedelta(hours=1), ANA, "Europe/Amsterdam")
    again = await zoom_provider(zoom).create_meeting(draft, KEY)  # resume, another process
    assert again.meeting_id == str(stored["id"]) and again.join_url == stored["join_url"]
    assert len(zoom.meetings_of(ANA)) == 1
