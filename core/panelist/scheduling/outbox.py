"""The outbox: every external side effect, recorded under its idempotency key first.

A row is written (state ``pending``) in the same transaction as the change that
needs it, so an interview never exists without the work it implies. Before a
call the exact request is written to the row and ``attempts`` counted; after
it, the answer (``done``) in the same transaction as what it implies (the
external ref, the video link). A crash anywhere leaves a pending row that the
next run repeats under the same key, which providers turn into the first result.

Order: rows of one interview run after earlier pending rows of the same target
(create before update before delete of one event), after lower phases of their
own batch (the meeting before the events that carry its link), and anything that
carries the video link after every earlier pending creation or move of the meeting
(or of the panel event that makes it: intent ``makes_meeting``).

Claims: a process marks the rows it works on (``claimed_by`` = host:pid:token,
until a lease ends), so a second process (cron beside the TUI) leaves them
alone; a claim of a process that died (SIGKILL) is taken over at once.
"""

from __future__ import annotations

import enum
import json
import os
import secrets
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from panelist.storage.instants import to_text
from panelist.storage.transaction import immediate


class Kind(enum.StrEnum):
    CREATE_EVENT = "create_event"
    UPDATE_EVENT = "update_event"
    DELETE_EVENT = "delete_event"
    CREATE_MEETING = "create_meeting"
    UPDATE_MEETING = "update_meeting"
    DELETE_MEETING = "delete_meeting"
    SEND_MAIL = "send_mail"


class State(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


MEETING_TARGET = "meeting"
MAIL_PROVIDER = "mail"


@dataclass(frozen=True)
class Effect:
    """One side effect to enqueue; `intent` says what, the row's payload grows the request."""

    key: str
    kind: Kind
    target: str
    provider: str
    phase: int = 0
    intent: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    interview_id: int | None
    """None for a row of a scheduling link (its mail: `link_id` in the table)."""
    key: str
    batch: int
    phase: int
    target: str
    kind: Kind
    provider: str
    payload: dict[str, Any]
    state: State
    result: dict[str, Any] | None
    attempts: int
    last_error: str | None


_COLUMNS = (
    "id, interview_id, key, batch, phase, target, kind, provider, payload, state, result,"
    " attempts, last_error"
)


def _row(values: Sequence[Any]) -> OutboxRow:
    (rid, iid, key, batch, phase, target, kind, provider, payload, state, result) = values[:11]
    attempts, last_error = values[11:]
    return OutboxRow(
        rid,
        iid,
        key,
        batch,
        phase,
        target,
        Kind(kind),
        provider,
        json.loads(payload),
        State(state),
        json.loads(result) if result else None,
        attempts,
        last_error,
    )


# ---------------------------------------------------------------------- writing intent


def enqueue(db: Database, interview_id: int, effects: Iterable[Effect], now: datetime) -> int:
    """Append `effects` as the interview's next batch; returns the batch number.

    Call inside the transaction that makes the change. A key that is already
    queued is left as it is: repeating an operation adds nothing.
    """
    (batch,) = db.execute(
        "SELECT coalesce(max(batch), 0) + 1 FROM outbox WHERE interview_id = ?", [interview_id]
    ).fetchone()
    stamp = to_text(now)
    for effect in sorted(effects, key=lambda e: e.phase):
        db.execute(
            "INSERT OR IGNORE INTO outbox (interview_id, key, batch, phase, target, kind,"
            " provider, payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                interview_id,
                effect.key,
                batch,
                effect.phase,
                effect.target,
                effect.kind.value,
                effect.provider,
                json.dumps({"intent": effect.intent}),
                stamp,
                stamp,
            ],
        )
    return int(batch)


# ---------------------------------------------------------------------- reading


_RUNNABLE = f"""
SELECT {_COLUMNS} FROM outbox o
 WHERE o.interview_id = :interview AND o.state = 'pending'
   AND NOT EXISTS (
       SELECT 1 FROM outbox p
        WHERE p.interview_id = o.interview_id AND p.state = 'pending' AND p.id != o.id
          AND ((p.target = o.target AND p.id < o.id)
               OR (p.batch = o.batch AND p.phase < o.phase)
               OR (p.id < o.id AND o.kind NOT IN ('delete_event', 'delete_meeting')
                   AND ((p.target = '{MEETING_TARGET}'
                         AND p.kind IN ('create_meeting', 'update_meeting'))
                        OR (p.kind IN ('create_event', 'update_event')
                            AND json_extract(p.payload, '$.intent.makes_meeting'))))))
 ORDER BY o.id
"""


def runnable(db: Database, interview_id: int) -> list[OutboxRow]:
    """Pending rows of the interview that wait for nothing (claims aside)."""
    return [_row(r) for r in db.execute(_RUNNABLE, {"interview": interview_id}).fetchall()]


def rows_of(db: Database, interview_id: int) -> list[OutboxRow]:
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE interview_id = ? ORDER BY id", [interview_id]
    ).fetchall()
    return [_row(r) for r in rows]


