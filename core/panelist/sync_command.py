"""``panelist sync``: fill the calendar cache from the providers, once or every interval.

On a terminal a Rich progress bar counts the calendars; elsewhere (cron, systemd) each
calendar gets one plain line as it finishes. Failures name whose calendar and why; they
make a single run exit 1. `--watch` syncs every `calendar_freshness_seconds` in one event
loop, sleeping with asyncio (libfaketime hangs timed thread waits) until SIGTERM/SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from panelist.errors import NotFound
from panelist.text import printable

if TYPE_CHECKING:
    from sqlite_utils import Database

    from panelist.calendars import CalendarKey, SyncReport
    from panelist.workspace import Workspace

Say = Callable[[str], None]


def calendar_keys(db: Database, wanted: Sequence[str]) -> list[CalendarKey]:
    """The mapped calendars that `wanted` names: ``provider:calendar_id``, an employee's
    email or a room's name. Raises NotFound naming the first that matches none."""
    from panelist.calendars import mapped_calendars

    mapped = {calendar.key for calendar in mapped_calendars(db)}
    by_text = {f"{key.provider}:{key.calendar_id}": key for key in mapped}
    found: list[CalendarKey] = []
    for text in wanted:
        key = by_text.get(text) or _owner_key(db, text.strip())
        if key is None or key not in mapped:
            raise NotFound(
                f"--calendar {printable(text)!r}: no mapped calendar, employee email or room "
                "by that name (give provider:calendar_id, an email or a room name)"
            )
        if key not in found:
            found.append(key)
    return found


def _owner_key(db: Database, text: str) -> CalendarKey | None:
    """The calendar of the employee with this email, else of the room with this name
    (case-insensitive beyond ASCII: SQLite's lower() is not)."""
    from panelist.calendars import CalendarKey

    wanted = text.casefold()
    for query in (
        "SELECT email, calendar_provider, calendar_id FROM employees",
        "SELECT name, calendar_provider, calendar_id FROM rooms",
    ):
        for name, provider, calendar_id in db.execute(query).fetchall():
            if provider and calendar_id and name.strip().casefold() == wanted:
                return CalendarKey(provider, calendar_id)
    return None


# --------------------------------------------------------------------------- one round


@dataclass
class RoundResult:
    reports: list[SyncReport] = field(default_factory=list)

    @property
    def failed(self) -> list[SyncReport]:
        return [report for report in self.reports if report.error is not None]

    def summary(self) -> str:
        changes = sum(report.changed + report.deleted for report in self.reports)
        done = len(self.reports) - len(self.failed)
        what = f"{changes} change{'s' if changes != 1 else ''}" if changes else "no changes"
        failed = f", {len(self.failed)} failed" if self.failed else ""
        return f"{done} calendar{'s' if done != 1 else ''} synced, {what}{failed}"


def report_line(report: SyncReport) -> str:
    """One calendar's outcome; a failure names whose calendar and why."""
    key = f"{report.key.provider}:{report.key.calendar_id}"
    if report.error is not None:
        return f"FAIL {report.owner} ({key}): {report.error}"
    skipped = f", {len(report.skipped)} items skipped" if report.skipped else ""
    return (
        f"ok   {report.owner} ({key}): {report.mode}, {report.changed} changed, "
        f"{report.deleted} deleted{skipped}, {report.seconds:.2f} s"
    )


async def sync_round(
    ws: Workspace,
    keys: Sequence[CalendarKey] | None,
    *,
    full: bool,
    say: Say,
    quiet: bool = False,
    tty: bool = False,
) -> RoundResult:
    """One `SyncService.sync`: a progress bar on a terminal, else a line per calendar
    (`quiet`: only those that changed or failed)."""
    from panelist.calendars import SyncService, mapped_calendars

    total = len(keys) if keys is not None else len(mapped_calendars(ws.db))
    result = RoundResult()
    service = SyncService(ws)
    if tty and total:
        with _ProgressBar(total) as bar:

            def on_report(report: SyncReport) -> None:
                result.reports.append(report)
                if report.error is not None:
                    bar.note(report_line(report))
                bar.advance()

            await service.sync(keys, full=full, on_report=on_report)
        return result

    def plain(report: SyncReport) -> None:
        result.reports.append(report)
        if not quiet or report.error is not None or report.changed or report.deleted:
            say(report_line(report))

    await service.sync(keys, full=full, on_report=plain)
    return result


class _ProgressBar:
    """A Rich progress bar over the calendars; `note` prints a line above it."""

    def __init__(self, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        # No refresh thread: it waits on Event.wait(timeout), which libfaketime hangs.
        self.progress = Progress(
            "Syncing calendars",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            auto_refresh=False,
        )
        self.task = self.progress.add_task("sync", total=total)

    def __enter__(self) -> _ProgressBar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def advance(self) -> None:
        self.progress.advance(self.task)
        self.progress.refresh()

    def note(self, line: str) -> None:
        from rich.text import Text

        self.progress.console.print(Text(printable(line)))


# --------------------------------------------------------------------------- --watch


async def watch(
    ws: Workspace,
    keys: Sequence[CalendarKey] | None,
    *,
    full: bool,
    say: Say,
    tty: bool,
) -> None:
    """A round every freshness interval until SIGTERM or SIGINT; a round that is running
    is finished first, so nothing is left half-applied."""
    from panelist.calendars import freshness

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        while not stop.is_set():
            result = await sync_round(ws, keys, full=full, say=say, quiet=True, tty=tty)
            say(result.summary())
            full = False  # --full asks for one full round, not a full round each time
            with contextlib.suppress(TimeoutError):  # the interval passed: the next round
                await asyncio.wait_for(stop.wait(), freshness(ws.db).total_seconds())
        say("panelist sync: stopped")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def on_terminal() -> bool:
    return sys.stdout.isatty()
