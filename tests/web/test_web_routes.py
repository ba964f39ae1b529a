"""Each route of the candidate page through Starlette's TestClient, on the demo company and
core's real `CandidateLinks` (frozen clock, mail into a Maildir)."""

from __future__ import annotations

import json
import mailbox
import re
from datetime import timedelta
from pathlib import Path

import anyio
import pytest
from starlette.testclient import TestClient
from web_helpers import Link, client_for, make_link, rosas_applications

from panelist.clock import FrozenClock
from panelist.errors import DatabaseBusy, ProviderError, ValidationError
from panelist.mail.transport import MaildirTransport
from panelist.models import Method
from panelist.scheduling import InterviewRequest, ParticipantRequest, SchedulingService
from panelist.scheduling.links import CandidateLinks, SchedulingLinks
from panelist.services.interview_form import form_choices
from panelist.workspace import Workspace
from panelist_web.security import CSP, Limits

SLOT = re.compile(r'name="slot" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def slot_ids(html: str) -> list[str]:
    return SLOT.findall(html)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def interviews_of(ws: Workspace, link: Link) -> list[tuple[int, str, str]]:
    rows = ws.db.execute(
        "SELECT id, start_utc, status FROM interviews WHERE application_id = ? AND request_key = ?",
        [link.application_id, f"link-{link.id}-booking"],
    ).fetchall()
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def book(client: TestClient, link: Link, index: int = 1, zone: str = "Europe/Warsaw") -> str:
    """Pick the `index`th slot and confirm it, as the pages lead a person; the slot id."""
    page = client.get(link.path, params={"zone": zone})
    assert page.status_code == 200
    slot = slot_ids(page.text)[index]
    confirm = client.get(f"{link.path}/confirm", params={"slot": slot, "zone": zone})
    assert confirm.status_code == 200
    done = client.post(
        f"{link.path}/book", data={"slot": slot, "zone": zone, "csrf": csrf_of(confirm.text)}
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{link.path}?zone={zone.replace('/', '%2F')}&done=booked"
    return slot


def test_the_link_page_offers_times_by_day_in_the_candidates_zone(
    client: TestClient, link: Link
) -> None:
    page = client.get(link.path)
    assert page.status_code == 200
    html = page.text
    assert "Northwind Labs" in html
    assert "Pick a time for your interview" in html
    assert "60 minutes" in html and "in person" in html
    # The demo candidate lives in Warsaw: the page says so, and detects the browser's zone.
    assert "Times are shown in <strong>Europe/Warsaw (CET, UTC+01:00)</strong>" in html
    assert 'data-detect="yes"' in html and '<script src="/static/zone.js"' in html
    assert '<option value="Europe/Warsaw" selected>' in html
    assert 1 < len(slot_ids(html)) <= 12
    assert html.count("<fieldset") >= 1 and "<legend>" in html


def test_the_page_shows_nothing_internal(client: TestClient, link: Link, ws: Workspace) -> None:
    html = client.get(link.path).text + client.get(f"{link.path}/confirm").text
    html = re.sub(r"<select.*?</select>", "", html, flags=re.S)  # the zone names
    assert "@" not in html, "no email address of anyone"
    for word in ("Rosa", "Jansen", "Daan", "Sanne", "Amstel", "notes", "Notes"):
        assert word not in html, word
    assert "application" not in html.lower()
    other = ws.db.execute("SELECT name FROM candidates").fetchall()
    for (name,) in other:
        if name != "Ólafur Nilsen":
            assert name not in html


def test_interviewer_first_names_only_when_the_setting_allows(
    client: TestClient, link: Link, ws: Workspace
) -> None:
    ws.db.execute(
        "INSERT OR REPLACE INTO settings (key, value) VALUES ('links_show_interviewers', 'true')"
    )
    html = client.get(link.path).text
    assert "with Daan, Sanne" in html
    assert "de Vries" not in html and "Bakker" not in html


def test_switching_the_zone_moves_the_times(client: TestClient, link: Link) -> None:
    warsaw = client.get(link.path, params={"zone": "Europe/Warsaw"}).text
    tokyo = client.get(link.path, params={"zone": "Asia/Tokyo"}).text
    assert "Asia/Tokyo (JST, UTC+09:00)" in tokyo
    assert 'data-detect="yes"' not in tokyo, "a zone the candidate chose is kept"
    assert slot_ids(warsaw) == slot_ids(tokyo), "the same options"
    first = re.search(r"(\d\d:\d\d)–", warsaw)
    first_tokyo = re.search(r"(\d\d:\d\d)–", tokyo)
    assert first and first_tokyo
    hours = (int(first_tokyo.group(1)[:2]) - int(first.group(1)[:2])) % 24
    assert hours == 8


def test_a_zone_that_does_not_exist_is_a_clear_400(client: TestClient, link: Link) -> None:
    for bad in ("Mars/Olympus_Mons", "../../etc/passwd", "<script>", "x" * 300):
        page = client.get(link.path, params={"zone": bad})
        assert page.status_code == 400
        assert "We do not know the time zone" in page.text
        assert "<script>" not in page.text
        assert slot_ids(page.text), "the times in the default zone are still there"


def test_picking_a_slot_shows_the_confirm_form(client: TestClient, link: Link) -> None:
    slot = slot_ids(client.get(link.path).text)[1]
    page = client.get(f"{link.path}/confirm", params={"slot": slot, "zone": "Asia/Tokyo"})
    assert page.status_code == 200
    assert "Confirm your interview" in page.text
    assert f'action="{link.path}/book"' in page.text and 'method="post"' in page.text
    assert "(JST, UTC+09:00)" in page.text
    assert csrf_of(page.text)


def test_a_slot_never_offered_is_refused_with_fresh_options(
    client: TestClient, link: Link, ws: Workspace
) -> None:
    page = client.get(f"{link.path}/confirm", params={"slot": "f" * 20})
    assert page.status_code == 409
    assert "not on offer any more" in page.text and slot_ids(page.text)
    confirm = client.get(f"{link.path}/confirm", params={"slot": slot_ids(page.text)[0]})
    posted = client.post(
        f"{link.path}/book", data={"slot": "f" * 20, "zone": "UTC", "csrf": csrf_of(confirm.text)}
    )
    assert posted.status_code == 409
    assert "Someone has just taken that time" in posted.text and slot_ids(posted.text)
    assert interviews_of(ws, link) == []


def test_booking_makes_the_interview_and_mails_the_candidate(
    client: TestClient, link: Link, ws: Workspace, maildir: Path
) -> None:
    book(client, link)
    [(_, _, status)] = interviews_of(ws, link)
    assert status == "scheduled"
    page = client.get(link.path, params={"zone": "Europe/Warsaw", "done": "booked"})
    assert page.status_code == 200
    assert "Your interview is booked" in page.text
    assert 'href="' + link.path + '/interview.ics"' in page.text
    assert "Change the time" in page.text and "Cancel the interview" in page.text
    subjects = [m["subject"] for m in mailbox.Maildir(maildir, create=False)]
    assert len(subjects) >= 2, subjects  # the link's mail, then the invitation
    ics = client.get(f"{link.path}/interview.ics")
    assert ics.status_code == 200
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "attachment" in ics.headers["content-disposition"]
    body = ics.text
    assert "BEGIN:VCALENDAR" in body and "METHOD:REQUEST" in body
    assert "daan.devries" not in body and "sanne.bakker" not in body
    assert link.token not in body


def test_a_booking_posted_twice_books_once(client: TestClient, link: Link, ws: Workspace) -> None:
    page = client.get(link.path)
    slot = slot_ids(page.text)[0]
    confirm = client.get(f"{link.path}/confirm", params={"slot": slot}).text
    form = {"slot": slot, "zone": "Europe/Warsaw", "csrf": csrf_of(confirm)}
    first = client.post(f"{link.path}/book", data=form)
    again = client.post(f"{link.path}/book", data=form)
    assert first.status_code == 303 and again.status_code == 303
    assert len(interviews_of(ws, link)) == 1
    other = slot_ids(page.text)[2]
    third = client.post(f"{link.path}/book", data={**form, "slot": other})
    assert third.status_code == 409
    assert "This link already booked the interview below" in third.text
    assert len(interviews_of(ws, link)) == 1


@pytest.mark.parametrize(
    "form",
    [
        {"csrf": ""},
        {"csrf": None},
        {"csrf": "123.abc"},
        {"csrf": "x" * 500},
    ],
)
def test_a_post_without_a_valid_csrf_token_is_refused(
    client: TestClient, link: Link, ws: Workspace, form: dict[str, str | None]
) -> None:
    slot = slot_ids(client.get(link.path).text)[0]
    data = {"slot": slot, "zone": "UTC", **{k: v for k, v in form.items() if v is not None}}
    answer = client.post(f"{link.path}/book", data=data)
    assert answer.status_code == 403
    assert "This form has expired" in answer.text
    assert interviews_of(ws, link) == []


def test_a_csrf_token_of_another_link_is_refused(
    client: TestClient, link: Link, ws: Workspace, transport: object
) -> None:
    other = anyio.run(lambda: make_link(ws, None))
    slot = slot_ids(client.get(link.path).text)[0]
    foreign = csrf_of(
        client.get(
            f"{other.path}/confirm", params={"slot": slot_ids(client.get(other.path).text)[0]}
        ).text
    )
    answer = client.post(f"{link.path}/book", data={"slot": slot, "zone": "UTC", "csrf": foreign})
    assert answer.status_code == 403
    assert interviews_of(ws, link) == []


def test_a_post_from_another_site_is_refused(client: TestClient, link: Link, ws: Workspace) -> None:
    slot = slot_ids(client.get(link.path).text)[0]
    confirm = client.get(f"{link.path}/confirm", params={"slot": slot}).text
    answer = client.post(
        f"{link.path}/book",
        data={"slot": slot, "zone": "UTC", "csrf": csrf_of(confirm)},
        headers={"sec-fetch-site": "cross-site"},
    )
    assert answer.status_code == 403
    assert interviews_of(ws, link) == []


def test_forms_must_be_forms_and_small(client: TestClient, link: Link) -> None:
    as_json = client.post(
        f"{link.path}/book", content=b"{}", headers={"content-type": "application/json"}
    )
    assert as_json.status_code == 415
    big = client.post(f"{link.path}/book", data={"slot": "a", "junk": "x" * 20_000})
    assert big.status_code == 413
    not_utf8 = client.post(
        f"{link.path}/book", content=b"slot=\xff\xfe",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert not_utf8.status_code in (400, 403)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # tampered
        lambda t: t[:20],  # truncated
        lambda t: t + "x",  # too long
        lambda t: "A" * 43,  # made up
        lambda t: t[:10] + "%3Cscript%3E",  # not a token at all
    ],
)
def test_a_wrong_token_shows_a_clear_page(client: TestClient, link: Link, mangle: object) -> None:
    token = mangle(link.token)  # type: ignore[operator]
    for path in (f"/s/{token}", f"/s/{token}/confirm", f"/s/{token}/interview.ics",
                 f"/s/{token}/cancel"):  # fmt: skip
        page = client.get(path)
        assert page.status_code == 404, path
        assert "This link does not work" in page.text
        assert "Traceback" not in page.text
    posted = client.post(f"/s/{token}/book", data={"slot": "a", "csrf": "1.a"})
    assert posted.status_code in (403, 404), "refused by its CSRF token before any look-up"


def test_an_expired_link_shows_a_clear_page(client: TestClient, link: Link, ws: Workspace) -> None:
    assert isinstance(ws.clock, FrozenClock)
    ws.clock.advance(timedelta(days=11))
    page = client.get(link.path)
    assert page.status_code == 410
    assert "This link has expired" in page.text
    assert not slot_ids(page.text)


def test_a_withdrawn_link_shows_a_clear_page(client: TestClient, link: Link, ws: Workspace) -> None:
    SchedulingLinks(ws).withdraw(link.id)
    page = client.get(link.path)
    assert page.status_code == 410
    assert "This link was withdrawn" in page.text
    posted = client.post(f"{link.path}/book", data={"slot": "a", "zone": "UTC", "csrf": "1.a"})
    assert posted.status_code in (403, 410)


def test_the_candidate_moves_the_booking(client: TestClient, link: Link, ws: Workspace) -> None:
    book(client, link, 0)
    [(interview_id, before, _)] = interviews_of(ws, link)
    change = client.get(link.path, params={"change": "1", "zone": "Europe/Warsaw"})
    assert change.status_code == 200 and "Pick a new time" in change.text
    assert 'name="change" value="1"' in change.text
    slot = slot_ids(change.text)[1]
    confirm = client.get(f"{link.path}/confirm", params={"slot": slot, "change": "1"})
    assert confirm.status_code == 200
    assert f'action="{link.path}/reschedule"' in confirm.text
    moved = client.post(
        f"{link.path}/reschedule",
        data={"slot": slot, "zone": "Europe/Warsaw", "csrf": csrf_of(confirm.text)},
    )
    assert moved.status_code == 303 and "done=moved" in moved.headers["location"]
    [(same_id, after, status)] = interviews_of(ws, link)
    assert same_id == interview_id and after != before and status == "scheduled"
    assert "Your interview has moved" in client.get(moved.headers["location"]).text


def test_the_candidate_cancels_the_booking(client: TestClient, link: Link, ws: Workspace) -> None:
    book(client, link)
    ask = client.get(f"{link.path}/cancel", params={"zone": "Europe/Warsaw"})
    assert ask.status_code == 200 and "Cancel your interview?" in ask.text
    done = client.post(
        f"{link.path}/cancel", data={"zone": "Europe/Warsaw", "csrf": csrf_of(ask.text)}
    )
    assert done.status_code == 303 and "done=cancelled" in done.headers["location"]
    [(_, _, status)] = interviews_of(ws, link)
    assert status == "cancelled"
    assert "Your interview is cancelled" in client.get(done.headers["location"]).text
    later = client.get(link.path)
    assert later.status_code == 410 and "This link has been used" in later.text


def test_changes_close_before_the_interview(client: TestClient, link: Link, ws: Workspace) -> None:
    book(client, link)
    [(_, start, _)] = interviews_of(ws, link)
    assert isinstance(ws.clock, FrozenClock)
    from panelist.storage.instants import from_text

    ws.clock.set(from_text(start) - timedelta(hours=23))
    page = client.get(link.path)
    assert page.status_code == 200
    assert "Change the time" not in page.text
    assert "please reply to the mail" in page.text
    assert client.get(f"{link.path}/cancel").status_code == 303


def test_every_page_carries_the_security_headers(client: TestClient, link: Link) -> None:
    slot = slot_ids(client.get(link.path).text)[0]
    for answer in (
        client.get(link.path),
        client.get(f"{link.path}/confirm", params={"slot": slot}),
        client.get("/s/" + "A" * 43),
        client.get("/nowhere"),
        client.get(f"{link.path}/book"),
        client.post(f"{link.path}/book", data={}),
    ):
        assert answer.headers["content-security-policy"] == CSP
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "server" not in answer.headers
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-security-policy"] == CSP
    assert client.get("/static/../app.py").status_code == 404


def test_unknown_pages_and_methods_are_pages_not_tracebacks(client: TestClient, link: Link) -> None:
    assert client.get("/").status_code == 404
    wrong = client.get(f"{link.path}/book")
    assert wrong.status_code == 405 and "<h1>Not allowed</h1>" in wrong.text
    assert client.delete(link.path).status_code == 405


def test_output_is_escaped(client: TestClient, link: Link, ws: Workspace) -> None:
    ws.db.execute(
        "UPDATE settings SET value = ? WHERE key = 'company_name'",
        [json.dumps('<script>alert("x")</script> & Co')],
    )
    html = client.get(link.path).text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in html


def test_a_flood_on_one_link_meets_429_and_books_once(
    candidate: CandidateLinks, link: Link, ws: Workspace
) -> None:
    limits = Limits(per_address_per_minute=100_000, per_address_burst=100_000,
                    per_link_per_minute=60, per_link_burst=30,
                    posts_per_link_per_minute=6, posts_per_link_burst=6)  # fmt: skip
    with client_for(candidate, limits) as client:
        page = client.get(link.path)
        slot = slot_ids(page.text)[0]
        csrf = csrf_of(client.get(f"{link.path}/confirm", params={"slot": slot}).text)
        statuses = [
            client.post(
                f"{link.path}/book", data={"slot": slot, "zone": "UTC", "csrf": csrf}
            ).status_code
            for _ in range(20)
        ]
        statuses += [client.get(link.path).status_code for _ in range(980)]
    assert set(statuses) <= {200, 303, 429}, set(statuses)
    assert statuses.count(303) <= 6 and statuses.count(429) > 900
    assert len(interviews_of(ws, link)) == 1
    limited = client_for(candidate, limits)
    with limited:
        for _ in range(40):
            answer = limited.get(link.path)
        assert answer.status_code == 429
        assert int(answer.headers["retry-after"]) >= 1
        assert "Too many requests" in answer.text


def test_a_flood_from_one_address_meets_429(candidate: CandidateLinks) -> None:
    limits = Limits(per_address_per_minute=60, per_address_burst=20)
    with client_for(candidate, limits) as client:
        statuses = [client.get(f"/s/{n:043d}").status_code for n in range(100)]
    assert statuses[:20] == [404] * 20
    assert statuses[20:].count(429) >= 75


class Refusing:
    """Core's candidate side, whose booking fails with `error` (a rule, or an outage)."""

    def __init__(self, inner: CandidateLinks, error: Exception) -> None:
        self.inner, self.error = inner, error

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def book(self, token: str, slot_id: str, zone: str) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        (ValidationError("Amstel seats 4; 4 participants and the candidate need more"), 409,
         "We could not book that time. Please pick another one."),
        (ProviderError("calendar.example.com: 503 Service Unavailable"), 503,
         "Nothing was booked; please try again"),
    ],
)  # fmt: skip
def test_a_refused_booking_names_nothing_internal(
    candidate: CandidateLinks, link: Link, error: Exception, status: int, words: str
) -> None:
    with client_for(Refusing(candidate, error)) as client:  # type: ignore[arg-type]
        slot = slot_ids(client.get(link.path).text)[0]
        csrf = csrf_of(client.get(f"{link.path}/confirm", params={"slot": slot}).text)
        answer = client.post(f"{link.path}/book", data={"slot": slot, "zone": "UTC", "csrf": csrf})
    assert answer.status_code == status
    assert words in answer.text
    assert "Amstel" not in answer.text and "calendar.example.com" not in answer.text


