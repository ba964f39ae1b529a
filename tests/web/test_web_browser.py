"""The candidate page in a real browser: Debian's headless chromium, driven by Playwright,
against `panelist serve`'s uvicorn on 127.0.0.1, on the demo company (frozen clock), with
mail going to a real SMTP server (aiosmtpd) on loopback.

Screenshots at 360 px (a phone) and 1280 px are compared with the pictures in
__snapshots__/test_web_browser/ (`pytest --snapshot-update` to write them anew).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from browser_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    compare_snapshot,
    free_port,
    live_server,
    need_chromium,
)
from playwright.sync_api import Browser, Page, sync_playwright
from smtp_helpers import Received
from web_helpers import FAST, Link, made_link, rosas_applications

from panelist.clock import FrozenClock
from panelist.mail.transport import SmtpTransport
from panelist.scheduling.links import CandidateLinks
from panelist.storage.instants import from_text
from panelist.workspace import Workspace

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    need_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def smtp() -> Iterator[tuple[Received, SmtpTransport]]:
    received = Received()
    port = free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield received, SmtpTransport("127.0.0.1", port, security="none", timeout=10)
    finally:
        controller.stop()


@pytest.fixture
def served(
    ws: Workspace, smtp: tuple[Received, SmtpTransport]
) -> Iterator[tuple[str, SmtpTransport]]:
    """The page's base URL; the candidate side mails through the SMTP server."""
    transport = smtp[1]
    with live_server(ws, CandidateLinks(ws, transport, retry=FAST)) as base:
        yield base, transport


def new_page(browser: Browser, viewport: dict[str, int], zone: str) -> Page:
    context = browser.new_context(
        viewport=viewport, timezone_id=zone, locale="en-GB", accept_downloads=True
    )
    context.set_default_timeout(20_000)
    return context.new_page()


def interviews(ws: Workspace, link: Link) -> list[dict[str, Any]]:
    rows = ws.db.execute(
        "SELECT id, start_utc, end_utc, status FROM interviews WHERE request_key = ?",
        [f"link-{link.id}-booking"],
    ).fetchall()
    return [
        {"id": r[0], "start": from_text(r[1]), "end": from_text(r[2]), "status": r[3]} for r in rows
    ]


