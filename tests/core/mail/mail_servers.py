"""Servers and constants shared by the mail tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session

SMTP_USER = "recruiter@northwind.example"
SMTP_PASSWORD = "correct horse battery staple"
DEMO_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass
class Collector:
    """An aiosmtpd handler that keeps every envelope and refuses the recipients it is told to."""

    envelopes: list[Envelope] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address → SMTP reply

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


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: Collector
    logins: list[tuple[str, str]]

    def received(self) -> list[EmailMessage]:
        """Every message that arrived, parsed from the raw bytes as a mail client would."""
        messages = []
        for envelope in self.handler.envelopes:
            raw = envelope.original_content or envelope.content
            assert isinstance(raw, bytes)
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            messages.append(parsed)
        return messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
