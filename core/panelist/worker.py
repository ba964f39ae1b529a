"""`panelist worker`: the database's background duties in one long-lived process.

It runs as the system actor, holds the worker lease (a second worker refuses to start)
and the duties lease (an open app holding it lets go at its next round), and does one
round every `interval` seconds, one line per round on stderr. Each round also syncs every
mapped calendar into the cache (`panelist.calendars.SyncService`): once per host, however
many apps are open. Made for systemd: it
stays in the foreground, needs no pidfile, and on SIGTERM or SIGINT finishes the round
it is in, lets go of its leases and exits 0.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from panelist.errors import ConfigurationError
from panelist.scheduling.duties import DutiesReport, HostDuties
from panelist.workspace import open_system_workspace

Log = Callable[[str], None]
POLL_S = 0.5
"""How often a waiting or sleeping worker looks at its stop flag and the lease."""


class _Stop:
    """Set by SIGTERM/SIGINT; the loop checks it between rounds, never inside one."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        self.requested = True


def run_worker(db_path: Path | str | None, *, once: bool, interval: float, log: Log) -> list[str]:
    """Run rounds until stopped (`once`: one round); returns the last round's problems."""
    stop = _Stop()
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    ws = open_system_workspace("worker", db_path)
    duties = HostDuties(ws, worker=True)
    try:
        if not duties.claim_worker():
            raise ConfigurationError(
                f"another worker already runs the duties of {ws.db_path}: "
                f"{duties.worker_lease.holder()}"
            )
        if not _wait_for_lease(duties, stop, log):
            log("panelist worker: stopped before it got the duties")
            return []
        problems: list[str] = []
        while not stop.requested:
            report = asyncio.run(duties.run_round())
            problems = report.problems if report else []
            log(_round_line(report))
            for problem in problems:
                log(f"panelist worker: left for later: {problem}")
            for failure in report.calendars_failed if report else []:
                log(f"panelist worker: calendar not synced: {failure}")
            if once or not _sleep(interval, stop):
                break
        if stop.requested:
            log("panelist worker: stopped; the duties are free for an open app")
        return problems
    finally:
        duties.release()
        ws.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait_for_lease(duties: HostDuties, stop: _Stop, log: Log) -> bool:
    """Until the duties lease is ours (an open app lets go at its next round); False if stopped."""
    said = False
    while not duties.take():
        if not said:
            log(f"panelist worker: waiting for {duties.lease.holder()} to let go of the duties")
            said = True
        if not _sleep(POLL_S, stop):
            return False
    return True


def _sleep(seconds: float, stop: _Stop) -> bool:
    """Sleep in short steps so a signal is answered quickly; False once stop is requested."""
    deadline = time.monotonic() + seconds
    while not stop.requested:
        left = deadline - time.monotonic()
        if left <= 0:
            return True
        time.sleep(min(POLL_S, left))
    return False


def _round_line(report: DutiesReport | None) -> str:
    at = datetime.now(UTC).isoformat(timespec="seconds")
    if report is None:
        return f"panelist worker: {at} round skipped: the duties lease was lost"
    return (
        f"panelist worker: {at} round done: {report.closed} interviews closed, "
        f"{report.refreshed} read back, {report.reminders} reminders due, "
        f"{len(report.problems)} left for later; calendars synced: {report.calendars_synced}, "
        f"{report.calendar_changes} changes, {len(report.calendars_failed)} failed"
    )
