"""The background duties run once per host: in the process holding the database's lease
(a `panelist worker`, or else the first open app), never once per open app."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import scheduling_helpers as h
from scheduling_providers import FlakyCalendar

from panelist.clock import FrozenClock
from panelist.mail.transport import MaildirTransport
from panelist.plugins import PluginRegistry
from panelist.scheduling import SchedulingService
from panelist.scheduling.duties import DutiesReport, HostDuties
from panelist.services.directory import set_setting

pytestmark = pytest.mark.anyio

APPS = 16
SESSIONS = ["rosa", "olga", "eve", "piet", "sam", "ana", "nadia", "fenna"]


async def book_with_fenna(service: SchedulingService) -> int:
    """An upcoming interview with Fenna, whose calendar (flaky) counts every call."""
    record = await service.invite(h.request("fenna"))
    FlakyCalendar.every_call.clear()
    return record.id


def open_app_rounds(
    company_db: Path,
    registry: PluginRegistry,
    clock: FrozenClock,
    key: str,
    rounds: int,
    start: threading.Barrier,
    maildir: Path,
) -> list[DutiesReport | None]:
    """One open app's session in its own thread and connection: `rounds` minutes of duties,
    every app starting each round at the same moment, none quitting before the others."""
    ws = h.workspace(company_db, registry, clock, as_key=key)
    duties = HostDuties(ws)
    reports = []
    try:
        for _ in range(rounds):
            start.wait()
            reports.append(asyncio.run(duties.run_round(MaildirTransport(maildir))))
        start.wait()  # no app quits (and lets go) while another still runs its rounds
    finally:
        duties.release()
        ws.close()
    return reports


def flaky_calendars(service: SchedulingService) -> int:
    return int(
        service.ws.db.execute(
            "SELECT count(*) FROM (SELECT calendar_id FROM employees WHERE calendar_provider"
            " = 'flaky' UNION SELECT calendar_id FROM rooms WHERE calendar_provider = 'flaky')"
        ).fetchone()[0]
    )


async def test_sixteen_open_apps_make_the_provider_calls_of_one(
    company_db: Path, test_registry: PluginRegistry, service: SchedulingService, maildir: Path
) -> None:
    await book_with_fenna(service)
    start = threading.Barrier(APPS)
    results: dict[int, list[DutiesReport | None]] = {}

    def app(n: int) -> None:
        results[n] = open_app_rounds(
            company_db,
            test_registry,
            service.ws.clock,
            SESSIONS[n % len(SESSIONS)],
            2,
            start,
            maildir,
        )

    threads = [threading.Thread(target=app, args=(n,)) for n in range(APPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Two minutes, one round each: Fenna's answer read back twice, and each flaky calendar
    # synced twice into the cache, not 32 times each.
    flaky = flaky_calendars(service)
    assert sorted(FlakyCalendar.every_call) == ["attendee_responses"] * 2 + ["sync"] * 2 * flaky
    holders = [n for n, reports in results.items() if reports[0] is not None]
    assert len(holders) == 1  # the first open app wins, and keeps the duties
    assert all(results[holders[0]]) and all(
        r is None for n, reports in results.items() if n != holders[0] for r in reports
    )


async def test_the_holding_app_runs_the_company_round_whoever_its_user_is(
    company_db: Path, test_registry: PluginRegistry, service: SchedulingService, maildir: Path
) -> None:
    """Eve may schedule nothing; her app, holding the lease, still reads Rosa's interview
    back: the round is the host's, run as the system actor, not Eve's."""
    await book_with_fenna(service)
    eve = h.workspace(company_db, test_registry, service.ws.clock, as_key="eve")
    duties = HostDuties(eve)
    try:
        report = await duties.run_round(MaildirTransport(maildir))
    finally:
        duties.release()
        eve.close()
    assert report is not None and report.refreshed == 1
    assert sorted(FlakyCalendar.every_call) == ["attendee_responses"] + ["sync"] * flaky_calendars(
        service
    )
    assert report.calendars_synced >= 1 and not report.calendars_failed


async def test_a_released_lease_goes_to_the_next_open_app(
    company_db: Path, test_registry: PluginRegistry, service: SchedulingService, maildir: Path
) -> None:
    await book_with_fenna(service)
    first, second = HostDuties(service.ws), HostDuties(service.ws)
    transport = MaildirTransport(maildir)
    assert await first.run_round(transport) is not None
    assert await second.run_round(transport) is None
    first.release()  # the first app quits
    assert await second.run_round(transport) is not None
    second.release()
    flaky = flaky_calendars(service)
    assert sorted(FlakyCalendar.every_call) == ["attendee_responses"] * 2 + ["sync"] * 2 * flaky


# ----------------------------------------------------------------- the worker (real clock)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PANELIST_CONFIG": str(tmp_path / "none.toml")}


def start_worker(
    company_db: Path, tmp_path: Path, name: str, *args: str
) -> tuple[subprocess.Popen[bytes], Path]:
    log = tmp_path / f"{name}.log"
    with log.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "panelist", "worker", "--db", str(company_db), *args],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=worker_env(tmp_path),
        )
    return process, log


def wait_for_line(log: Path, text: str, process: subprocess.Popen[bytes]) -> str:
    """The log once it holds `text` (polled: no timed thread wait, faketime-safe)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        content = log.read_text(encoding="utf-8")
        if text in content:
            return content
        assert process.poll() is None, f"the worker ended early: {content}"
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} in {log.read_text(encoding='utf-8')!r}")


