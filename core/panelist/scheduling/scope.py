"""Which interviews an actor's duties may work on (closing, resuming, reminding).

The system actor (cron's `panelist reminders run` and `panelist resume`) works on every
interview; a person, in the open app or by hand, only on those they may schedule for.
"""

from __future__ import annotations

from collections.abc import Iterable

from panelist.errors import NotFound
from panelist.permissions import Right, application_rights, require
from panelist.workspace import Workspace


def touchable(ws: Workspace, interview_ids: Iterable[int], *, refuse: bool = False) -> list[int]:
    """The ids among `interview_ids` this actor may work on, in order.

    `refuse`: raise `NotFound` or `PermissionDenied` for the first other one instead.
    """
    if ws.system is not None:
        return list(interview_ids)
    allowed = []
    for interview_id in interview_ids:
        row = ws.db.execute(
            "SELECT application_id FROM interviews WHERE id = ?", [interview_id]
        ).fetchone()
        if row is None:
            if refuse:
                raise NotFound(f"interview {interview_id} not found")
            continue
        if Right.SCHEDULE_INTERVIEWS in application_rights(ws.db, ws.user.id, row[0]):
            allowed.append(interview_id)
        elif refuse:
            require(ws.db, ws.user.id, Right.SCHEDULE_INTERVIEWS, row[0])
    return allowed
