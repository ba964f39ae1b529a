"""A link as stored: its row, its token's hash, its URL, and what it refers to."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from panelist.errors import (
    NotFound,
)
from panelist.models import Method
from panelist.scheduling.links.model import (
    DEFAULT_BASE_URL,
    PURPOSE,
    LinkState,
)
from panelist.scheduling.requests import (
    ParticipantRequest,
)
from panelist.services.directory import get_setting
from panelist.storage.instants import from_text

MAX_WINDOW_DAYS = 35

# ---------------------------------------------------------------------- the stored link


@dataclass(frozen=True)
class StoredLink:
    id: int
    application_id: int
    created_by: int
    organiser_id: int
    type_id: int | None
    participants: tuple[ParticipantRequest, ...]
    room_id: int | None
    room_seats: int | None
    method: Method
    video_provider: str | None
    video_host_id: int | None
    minutes: int
    zone: str
    window_start: date
    window_days: int
    max_options: int
    expires_at: datetime
    change_until_hours: int
    state: str
    interview_id: int | None
    created_at: datetime
    sent_at: datetime | None

    @property
    def request_key(self) -> str:
        return f"link-{self.id}-booking"

    @property
    def mail_key(self) -> str:
        return f"link-{self.id}-mail-{PURPOSE}"

    def window(self) -> tuple[datetime, datetime]:
        """The window's first and last instants: whole days in the organiser's zone."""
        tz = ZoneInfo(self.zone)
        first = datetime.combine(self.window_start, time(0), tz)
        last = datetime.combine(self.window_start + timedelta(days=self.window_days), time(0), tz)
        return first, last

    def state_at(self, now: datetime) -> LinkState:
        state = LinkState(self.state)
        if state in (LinkState.DRAFT, LinkState.SENT) and now >= self.expires_at:
            return LinkState.EXPIRED
        return state


LINK_COLUMNS = (
    "id, application_id, created_by, organiser_id, type_id, participants, room_id, room_seats,"
    " method, video_provider, video_host_id, minutes, zone, window_start, window_days,"
    " max_options, expires_at, change_until_hours, state, interview_id, created_at, sent_at"
)


def link_from_row(row: Iterable[Any]) -> StoredLink:
    values = list(row)
    participants = tuple(
        ParticipantRequest(int(employee), None if role is None else int(role))
        for employee, role in json.loads(values[5])
    )
    return StoredLink(
        id=int(values[0]),
        application_id=int(values[1]),
        created_by=int(values[2]),
        organiser_id=int(values[3]),
        type_id=values[4],
        participants=participants,
        room_id=values[6],
        room_seats=values[7],
        method=Method(values[8]),
        video_provider=values[9],
        video_host_id=values[10],
        minutes=int(values[11]),
        zone=str(values[12]),
        window_start=date.fromisoformat(values[13]),
        window_days=int(values[14]),
        max_options=int(values[15]),
        expires_at=from_text(values[16]),
        change_until_hours=int(values[17]),
        state=str(values[18]),
        interview_id=values[19],
        created_at=from_text(values[20]),
        sent_at=from_text(values[21]) if values[21] else None,
    )


def read_link(db: Database, link_id: int) -> StoredLink:
    row = db.execute(
        f"SELECT {LINK_COLUMNS} FROM scheduling_links WHERE id = ?", [link_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"scheduling link {link_id} not found")
    return link_from_row(row)


def token_hash(token: str) -> str:
    """The hex sha256 the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(db: Database, token: str) -> str:
    """`{base}/s/{token}`: the base is the setting links_base_url, else application_base_url
    when it is an http(s) URL, else where `panelist serve` answers by default."""
    base = get_setting(db, "links_base_url")
    if not base:
        app_base = str(get_setting(db, "application_base_url"))
        base = app_base if app_base.startswith(("http://", "https://")) else DEFAULT_BASE_URL
    return f"{str(base).rstrip('/')}/s/{token}"


def type_name(db: Database, type_id: int | None) -> str:
    if type_id is None:
        return "Interview"
    row = db.execute("SELECT name FROM interview_types WHERE id = ?", [type_id]).fetchone()
    return str(row[0]) if row else "Interview"


def application_of(db: Database, application_id: int) -> tuple[str, str, str, str | None]:
    """Candidate name, email, job title and the candidate's zone."""
    row = db.execute(
        "SELECT c.name, c.email, j.title, c.timezone FROM applications a"
        " JOIN candidates c ON c.id = a.candidate_id JOIN jobs j ON j.id = a.job_id"
        " WHERE a.id = ?",
        [application_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"application {application_id} not found")
    return str(row[0]), str(row[1]), str(row[2]), row[3] or None


def audit_subject(link_id: int) -> str:
    return f"scheduling link {link_id}"
