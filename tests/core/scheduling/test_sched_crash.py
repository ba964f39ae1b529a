"""Exactly once, under SIGKILL: a child process playing invite → mail → reschedule → cancel
is killed between every pair of steps and at random moments, a second process resumes, and
the calendars (local_events), the meetings (outbox results) and the Maildir hold exactly
the expected items: nothing doubled, nothing missing."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import icalendar
import pytest
import scheduling_helpers as h
from scheduling_driver import CANCEL_MAIL, LATER, MOVE_MAIL

from panelist.clock import FrozenClock
from panelist.plugins import PluginRegistry
from panelist.providers.ical import event_from_dict
from panelist.services.directory import set_setting

HERE = Path(__file__).parent
RANDOM_RUNS = 32
SEED = int(os.environ.get("PANELIST_CRASH_SEED", str(time.time_ns() % 1_000_000)))


class Zygote:
    """The driver process; each job it runs is a forked child that may die by SIGKILL."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "scheduling_driver.py"), "crash"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=HERE,
        )  # fmt: skip

    def run(self, **job: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    driver = Zygote()
    yield driver
    driver.close()


@dataclass
class Run:
    db: Path
    maildir: Path

    def job(self, scenario: str, **extra: Any) -> dict[str, Any]:
        return {"db": str(self.db), "maildir": str(self.maildir), "scenario": scenario, **extra}


def new_run(template: Path, folder: Path) -> Run:
    folder.mkdir(parents=True)
    return Run(h.copy_company(template, folder / "northwind.db"), folder / "outbox")


# --------------------------------------------------------------------------- expectations


def check_final_state(run: Run, registry: PluginRegistry, scenario: str, context: str) -> None:
    ws = h.workspace(run.db, registry, FrozenClock(h.NOW))
    try:
        _check(ws, run, scenario)
    except AssertionError as exc:
        raise AssertionError(f"{context}: {exc}") from exc
    finally:
        ws.close()


def _check(ws: Any, run: Run, scenario: str) -> None:
    db = ws.db
    (interview_id,) = [row[0] for row in db.execute("SELECT id FROM interviews").fetchall()]
    cancelled = scenario == "cancel"
    rows = h.local_rows(db)
    base = f"interview-{interview_id}"
    # one row per calendar item, never two: the keys are unique and nothing else was written
    expected_keys = {
        f"{base}-interviewer_event-e{h.employee_id(p)}" for p in ("sam", "ana", "piet")
    }
    expected_keys |= {
        f"{base}-room_booking-r{h.room_id('amstel')}",
        f"{base}-room_booking-r{h.room_id('maas')}-s1",
    }
    assert Counter(r["key"] for r in rows) == Counter(expected_keys), [r["key"] for r in rows]
    assert db.execute("SELECT count(*) FROM local_events").fetchone()[0] == len(expected_keys)
    for row in rows:
        amstel = row["key"].endswith(f"-r{h.room_id('amstel')}")
        assert row["deleted"] is (cancelled or amstel), row["key"]
        if not amstel:
            assert event_from_dict(row["data"]).start == LATER, row["key"]

    outbox = h.outbox_rows(db, interview_id)
    assert [r["key"] for r in outbox if r["state"] not in ("done", "skipped")] == []
    meetings = {
        r["result"]["meeting_id"]
        for r in outbox
        if r["kind"] in ("create_meeting", "update_meeting")
    }
    assert len(meetings) == 1  # one meeting, moved in place
    assert [r["kind"] for r in outbox if r["kind"].endswith("meeting")] == (
        ["create_meeting", "update_meeting"] + (["delete_meeting"] if cancelled else [])
    )
    refs = db.execute("SELECT kind FROM interview_external_refs ORDER BY kind").fetchall()
    live = [] if cancelled else [("interviewer_event",)] * 3 + [("meeting",), ("room_booking",)]
    assert sorted(refs) == sorted([("candidate_event",), *live])

    status, sequence, room, link = db.execute(
        "SELECT status, sequence, room_id, video_link FROM interviews"
    ).fetchone()
    assert (status, sequence, room) == (
        "cancelled" if cancelled else "scheduled",
        2 if cancelled else 1,
        h.room_id("maas"),
    )
    assert link.endswith(meetings.pop())
    _check_mail(run, cancelled)


def _check_mail(run: Run, cancelled: bool) -> None:
    mails = h.read_maildir(run.maildir)
    seen = []
    for message in mails:
        to = message["To"].addresses[0].addr_spec
        method, sequence = "", None
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
                (event,) = calendar.walk("VEVENT")
                method, sequence = str(calendar["METHOD"]), int(event["SEQUENCE"])
        seen.append((to, method, sequence))
        edit = {("REQUEST", 1): MOVE_MAIL, ("CANCEL", 2): CANCEL_MAIL}.get((method, sequence))
        if edit is not None:  # the composer's text, never the template
            body = message.get_body(("plain",))
            assert body is not None and message["Subject"] == edit.subject
            assert body.get_content().replace("\r\n", "\n") == edit.text
    expected = [("daan@candidate.example", "REQUEST", 0), ("daan@candidate.example", "REQUEST", 1)]
    if cancelled:
        expected.append(("daan@candidate.example", "CANCEL", 2))
        expected += [(h.email(p), "", None) for p in ("sam", "ana", "piet", "nadia")]
    assert sorted(seen, key=str) == sorted(expected, key=str)
    assert len({m["Message-ID"] for m in mails}) == len(mails)


# --------------------------------------------------------------------------- the runs


@pytest.fixture(scope="module")
def full_run_steps(
    zygote: Zygote, company_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, float]:
    """How many steps the whole cancel scenario reports, and how long it takes, uninterrupted."""
    run = new_run(company_template, tmp_path_factory.mktemp("calibrate") / "run")
    steps_file = run.db.parent / "steps"
    started = time.monotonic()
    answer = zygote.run(**run.job("cancel", steps_file=str(steps_file)))
    seconds = time.monotonic() - started
    assert answer == {"killed": False, "code": 0}
    return int(steps_file.read_text()), seconds


def test_an_uninterrupted_run_is_exact(
    zygote: Zygote, company_template: Path, tmp_path: Path, test_registry: PluginRegistry
) -> None:
    for scenario in ("move", "cancel"):
        run = new_run(company_template, tmp_path / scenario)
        assert zygote.run(**run.job(scenario)) == {"killed": False, "code": 0}
        check_final_state(run, test_registry, scenario, f"{scenario}, no crash")


def test_killed_between_every_pair_of_steps(
    zygote: Zygote, company_template: Path, tmp_path: Path, test_registry: PluginRegistry,
    full_run_steps: tuple[int, float],
) -> None:  # fmt: skip
    steps, seconds = full_run_steps
    print(f"{steps} steps in {seconds:.3f} s")
    assert steps >= 60  # reserve, and call/called/recorded of every side effect
    for crash_at in range(1, steps + 1):
        run = new_run(company_template, tmp_path / f"at-{crash_at}")
        answer = zygote.run(**run.job("cancel", crash_at=crash_at))
        assert answer["killed"], f"step {crash_at} did not kill: {answer}"
        assert zygote.run(**run.job("cancel")) == {"killed": False, "code": 0}
        check_final_state(run, test_registry, "cancel", f"killed at step {crash_at} of {steps}")
        shutil.rmtree(run.db.parent)


def test_killed_at_random_moments_even_while_resuming(
    zygote: Zygote, company_template: Path, tmp_path: Path, test_registry: PluginRegistry,
    full_run_steps: tuple[int, float],
) -> None:  # fmt: skip
    _, seconds = full_run_steps
    rng = random.Random(SEED)
    kills = 0
    for number in range(RANDOM_RUNS):
        scenario = rng.choice(("move", "cancel"))
        run = new_run(company_template, tmp_path / f"random-{number}")
        delays = [rng.uniform(0, seconds) for _ in range(rng.choice((1, 1, 2)))]
        for delay in delays:  # one crash, sometimes a second one while resuming
            kills += zygote.run(**run.job(scenario, crash_after=delay))["killed"]
        assert zygote.run(**run.job(scenario)) == {"killed": False, "code": 0}
        check_final_state(
            run, test_registry, scenario, f"seed {SEED}, run {number}, delays {delays}"
        )
        shutil.rmtree(run.db.parent)
    print(f"seed {SEED}: {kills} kills in {RANDOM_RUNS} runs")
    assert kills >= RANDOM_RUNS // 4, f"seed {SEED}: only {kills} runs were really killed"


def test_the_resume_command_finishes_a_killed_invite(
    zygote: Zygote, company_template: Path, tmp_path: Path, test_registry: PluginRegistry
) -> None:
    run = new_run(company_template, tmp_path / "cli")
    ws = h.workspace(run.db, test_registry, FrozenClock(h.NOW))
    set_setting(ws.db, "maildir_path", str(run.maildir))
    ws.close()
    h.map_os_account(run.db, "rosa")
    # killed after the meeting and two of the events were made: step 9 is a "called"
    assert zygote.run(**run.job("invite", crash_at=9))["killed"]
    done = subprocess.run(
        [sys.executable, "-m", "panelist", "resume", "--db", str(run.db), "--as", h.email("rosa")],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PANELIST_CONFIG": str(tmp_path / "none.toml")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1 interviews had work left"
    check = h.workspace(run.db, test_registry, FrozenClock(h.NOW))
    keys = [r["key"].split("-", 2)[2] for r in h.local_rows(check.db)]
    assert sorted(keys) == [
        "interviewer_event-e2",
        "interviewer_event-e3",
        "interviewer_event-e4",
        "room_booking-r1",
    ]
    assert [r["state"] for r in h.outbox_rows(check.db, 1)] == ["done"] * 5
    check.close()
    assert h.read_maildir(run.maildir) == []  # the killed run never got to the candidate's mail
