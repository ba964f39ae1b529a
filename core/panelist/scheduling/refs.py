"""`interview_external_refs`: what an interview made outside, found again by what it is."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database


@dataclass(frozen=True)
class ExternalRef:
    kind: str
    provider: str
    calendar_id: str | None
    external_id: str
    employee_id: int | None
    key: str


def find_ref(
    db: Database, interview_id: int, kind: str, employee_id: int | None = None
) -> ExternalRef | None:
    """The interviewer's event (by employee), the room booking, the meeting or candidate event."""
    sql = (
        "SELECT kind, provider, calendar_id, external_id, employee_id, idempotency_key"
        " FROM interview_external_refs WHERE interview_id = ? AND kind = ?"
    )
    params: list[object] = [interview_id, kind]
    if kind == "interviewer_event":
        sql += " AND employee_id = ?"
        params.append(employee_id)
    row = db.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
    return ExternalRef(*row) if row else None


def refs_of(db: Database, interview_id: int) -> list[ExternalRef]:
    rows = db.execute(
        "SELECT kind, provider, calendar_id, external_id, employee_id, idempotency_key"
        " FROM interview_external_refs WHERE interview_id = ? ORDER BY id",
        [interview_id],
    ).fetchall()
    return [ExternalRef(*row) for row in rows]


def save_ref(db: Database, interview_id: int, ref: ExternalRef) -> None:
    """Record (or replace) the one ref of its kind and owner; call inside a transaction."""
    forget_ref(db, interview_id, ref.kind, ref.employee_id)
    db.execute(
        "INSERT INTO interview_external_refs (interview_id, kind, provider, calendar_id,"
        " external_id, employee_id, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (idempotency_key) DO UPDATE SET external_id = excluded.external_id,"
        " calendar_id = excluded.calendar_id, provider = excluded.provider",
        [
            interview_id,
            ref.kind,
            ref.provider,
            ref.calendar_id,
            ref.external_id,
            ref.employee_id,
            ref.key,
        ],
    )


def forget_ref(db: Database, interview_id: int, kind: str, employee_id: int | None) -> None:
    if kind == "interviewer_event":
        db.execute(
            "DELETE FROM interview_external_refs WHERE interview_id = ? AND kind = ?"
            " AND employee_id = ?",
            [interview_id, kind, employee_id],
        )
    else:
        db.execute(
            "DELETE FROM interview_external_refs WHERE interview_id = ? AND kind = ?",
            [interview_id, kind],
        )