class Broken:
    """A candidate side whose page cannot be read: `error` every time."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def open(self, token: str, zone: str | None = None) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "status"),
    [(DatabaseBusy("the database is locked by another Panelist"), 503),
     (RuntimeError("boom at /srv/panelist/secret.db"), 500)],
)  # fmt: skip
def test_a_failure_is_a_page_never_a_traceback(
    candidate: CandidateLinks, link: Link, error: Exception, status: int
) -> None:
    with client_for(Broken(error)) as client:  # type: ignore[arg-type]
        answer = client.get(link.path)
    assert answer.status_code == status
    assert answer.headers["content-security-policy"] == CSP
    assert answer.headers["cache-control"] == "no-store"
    assert "<h1>" in answer.text
    for leak in ("Traceback", "boom", "secret.db", "locked", "RuntimeError"):
        assert leak not in answer.text


def test_a_change_too_late_or_without_a_booking_is_clear(
    client: TestClient, link: Link, ws: Workspace
) -> None:
    slot = slot_ids(client.get(link.path).text)[0]
    confirm = client.get(f"{link.path}/confirm", params={"slot": slot, "change": "1"})
    assert f'action="{link.path}/book"' in confirm.text, "nothing booked yet: this books"
    book(client, link, 0)
    change = client.get(link.path, params={"change": "1"})
    other = slot_ids(change.text)[0]
    confirm = client.get(f"{link.path}/confirm", params={"slot": other, "change": "1"})
    csrf = csrf_of(confirm.text)
    [(_, start, _)] = interviews_of(ws, link)
    assert isinstance(ws.clock, FrozenClock)
    from panelist.storage.instants import from_text

    ws.clock.set(from_text(start) - timedelta(hours=2))
    late = client.post(f"{link.path}/reschedule", data={"slot": other, "zone": "UTC", "csrf": csrf})
    assert late.status_code == 410
    assert "It is too close to the interview to change it here" in late.text
    [(_, same, status)] = interviews_of(ws, link)
    assert same == start and status == "scheduled"


def test_a_time_reserved_a_moment_ago_is_not_offered(
    client: TestClient, link: Link, ws: Workspace, candidate: CandidateLinks
) -> None:
    """Another booking holds Daan at the first offered time, its events not made yet (so
    not in the calendar cache): the page must not offer that time any more."""
    page = anyio.run(candidate.open, link.token, "UTC")
    first = page.days[0].slots[0]
    assert first.id in slot_ids(client.get(link.path).text)
    other = next(a for a in rosas_applications(ws) if a != link.application_id)
    daan = ws.db.execute(
        "SELECT id FROM employees WHERE email = 'daan.devries@example.com'"
    ).fetchone()[0]
    role = form_choices(ws, other).default_role_id
    request = InterviewRequest(
        application_id=other, organiser_id=ws.user.id,
        participants=(ParticipantRequest(int(daan), role),), start=first.start,
        end=first.end, method=Method.PHONE,
    )  # fmt: skip
    anyio.run(SchedulingService(ws)._book, request)  # reserved; no event written yet
    assert first.id not in slot_ids(client.get(link.path).text)


def test_a_room_rule_offers_only_rooms_that_seat_everyone(
    client: TestClient, ws: Workspace, transport: MaildirTransport
) -> None:
    """ "Any room of 2 seats" for 2 interviewers: the candidate makes 3, so the 2-seat phone
    booth is never offered (booking would refuse it), and the booking goes through."""
    link = anyio.run(lambda: make_link(ws, transport, room_seats=2))
    slot = slot_ids(client.get(link.path).text)[0]
    confirm = client.get(f"{link.path}/confirm", params={"slot": slot})
    done = client.post(f"{link.path}/book", data={"slot": slot, "zone": "UTC",
                                                  "csrf": csrf_of(confirm.text)})  # fmt: skip
    assert done.status_code == 303, done.text
    [(interview_id, _, _)] = interviews_of(ws, link)
    seats = ws.db.execute(
        "SELECT r.capacity FROM interviews i JOIN rooms r ON r.id = i.room_id WHERE i.id = ?",
        [interview_id],
    ).fetchone()[0]
    assert seats >= 3
