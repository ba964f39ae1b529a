"""What a running app does in the background, so a recruiter who keeps Panelist open
gets what `panelist reminders run` under cron would give: ended interviews closed,
answers read back (an interviewer's decline becomes a notice), reminders sent.

The app runs them as its user, so they cover only the interviews that user may
schedule for (`scope.touchable`); cron's `--system` run covers the rest. The app never
takes the system identity: a person at a shared terminal must not act beyond their role.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from panelist.errors import PanelistError
from panelist.mail.transport import MailTransport
from panelist.scheduling.reminders import run_due_reminders
from panelist.scheduling.service import SchedulingService
from panelist.storage.instants import to_text
from panelist.workspace import Workspace


@dataclass
class DutiesReport:
    closed: int = 0
    refreshed: int = 0
    reminders: int = 0
    problems: list[str] = field(default_factory=list)


def upcoming_organised(ws: Workspace) -> list[int]:
    """Ids of the user's scheduled interviews that have not ended, soonest first."""
    rows = ws.db.execute(
        "SELECT id FROM interviews WHERE organiser_id = ? AND status = 'scheduled'"
        " AND end_utc > ? ORDER BY start_utc",
        [ws.user.id, to_text(ws.clock.now())],
    ).fetchall()
    return [interview_id for (interview_id,) in rows]


async def run_open_app_duties(ws: Workspace, transport: MailTransport) -> DutiesReport:
    """One round; provider and mail failures are collected as one-line problems, not raised."""
    service = SchedulingService(ws, transport)
    report = DutiesReport(closed=service.close_finished())
    for interview_id in upcoming_organised(ws):
        try:
            await service.refresh_responses(interview_id)
            report.refreshed += 1
        except PanelistError as error:
            report.problems.append(str(error))
    reminders = await run_due_reminders(ws, transport)
    report.reminders = reminders.queued
    report.problems.extend(reminders.problems)
    return report
