"""A mail that failed (issue 10, item 4), by keyboard: m with a wrong SMTP password shows
"Mail failed" and its reason on the interview's card, with Retry in the footer and F1;
once the password is right, t sends it, once. Real aiosmtpd on 127.0.0.1 with a login."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from smtp_helpers import Received
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from panelist.models import ApplicationSummary, Method
from panelist.scheduling import InterviewRequest, ParticipantRequest, SchedulingService
from panelist.secrets import env_name
from panelist.services.directory import find_employee_by_email, set_setting
from panelist.services.interview_form import form_choices
from panelist.workspace import Workspace
from panelist_tui.app import PanelistApp
from panelist_tui.screens.application import ApplicationScreen
from panelist_tui.screens.help import HelpScreen
from panelist_tui.widgets.interviews import InterviewCard

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

USER, PASSWORD = "rosa@example.com", "the right one"


@pytest.fixture
def smtp(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Iterator[Received]:
    """aiosmtpd wanting a login; the company's settings point at it, the password is wrong."""

    def authenticator(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        ok = (data.login.decode(), data.password.decode()) == (USER, PASSWORD)
        return AuthResult(success=ok, handled=False)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    received = Received()
    controller = Controller(
        received,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    settings = {
        "mail_transport": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_username": USER,
        "mail_timeout_s": 5,
    }
    for name, value in settings.items():
        set_setting(workspace.db, name, value)
    monkeypatch.setenv(env_name("smtp", "password"), "last year's")
    controller.start()
    try:
        yield received
    finally:
        controller.stop()


async def book(workspace: Workspace, application: ApplicationSummary) -> int:
    """A phone screen with Pieter on Thursday 08:00 UTC, a time the demo leaves him free."""
    choices = form_choices(workspace, application.id)
    pieter = find_employee_by_email(workspace.db, "pieter.vandijk@example.com")
    assert pieter is not None
    start = workspace.clock.now() + timedelta(days=3, hours=-1)
    request = InterviewRequest(
        application_id=application.id,
        organiser_id=workspace.user.id,
        participants=(ParticipantRequest(pieter.id, choices.default_role_id),),
        start=start,
        end=start + timedelta(hours=1),
        method=Method.PHONE,
        type_id=choices.types[0].id,
    )
    record = await SchedulingService(workspace).invite(request)
    return record.id


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def card_text(screen: ApplicationScreen, interview_id: int) -> str:
    (card,) = [c for c in screen.query(InterviewCard) if c.interview.id == interview_id]
    return str(card.query_one(Static).render())


def footer_keys(screen: ApplicationScreen) -> dict[str, str]:
    return {key.key: key.description for key in screen.query(FooterKey)}


async def test_a_failed_invitation_shows_why_and_t_sends_it_once_fixed(
    workspace: Workspace,
    own_application: ApplicationSummary,
    smtp: Received,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    interview_id = await book(workspace, own_application)
    app = PanelistApp(workspace, ascii=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_application(own_application.id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ApplicationScreen)
        assert screen.current_interview is not None
        assert screen.current_interview.id == interview_id
        assert "t" not in footer_keys(screen)  # nothing to retry yet

        await pilot.press("m")  # Mail invitation, with last year's password
        await settle(pilot)
        await pilot.press("ctrl+s")  # sent from the composer as rendered
        await settle(pilot)
        card = card_text(screen, interview_id)
        assert "candidate Not invited" in card
        assert (
            "Mail failed: the candidate invitation to Ólafur Nilsen: the mail server"
            " 127.0.0.1:" in card
        )
        assert "refused the login (535 5.7.8 Authentication credentials invalid) · t retries" in (
            " ".join(card.split())
        )
        assert "last year's" not in card
        assert footer_keys(screen).get("t") == "Retry"
        assert not smtp.envelopes

        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        keys = str(app.screen.query_one("#help-keys", Static).content)
        assert "Send the interview's unsent mails again" in keys
        await pilot.press("escape")

        monkeypatch.setenv(env_name("smtp", "password"), PASSWORD)  # fixed
        await pilot.press("t")
        await settle(pilot)
        assert "The unsent mails went out." in [n.message for n in app._notifications]
        card = card_text(screen, interview_id)
        assert "Mail failed" not in card and "candidate Email sent" in card
        assert "t" not in footer_keys(screen)
        (message,) = smtp.messages()
        assert message["To"].addresses[0].display_name == "Ólafur Nilsen"

        await pilot.press("m")  # asking again sends nothing new
        await settle(pilot)
        await pilot.press("ctrl+s", "escape")
        await settle(pilot)
        assert len(smtp.envelopes) == 1
