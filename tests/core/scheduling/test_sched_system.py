"""Company-wide duties run under an explicit system identity that only cron's commands
take (`--system`); a person's run covers only the interviews they may schedule for."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import scheduling_helpers as h
from cli_helpers import run_panelist

from panelist.clock import FrozenClock
from panelist.errors import PermissionDenied
from panelist.mail.transport import MaildirTransport
from panelist.plugins import PluginRegistry
from panelist.scheduling import SchedulingService, load_interview
from panelist.services.directory import set_setting
from panelist.workspace import SystemActor, Workspace, open_system_workspace

pytestmark = pytest.mark.anyio


def panelist(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return run_panelist(*args, env={"PANELIST_CONFIG": str(tmp_path / "none.toml")})


async def test_cron_sends_reminders_as_the_system_a_person_without_rights_sends_none(
    company_db: Path, test_registry: PluginRegistry, tmp_path: Path
) -> None:
    # The command runs on the real clock: book an interview that ended two hours ago.
    real_now = datetime.now(UTC).replace(microsecond=0)
    ws = h.workspace(company_db, test_registry, FrozenClock(real_now - timedelta(hours=5)))
    maildir = tmp_path / "cron-outbox"
    set_setting(ws.db, "maildir_path", str(maildir))
    record = await SchedulingService(ws, MaildirTransport(maildir)).invite(
        h.request("sam", "ana", start=real_now - timedelta(hours=3), evaluation_form_id=1)
    )
    ws.close()
    db = ("--db", str(company_db))
    h.map_os_account(company_db, "eve")

    as_eve = panelist("reminders", "run", *db, "--as", h.email("eve"), tmp_path=tmp_path)
    assert (as_eve.returncode, as_eve.stdout) == (0, "0 reminders due, 0 interviews closed\n")
    assert h.read_maildir(maildir) == []

    both = panelist("reminders", "run", *db, "--system", "--as", h.email("rosa"), tmp_path=tmp_path)
    assert both.returncode == 2 and "--system runs as no employee; leave out --as" in both.stderr

    cron = panelist("reminders", "run", *db, "--system", tmp_path=tmp_path)
    assert (cron.returncode, cron.stdout) == (0, "2 reminders due, 1 interviews closed\n")
    assert len(h.read_maildir(maildir)) == 2

    check = h.workspace(company_db, test_registry, FrozenClock(real_now))
    payloads = check.db.execute(
        "SELECT payload FROM outbox WHERE interview_id = ? AND key LIKE '%reminder%'", [record.id]
    ).fetchall()
    assert [json.loads(p)["intent"]["queued_by"] for (p,) in payloads] == [
        "system (reminders run)",
        "system (reminders run)",
    ]
    check.close()


async def test_the_system_identity_acts_for_no_person(
    company_db: Path, test_registry: PluginRegistry, service: SchedulingService, tmp_path: Path
) -> None:
    record = await service.invite(h.request("sam"))
    system = open_system_workspace("resume", company_db, service.ws.clock, test_registry)
    try:
        assert system.system == SystemActor("resume")
        as_system = SchedulingService(system, MaildirTransport(tmp_path / "outbox"))
        with pytest.raises(PermissionDenied, match="system \\(resume\\) may only run its duty"):
            await as_system.invite(h.request("ana", start=h.TUESDAY_10 + timedelta(hours=3)))
        with pytest.raises(PermissionDenied):
            await as_system.cancel(record.id)
        with pytest.raises(PermissionDenied):
            load_interview(system, record.id)
        with pytest.raises(PermissionDenied):
            as_system.outbox_of(record.id)
        assert (await as_system.resume_pending()).interviews == 0  # its duty: allowed
    finally:
        system.close()


async def test_resume_by_a_person_finishes_only_what_they_may_schedule(
    service: SchedulingService, ws: Workspace, test_registry: PluginRegistry, tmp_path: Path
) -> None:
    record = await service.invite(h.request("sam"))
    ws.db.execute("UPDATE outbox SET state = 'pending' WHERE interview_id = ?", [record.id])
    eve = h.workspace(ws.db_path, test_registry, FrozenClock(ws.clock.now()), "eve")
    try:
        as_eve = SchedulingService(eve, MaildirTransport(tmp_path / "outbox"))
        assert (await as_eve.resume_pending()).interviews == 0
        with pytest.raises(PermissionDenied):
            await as_eve.resume_pending(record.id)
    finally:
        eve.close()
    assert (await service.resume_pending()).interviews == 1
