"""Composing a mail: text and HTML alternatives, the calendar invitation, safe headers.

The layout is what Gmail and Outlook send and recognise as an invitation::

    multipart/mixed
        multipart/alternative
            text/plain
            text/html
            text/calendar; method=REQUEST     (shown as the invitation)
        application/ics; name=invite.ics      (for every other client)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.policy import compat32

from panelist.errors import ValidationError
from panelist.mail.headers import header_text, mailbox, parse_mailbox

ICS_FILENAME = "invite.ics"
_ICS_METHODS = frozenset({"PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER"})
_METHOD_LINE = re.compile(rb"^METHOD:([A-Za-z-]+)\r?$", re.MULTILINE)
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def compose(
    *,
    sender: str,
    to: Sequence[tuple[str, str]],
    subject: str,
    text: str,
    html: str | None = None,
    ics: bytes | None = None,
    ics_method: str | None = None,
    message_id_key: str,
    domain: str = "panelist.invalid",
    date: datetime,
    reply_to: tuple[str, str] | None = None,
    on_behalf_of: tuple[str, str] | None = None,
) -> EmailMessage:
    """A ready-to-send message. `to` holds (name, email) pairs; `sender` is "Name <email>".

    `on_behalf_of` (name, email), when another address than the sender's, is the
    From and the sender becomes the Sender header (RFC 5322 §3.6.2): mail clients
    show "sender on behalf of author", and SMTP uses the Sender as envelope sender.

    The Message-ID depends only on `message_id_key`, `domain` and the sender's
    address, so composing the same outbox item again gives the same Message-ID
    (and the Maildir transport keeps one copy). Pass
    `domain=sender_domain(sender)` for ids that match the From address.
    `ics_method` defaults to the METHOD in `ics`.
    """
    if not to:
        raise ValidationError("a message needs at least one recipient", field="to")
    message = EmailMessage()
    from_address = parse_mailbox(sender, "sender")
    author = mailbox(*on_behalf_of, "author email") if on_behalf_of else from_address
    message["From"] = author
    if author.addr_spec.casefold() != from_address.addr_spec.casefold():
        message["Sender"] = from_address
    message["To"] = [mailbox(name, email, "recipient email") for name, email in to]
    if reply_to is not None:
        message["Reply-To"] = mailbox(*reply_to, "reply-to email")
    message["Subject"] = header_text(subject)
    message["Date"] = _aware(date)
    message["Message-ID"] = message_id(message_id_key, domain, scope=from_address.addr_spec)
    _set_body(message, text, html, ics, ics_method)
    _check_headers(message)
    return message


def _check_headers(message: EmailMessage) -> None:
    """Read the message back as a mail server would: exactly the headers set, no more.

    The last line of defence if a value ever gets past `header_text` on some Python.
    """
    wire = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    parsed = BytesHeaderParser(policy=compat32).parsebytes(wire)
    if _header_names(parsed) != _header_names(message):
        raise ValidationError(
            "a name or subject in this mail would add a mail header, so it is not sent",
            field="headers",
        )


def message_id(key: str, domain: str = "panelist.invalid", *, scope: str = "") -> str:
    """``<digest@domain>``, the same for the same key: a resend is recognisably the same mail.

    `compose` passes the sender address as `scope`, so two companies whose
    outboxes both number their items "interview-1-…" never share an id (mail
    services drop a second message with an id they have seen).
    """
    if not _DOMAIN.fullmatch(domain):
        raise ValidationError(f"message-id domain {domain!r} is not a domain name", field="domain")
    if not key:
        raise ValidationError("a message needs a message-id key", field="message_id_key")
    digest = hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def sender_domain(sender: str) -> str:
    """The domain of a "Name <email>" sender, for Message-IDs that match the From address."""
    address: Address = parse_mailbox(sender, "sender")
    return address.domain


def _set_body(
    message: EmailMessage, text: str, html: str | None, ics: bytes | None, method: str | None
) -> None:
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if ics is None:
        return
    itip = _ics_method(ics, method)
    # Bytes, base64: iCalendar lines end in CRLF, which a text part would rewrite.
    message.add_alternative(
        ics, maintype="text", subtype="calendar", params={"method": itip, "charset": "utf-8"}
    )
    message.add_attachment(
        ics,
        maintype="application",
        subtype="ics",
        filename=ICS_FILENAME,
        params={"method": itip, "name": ICS_FILENAME},
    )


def _header_names(message: Message) -> list[str]:
    return sorted(name.lower() for name in message)  # a Message iterates over its header names


def _ics_method(ics: bytes, method: str | None) -> str:
    found = _METHOD_LINE.search(ics)
    chosen = (method or (found.group(1).decode() if found else "")).upper()
    if chosen not in _ICS_METHODS:
        raise ValidationError(f"unknown calendar method {chosen or method!r}", field="ics_method")
    return chosen


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValidationError("the Date of a message needs a timezone", field="date")
    return value
