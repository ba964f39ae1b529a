"""The background duties of a database: ended interviews closed, answers read back (an
interviewer's decline becomes a notice), reminders sent: what `panelist reminders run`
under cron gives, every minute. The host's round also syncs every mapped calendar into
the calendar cache (`panelist.calendars`), so the grids that open find fresh copies.

They run once per host, not once per open app (fifty open apps must not make fifty
times the provider calls): `HostDuties` runs a round only in the process holding the
database's duties lease (`panelist.storage.lease`). A `panelist worker` holds it for
good; without one, the first open app takes it and keeps it until it quits or a
worker starts; every other app skips the round and only shows its user's notices.

The round is the host's job, not the person's: whoever holds the lease runs it as the
system actor, for every interview, as the worker or cron would. The person at the
holding app gains nothing by it: they choose nothing, and the app shows them only
their own notices, never the round's counts or problems (which name other people's
interviews).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from panelist.errors import PanelistError
from panelist.mail.transport import MailTransport, transport_from_settings
from panelist.scheduling.reminders import run_due_reminders
from panelist.scheduling.service import SchedulingService
from panelist.storage.instants import to_text
from panelist.storage.lease import Lease
from panelist.workspace import SystemActor, Workspace

OPEN_APP = "open app"
WORKER = "panelist worker"


@dataclass
class DutiesReport:
    closed: int = 0
    refreshed: int = 0
    reminders: int = 0
    problems: list[str] = field(default_factory=list)
    calendars_synced: int = 0
    calendar_changes: int = 0
    calendars_failed: list[str] = field(default_factory=list)
    """One line per calendar whose sync failed (whose, and why); its last copy is kept."""


def upcoming_organised(ws: Workspace) -> list[int]:
    """Ids of the user's scheduled interviews that have not ended, soonest first."""
    rows = ws.db.execute(
        "SELECT id FROM interviews WHERE organiser_id = ? AND status = 'scheduled'"
        " AND end_utc > ? ORDER BY start_utc",
        [ws.user.id, to_text(ws.clock.now())],
    ).fetchall()
    return [interview_id for (interview_id,) in rows]


def _to_read_back(ws: Workspace) -> list[int]:
    """The system reads back every scheduled interview that has not ended; a person, theirs."""
    if ws.system is None:
        return upcoming_organised(ws)
    rows = ws.db.execute(
        "SELECT id FROM interviews WHERE status = 'scheduled' AND end_utc > ? ORDER BY start_utc",
        [to_text(ws.clock.now())],
    ).fetchall()
    return [interview_id for (interview_id,) in rows]


async def run_open_app_duties(ws: Workspace, transport: MailTransport) -> DutiesReport:
    """One round for the workspace's actor (a person: only what they may schedule for);
    provider and mail failures are collected as one-line problems, not raised."""
    service = SchedulingService(ws, transport)
    report = DutiesReport(closed=service.close_finished())
    for interview_id in _to_read_back(ws):
        try:
            await service.refresh_responses(interview_id)
            report.refreshed += 1
        except PanelistError as error:
            report.problems.append(str(error))
    reminders = await run_due_reminders(ws, transport)
    report.reminders = reminders.queued
    report.problems.extend(reminders.problems)
    return report


async def _sync_calendars(ws: Workspace, report: DutiesReport) -> None:
    """One sync round over every mapped calendar; a failure keeps that calendar's last good
    copy and is named, the others are synced all the same."""
    from panelist.calendars import SyncService

    try:
        reports = await SyncService(ws).sync()
    except PanelistError as error:  # the cache itself (disk full, locked): next round again
        report.calendars_failed.append(f"calendars not synced: {error}")
        return
    report.calendar_changes = sum(r.changed + r.deleted for r in reports)
    report.calendars_synced = sum(r.error is None for r in reports)
    report.calendars_failed += [f"{r.owner}: {r.error}" for r in reports if r.error is not None]


class HostDuties:
    """Runs the duties rounds of `ws`'s database when this process holds its lease.

    `worker=False`: an open app, which yields to a running worker. `worker=True`: the
    `panelist worker` on a system workspace, which first claims the worker lease
    (`claim_worker`) and then waits for the duties lease.
    """

    def __init__(self, ws: Workspace, *, worker: bool = False) -> None:
        role = WORKER if worker else OPEN_APP
        self.worker = worker
        self.lease = Lease(ws.db_path, "duties", role)
        self.worker_lease = Lease(ws.db_path, "worker", role)
        # The same connection, as the system actor: the host's job, for every interview.
        self._system_ws = (
            ws
            if ws.system
            else Workspace(ws.db, ws.db_path, ws.registry, ws.clock, SystemActor(role))
        )

    def claim_worker(self) -> bool:
        """The worker's own lease: False when another worker runs (see `holder`)."""
        return self.worker_lease.take_soon()

    def take(self) -> bool:
        """Whether this process may run a round now. An open app lets go when a worker runs."""
        if not self.worker and self.worker_lease.taken_elsewhere():
            self.lease.release()
            return False
        return self.lease.try_take()

    async def run_round(self, transport: MailTransport | None = None) -> DutiesReport | None:
        """One round if this process holds (or now takes) the lease, else None.

        `transport`: where mail goes (default: the company's mail settings)."""
        if not self.take():
            return None
        ws = self._system_ws
        report = await run_open_app_duties(ws, transport or transport_from_settings(ws.db))
        await _sync_calendars(ws, report)
        return report

    def release(self) -> None:
        self.lease.release()
        self.worker_lease.release()
