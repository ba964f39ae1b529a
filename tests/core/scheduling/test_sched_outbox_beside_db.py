"""Each database mails into its own Maildir beside it (unless maildir_path says otherwise):
`panelist reminders run --db` on a demo and on a real database never share an outbox."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import scheduling_helpers as h

from panelist.clock import FrozenClock
from panelist.mail.transport import transport_from_settings
from panelist.plugins import PluginRegistry
from panelist.scheduling import SchedulingService

pytestmark = pytest.mark.anyio


def recipients(maildir: Path) -> list[str]:
    return sorted(a.addr_spec for m in h.read_maildir(maildir) for a in m["To"].addresses)


async def test_two_databases_given_by_db_mail_beside_themselves(
    company_template: Path, test_registry: PluginRegistry, tmp_path: Path
) -> None:
    # The command runs on the real clock: each database books an interview that ended
    # three hours ago, so its reminder is due; a different interviewer in each.
    real_now = datetime.now(UTC).replace(microsecond=0)
    folder = tmp_path / "databases"
    folder.mkdir()
    interviewers = {"demo": "sam", "real": "ana"}
    for stem, person in interviewers.items():
        db = h.copy_company(company_template, folder / f"{stem}.db")
        ws = h.workspace(db, test_registry, FrozenClock(real_now - timedelta(hours=5)))
        start = real_now - timedelta(hours=3)
        await SchedulingService(ws, transport_from_settings(ws.db)).invite(
            h.request(person, start=start, evaluation_form_id=1)
        )
        ws.close()
        h.map_os_account(db, "rosa")

    env = {
        **os.environ,
        "PANELIST_CONFIG": str(tmp_path / "none.toml"),
        "XDG_DATA_HOME": str(tmp_path / "user-data"),
    }
    for stem in interviewers:
        args = ("reminders", "run", "--db", str(folder / f"{stem}.db"), "--as", h.email("rosa"))
        done = subprocess.run(
            [sys.executable, "-m", "panelist", *args], capture_output=True, text=True, env=env,
            timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr

    for stem, person in interviewers.items():
        outbox = folder / f"{stem}-outbox"
        assert recipients(outbox) == [h.email(person)]  # its own reminder, not the other's
    assert not (tmp_path / "user-data").exists()
