"""Evaluation reminders: a persisted schedule, sent through the outbox like every mail.

Each interviewer of an interview with an evaluation form has a row saying when
the next reminder is due (e.g. an hour after the end, then daily, at most three
times). `run_due_reminders` moves due rows forward and queues their mails in one
`BEGIN IMMEDIATE` transaction, so two processes (cron and an open TUI) never
queue the same reminder; the outbox's keys, claims and the Maildir's Message-IDs
then make sending exactly-once. Marking the form done stops the rest.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlite_utils import Database

from panelist.errors import NotFound, PermissionDenied
from panelist.mail.transport import MailTransport
from panelist.permissions import Right, application_rights
from panelist.retry import RetryPolicy
from panelist.scheduling import outbox
from panelist.scheduling.executor import Executor, OnStep
from panelist.scheduling.outbox import Effect, Kind
from panelist.scheduling.records import InterviewRecord
from panelist.scheduling.requests import ReminderPolicy
from panelist.scheduling.scope import touchable
from panelist.scheduling.settings import claimer_for, retry_policy
from panelist.storage.instants import from_text, to_text
from panelist.storage.transaction import immediate
from panelist.workspace import Workspace


@dataclass(frozen=True)
class ReminderRun:
    queued: int
    """Reminders that fell due in this run."""
    problems: tuple[str, ...] = ()
    """Mails that could not be sent yet (they stay in the outbox)."""


def plan_reminders(db: Database, record: InterviewRecord) -> None:
    """(Re)schedule the interview's reminders from its end; inside the booking transaction."""
    if record.evaluation_form_id is None or record.reminder_policy is None:
        return
    policy = record.reminder_policy
    for participant in record.participants:
        db.execute(
            "INSERT OR IGNORE INTO evaluation_reminders (interview_id, employee_id) VALUES (?, ?)",
            [record.id, participant.employee.id],
        )
    rows = db.execute(
        "SELECT employee_id, sent FROM evaluation_reminders WHERE interview_id = ?"
        " AND done_at IS NULL",
        [record.id],
    ).fetchall()
    for employee_id, sent in rows:
        due = policy.due(record.end, sent)
        db.execute(
            "UPDATE evaluation_reminders SET next_due_utc = ? WHERE interview_id = ?"
            " AND employee_id = ?",
            [to_text(due) if due else None, record.id, employee_id],
        )


def stop_reminders(db: Database, interview_id: int) -> None:
    db.execute(
        "UPDATE evaluation_reminders SET next_due_utc = NULL WHERE interview_id = ?",
        [interview_id],
    )


def mark_evaluation_done(ws: Workspace, interview_id: int, employee_id: int) -> None:
    """The interviewer filled in the form: no more reminders. By them, or by a scheduler."""
    row = ws.db.execute(
        "SELECT i.application_id FROM evaluation_reminders r JOIN interviews i"
        " ON i.id = r.interview_id WHERE r.interview_id = ? AND r.employee_id = ?",
        [interview_id, employee_id],
    ).fetchone()
    if row is None:
        raise NotFound(
            f"no evaluation is asked of employee {employee_id} in interview {interview_id}"
        )
    rights = application_rights(ws.db, ws.user.id, row[0])
    if ws.user.id != employee_id and Right.SCHEDULE_INTERVIEWS not in rights:
        raise PermissionDenied("only the interviewer or a scheduler may mark this done")
    ws.db.execute(
        "UPDATE evaluation_reminders SET done_at = ?, next_due_utc = NULL"
        " WHERE interview_id = ? AND employee_id = ?",
        [to_text(ws.clock.now()), interview_id, employee_id],
    )


def queue_due_reminders(ws: Workspace) -> list[int]:
    """Queue every reminder due now that the actor may touch (see `scope.touchable`) and
    move its row on; returns the interviews touched."""
    db, now = ws.db, ws.clock.now()
    touched: list[int] = []
    with immediate(db):
        due = db.execute(
            "SELECT r.interview_id, r.employee_id, r.sent, i.end_utc, i.reminder_policy"
            " FROM evaluation_reminders r JOIN interviews i ON i.id = r.interview_id"
            " WHERE r.next_due_utc <= ? AND r.done_at IS NULL AND i.status != 'cancelled'"
            " ORDER BY r.next_due_utc",
            [to_text(now)],
        ).fetchall()
        allowed = set(touchable(ws, {row[0] for row in due}))
        for interview_id, employee_id, sent, end, raw_policy in due:
            if interview_id not in allowed:
                continue
            number = sent + 1
            effect = Effect(
                key=f"interview-{interview_id}-mail-evaluation_reminder-e{employee_id}-n{number}",
                kind=Kind.SEND_MAIL,
                target=f"mail:reminder-e{employee_id}",
                provider=outbox.MAIL_PROVIDER,
                intent={
                    "purpose": "evaluation_reminder",
                    "recipient_id": employee_id,
                    "queued_by": ws.actor_label,
                },
            )
            outbox.enqueue(db, interview_id, [effect], now)
            policy = ReminderPolicy.from_json(raw_policy or "{}")
            following = policy.due(from_text(end), number)
            db.execute(
                "UPDATE evaluation_reminders SET sent = ?, next_due_utc = ?"
                " WHERE interview_id = ? AND employee_id = ?",
                [number, to_text(following) if following else None, interview_id, employee_id],
            )
            touched.append(interview_id)
    return touched


async def run_due_reminders(
    ws: Workspace,
    transport: MailTransport,
    *,
    on_step: OnStep | None = None,
    policy: RetryPolicy | None = None,
) -> ReminderRun:
    """Send what is due now (and reminders an earlier run left unsent): every interview's
    under the system actor (cron), else those the user may schedule for. Safe to run
    anywhere, any number of times, from several processes at once."""
    queued = queue_due_reminders(ws)
    waiting = ws.db.execute(
        "SELECT DISTINCT interview_id FROM outbox WHERE state = 'pending'"
        " AND target LIKE 'mail:reminder-%' ORDER BY interview_id"
    ).fetchall()
    ids = touchable(ws, (int(iid) for (iid,) in waiting))
    executor = Executor(ws, transport, policy or retry_policy(ws.db), claimer_for(ws.db), on_step)
    results = await asyncio.gather(*(executor.run(iid) for iid in ids))
    problems = tuple(p.message for found in results for p in found)
    return ReminderRun(len(queued), problems)
