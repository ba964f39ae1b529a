"""A mail that did not go out (issue 10, item 4): a wrong password (535) or an unknown
recipient fail for good until a person acts; a full disk, a 4xx reply or a timeout pass
by themselves and `resume` sends the mail then. Either way the Interviews tab says why,
and the mail is sent once, under its first Message-ID.

Real servers: aiosmtpd on 127.0.0.1 with a login, and a Maildir on a really full tmpfs.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import scheduling_helpers as h
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from disk_helpers import full_disk
from smtp_helpers import Received

from panelist.errors import NotFound, PermissionDenied
from panelist.mail.transport import MaildirTransport, SmtpTransport
from panelist.models import CandidateStatus, Method
from panelist.scheduling import NoUnsentMail, OutboxIncomplete, SchedulingService, StepEvent
from panelist.services.directory import set_setting
from panelist.services.interviews import interviews_for_application, unsent_mails
from panelist.workspace import Workspace

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

USER, PASSWORD = "rosa@northwind.example", "the right one"


@dataclass
class Deferring(Received):
    """Answers 451 to the next `defer` messages (a greylisting or busy server)."""

    defer: int = 0
    deferred: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.defer > 0:
            self.defer -= 1
            self.deferred.append(str(envelope.content)[:40])
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


@dataclass
class Server:
    port: int
    handler: Deferring

    def transport(self, password: str = PASSWORD) -> SmtpTransport:
        return SmtpTransport(
            "127.0.0.1", self.port, security="none", username=USER, password=password, timeout=5
        )


@pytest.fixture
def server() -> Iterator[Server]:
    """aiosmtpd that wants a login (offered without TLS: the test has no certificate)."""

    def authenticator(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        ok = (data.login.decode(), data.password.decode()) == (USER, PASSWORD)
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd replies 535

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Deferring()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield Server(port, handler)
    finally:
        controller.stop()


def service_with(ws: Workspace, transport: SmtpTransport | MaildirTransport) -> SchedulingService:
    return SchedulingService(ws, transport, retry=h.FAST_RETRIES)


async def booked(ws: Workspace) -> int:
    record = await service_with(ws, MaildirTransport("/nonexistent")).invite(
        h.request("sam", "ana", method=Method.VIDEO, host="sam")
    )
    return record.id


def invitation_row(ws: Workspace, interview_id: int) -> dict[str, Any]:
    row = ws.db.execute(
        "SELECT key, state, attempts, payload, last_error FROM outbox WHERE interview_id = ?"
        " AND json_extract(payload, '$.intent.purpose') = 'candidate_invitation'",
        [interview_id],
    ).fetchone()
    key, state, attempts, payload, error = row
    return {"key": key, "state": state, "attempts": attempts, "error": error, **json.loads(payload)}


def candidate_status(ws: Workspace, interview_id: int) -> CandidateStatus:
    (summary,) = [s for s in interviews_for_application(ws, 1) if s.id == interview_id]
    return summary.candidate_status


async def test_a_wrong_password_fails_for_good_and_mail_invitation_sends_it_once_fixed(
    ws: Workspace, server: Server
) -> None:
    interview_id = await booked(ws)
    wrong = service_with(ws, server.transport(password="an old one"))
    with pytest.raises(OutboxIncomplete) as caught:
        await wrong.send_candidate_invitation(interview_id)
    assert not caught.value.retryable
    assert "refused the login (535 5.7.8 Authentication credentials invalid)" in str(caught.value)

    # The Interviews tab: which mail, the one-line reason (no password), a person must act.
    (unsent,) = unsent_mails(ws, interview_id)
    assert unsent.description == "the candidate invitation to Daan de Jong"
    assert unsent.reason == (
        f"the mail server 127.0.0.1:{server.port} refused the login"
        " (535 5.7.8 Authentication credentials invalid)"
    )
    assert not unsent.automatic and "an old one" not in unsent.reason
    (summary,) = [s for s in interviews_for_application(ws, 1) if s.id == interview_id]
    assert summary.unsent_mails == (unsent,)
    assert summary.candidate_status is CandidateStatus.NOT_INVITED

    # `resume` leaves it alone: the password is still wrong for all it knows.
    report = await wrong.resume_pending()
    assert report.problems == {} and invitation_row(ws, interview_id)["state"] == "failed"

    # Fixed: Mail invitation again sends it, once, under the first Message-ID.
    first_id = invitation_row(ws, interview_id)["request"]["message_id"]
    fixed = service_with(ws, server.transport())
    record = await fixed.send_candidate_invitation(interview_id)
    assert record.candidate_status is CandidateStatus.EMAIL_SENT
    (message,) = server.handler.messages()
    assert message["Message-ID"] == first_id
    assert invitation_row(ws, interview_id)["state"] == "done"
    assert unsent_mails(ws, interview_id) == []

    await fixed.send_candidate_invitation(interview_id)
    await fixed.resume_pending()
    assert len(server.handler.messages()) == 1


async def test_retry_sends_every_unsent_mail_once_and_then_has_nothing_to_do(
    ws: Workspace, server: Server
) -> None:
    interview_id = await booked(ws)
    with pytest.raises(OutboxIncomplete):
        await service_with(ws, server.transport("wrong")).send_candidate_invitation(interview_id)
    first_id = invitation_row(ws, interview_id)["request"]["message_id"]

    fixed = service_with(ws, server.transport())
    record = await fixed.retry_mails(interview_id)
    assert record.candidate_status is CandidateStatus.EMAIL_SENT
    (message,) = server.handler.messages()
    assert message["Message-ID"] == first_id
    with pytest.raises(NoUnsentMail, match=f"interview {interview_id} has no unsent mail"):
        await fixed.retry_mails(interview_id)
    assert len(server.handler.messages()) == 1


async def test_a_failing_retry_keeps_the_new_reason(ws: Workspace, server: Server) -> None:
    interview_id = await booked(ws)
    with pytest.raises(OutboxIncomplete):
        await service_with(ws, server.transport("wrong")).send_candidate_invitation(interview_id)
    server.handler.refuse["daan@candidate.example"] = "550 5.1.1 No such user"
    with pytest.raises(OutboxIncomplete, match=r"5\.1\.1 No such user"):
        await service_with(ws, server.transport()).retry_mails(interview_id)
    (unsent,) = unsent_mails(ws, interview_id)
    assert "refused the recipient daan@candidate.example (5.1.1 No such user)" in unsent.reason
    assert not unsent.automatic and not server.handler.messages()


async def test_a_451_waits_in_the_outbox_says_why_and_resume_sends_it_once(
    ws: Workspace, server: Server
) -> None:
    interview_id = await booked(ws)
    server.handler.defer = 1000  # busy for longer than the retry budget
    with pytest.raises(OutboxIncomplete) as caught:
        await service_with(ws, server.transport()).send_candidate_invitation(interview_id)
    assert caught.value.retryable and len(server.handler.deferred) >= 2

    (unsent,) = unsent_mails(ws, interview_id)
    assert unsent.automatic
    assert unsent.reason == (
        f"the mail server 127.0.0.1:{server.port} refused the message (451 4.3.0 Try again later)"
    )

    server.handler.defer = 0
    report = await service_with(ws, server.transport()).resume_pending()
    assert report.problems == {}
    assert len(server.handler.messages()) == 1
    assert candidate_status(ws, interview_id) is CandidateStatus.EMAIL_SENT
    assert unsent_mails(ws, interview_id) == []


async def test_a_full_disk_under_the_maildir_is_retried_by_resume(
    ws: Workspace, tmp_path: Path
) -> None:
    interview_id = await booked(ws)
    with full_disk(tmp_path / "disk") as disk:
        transport = MaildirTransport(disk.path / "outbox")
        with pytest.raises(OutboxIncomplete) as caught:
            await service_with(ws, transport).send_candidate_invitation(interview_id)
        assert caught.value.retryable
        assert str(caught.value).endswith("No space left on device")
        (unsent,) = unsent_mails(ws, interview_id)
        assert unsent.automatic
        assert unsent.reason.endswith("/outbox: No space left on device")
        assert invitation_row(ws, interview_id)["state"] == "pending"

        disk.free()
        report = await service_with(ws, transport).resume_pending()
        assert report.problems == {}
        assert len(h.read_maildir(disk.path / "outbox")) == 1
        assert candidate_status(ws, interview_id) is CandidateStatus.EMAIL_SENT
        await service_with(ws, transport).resume_pending()
        assert len(h.read_maildir(disk.path / "outbox")) == 1


def panelist_resume(ws: Workspace, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The command cron runs, in its own process, as Rosa."""
    h.map_os_account(ws.db_path, "rosa")
    return subprocess.run(
        [sys.executable, "-m", "panelist", "resume", "--db", str(ws.db_path), "--as", h.email("rosa")],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PANELIST_CONFIG": str(tmp_path / "none.toml")},
    )  # fmt: skip