def get_row(db: Database, row_id: int) -> OutboxRow:
    return _row(db.execute(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", [row_id]).fetchone())


def pending_interviews(db: Database) -> list[int]:
    rows = db.execute(
        "SELECT DISTINCT interview_id FROM outbox WHERE state = 'pending'"
        " AND interview_id IS NOT NULL ORDER BY interview_id"
    ).fetchall()
    return [int(iid) for (iid,) in rows]


# ---------------------------------------------------------------------- claims


class Claimer:
    """This process's identity on the rows it works on."""

    def __init__(self, lease: timedelta = timedelta(minutes=10)) -> None:
        self.host = socket.gethostname()
        self.token = f"{self.host}:{os.getpid()}:{secrets.token_hex(4)}"
        self.lease = lease

    def claim(self, db: Database, rows: Sequence[OutboxRow], now: datetime) -> list[OutboxRow]:
        """The rows this process now holds: pending and free, or held by a dead process."""
        if not rows:
            return []
        ids = [row.id for row in rows]
        marks = ", ".join("?" * len(ids))
        with immediate(db):
            current = db.execute(
                f"SELECT id, state, claimed_by, claimed_until FROM outbox WHERE id IN ({marks})",
                ids,
            ).fetchall()
            free = [
                rid
                for rid, state, holder, until in current
                if state == State.PENDING and self._may_take(holder, until, now)
            ]
            for rid in free:
                db.execute(
                    "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id = ?",
                    [self.token, to_text(now + self.lease), rid],
                )
            # Read again under the lock: another process may have tried a row meanwhile.
            taken = [get_row(db, rid) for rid in free]
        return taken

    def release(self, db: Database, row_ids: Iterable[int]) -> None:
        ids = list(row_ids)
        if not ids:
            return
        db.execute(
            "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL"
            f" WHERE claimed_by = ? AND id IN ({', '.join('?' * len(ids))})",
            [self.token, *ids],
        )

    def _may_take(self, holder: str | None, until: str | None, now: datetime) -> bool:
        if holder is None or holder == self.token:
            return True
        if until is None or until < to_text(now):
            return True
        host, _, rest = holder.partition(":")
        pid = rest.partition(":")[0]
        return host == self.host and pid.isdigit() and not process_alive(int(pid))


def process_alive(pid: int) -> bool:
    """Whether a process runs (a zombie, killed but not yet reaped, does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): trust kill()
    return status.rpartition(")")[2].split()[0] != "Z"


# ---------------------------------------------------------------------- recording


def record_attempt(db: Database, row_id: int, request: dict[str, Any], now: datetime) -> int:
    """Before a call: the exact request, and one more attempt. Returns the attempts before."""
    with immediate(db):
        (payload, attempts) = db.execute(
            "SELECT payload, attempts FROM outbox WHERE id = ?", [row_id]
        ).fetchone()
        merged = json.loads(payload) | {"request": request}
        db.execute(
            "UPDATE outbox SET payload = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?",
            [json.dumps(merged, default=str), to_text(now), row_id],
        )
    return int(attempts)


def mark(
    db: Database,
    row_id: int,
    state: State,
    now: datetime,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Settle a row; call inside the transaction that also records what the result implies."""
    db.execute(
        "UPDATE outbox SET state = ?, result = ?, last_error = ?, claimed_by = NULL,"
        " claimed_until = NULL, updated_at = ? WHERE id = ?",
        [
            state.value,
            json.dumps(result, default=str) if result is not None else None,
            error,
            to_text(now),
            row_id,
        ],
    )


def note_error(db: Database, row_id: int, error: str, now: datetime) -> None:
    """A failure worth retrying later: the row stays pending, with the last error."""
    db.execute(
        "UPDATE outbox SET last_error = ?, updated_at = ? WHERE id = ?",
        [error, to_text(now), row_id],
    )


def reopen(
    db: Database, row_ids: Iterable[int], now: datetime, intent: dict[str, Any] | None = None
) -> int:
    """Failed rows become pending again under their own keys, so a mail keeps its
    Message-ID and a call its idempotency key: whatever an earlier attempt did get through
    is found, not doubled. `intent` replaces the rows' intent (a newly chosen template).
    Call inside a transaction; returns how many rows were failed."""
    reopened = 0
    for row_id in row_ids:
        (payload,) = db.execute("SELECT payload FROM outbox WHERE id = ?", [row_id]).fetchone()
        if intent is not None:
            payload = json.dumps(json.loads(payload) | {"intent": intent})
        cursor = db.execute(
            "UPDATE outbox SET state = 'pending', last_error = NULL, payload = ?, updated_at = ?"
            " WHERE id = ? AND state = 'failed'",
            [payload, to_text(now), row_id],
        )
        reopened += cursor.rowcount
    return reopened


def failed_row(db: Database, key: str) -> int | None:
    """The id of the row of `key` when it failed."""
    row = db.execute("SELECT id FROM outbox WHERE key = ? AND state = 'failed'", [key]).fetchone()
    return int(row[0]) if row else None
