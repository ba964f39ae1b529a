"""Helpers of the candidate page's tests: Rosa's scheduling link on the demo company, and a
TestClient on the app (tests/web is on the import path through its conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from starlette.testclient import TestClient

from panelist.mail.transport import MailTransport
from panelist.models import Method
from panelist.retry import RetryPolicy
from panelist.scheduling import ParticipantRequest
from panelist.scheduling.links import CandidateLinks, LinkRequest, SchedulingLinks
from panelist.services.applications import list_applications
from panelist.services.interview_form import form_choices
from panelist.workspace import Workspace
from panelist_web.app import create_app
from panelist_web.security import Limits

FAST = RetryPolicy(budget_seconds=2.0, call_timeout_seconds=5.0, first_backoff_seconds=0.01)
INTERVIEWERS = ("daan.devries@example.com", "sanne.bakker@example.com")
ROOM = "Amstel"


@dataclass(frozen=True)
class Link:
    id: int
    token: str
    application_id: int

    @property
    def path(self) -> str:
        return f"/s/{self.token}"


def rosas_applications(ws: Workspace) -> list[int]:
    """The applications whose job Rosa is responsible for (the first: Ólafur Nilsen's)."""
    found = [
        application.id
        for application in list_applications(ws)
        if form_choices(ws, application.id).default_organiser_id == ws.user.id
    ]
    assert found, "Rosa organises no application in the demo"
    return found


def rosas_application(ws: Workspace) -> int:
    return rosas_applications(ws)[0]


def link_request(
    ws: Workspace,
    *,
    application_id: int | None = None,
    window_start: date | None = None,
    window_days: int = 14,
    max_options: int = 12,
    expires_in: timedelta = timedelta(days=10),
    change_until_hours: int = 24,
    minutes: int = 60,
    room_seats: int | None = None,
) -> LinkRequest:
    """Rosa's link for a 60-minute interview in person in Amstel (or any room of
    `room_seats`) with Daan and Sanne."""
    application_id = application_id or rosas_application(ws)
    choices = form_choices(ws, application_id)
    role = choices.default_role_id
    ids = {
        str(row[1]).casefold(): int(row[0])
        for row in ws.db.execute("SELECT id, email FROM employees").fetchall()
    }
    room = ws.db.execute("SELECT id FROM rooms WHERE name = ?", [ROOM]).fetchone()
    now = ws.clock.now()
    kind = next(t for t in choices.types if t.duration_minutes == minutes) if any(
        t.duration_minutes == minutes for t in choices.types
    ) else choices.types[0]  # fmt: skip
    return LinkRequest(
        application_id=application_id,
        type_id=kind.id,
        organiser_id=ws.user.id,
        participants=tuple(ParticipantRequest(ids[e], role) for e in INTERVIEWERS),
        room_id=None if room_seats else int(room[0]),
        room_seats=room_seats,
        method=Method.IN_PERSON,
        video_provider=None,
        video_host_id=None,
        minutes=minutes,
        window_start=window_start or (now + timedelta(days=1)).date(),
        window_days=window_days,
        max_options=max_options,
        expires_at=now + expires_in,
        change_until_hours=change_until_hours,
    )


async def make_link(
    ws: Workspace, transport: MailTransport | None = None, **options: object
) -> Link:
    """A link made and mailed to the candidate, as the TUI does it."""
    recruiter = SchedulingLinks(ws, transport, retry=FAST)
    request = link_request(ws, **options)  # type: ignore[arg-type]
    created = recruiter.create(request)
    if transport is not None:
        draft = recruiter.draft_mail(created.link_id, created.token)
        await recruiter.send(created.link_id, created.token, draft.subject, draft.text)
    return Link(created.link_id, created.token, request.application_id)


def client_for(candidate: CandidateLinks, limits: Limits | None = None) -> TestClient:
    """A TestClient on the app; rate limits out of the way unless `limits` are given."""
    roomy = Limits(per_address_per_minute=10_000, per_address_burst=10_000,
                   per_link_per_minute=10_000, per_link_burst=10_000,
                   posts_per_link_per_minute=10_000, posts_per_link_burst=10_000)  # fmt: skip
    app = create_app(candidate, limits=limits or roomy)
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


def made_link(ws: Workspace, transport: MailTransport | None = None, **options: object) -> Link:
    """`make_link` from synchronous code, even where an event loop runs (Playwright's)."""
    from concurrent.futures import ThreadPoolExecutor

    import anyio

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, lambda: make_link(ws, transport, **options)).result()
