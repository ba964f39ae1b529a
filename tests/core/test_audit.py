"""The audit log (issue 12, item 4), in process: append-only in SQLite itself; settings,
templates, imports and identity switches each write one line with the change; refused
or failed changes write none; secrets stay out; Admins alone read it."""

from __future__ import annotations

import getpass
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from panelist import audit
from panelist.clock import FrozenClock
from panelist.errors import ImportFailed, PermissionDenied, ValidationError
from panelist.importer import import_file
from panelist.services.audit import list_audit, parse_since
from panelist.services.directory import get_employee
from panelist.services.settings import set_setting
from panelist.services.templates import save_template
from panelist.workspace import USER_ENV, Workspace, open_workspace

BODY = "Dear {{ candidate.name }}, see you {{ interview.start_candidate }}."


def lines(ws: Workspace) -> list[tuple[Any, ...]]:
    return ws.db.execute(
        "SELECT actor, actor_label, actor_email, action, subject, detail FROM audit_log ORDER BY id"
    ).fetchall()


def admin_of(ws: Workspace) -> Workspace:
    (admin_id,) = ws.db.execute(
        "SELECT e.id FROM employees e JOIN recruiting_roles r ON r.id = e.company_role_id"
        " WHERE r.name = 'Admin' ORDER BY e.id LIMIT 1"
    ).fetchone()
    return replace(ws, actor=get_employee(ws.db, admin_id))


@pytest.fixture
def admin(demo_workspace: Workspace) -> Workspace:
    return admin_of(demo_workspace)


def test_sqlite_refuses_to_change_or_remove_a_line(admin: Workspace) -> None:
    set_setting(admin, "company_name", "Acme")
    raw = sqlite3.connect(admin.db_path)  # not even a connection outside Panelist may
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("UPDATE audit_log SET actor_label = 'someone else'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("DELETE FROM audit_log")
    finally:
        raw.close()
    assert len(lines(admin)) == 1


def test_a_setting_is_one_line_by_its_admin(admin: Workspace) -> None:
    set_setting(admin, "company_name", "Acme")
    assert lines(admin) == [
        (
            admin.user.id,
            f"employee {admin.user.id}",
            admin.user.email,
            "setting",
            "setting company_name",
            'set to "Acme"',
        )
    ]


def test_a_refused_or_unknown_setting_writes_nothing(demo_workspace: Workspace) -> None:
    with pytest.raises(PermissionDenied):  # the recruiter is no Admin
        set_setting(demo_workspace, "company_name", "Hijacked")
    with pytest.raises(KeyError):
        set_setting(admin_of(demo_workspace), "no_such_setting", 1)
    assert lines(demo_workspace) == []


def test_a_secret_setting_value_never_reaches_the_log() -> None:
    assert audit.setting_detail("smtp_password", "hunter2") == (
        "changed (a secret: value not logged)"
    )
    assert "hunter2" not in audit.setting_detail("calendar_api_token", "hunter2")
    assert audit.setting_detail("smtp_port", 465) == "set to 465"


def test_a_template_is_one_line_and_a_broken_one_none(admin: Workspace) -> None:
    template_id = save_template(admin, "Warm welcome", "candidate_invitation", "Hello", BODY)
    with pytest.raises(ValidationError):
        save_template(admin, "Broken", "candidate_invitation", "Hello", "{{ candidate.name ")
    ((action, subject, detail),) = [row[3:] for row in lines(admin)]
    assert (action, subject) == ("template", "template 'Warm welcome'")
    assert detail == f"candidate_invitation, en, id {template_id}"


def test_an_import_is_one_line_and_a_refused_or_unchanged_one_none(
    admin: Workspace, tmp_path: Path
) -> None:
    rooms = tmp_path / "rooms.csv"
    rooms.write_text("name,capacity\nAttic,4\nCellar,2\n", encoding="utf-8")
    actor = audit.Actor.employee(admin.user)
    import_file(admin.db, "rooms", rooms, actor=actor)
    import_file(admin.db, "rooms", rooms, actor=actor)  # unchanged: nothing written
    bad = tmp_path / "bad.csv"
    bad.write_text("name,capacity\nLoft,many\n", encoding="utf-8")
    with pytest.raises(ImportFailed):
        import_file(admin.db, "rooms", bad, actor=actor)
    assert [row[:5] for row in lines(admin)] == [
        (
            admin.user.id,
            f"employee {admin.user.id}",
            admin.user.email,
            "import",
            "rooms from rooms.csv",
        )
    ]
    assert lines(admin)[0][5] == "2 created, 0 updated"


def test_an_import_without_a_user_names_the_os_account(admin: Workspace, tmp_path: Path) -> None:
    rooms = tmp_path / "rooms.csv"
    rooms.write_text("name,capacity\nAttic,4\n", encoding="utf-8")
    import_file(admin.db, "rooms", rooms)
    ((actor, label, email, action),) = [row[:4] for row in lines(admin)]
    assert (actor, label, email, action) == (
        None,
        f"OS account {getpass.getuser()!r}",
        None,
        "import",
    )


def test_acting_as_someone_else_is_an_identity_switch(
    demo_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, path = demo_workspace.db, demo_workspace.db_path
    me = demo_workspace.user
    db.execute("UPDATE employees SET os_user = ? WHERE id = ?", [getpass.getuser(), me.id])
    db.conn.commit()
    other = admin_of(demo_workspace).user
    monkeypatch.delenv(USER_ENV, raising=False)
    for as_email in (None, me.email):  # as oneself: no switch
        open_workspace(path, as_email, clock=demo_workspace.clock).close()
    open_workspace(path, other.email, clock=demo_workspace.clock).close()
    monkeypatch.setenv(USER_ENV, other.email)
    open_workspace(path, clock=demo_workspace.clock).close()
    subject = f"employee {other.id} ({other.email})"
    via = f"from OS account {getpass.getuser()!r}"
    assert lines(demo_workspace) == [
        (me.id, f"employee {me.id}", me.email, "identity switch", subject, f"via --as, {via}"),
        (
            me.id,
            f"employee {me.id}",
            me.email,
            "identity switch",
            subject,
            f"via {USER_ENV}, {via}",
        ),
    ]


def test_admins_read_newest_first_and_since(admin: Workspace) -> None:
    set_setting(admin, "company_name", "Acme")
    later = replace(admin, clock=FrozenClock(admin.clock.now() + timedelta(hours=2)))
    set_setting(later, "company_name", "Acme Two")
    entries = list_audit(admin)
    assert [e.detail for e in entries] == ['set to "Acme Two"', 'set to "Acme"']
    assert entries[0].who == f"{admin.user.email} (employee {admin.user.id})"
    since = parse_since("1h", admin.clock.now() + timedelta(hours=2), "UTC")
    assert [e.detail for e in list_audit(admin, since)] == ['set to "Acme Two"']


def test_only_admins_read_the_log(demo_workspace: Workspace) -> None:
    with pytest.raises(PermissionDenied):
        list_audit(demo_workspace)


def test_since_reads_dates_times_and_durations() -> None:
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert parse_since("7d", now, "UTC") == now - timedelta(days=7)
    assert parse_since("2w", now, "UTC") == now - timedelta(weeks=2)
    assert parse_since("2026-12-01", now, "Europe/Amsterdam") == datetime(
        2026, 11, 30, 23, 0, tzinfo=UTC
    )
    for bad in ("yesterday", "7x", "99999999999w", "2026-13-01"):
        with pytest.raises(ValidationError, match=f"since '{bad}': expected a date"):
            parse_since(bad, now, "UTC")