def fits(page: Page) -> bool:
    """Nothing wider than the window: no sideways scrolling on a phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    return bool(width <= page.viewport_size["width"]) if page.viewport_size else False


def slot_times(page: Page) -> list[str]:
    return [label.inner_text() for label in page.locator(".day label").all()]


def test_a_candidate_books_the_second_slot_in_chromium(
    browser: Browser,
    ws: Workspace,
    served: tuple[str, SmtpTransport],
    smtp: tuple[Received, SmtpTransport],
    request: pytest.FixtureRequest,
) -> None:
    base, transport = served
    link = made_link(ws, transport)
    received = smtp[0]
    assert len(received.messages()) == 1, "the link's mail went through SMTP"
    assert base.split(":")[1] == "//127.0.0.1"

    desktop = new_page(browser, DESKTOP, "Asia/Tokyo")
    desktop.goto(f"{base}{link.path}")
    desktop.wait_for_url(re.compile(r"zone=Asia%2FTokyo"))
    compare_snapshot(request, desktop.screenshot(full_page=True), "link-1280")

    # A phone in New York: the page moves to the browser's zone by itself.
    phone = new_page(browser, PHONE, "America/New_York")
    phone.goto(f"{base}{link.path}")
    phone.wait_for_url(re.compile(r"zone=America%2FNew_York"))
    assert "America/New_York (EST, UTC-05:00)" in phone.inner_text(".zone-named")
    new_york = slot_times(phone)

    # The candidate switches to Tokyo: the same options, nine... fourteen hours on.
    phone.select_option("#zone", "Asia/Tokyo")
    phone.get_by_role("button", name="Show times").click()
    phone.wait_for_url(re.compile(r"zone=Asia%2FTokyo"))
    assert "Asia/Tokyo (JST, UTC+09:00)" in phone.inner_text(".zone-named")
    tokyo = slot_times(phone)
    assert len(tokyo) == len(new_york) > 2
    assert tokyo != new_york
    assert fits(phone)
    compare_snapshot(request, phone.screenshot(full_page=True), "link-360")

    # Pick the 2nd slot (by its label, as a person taps it), continue, confirm.
    second = phone.locator(".day label").nth(1)
    picked = second.inner_text()
    second.click()
    assert phone.locator("input[name=slot]").nth(1).is_checked()
    phone.get_by_role("button", name="Continue").click()
    phone.wait_for_url(re.compile(r"/confirm\?"))
    assert picked in phone.inner_text(".picked")
    assert fits(phone)
    compare_snapshot(request, phone.screenshot(full_page=True), "confirm-360")
    phone.get_by_role("button", name="Book this time").click()
    phone.wait_for_url(re.compile(r"done=booked"))
    assert "Your interview is booked" in phone.inner_text("[role=status]")
    assert picked in phone.inner_text(".picked")
    assert fits(phone)
    compare_snapshot(request, phone.screenshot(full_page=True), "booked-360")

    # The interview, its events and the candidate's mail.
    [interview] = interviews(ws, link)
    assert interview["status"] == "scheduled"
    shown = interview["start"].astimezone(_zone("Asia/Tokyo")).strftime("%H:%M")
    assert picked.startswith(shown)
    events = ws.db.execute(
        "SELECT calendar_id FROM local_events WHERE idempotency_key LIKE ? AND deleted = 0",
        [f"interview-{interview['id']}-%"],
    ).fetchall()
    calendars = {str(row[0]) for row in events}
    assert {"daan.devries@example.com", "sanne.bakker@example.com"} <= calendars
    mails = received.messages()
    [(email,)] = ws.db.execute(
        "SELECT c.email FROM applications a JOIN candidates c ON c.id = a.candidate_id"
        " WHERE a.id = ?",
        [link.application_id],
    ).fetchall()
    assert len(mails) == 2, "the link's mail, then the invitation"
    invitation = _candidate_invitation(mails, str(email))
    ics = _attachment(invitation, "text/calendar")
    assert b"METHOD:REQUEST" in ics
    assert interview["start"].strftime("%Y%m%dT%H%M%SZ").encode() in ics or b"DTSTART" in ics

    # The .ics download on the confirmation page.
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Add to my calendar (.ics)").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"BEGIN:VCALENDAR") and b"METHOD:REQUEST" in data

    desktop.goto(f"{base}{link.path}?zone=Asia%2FTokyo&done=booked")
    compare_snapshot(request, desktop.screenshot(full_page=True), "booked-1280")


def test_a_candidate_books_with_the_keyboard_only(
    browser: Browser, ws: Workspace, served: tuple[str, SmtpTransport]
) -> None:
    base, transport = served
    link = made_link(ws, transport)
    page = new_page(browser, PHONE, "Europe/Warsaw")
    page.goto(f"{base}{link.path}")
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.innerText"))
    # Tab reaches the zone list, its button, then the first time; arrows move among times.
    assert order[:2] == ["zone", "Show times"], order
    assert order[2].startswith("slot-"), order
    page.focus("input[name=slot] >> nth=0")
    page.keyboard.press("ArrowDown")
    assert page.locator("input[name=slot]").nth(1).is_checked()
    page.keyboard.press("Enter")  # submits the form, as a radio does
    page.wait_for_url(re.compile(r"/confirm\?"))
    page.focus("button.primary")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"done=booked"))
    assert len(interviews(ws, link)) == 1


def test_two_candidates_race_for_the_same_time(
    browser: Browser, ws: Workspace, served: tuple[str, SmtpTransport]
) -> None:
    base, transport = served
    first_app, second_app = rosas_applications(ws)[:2]
    one = made_link(ws, transport, application_id=first_app)
    other = made_link(ws, transport, application_id=second_app)
    pages = [new_page(browser, PHONE, "Europe/Amsterdam") for _ in range(2)]
    for page, link in zip(pages, (one, other), strict=True):
        page.goto(f"{base}{link.path}?zone=Europe%2FAmsterdam")
        page.locator(".day label").first.click()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(r"/confirm\?"))
    assert pages[0].inner_text(".picked") == pages[1].inner_text(".picked"), "the same time"
    for page in pages:  # both press at once
        page.get_by_role("button", name="Book this time").click(no_wait_after=True)
    for page in pages:
        page.wait_for_load_state()
        page.wait_for_selector("h1")
    texts = [page.inner_text("main") for page in pages]
    won = [n for n, text in enumerate(texts) if "Your interview is booked" in text]
    lost = [n for n, text in enumerate(texts) if "Someone has just taken that time" in text]
    assert len(won) == 1 and len(lost) == 1, texts
    booked = interviews(ws, (one, other)[won[0]])
    assert len(booked) == 1 and interviews(ws, (one, other)[lost[0]]) == []
    start = booked[0]["start"].astimezone(_zone("Europe/Amsterdam"))
    legend = f"{start:%A} {start.day} {start:%B}"
    loser = pages[lost[0]]
    same_day = loser.locator("fieldset.day", has_text=legend)
    if same_day.count():
        assert f"{start:%H:%M}–" not in same_day.inner_text(), "the time taken is not offered"
    assert loser.locator("input[name=slot]").count() > 0, "fresh options"


def test_two_tabs_of_one_link_book_once(
    browser: Browser, ws: Workspace, served: tuple[str, SmtpTransport]
) -> None:
    base, transport = served
    link = made_link(ws, transport)
    tabs = [new_page(browser, PHONE, "Europe/Amsterdam") for _ in range(2)]
    for n, tab in enumerate(tabs):
        tab.goto(f"{base}{link.path}?zone=Europe%2FAmsterdam")
        tab.locator(".day label").nth(n).click()
        tab.get_by_role("button", name="Continue").click()
        tab.wait_for_url(re.compile(r"/confirm\?"))
    for tab in tabs:
        tab.get_by_role("button", name="Book this time").click(no_wait_after=True)
    for tab in tabs:
        tab.wait_for_load_state()
        tab.wait_for_selector("h1")
    texts = [tab.inner_text("main") for tab in tabs]
    assert sum("Your interview is booked" in t for t in texts) == 1, texts
    assert sum("This link already booked the interview below" in t for t in texts) == 1, texts
    assert len(interviews(ws, link)) == 1


def test_an_expired_link_in_chromium(
    browser: Browser,
    ws: Workspace,
    served: tuple[str, SmtpTransport],
    request: pytest.FixtureRequest,
) -> None:
    base, transport = served
    link = made_link(ws, transport, expires_in=timedelta(days=1))
    page = new_page(browser, PHONE, "Europe/Amsterdam")
    answer = page.goto(f"{base}{link.path}?zone=Europe%2FAmsterdam")
    assert answer is not None and answer.status == 200
    assert isinstance(ws.clock, FrozenClock)
    ws.clock.advance(timedelta(days=2))
    answer = page.reload()
    assert answer is not None and answer.status == 410
    assert page.inner_text("h1") == "This link has expired"
    assert page.locator("input[name=slot]").count() == 0
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert fits(page)
    compare_snapshot(request, page.screenshot(full_page=True), "expired-360")


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _candidate_invitation(mails: list[EmailMessage], email: str) -> EmailMessage:
    """The mail to the candidate that carries an .ics: the invitation."""
    for message in mails:
        calendar = any(part.get_content_type() == "text/calendar" for part in message.walk())
        if email in str(message["to"]) and calendar:
            return message
    raise AssertionError(f"no invitation with .ics: {[m['subject'] for m in mails]}")


def _attachment(message: EmailMessage, kind: str) -> bytes:
    for part in message.walk():
        if part.get_content_type() == kind:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    raise AssertionError(f"no {kind} part")
