"""Making untrusted text safe for one-line places: mail headers and iCalendar parameters.

Candidate names, subjects and addresses come from people and imports; a CR or LF
in any of them would let the text start a header of its own (``Bcc:``), so every
such value passes through here before it reaches a header. So would an encoded
word (``=?utf-8?q?Ana=0D=0ABcc:…?=``): the ``email`` package decodes it when the
header is set and, before Python 3.11.10 / 3.12.5, folds the decoded line break
into the output as it is. Imports and services refuse both (`panelist.text`);
`header_text` defuses what still comes from an older database.
"""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr

from panelist.errors import ValidationError
from panelist.text import printable


def one_line(text: str) -> str:
    """`text` with every run of whitespace or line break as one space and no control characters."""
    return " ".join(printable(text).split())


def header_text(text: str) -> str:
    """`text` on one line with no ``=?`` left for the ``email`` package to decode as an encoded
    word; the zero-width space it puts between ``=`` and ``?`` shows as nothing."""
    return one_line(text).replace("=?", "=\u200b?")


def checked_email(email: str, what: str = "email address") -> str:
    """`email` as a plain addr-spec (``name@domain``); `ValidationError` naming `what` otherwise."""
    value = email.strip()
    try:
        address = Address(addr_spec=value)
    except (ValueError, IndexError, HeaderParseError):
        address = None
    if address is None or not address.username or not address.domain:
        raise ValidationError(f"{what}: {email!r} is not an email address", field="email")
    return address.addr_spec


def mailbox(name: str, email: str, what: str = "email address") -> Address:
    """A header-safe mailbox: the name on one line, the address checked."""
    return Address(display_name=header_text(name), addr_spec=checked_email(email, what))


def parse_mailbox(text: str, what: str) -> Address:
    """A mailbox written as ``Name <name@domain>`` or a bare address, e.g. the mail_from setting."""
    name, email = parseaddr(one_line(text))
    if not email:
        raise ValidationError(f"{what}: {text!r} is not an email address", field="email")
    return mailbox(name, email, what)