async def test_panelist_resume_sends_what_a_full_disk_held_back(
    ws: Workspace, tmp_path: Path
) -> None:
    interview_id = await booked(ws)
    with full_disk(tmp_path / "disk") as disk:
        outbox = disk.path / "outbox"
        set_setting(ws.db, "maildir_path", str(outbox))
        set_setting(ws.db, "provider_retry_budget_s", 1)  # cron's run gives up sooner
        with pytest.raises(OutboxIncomplete):
            await service_with(ws, MaildirTransport(outbox)).send_candidate_invitation(interview_id)

        still_full = panelist_resume(ws, tmp_path)
        assert still_full.returncode == 1
        assert still_full.stderr.strip() == (
            "panelist: left for later: the candidate invitation to Daan de Jong is not sent yet:"
            f" cannot write to the outbox {outbox}: No space left on device"
        )

        disk.free()
        done = panelist_resume(ws, tmp_path)
        assert (done.returncode, done.stdout.strip()) == (0, "1 interviews had work left")
        assert len(h.read_maildir(outbox)) == 1
        assert candidate_status(ws, interview_id) is CandidateStatus.EMAIL_SENT


async def test_the_invitation_of_a_cancelled_interview_is_never_retried(
    ws: Workspace, server: Server
) -> None:
    interview_id = await booked(ws)
    with pytest.raises(OutboxIncomplete):
        await service_with(ws, server.transport("wrong")).send_candidate_invitation(interview_id)
    fixed = service_with(ws, server.transport())
    await fixed.cancel(interview_id)
    assert unsent_mails(ws, interview_id) == []
    with pytest.raises(NoUnsentMail):
        await fixed.retry_mails(interview_id)
    # The interviewers are told; the candidate, never invited, gets nothing at all.
    assert "daan@candidate.example" not in [e.rcpt_tos[0] for e in server.handler.envelopes]
    assert len(server.handler.envelopes) == 2


