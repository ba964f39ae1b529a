"""Smart scheduling links (issue 18) on the demo company: the recruiter makes and mails a
link; the candidate opens it, books, reschedules and cancels through it as the link's creator."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
import scheduling_helpers as h

from panelist.clock import FrozenClock
from panelist.errors import NotFound, ValidationError
from panelist.mail.transport import MaildirTransport
from panelist.models import Method
from panelist.scheduling import (
    CandidateLinks,
    CreatedLink,
    LinkRequest,
    LinkState,
    LinkUnavailable,
    ParticipantRequest,
    SchedulingLinks,
    load_interview,
)
from panelist.scheduling.links import TOKEN_PLACEHOLDER, SlotTaken, token_hash
from panelist.services.directory import set_setting
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio


@dataclasses.dataclass
class World:
    ws: Workspace
    maildir: Path
    links: SchedulingLinks
    candidate: CandidateLinks
    application_id: int
    participants: tuple[ParticipantRequest, ...]

    def request(self, **changes: object) -> LinkRequest:
        now = self.ws.clock.now()
        base = LinkRequest(
            application_id=self.application_id,
            type_id=1,
            organiser_id=self.ws.user.id,
            participants=self.participants,
            room_id=None,
            method=Method.PHONE,
            video_provider=None,
            video_host_id=None,
            minutes=60,
            window_start=(now + timedelta(days=1)).date(),
            expires_at=now + timedelta(days=7),
        )
        return dataclasses.replace(base, **changes)  # type: ignore[arg-type]

    async def sent_link(self, **changes: object) -> CreatedLink:
        created = self.links.create(self.request(**changes))
        draft = self.links.draft_mail(created.link_id, created.token)
        await self.links.send(created.link_id, created.token, draft.subject, draft.text)
        return created


@pytest.fixture
def world(demo_workspace: Workspace, tmp_path: Path) -> World:
    ws = demo_workspace
    db = ws.db
    application_id, job_id = db.execute(
        "SELECT a.id, a.job_id FROM applications a JOIN job_responsibles jr"
        " ON jr.job_id = a.job_id AND jr.employee_id = ? ORDER BY a.id LIMIT 1",
        [ws.user.id],
    ).fetchone()
    people = db.execute(
        "SELECT employee_id, role_id FROM job_responsibles WHERE job_id = ? ORDER BY employee_id",
        [job_id],
    ).fetchall()
    maildir = tmp_path / "outbox"
    transport = MaildirTransport(maildir)
    return World(
        ws=ws,
        maildir=maildir,
        links=SchedulingLinks(ws, transport, retry=h.FAST_RETRIES),
        candidate=CandidateLinks(ws, transport, retry=h.FAST_RETRIES),
        application_id=application_id,
        participants=tuple(ParticipantRequest(e, r) for e, r in people),
    )


def everything_stored(ws: Workspace) -> str:
    return "\n".join(ws.db.conn.iterdump())


# ---------------------------------------------------------------------- the recruiter's side


async def test_the_link_mail_goes_once_and_the_database_never_keeps_the_token(
    world: World,
) -> None:
    created = world.links.create(world.request())
    assert created.url.endswith(f"/s/{created.token}")
    assert len(created.token) >= 43  # 32 random bytes
    draft = world.links.draft_mail(created.link_id, created.token)
    assert created.url in draft.text and draft.link_id == created.link_id
    assert draft.attachment is None and draft.purpose == "scheduling_link"
    assert {c.language for c in draft.templates} == {"en", "nl"}
    await world.links.send(created.link_id, created.token, draft.subject, draft.text + "\nPS")
    await world.links.send(created.link_id, created.token, draft.subject, draft.text)
    mails = h.read_maildir(world.maildir)
    assert len(mails) == 1
    body = mails[0].get_body(("plain",))
    assert body is not None and created.url in body.get_content()
    assert mails[0]["To"].addresses[0].addr_spec == draft.to.split("<")[1].rstrip(">")
    stored = everything_stored(world.ws)
    assert created.token not in stored
    assert token_hash(created.token) in stored and TOKEN_PLACEHOLDER in stored
    again = world.links.draft_mail(created.link_id, created.token)
    assert again.sent_at is not None and again.text.endswith("PS\n")
    (summary,) = world.links.links_for_application(world.application_id)
    assert summary.state is LinkState.SENT and summary.sent_at is not None
    actions = [a for (a,) in world.ws.db.execute("SELECT action FROM audit_log")]
    assert "link create" in actions and "link send" in actions


async def test_the_text_must_hold_the_link_and_the_token_must_match(world: World) -> None:
    created = world.links.create(world.request())
    with pytest.raises(ValidationError, match="must hold the link"):
        await world.links.send(created.link_id, created.token, "Hi", "Pick a time, please.")
    with pytest.raises(ValidationError, match="token"):
        world.links.draft_mail(created.link_id, "x" * 43)
    assert h.read_maildir(world.maildir) == []


async def test_preview_says_what_the_candidate_would_be_offered(world: World) -> None:
    request = world.request(max_options=5)
    offered = await world.links.preview(request)
    assert 1 <= len(offered) <= 5
    created = await world.sent_link(max_options=5)
    page = await world.candidate.open(created.token)
    assert [(s.start, s.end) for s in page.slots] == offered
    assert await world.links.preview(world.request(window_days=99)) == []


def test_check_names_every_broken_rule(world: World) -> None:
    yesterday = world.ws.clock.now().date() - timedelta(days=1)
    request = world.request(
        window_days=36,
        window_start=yesterday,
        expires_at=world.ws.clock.now() - timedelta(hours=1),
        max_options=0,
        participants=(),
    )
    fields = {p.field for p in world.links.check(request)}
    assert {"window_days", "window", "expires_at", "max_options", "participants"} <= fields
    assert world.links.check(world.request()) == []
    with pytest.raises(ValidationError):
        world.links.create(request)


async def test_withdraw_makes_the_link_unusable(world: World) -> None:
    created = await world.sent_link()
    world.links.withdraw(created.link_id)
    world.links.withdraw(created.link_id)
    with pytest.raises(LinkUnavailable) as caught:
        await world.candidate.open(created.token)
    assert caught.value.reason == "withdrawn"
    (summary,) = world.links.links_for_application(world.application_id)
    assert summary.state is LinkState.WITHDRAWN and not summary.open


# ---------------------------------------------------------------------- the candidate's page


async def test_the_page_offers_free_times_by_day_in_the_zone_asked_for(world: World) -> None:
    created = await world.sent_link(max_options=8)
    page = await world.candidate.open(created.token, "America/New_York")
    assert page.state is LinkState.SENT and page.zone == "America/New_York"
    assert 1 <= len(page.slots) <= 8
    assert page.interviewers == ()
    starts = [s.start for s in page.slots]
    assert starts == sorted(starts)
    for day in page.days:
        assert all(s.start.date() == day.day for s in day.slots)
        assert all(str(s.start.tzinfo) == "America/New_York" for s in day.slots)
    for one, other in zip(page.slots, page.slots[1:], strict=False):
        assert one.end <= other.start, "options never overlap"
    first_day = (world.ws.clock.now() + timedelta(days=1)).date()
    assert all(
        s.start.astimezone(page.slots[0].start.tzinfo).date() >= first_day - timedelta(1)
        for s in page.slots
    )
    shown = repr(page)
    for (email,) in world.ws.db.execute("SELECT email FROM employees"):
        assert email not in shown
    set_setting(world.ws.db, "links_show_interviewers", True)
    named = await world.candidate.open(created.token)
    assert named.interviewers and all(" " not in n for n in named.interviewers)
    assert named.zone == named.default_zone


async def test_bad_tokens_and_zones_are_refused_clearly(world: World) -> None:
    created = await world.sent_link()
    for token in ("", "short", created.token[:-1], created.token + "x", "../../etc/passwd"):
        with pytest.raises(LinkUnavailable) as caught:
            await world.candidate.open(token)
        assert caught.value.reason == "unknown"
        assert isinstance(caught.value, NotFound)
    with pytest.raises(ValidationError) as bad_zone:
        await world.candidate.open(created.token, "Mars/Olympus_Mons")
    assert bad_zone.value.field == "zone"


async def test_an_expired_link_is_refused_and_listed_as_expired(world: World) -> None:
    created = await world.sent_link()
    clock = world.ws.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(timedelta(days=8))
    with pytest.raises(LinkUnavailable) as caught:
        await world.candidate.open(created.token)
    assert caught.value.reason == "expired"
    (summary,) = world.links.links_for_application(world.application_id)
    assert summary.state is LinkState.EXPIRED


async def test_a_creator_who_lost_the_right_makes_the_link_unavailable(world: World) -> None:
    created = await world.sent_link()
    db = world.ws.db
    employee_role = db.execute("SELECT id FROM recruiting_roles WHERE name = 'Employee'").fetchone()
    db.execute(
        "UPDATE employees SET company_role_id = ? WHERE id = ?",
        [employee_role[0], world.ws.user.id],
    )
    db.execute("DELETE FROM job_responsibles WHERE employee_id = ?", [world.ws.user.id])
    with pytest.raises(LinkUnavailable) as caught:
        await world.candidate.open(created.token)
    assert caught.value.reason == "unavailable"


# ---------------------------------------------------------------------- booking


async def test_booking_the_second_option_is_a_normal_invitation_made_once(world: World) -> None:
    created = await world.sent_link()
    page = await world.candidate.open(created.token, "Europe/London")
    chosen = page.slots[1]
    booked = await world.candidate.book(created.token, chosen.id, "Europe/London")
    assert (booked.slot.start, booked.slot.end) == (chosen.start, chosen.end)
    assert booked.zone == "Europe/London" and booked.location == "Phone"
    again = await world.candidate.book(created.token, chosen.id, "Europe/London")
    assert again == booked, "a retried POST answers the same booking"
    rows = world.ws.db.execute(
        "SELECT id FROM interviews WHERE request_key = ?", [f"link-{created.link_id}-booking"]
    ).fetchall()
    assert len(rows) == 1
    record = load_interview(world.ws, rows[0][0])
    assert record.start == chosen.start and record.candidate_status.value == "email_sent"
    assert {p.employee.id for p in record.participants} == {
        p.employee_id for p in world.participants
    }
    assert h.local_rows(world.ws.db, f"interview-{record.id}-%"), "events were made"
    mails = h.read_maildir(world.maildir)
    assert len(mails) == 2  # the link, then the invitation with its .ics
    with_ics = [m for m in mails if any(p.get_content_type() == "text/calendar" for p in m.walk())]
    assert len(with_ics) == 1
    with pytest.raises(LinkUnavailable) as used:
        await world.candidate.book(created.token, page.slots[0].id, "Europe/London")
    assert used.value.reason == "used"
    (summary,) = world.links.links_for_application(world.application_id)
    assert summary.state is LinkState.BOOKED and summary.booked_start == chosen.start
    assert b"BEGIN:VEVENT" in world.candidate.ics(created.token)
    assert created.token not in everything_stored(world.ws)


async def test_a_slot_never_offered_is_refused(world: World) -> None:
    created = await world.sent_link()
    with pytest.raises(SlotTaken):
        await world.candidate.book(created.token, "0123456789abcdef0123", "Europe/Amsterdam")
    assert (
        world.ws.db.execute(
            "SELECT count(*) FROM interviews WHERE request_key LIKE 'link-%'"
        ).fetchone()[0]
        == 0
    )


async def test_two_tabs_racing_on_one_link_book_once(world: World) -> None:
    created = await world.sent_link()
    page = await world.candidate.open(created.token)
    first, second = page.slots[0], page.slots[1]
    results = await asyncio.gather(
        world.candidate.book(created.token, first.id, page.zone),
        world.candidate.book(created.token, second.id, page.zone),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], LinkUnavailable | SlotTaken)
    count = world.ws.db.execute(
        "SELECT count(*) FROM interviews WHERE request_key = ?", [f"link-{created.link_id}-booking"]
    ).fetchone()[0]
    assert count == 1


async def test_two_candidates_racing_for_the_same_people_one_wins(world: World) -> None:
    one = await world.sent_link()
    other = await world.sent_link()
    page_one = await world.candidate.open(one.token)
    page_other = await world.candidate.open(other.token)
    assert page_one.slots[0].start == page_other.slots[0].start
    results = await asyncio.gather(
        world.candidate.book(one.token, page_one.slots[0].id, page_one.zone),
        world.candidate.book(other.token, page_other.slots[0].id, page_other.zone),
        return_exceptions=True,
    )
    assert sum(isinstance(r, SlotTaken) for r in results) == 1, results
    fresh = await world.candidate.open(
        other.token if isinstance(results[1], SlotTaken) else one.token
    )
    assert page_one.slots[0].start not in [s.start for s in fresh.slots]


async def test_reschedule_and_cancel_work_until_the_deadline(world: World) -> None:
    created = await world.sent_link(change_until_hours=24)
    page = await world.candidate.open(created.token)
    last = page.slots[-1]
    booked = await world.candidate.book(created.token, last.id, page.zone)
    page = await world.candidate.open(created.token)
    assert page.state is LinkState.BOOKED and page.can_change
    assert page.booked is not None and page.booked.start == booked.slot.start
    assert page.slots and last.start not in [s.start for s in page.slots]
    target = page.slots[0]
    moved = await world.candidate.reschedule(created.token, target.id, page.zone)
    assert moved.slot.start == target.start
    interview_id = world.ws.db.execute(
        "SELECT interview_id FROM scheduling_links WHERE id = ?", [created.link_id]
    ).fetchone()[0]
    assert load_interview(world.ws, interview_id).start == target.start
    clock = world.ws.clock
    assert isinstance(clock, FrozenClock)
    saved = clock.now()
    clock.set(target.start - timedelta(hours=23))
    with pytest.raises(LinkUnavailable) as late:
        await world.candidate.cancel(created.token)
    assert late.value.reason == "used"
    clock.set(saved)
    await world.candidate.cancel(created.token)
    assert load_interview(world.ws, interview_id).status.value == "cancelled"
    with pytest.raises(LinkUnavailable):
        await world.candidate.open(created.token)
    actions = [a for (a,) in world.ws.db.execute("SELECT action FROM audit_log")]
    assert {"link book", "link reschedule", "link cancel"} <= set(actions)
    assert created.token not in everything_stored(world.ws)


def test_the_window_is_at_most_35_days_by_default_14(world: World) -> None:
    request = world.request()
    assert request.window_days == 14
    assert world.links.check(world.request(window_days=35)) == []
    assert world.links.check(world.request(window_days=36))


async def test_a_video_link_makes_the_meeting_and_any_free_room_is_booked(
    world: World,
) -> None:
    db = world.ws.db
    people = [p.employee_id for p in world.participants]
    host = db.execute(
        "SELECT employee_id, provider FROM video_accounts WHERE verified_at IS NOT NULL"
        f" AND employee_id IN ({', '.join('?' * len(people))}) LIMIT 1",
        people,
    ).fetchone()
    assert host is not None, "a participant may host a video call in the demo"
    created = await world.sent_link(
        method=Method.VIDEO, video_provider=host[1], video_host_id=host[0]
    )
    page = await world.candidate.open(created.token)
    booked = await world.candidate.book(created.token, page.slots[0].id, page.zone)
    assert booked.location == "Video call"
    interview_id = db.execute(
        "SELECT interview_id FROM scheduling_links WHERE id = ?", [created.link_id]
    ).fetchone()[0]
    assert load_interview(world.ws, interview_id).video_link
    seats = len(world.participants) + 1
    in_person = await world.sent_link(method=Method.IN_PERSON, room_seats=seats)
    page = await world.candidate.open(in_person.token)
    assert page.method == "in person"
    booked = await world.candidate.book(in_person.token, page.slots[0].id, page.zone)
    interview_id = db.execute(
        "SELECT interview_id FROM scheduling_links WHERE id = ?", [in_person.link_id]
    ).fetchone()[0]
    room = load_interview(world.ws, interview_id).room
    assert room is not None and room.capacity >= seats
    assert room.name in booked.location


def test_admins_set_the_link_base_and_whether_interviewers_are_named(world: World) -> None:
    from panelist.scheduling.links import link_url
    from panelist.services import configuration as cfg
    from panelist.services.directory import find_employee_by_email

    admin = find_employee_by_email(world.ws.db, "daan.devries@example.com")
    assert admin is not None
    ws = dataclasses.replace(world.ws, actor=admin)
    with pytest.raises(ValidationError, match="not an http"):
        cfg.save_company_settings(ws, {"links_base_url": "ftp://jobs.example.com"})
    changed = cfg.save_company_settings(
        ws, {"links_base_url": "https://jobs.example.com/", "links_show_interviewers": True}
    )
    assert changed == {
        "links_base_url": "https://jobs.example.com",
        "links_show_interviewers": True,
    }
    assert link_url(world.ws.db, "abc") == "https://jobs.example.com/s/abc"
    created = world.links.create(world.request())
    assert created.url.startswith("https://jobs.example.com/s/")


def test_m013_keeps_the_templates_of_a_database_at_m012_and_opens_the_outbox_to_links(
    tmp_path: Path,
) -> None:
    from sqlite_utils import Database

    from panelist.storage.migrations import MigrationSet, migrate
    from panelist.storage.schema import core_migrations

    db = Database(tmp_path / "old.db")
    db.execute("PRAGMA foreign_keys = ON")
    old = MigrationSet("core")
    for step in core_migrations.steps[:12]:
        old(step)
    migrate(db, [old])
    db["message_templates"].insert(
        {"name": "Old", "purpose": "candidate_invitation", "subject": "S", "body": "B"}
    )
    assert migrate(db, [core_migrations]) == ["core:13 m013_scheduling_links"]
    assert db.execute("SELECT name, language FROM message_templates").fetchall() == [("Old", "en")]
    db["message_templates"].insert(
        {"name": "Link", "purpose": "scheduling_link", "subject": "S", "body": "B"}
    )
    columns = {c.name for c in db["outbox"].columns}
    assert {"interview_id", "link_id"} <= columns
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


class FlakyTransport:
    """Refuses (for now, then for good) until told to deliver; keeps what it delivered."""

    def __init__(self) -> None:
        self.failure: Exception | None = None
        self.sent: list[object] = []

    def send(self, message: object) -> None:
        if self.failure is not None:
            raise self.failure
        self.sent.append(message)


async def test_a_link_mail_that_did_not_go_is_sent_again_with_the_same_key(
    world: World,
) -> None:
    from panelist.errors import ProviderError, ProviderUnavailable
    from panelist.scheduling import LinkMailNotSent

    transport = FlakyTransport()
    links = SchedulingLinks(world.ws, transport, retry=h.FAST_RETRIES)  # type: ignore[arg-type]
    created = links.create(world.request())
    draft = links.draft_mail(created.link_id, created.token)
    transport.failure = ProviderUnavailable("mail server busy", provider="mail")
    with pytest.raises(LinkMailNotSent) as later:
        await links.send(created.link_id, created.token, draft.subject, draft.text)
    assert later.value.retryable
    (summary,) = links.links_for_application(world.application_id)
    assert summary.state is LinkState.DRAFT and summary.mail_error
    transport.failure = ProviderError("550 no such mailbox", provider="mail")
    with pytest.raises(LinkMailNotSent) as refused:
        await links.send(created.link_id, created.token, draft.subject, draft.text)
    assert not refused.value.retryable
    transport.failure = None
    await links.send(created.link_id, created.token, draft.subject, draft.text)
    await links.send(created.link_id, created.token, draft.subject, draft.text)
    assert len(transport.sent) == 1
    (summary,) = links.links_for_application(world.application_id)
    assert summary.state is LinkState.SENT and summary.mail_error is None
    keys = world.ws.db.execute("SELECT key FROM outbox WHERE link_id IS NOT NULL").fetchall()
    assert keys == [(f"link-{created.link_id}-mail-scheduling_link",)]
    assert created.token not in everything_stored(world.ws)
