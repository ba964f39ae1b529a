"""Servers and constants shared by the mail tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage

from smtp_helpers import Received

SMTP_USER = "recruiter@northwind.example"
SMTP_PASSWORD = "correct horse battery staple"
DEMO_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: Received
    logins: list[tuple[str, str]]

    def received(self) -> list[EmailMessage]:
        return self.handler.messages()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
