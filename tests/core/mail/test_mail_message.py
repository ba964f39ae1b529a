"""Composed messages: MIME layout, header injection, deterministic Message-IDs."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from panelist.errors import ValidationError
from panelist.mail.message import compose, message_id, sender_domain

DATE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
SENDER = "Northwind Labs <recruiting@northwind.example>"


def message(**overrides: Any) -> EmailMessage:
    arguments: dict[str, Any] = {
        "sender": SENDER,
        "to": [("Kavya Gupta", "kavya.gupta@example.net")],
        "subject": "Your interview for Data Engineer",
        "text": "Dear Kavya,\n\nSee you then.\n",
        "html": "<p>Dear Kavya,</p><p>See you then.</p>",
        "ics": ICS,
        "message_id_key": "outbox-17",
        "date": DATE,
    } | overrides
    return compose(**arguments)


def reparsed(composed: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(composed.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def layout(parsed: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in parsed.walk()]


def test_an_invitation_is_text_html_and_calendar_plus_an_ics_attachment() -> None:
    parsed = reparsed(message())
    assert layout(parsed) == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ]
    parts = list(parsed.walk())
    assert parts[2].get_content() == "Dear Kavya,\n\nSee you then.\n"
    assert parts[3].get_content() == "<p>Dear Kavya,</p><p>See you then.</p>\n"
    calendar, attachment = parts[4], parts[5]
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_content_charset() == "utf-8"
    assert calendar.get_payload(decode=True) == ICS  # CRLF kept
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_payload(decode=True) == ICS


def test_the_calendar_method_follows_the_ics_or_the_argument() -> None:
    cancel = ICS.replace(b"METHOD:REQUEST", b"METHOD:CANCEL")
    for composed in (message(ics=cancel), message(ics=ICS, ics_method="cancel")):
        calendar = next(
            p for p in reparsed(composed).walk() if p.get_content_type() == "text/calendar"
        )
        assert calendar.get_param("method") == "CANCEL"
    with pytest.raises(ValidationError, match="unknown calendar method 'REQUEST\\\\r\\\\nX'"):
        message(ics_method="REQUEST\r\nX")


def test_without_ics_or_html_the_message_is_simpler() -> None:
    assert layout(reparsed(message(ics=None))) == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    assert layout(reparsed(message(ics=None, html=None))) == ["text/plain"]


def test_headers() -> None:
    parsed = reparsed(message(reply_to=("Rosa Jansen", "rosa.jansen@northwind.example")))
    assert str(parsed["From"]) == SENDER
    assert str(parsed["To"]) == "Kavya Gupta <kavya.gupta@example.net>"
    assert str(parsed["Reply-To"]) == "Rosa Jansen <rosa.jansen@northwind.example>"
    assert str(parsed["Subject"]) == "Your interview for Data Engineer"
    assert parsed["Date"].datetime == DATE


def test_a_mail_on_behalf_of_the_organiser_is_from_them_and_sent_by_panelist() -> None:
    organiser = ("Rosa Jansen", "rosa.jansen@northwind.example")
    on_behalf = message(on_behalf_of=organiser)
    parsed = reparsed(on_behalf)
    assert str(parsed["From"]) == "Rosa Jansen <rosa.jansen@northwind.example>"
    assert str(parsed["Sender"]) == SENDER
    # the same mail keeps its Message-ID: its scope stays the sending address
    assert on_behalf["Message-ID"] == message()["Message-ID"]


def test_a_sender_writing_for_itself_has_no_sender_header() -> None:
    parsed = reparsed(message(on_behalf_of=("Recruiting", "Recruiting@northwind.example")))
    assert str(parsed["From"]) == "Recruiting <Recruiting@northwind.example>"
    assert parsed["Sender"] is None


def test_a_name_with_a_line_break_cannot_add_a_bcc() -> None:
    composed = message(
        to=[("Eve\r\nBcc: all@example.com", "eve@example.net")],
        subject="Interview\r\nBcc: all@example.com",
    )
    raw = composed.as_bytes()
    parsed = reparsed(composed)
    assert parsed["Bcc"] is None
    assert b"\nBcc:" not in raw and b"\rBcc:" not in raw
    (recipient,) = parsed["To"].addresses
    assert recipient.addr_spec == "eve@example.net"
    assert recipient.display_name == "Eve Bcc: all@example.com"
    assert str(parsed["Subject"]) == "Interview Bcc: all@example.com"


def test_names_with_commas_quotes_and_accents_survive() -> None:
    parsed = reparsed(
        message(to=[('Zoë "Z" Müller, Jr.', "zoe@example.net"), ("Ólafur", "olafur@example.net")])
    )
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == [
        ('Zoë "Z" Müller, Jr.', "zoe@example.net"),
        ("Ólafur", "olafur@example.net"),
    ]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        (
            {"to": [("Eve", "eve@example.net\r\nBcc: all@example.com")]},
            "recipient email: .* is not an email address",
        ),
        (
            {"to": [("Eve", "eve@example.net, all@example.com")]},
            "recipient email: .* is not an email address",
        ),
        ({"to": [("Eve", "eve")]}, "recipient email: 'eve' is not an email address"),
        ({"to": []}, "at least one recipient"),
        ({"sender": "Panelist"}, "sender: 'Panelist' is not an email address"),
        ({"date": datetime(2026, 11, 23, 9, 0)}, "needs a timezone"),
        ({"domain": "evil>\r\nX: y"}, "is not a domain name"),
    ],
)
def test_bad_input_is_refused(overrides: dict[str, Any], error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        message(**overrides)


def test_the_message_id_depends_only_on_the_key() -> None:
    first, again = message(), message(subject="Changed", date=datetime(2027, 1, 1, tzinfo=UTC))
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"] == message_id("outbox-17", scope="recruiting@northwind.example")
    other_company = message(sender="Acme <jobs@acme.example>")["Message-ID"]
    assert other_company != first["Message-ID"]
    assert message(message_id_key="outbox-18")["Message-ID"] != first["Message-ID"]
    assert str(first["Message-ID"]).startswith("<") and str(first["Message-ID"]).endswith(
        "@panelist.invalid>"
    )
    own = message(domain=sender_domain(SENDER))["Message-ID"]
    assert str(own).endswith("@northwind.example>")
