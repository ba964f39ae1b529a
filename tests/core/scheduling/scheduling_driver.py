"""Runs the scheduling service in other processes, for the SIGKILL and race tests.

``python scheduling_driver.py crash``: a zygote. It imports everything once, then for
every JSON job on stdin forks a child that opens the database and plays a scenario
(invite → mail the candidate → reschedule → cancel), killing itself with SIGKILL at the
n-th step the service reports (`on_step`) or after a delay. It answers one JSON line
per job: whether the child was killed. The next job resumes where the last one died.

``python scheduling_driver.py race DB WHO``: books the Amstel room for WHO at the slot
named on stdin ("book N"), pausing just before the reserving transaction until told "go",
so two such processes enter it together. Answers "won N ID" or "taken N MESSAGE".
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import signal
import sys
import traceback
from datetime import timedelta
from pathlib import Path
from typing import Any

# A script outside pytest: tests/ on the path, as the root conftest.py puts it, for the
# helpers shared between test folders.
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))

import scheduling_helpers as h

from panelist.clock import FrozenClock
from panelist.mail.transport import MaildirTransport
from panelist.models import InterviewStatus, Method
from panelist.plugins import PluginRegistry
from panelist.scheduling import (
    MailEdit,
    SchedulingError,
    SchedulingService,
    StepEvent,
    load_interview,
)

INVITE = h.request(
    "sam",
    "ana",
    "piet",
    "nadia",
    method=Method.VIDEO,
    host="sam",
    room="amstel",
    request_key="crash-test",
)
LATER = h.TUESDAY_10 + timedelta(days=1, hours=3)
# The composer's edits (issue 17): each goes out exactly as typed, once, whatever the kills.
MOVE_MAIL = MailEdit("Moved to Wednesday", "Dear Daan,\n\nWednesday at 13:00 then.\n")
CANCEL_MAIL = MailEdit("Cancelled after all", "Dear Daan,\n\nWe have to cancel; sorry.\n")


async def scenario(service: SchedulingService, name: str) -> None:
    """Each operation is safe to repeat, so a rerun after a crash simply plays it again."""
    record = await service.invite(INVITE)
    if record.status is InterviewStatus.SCHEDULED and record.sequence == 0:
        await service.send_candidate_invitation(record.id)
    if name == "invite":
        return
    if load_interview(service.ws, record.id).status is InterviewStatus.SCHEDULED:
        await service.reschedule(
            record.id, LATER, LATER + timedelta(hours=1), room_id=h.room_id("maas"), mail=MOVE_MAIL
        )
    if name == "cancel":
        await service.cancel(record.id, mail=CANCEL_MAIL)


def kill_myself() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def play(job: dict[str, Any], registry: PluginRegistry) -> None:
    """The child: one run of the scenario, perhaps cut short by SIGKILL."""
    steps = 0

    def on_step(event: StepEvent) -> None:
        nonlocal steps
        steps += 1
        if steps == job.get("crash_at"):
            kill_myself()

    if job.get("crash_after") is not None:
        # A kernel timer, not a thread: timed thread waits hang under faketime (libfaketime
        # 0.9.10 shifts their monotonic deadline), and `make test` runs this under it.
        signal.signal(signal.SIGALRM, lambda *_: kill_myself())
        signal.setitimer(signal.ITIMER_REAL, max(job["crash_after"], 1e-6))  # 0 would disarm it
    ws = h.workspace(Path(job["db"]), registry, FrozenClock(h.NOW))
    service = SchedulingService(ws, MaildirTransport(job["maildir"]), on_step=on_step)
    asyncio.run(scenario(service, job["scenario"]))
    ws.close()
    if job.get("steps_file"):
        Path(job["steps_file"]).write_text(str(steps))


def zygote() -> None:
    registry = h.registry()
    # Imported once here, not in every child: each child then takes the same short time.
    for module in ("panelist.providers.ical", "panelist.mail.ics", "panelist.mail.message"):
        importlib.import_module(module)

    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                play(job, registry)
            except BaseException:
                traceback.print_exc()
                code = 1
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        print(json.dumps({"killed": killed, "code": exit_code}), flush=True)


def racer(db: str, who: str) -> None:
    registry = h.registry()
    ws = h.workspace(Path(db), registry, FrozenClock(h.NOW))

    def on_step(event: StepEvent) -> None:
        if event.stage == "reserve":
            print("ready", flush=True)
            assert sys.stdin.readline().strip() == "go"

    service = SchedulingService(
        ws, MaildirTransport(Path(db).parent / f"mail-{who}"), on_step=on_step
    )
    for line in sys.stdin:
        number = int(line.split()[1])
        start = h.TUESDAY_10 + timedelta(minutes=90 * number)
        try:
            record = asyncio.run(service.invite(h.request(who, room="amstel", start=start)))
            print(f"won {number} {record.id}", flush=True)
        except SchedulingError as exc:
            print(f"taken {number} {exc}", flush=True)
    ws.close()


if __name__ == "__main__":
    if sys.argv[1] == "crash":
        zygote()
    else:
        racer(sys.argv[2], sys.argv[3])