def real_now_workspace_duties(company_db: Path, registry: PluginRegistry) -> HostDuties:
    ws = h.workspace(company_db, registry, FrozenClock(datetime.now(UTC)))
    return HostDuties(ws)


def test_a_running_worker_holds_the_duties_and_sigterm_ends_it_cleanly(
    company_db: Path, test_registry: PluginRegistry, tmp_path: Path
) -> None:
    worker, log = start_worker(company_db, tmp_path, "worker", "--interval", "1")
    app = real_now_workspace_duties(company_db, test_registry)
    try:
        wait_for_line(log, "round done", worker)
        assert asyncio.run(app.run_round(MaildirTransport(tmp_path / "out"))) is None
        wait_for_line(log, "round done", worker)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait() == 0
        lines = log.read_text(encoding="utf-8").splitlines()
        assert all(line.startswith("panelist worker: ") for line in lines), lines
        assert lines[-1] == "panelist worker: stopped; the duties are free for an open app"
        assert "0 interviews closed, 0 read back, 0 reminders due, 0 left for later" in lines[0]
        assert asyncio.run(app.run_round(MaildirTransport(tmp_path / "out"))) is not None
    finally:
        worker.kill()
        app.release()


def test_a_killed_worker_is_replaced_at_the_next_round(
    company_db: Path, test_registry: PluginRegistry, tmp_path: Path
) -> None:
    worker, log = start_worker(company_db, tmp_path, "worker", "--interval", "1")
    app = real_now_workspace_duties(company_db, test_registry)
    try:
        wait_for_line(log, "round done", worker)
        assert asyncio.run(app.run_round(MaildirTransport(tmp_path / "out"))) is None
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        # No expiry to wait out: the lock died with its process.
        assert asyncio.run(app.run_round(MaildirTransport(tmp_path / "out"))) is not None
    finally:
        worker.kill()
        app.release()


def test_a_second_worker_says_who_runs_the_duties_and_exits(
    company_db: Path, tmp_path: Path
) -> None:
    first, log = start_worker(company_db, tmp_path, "first", "--interval", "1")
    try:
        wait_for_line(log, "round done", first)
        second = subprocess.run(
            [sys.executable, "-m", "panelist", "worker", "--once", "--db", str(company_db)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=worker_env(tmp_path),
        )
        assert second.returncode == 1 and second.stdout == ""
        assert second.stderr.startswith(
            f"Error: another worker already runs the duties of {company_db.resolve()}: "
            f"panelist worker (pid {first.pid} on "
        )
        assert len(second.stderr.splitlines()) == 1
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait() == 0


def test_a_starting_worker_takes_the_duties_from_the_open_app(
    company_db: Path, test_registry: PluginRegistry, tmp_path: Path
) -> None:
    app = real_now_workspace_duties(company_db, test_registry)
    transport = MaildirTransport(tmp_path / "out")
    assert asyncio.run(app.run_round(transport)) is not None  # the first open app
    worker, log = start_worker(company_db, tmp_path, "worker", "--once")
    try:
        waiting = wait_for_line(log, "waiting for", worker)
        assert f"waiting for open app (pid {os.getpid()} on " in waiting
        assert asyncio.run(app.run_round(transport)) is None  # a worker runs: the app lets go
        assert worker.wait() == 0
        assert "round done" in log.read_text(encoding="utf-8")
    finally:
        worker.kill()
        app.release()


async def test_worker_once_runs_the_company_round_and_names_what_is_left(
    company_db: Path, test_registry: PluginRegistry, tmp_path: Path
) -> None:
    """Rosa's interview ended two hours ago (real clock): the worker, as the system, closes
    it and queues both reminders; the mail server is down, so each is one line and status 1."""
    real_now = datetime.now(UTC).replace(microsecond=0)
    ws = h.workspace(company_db, test_registry, FrozenClock(real_now - timedelta(hours=5)))
    await SchedulingService(ws, MaildirTransport(tmp_path / "invites")).invite(
        h.request("sam", "ana", start=real_now - timedelta(hours=3), evaluation_form_id=1)
    )
    for name, value in (
        ("mail_transport", "smtp"),
        ("smtp_host", "127.0.0.1"),
        ("smtp_port", closed_port()),
        ("smtp_security", "none"),
        ("provider_retry_budget_s", 1),
    ):
        set_setting(ws.db, name, value)
    ws.close()
    once = subprocess.run(
        [sys.executable, "-m", "panelist", "worker", "--once", "--db", str(company_db)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=worker_env(tmp_path),
    )
    lines = once.stderr.splitlines()
    assert once.returncode == 1, once.stderr
    assert "1 interviews closed, 0 read back, 2 reminders due, 2 left for later" in lines[0]
    # The same round syncs every mapped calendar; the test's "flaky" provider is not
    # installed in the subprocess, so its calendars are named, the others synced.
    assert "; calendars synced: " in lines[0] and lines[0].endswith(", 2 failed")
    assert len(lines) == 5 and all(
        line.startswith("panelist worker: left for later: ") for line in lines[1:3]
    )
    assert all(
        "calendar not synced: " in x and "no calendar provider 'flaky'" in x for x in lines[3:]
    )
    check = h.workspace(company_db, test_registry, FrozenClock(real_now))
    synced = check.db.execute(
        "SELECT provider FROM calendar_sync WHERE synced_at IS NOT NULL"
    ).fetchall()
    check.close()
    assert synced and {provider for (provider,) in synced} <= {"local", "caldav"}