async def test_retry_and_the_reasons_need_the_rights(ws: Workspace, server: Server) -> None:
    interview_id = await booked(ws)
    with pytest.raises(OutboxIncomplete):
        await service_with(ws, server.transport("wrong")).send_candidate_invitation(interview_id)
    eve = h.workspace(ws.db_path, ws.registry, ws.clock, as_key="eve")  # type: ignore[arg-type]
    try:
        with pytest.raises(PermissionDenied):
            await service_with(eve, server.transport()).retry_mails(interview_id)
        with pytest.raises(NotFound):
            unsent_mails(eve, interview_id)
    finally:
        eve.close()
    assert not server.handler.messages()
    assert invitation_row(ws, interview_id)["state"] == "failed"


class Interrupted(Exception):
    """Stands for the process dying right after the mail went out, before it is recorded."""


async def test_a_retry_cut_off_between_sending_and_recording_is_not_sent_twice(
    ws: Workspace, tmp_path: Path
) -> None:
    interview_id = await booked(ws)
    outbox = tmp_path / "outbox"
    outbox.write_text("a file where the folder should be")  # a wrong setting: permanent
    with pytest.raises(OutboxIncomplete) as caught:
        await service_with(ws, MaildirTransport(outbox)).send_candidate_invitation(interview_id)
    assert not caught.value.retryable
    outbox.unlink()  # the setting fixed

    def die_after_sending(event: StepEvent) -> None:
        if event.stage == "called":
            raise Interrupted

    dying = SchedulingService(
        ws, MaildirTransport(outbox), on_step=die_after_sending, retry=h.FAST_RETRIES
    )
    with pytest.raises(Interrupted):
        await dying.retry_mails(interview_id)
    assert len(h.read_maildir(outbox)) == 1
    assert invitation_row(ws, interview_id)["state"] == "pending"  # not recorded as sent

    report = await service_with(ws, MaildirTransport(outbox)).resume_pending()
    assert report.problems == {}
    assert len(h.read_maildir(outbox)) == 1  # the same Message-ID: the Maildir keeps one
    assert candidate_status(ws, interview_id) is CandidateStatus.EMAIL_SENT
