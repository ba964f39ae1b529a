"""The aiosmtpd handler every mail-sending test listens with (tests/ is on the import path
through the root conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as mail_policy
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    """Keeps every envelope; refuses the recipients in `refuse` (address → SMTP reply)."""

    envelopes: list[Envelope] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        """Every message that arrived, parsed from the raw bytes as a mail client would."""
        parsed = []
        for envelope in self.envelopes:
            raw = envelope.original_content or envelope.content
            assert isinstance(raw, bytes)
            message = message_from_bytes(raw, policy=mail_policy.default)
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed
