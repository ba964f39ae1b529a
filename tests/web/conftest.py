"""The candidate page on the demo company (frozen at 2026-11-23 09:00 UTC, see tests/conftest.py):
a scheduling link made by Rosa for one of her applications, core's candidate side mailing into
a Maildir, and the Starlette app around it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from starlette.testclient import TestClient
from web_helpers import FAST, Link, client_for, make_link

from panelist.mail.transport import MaildirTransport
from panelist.scheduling.links import CandidateLinks
from panelist.workspace import Workspace


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def transport(maildir: Path) -> MaildirTransport:
    return MaildirTransport(maildir)


@pytest.fixture
def ws(demo_workspace: Workspace) -> Workspace:
    return demo_workspace


@pytest.fixture
def candidate(ws: Workspace, transport: MaildirTransport) -> CandidateLinks:
    return CandidateLinks(ws, transport, retry=FAST)


@pytest.fixture
def link(ws: Workspace, transport: MaildirTransport) -> Link:
    return anyio.run(lambda: make_link(ws, transport))


@pytest.fixture
def client(candidate: CandidateLinks) -> Iterator[TestClient]:
    with client_for(candidate) as test_client:
        yield test_client
