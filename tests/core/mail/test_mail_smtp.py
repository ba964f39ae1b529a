"""Sending through a real SMTP server (aiosmtpd on 127.0.0.1) and reading back what arrived."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Literal

import icalendar
import pytest
from mail_servers import DEMO_NOW, SMTP_PASSWORD, SMTP_USER, SmtpServer
from sqlite_utils import Database

from panelist.mail.ics import interview_ics
from panelist.mail.message import compose, sender_domain
from panelist.mail.templates import message_context, render_template, templates_for
from panelist.mail.transport import MailError, SmtpTransport, transport_from_settings
from panelist.services.directory import get_setting, set_setting

# aiosmtpd warns, per connection, that AUTH without TLS is unsafe: the test server has no certificate.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

SENDER = "Northwind Labs <recruiting@northwind.example>"


@dataclass(frozen=True)
class DemoInterview:
    id: int
    start: datetime
    end: datetime
    organiser_zone: str
    video_link: str
    notes: str
    sequence: int
    candidate_name: str
    candidate_email: str
    candidate_zone: str
    job_title: str
    organiser_name: str
    organiser_email: str
    type_name: str
    location: str
    interviewers: tuple[str, ...]


def demo_interview(db: Database, interview_id: int) -> DemoInterview:
    row = db.execute(
        """
        SELECT i.id, i.start_utc, i.end_utc, i.timezone, coalesce(i.video_link, ''), i.notes,
               i.sequence, c.name, c.email, coalesce(c.timezone, i.timezone), j.title, o.name,
               o.email, coalesce(t.name, 'Interview'), coalesce(r.location, '')
          FROM interviews i
          JOIN applications a ON a.id = i.application_id
          JOIN candidates c ON c.id = a.candidate_id
          JOIN jobs j ON j.id = a.job_id
          JOIN employees o ON o.id = i.organiser_id
          LEFT JOIN interview_types t ON t.id = i.type_id
          LEFT JOIN rooms r ON r.id = i.room_id
         WHERE i.id = ?
        """,
        [interview_id],
    ).fetchone()
    names = db.execute(
        "SELECT e.name FROM interview_participants p JOIN employees e ON e.id = p.employee_id"
        " WHERE p.interview_id = ? AND e.id != (SELECT organiser_id FROM interviews WHERE id = ?)",
        [interview_id, interview_id],
    ).fetchall()
    start, end = datetime.fromisoformat(row[1]), datetime.fromisoformat(row[2])
    return DemoInterview(row[0], start, end, *row[3:], tuple(n for (n,) in names))


def candidate_mail(
    db: Database, interview: DemoInterview, method: Literal["REQUEST", "CANCEL"]
) -> EmailMessage:
    """What the scheduling service sends the candidate: the template, the .ics, one message."""
    purpose = "candidate_invitation" if method == "REQUEST" else "candidate_cancellation"
    template = next(t for t in templates_for(db, purpose) if not t.name.startswith("Uitnodiging"))
    context = message_context(
        candidate_name=interview.candidate_name,
        job_title=interview.job_title,
        company_name=get_setting(db, "company_name"),
        organiser_name=interview.organiser_name,
        organiser_email=interview.organiser_email,
        interview_type=interview.type_name,
        method="video",
        start=interview.start,
        end=interview.end,
        candidate_zone=interview.candidate_zone,
        local_zone=interview.organiser_zone,
        location=interview.location,
        video_link=interview.video_link,
    )
    rendered = render_template(template.subject, template.body, context)
    sequence = interview.sequence + (1 if method == "CANCEL" else 0)
    ics = interview_ics(
        method=method,
        uid=f"interview-{interview.id}-candidate@northwind.example",
        sequence=sequence,
        start=interview.start,
        end=interview.end,
        timezone=interview.candidate_zone,
        summary=rendered.subject,
        description=rendered.text,
        location=interview.location,
        organizer_email=interview.organiser_email,
        organizer_name=interview.organiser_name,
        attendee_email=interview.candidate_email,
        attendee_name=interview.candidate_name,
        url=interview.video_link or None,
        stamp=DEMO_NOW,
    )
    return compose(
        sender=SENDER,
        to=[(interview.candidate_name, interview.candidate_email)],
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        ics=ics,
        message_id_key=f"interview-{interview.id}-{method}-{sequence}",
        domain=sender_domain(SENDER),
        date=DEMO_NOW,
        reply_to=(interview.organiser_name, interview.organiser_email),
    )


def plain(server: SmtpServer, timeout: float = 5) -> SmtpTransport:
    return SmtpTransport(server.host, server.port, "none", timeout=timeout)


def parts(message: EmailMessage) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            found[part.get_content_type()] = payload
    return found


def the_event(message: EmailMessage) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(parts(message)["text/calendar"])
    (event,) = calendar.walk("VEVENT")
    return calendar, event


# --------------------------------------------------------------------------- delivery


def test_an_invitation_arrives_as_the_candidate_should_see_it(
    demo_db: Database, smtp_server: SmtpServer
) -> None:
    interview = demo_interview(demo_db, 1)
    assert interview.video_link and interview.notes and interview.interviewers  # a telling case
    plain(smtp_server).send(candidate_mail(demo_db, interview, "REQUEST"))

    (envelope,) = smtp_server.handler.envelopes
    assert envelope.mail_from == "recruiting@northwind.example"
    assert envelope.rcpt_tos == [interview.candidate_email]
    (arrived,) = smtp_server.received()
    body = parts(arrived)
    assert set(body) == {"text/plain", "text/html", "text/calendar", "application/ics"}
    assert body["text/calendar"] == body["application/ics"]
    calendar, event = the_event(arrived)
    assert str(calendar["METHOD"]) == "REQUEST"
    attendee = event["ATTENDEE"]
    assert not isinstance(attendee, list)
    assert str(attendee) == f"mailto:{interview.candidate_email}"
    assert (attendee.params["PARTSTAT"], attendee.params["RSVP"]) == ("NEEDS-ACTION", "TRUE")
    assert event["SEQUENCE"] == interview.sequence == 1
    assert event.decoded("DTSTART").astimezone(interview.start.tzinfo) == interview.start
    assert event.decoded("DTEND").astimezone(interview.end.tzinfo) == interview.end
    assert str(event["CLASS"]) == "PRIVATE"
    for content in (body["text/plain"], body["text/html"], body["text/calendar"]):
        assert interview.video_link.encode() in content


def test_nothing_internal_reaches_the_candidate(demo_db: Database, smtp_server: SmtpServer) -> None:
    interview = demo_interview(demo_db, 1)
    plain(smtp_server).send(candidate_mail(demo_db, interview, "REQUEST"))
    (arrived,) = smtp_server.received()
    everything = b"\n".join([arrived.as_bytes(), *parts(arrived).values()]).decode()
    assert interview.notes not in everything
    for name in interview.interviewers:
        assert name not in everything
    assert "panelist://application" not in everything
    assert interview.candidate_name in everything  # the check above would notice text at all


def test_a_cancellation_arrives_with_the_same_uid_and_a_higher_sequence(
    demo_db: Database, smtp_server: SmtpServer
) -> None:
    interview = demo_interview(demo_db, 1)
    transport = plain(smtp_server)
    transport.send(candidate_mail(demo_db, interview, "REQUEST"))
    transport.send(candidate_mail(demo_db, interview, "CANCEL"))
    invited, cancelled = smtp_server.received()
    (_, first), (calendar, event) = the_event(invited), the_event(cancelled)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(first["UID"])
    assert event["SEQUENCE"] == first["SEQUENCE"] + 1
    assert (
        str(cancelled["Subject"]) == f"Your interview for {interview.job_title} has been cancelled"
    )
    calendar_part = next(p for p in cancelled.walk() if p.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == "CANCEL"


def test_a_mail_on_behalf_of_the_organiser_bounces_to_panelist(smtp_server: SmtpServer) -> None:
    """The envelope sender (where bounces go, what SPF checks) is the Sender, not the From."""
    message = compose(
        sender=SENDER,
        to=[("Kavya Gupta", "kavya@example.net")],
        subject="Your interview",
        text="Hi\n",
        message_id_key="on-behalf",
        date=DEMO_NOW,
        on_behalf_of=("Rosa Jansen", "rosa@northwind.example"),
    )
    plain(smtp_server).send(message)
    (envelope,) = smtp_server.handler.envelopes
    assert envelope.mail_from == "recruiting@northwind.example"
    (arrived,) = smtp_server.received()
    assert (str(arrived["From"]), str(arrived["Sender"])) == (
        "Rosa Jansen <rosa@northwind.example>",
        SENDER,
    )


def test_a_hostile_name_reaches_only_its_own_address(smtp_server: SmtpServer) -> None:
    message = compose(
        sender=SENDER,
        to=[("Eve\r\nBcc: all@example.com", "eve@example.net")],
        subject="Hello\r\nBcc: all@example.com",
        text="Hi\n",
        message_id_key="hostile",
        date=DEMO_NOW,
    )
    plain(smtp_server).send(message)
    (envelope,) = smtp_server.handler.envelopes
    assert envelope.rcpt_tos == ["eve@example.net"]
    (arrived,) = smtp_server.received()
    assert arrived["Bcc"] is None
    assert [a.addr_spec for a in arrived["To"].addresses] == ["eve@example.net"]


# --------------------------------------------------------------------------- login


def test_the_login_is_sent_when_a_username_is_set(smtp_auth_server: SmtpServer) -> None:
    transport = SmtpTransport(
        smtp_auth_server.host, smtp_auth_server.port, "none", SMTP_USER, SMTP_PASSWORD, 5
    )
    transport.send(
        compose(
            sender=SENDER,
            to=[("Kavya", "kavya@example.net")],
            subject="s",
            text="t\n",
            message_id_key="a",
            date=DEMO_NOW,
        )
    )
    assert smtp_auth_server.logins == [(SMTP_USER, SMTP_PASSWORD)]
    assert len(smtp_auth_server.received()) == 1


def test_a_wrong_password_is_a_clear_permanent_error(smtp_auth_server: SmtpServer) -> None:
    transport = SmtpTransport(
        smtp_auth_server.host, smtp_auth_server.port, "none", SMTP_USER, "hunter2", 5
    )
    with pytest.raises(MailError) as caught:
        transport.send(
            compose(
                sender=SENDER,
                to=[("K", "k@example.net")],
                subject="s",
                text="t\n",
                message_id_key="a",
                date=DEMO_NOW,
            )
        )
    server = f"127.0.0.1:{smtp_auth_server.port}"
    assert str(caught.value).startswith(f"the mail server {server} refused the login (535 ")
    assert "\n" not in str(caught.value) and "hunter2" not in str(caught.value)
    assert (caught.value.retryable, caught.value.server) == (False, server)
    assert smtp_auth_server.handler.envelopes == []


def test_a_server_that_wants_a_login_refuses_the_sender_without_one(
    smtp_auth_server: SmtpServer,
) -> None:
    with pytest.raises(MailError) as caught:
        plain(smtp_auth_server).send(
            compose(
                sender=SENDER,
                to=[("K", "k@example.net")],
                subject="s",
                text="t\n",
                message_id_key="a",
                date=DEMO_NOW,
            )
        )
    assert "refused the sender recruiting@northwind.example (530 " in str(caught.value)
    assert caught.value.retryable is False


def test_a_username_without_a_password_says_where_to_put_it(smtp_auth_server: SmtpServer) -> None:
    transport = SmtpTransport(
        smtp_auth_server.host, smtp_auth_server.port, "none", SMTP_USER, None, 5
    )
    with pytest.raises(
        MailError, match="set PANELIST_SMTP_PASSWORD or the keyring entry"
    ) as caught:
        transport.send(
            compose(
                sender=SENDER,
                to=[("K", "k@example.net")],
                subject="s",
                text="t\n",
                message_id_key="a",
                date=DEMO_NOW,
            )
        )
    assert caught.value.retryable is False


# --------------------------------------------------------------------------- failures


def simple(key: str = "x", to: str = "kavya@example.net") -> EmailMessage:
    return compose(
        sender=SENDER,
        to=[("Kavya", to)],
        subject="s",
        text="t\n",
        message_id_key=key,
        date=DEMO_NOW,
    )


def test_a_refused_connection_is_retryable(closed_port: int) -> None:
    with pytest.raises(MailError) as caught:
        SmtpTransport("127.0.0.1", closed_port, "none", timeout=5).send(simple())
    assert str(caught.value) == f"the mail server 127.0.0.1:{closed_port} refused the connection"
    assert caught.value.retryable is True


def test_a_server_that_never_answers_times_out_retryably(silent_port: int) -> None:
    started = time.perf_counter()
    with pytest.raises(MailError) as caught:
        SmtpTransport("127.0.0.1", silent_port, "none", timeout=0.3).send(simple())
    assert time.perf_counter() - started < 5
    assert (
        str(caught.value) == f"the mail server 127.0.0.1:{silent_port} did not answer within 0.3 s"
    )
    assert caught.value.retryable is True


def test_starttls_that_is_not_offered_is_a_permanent_error(smtp_server: SmtpServer) -> None:
    transport = SmtpTransport(smtp_server.host, smtp_server.port, "starttls", timeout=5)
    with pytest.raises(MailError) as caught:
        transport.send(simple())
    assert str(caught.value) == (
        f"the mail server 127.0.0.1:{smtp_server.port} does not offer STARTTLS;"
        " set smtp_security to 'tls' or 'none'"
    )
    assert caught.value.retryable is False
    assert smtp_server.handler.envelopes == []


def test_implicit_tls_against_a_plain_server_fails_clearly(smtp_server: SmtpServer) -> None:
    transport = SmtpTransport(smtp_server.host, smtp_server.port, "tls", timeout=5)
    with pytest.raises(MailError) as caught:
        transport.send(simple())
    assert str(caught.value).startswith(
        f"TLS with the mail server 127.0.0.1:{smtp_server.port} failed: "
    )
    assert caught.value.retryable is False


@pytest.mark.parametrize(
    ("reply", "retryable"),
    [("550 5.1.1 No such user", False), ("450 4.2.1 Mailbox busy, try later", True)],
)
def test_a_refused_recipient_is_named_and_classified(
    smtp_server: SmtpServer, reply: str, retryable: bool
) -> None:
    smtp_server.handler.refuse["gone@example.net"] = reply
    with pytest.raises(MailError) as caught:
        plain(smtp_server).send(simple(to="gone@example.net"))
    assert str(caught.value) == (
        f"the mail server 127.0.0.1:{smtp_server.port} refused the recipient gone@example.net"
        f" ({reply.split(' ', 1)[1]})"
    )
    assert caught.value.retryable is retryable


# --------------------------------------------------------------------------- settings


def test_smtp_settings_and_the_secret_password_make_a_working_transport(
    db: Database, smtp_auth_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANELIST_SMTP_PASSWORD", SMTP_PASSWORD)
    set_setting(db, "mail_transport", "smtp")
    set_setting(db, "smtp_host", "127.0.0.1")
    set_setting(db, "smtp_port", smtp_auth_server.port)
    set_setting(db, "smtp_security", "none")
    set_setting(db, "smtp_username", SMTP_USER)
    set_setting(db, "mail_timeout_s", 5)
    transport = transport_from_settings(db)
    assert isinstance(transport, SmtpTransport)
    transport.send(simple())
    assert smtp_auth_server.logins == [(SMTP_USER, SMTP_PASSWORD)]
    assert SMTP_PASSWORD not in repr(transport)
    stored = "\n".join(db.iterdump())
    assert SMTP_PASSWORD not in stored and SMTP_USER in stored
