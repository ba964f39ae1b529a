"""A company set up from an empty database (issue 17): the first Admin, jobs, and
applications typed in by a recruiter. Bad input is one line and saves nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from panelist.clock import FrozenClock
from panelist.errors import PermissionDenied, ValidationError
from panelist.plugins import PluginRegistry
from panelist.services import applications as apps
from panelist.services import configuration as cfg
from panelist.services.directory import find_employee_by_os_user, get_employee, get_setting
from panelist.workspace import FIRST_RUN, Workspace, open_workspace

NOW = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # any instant: the clock is injected
ADA = cfg.FirstAdmin("Acme", "Europe/Amsterdam", "Ada Admin", "ada@acme.example")


@pytest.fixture
def first_run(tmp_path: Path, registry: PluginRegistry) -> Iterator[Workspace]:
    ws = open_workspace(
        tmp_path / "new.db", clock=FrozenClock(NOW), registry=registry, first_run=True
    )
    yield ws
    ws.close()


def test_an_empty_database_opens_as_the_first_run(first_run: Workspace) -> None:
    assert first_run.system is not None and first_run.system.duty == FIRST_RUN
    with pytest.raises(PermissionDenied):
        first_run.user  # noqa: B018 (no person acts yet)


def test_the_first_admin_is_mapped_to_the_os_account_and_may_configure(
    first_run: Workspace,
) -> None:
    admin = cfg.create_first_admin(first_run, ADA, "ada")
    db = first_run.db
    assert find_employee_by_os_user(db, "ada") == admin
    assert get_setting(db, "company_name") == "Acme"
    assert get_setting(db, "company_timezone") == "Europe/Amsterdam"
    ws = replace(first_run, actor=admin)
    assert cfg.company_settings(ws)["company_name"] == "Acme"  # the Configure right
    (who, subject, detail) = db.execute(
        "SELECT actor_label, subject, detail FROM audit_log"
    ).fetchone()
    assert "ada" in who and "ada@acme.example" in subject and "first Admin of Acme" in detail


def test_a_second_first_admin_is_refused(first_run: Workspace) -> None:
    cfg.create_first_admin(first_run, ADA, "ada")
    with pytest.raises(PermissionDenied, match="has people already"):
        cfg.create_first_admin(first_run, replace(ADA, email="eve@acme.example"), "eve")
    assert first_run.db.execute("SELECT count(*) FROM employees").fetchone() == (1,)


def test_an_employee_cannot_make_a_first_admin(demo_workspace: Workspace) -> None:
    with pytest.raises(PermissionDenied, match="first run"):
        cfg.create_first_admin(demo_workspace, ADA, "ada")


@pytest.mark.parametrize(
    ("wanted", "words"),
    [
        (replace(ADA, timezone="Europe/Amsterdm"), "unknown zone"),
        (replace(ADA, name="Ada\x1b[2J"), "name"),
        (replace(ADA, email="ada at acme"), "not an email address"),
        (replace(ADA, company="  "), "company name"),
    ],
)
def test_bad_first_admin_input_saves_nothing(
    first_run: Workspace, wanted: cfg.FirstAdmin, words: str
) -> None:
    with pytest.raises(ValidationError, match=words):
        cfg.create_first_admin(first_run, wanted, "ada")
    db = first_run.db
    assert db.execute("SELECT count(*) FROM employees").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM settings").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM audit_log").fetchone() == (0,)


@pytest.fixture
def acme(first_run: Workspace) -> Workspace:
    return replace(first_run, actor=cfg.create_first_admin(first_run, ADA, "ada"))


def test_jobs_are_added_changed_and_closed(acme: Workspace) -> None:
    job = cfg.save_job(acme, cfg.JobInput("Backend engineer", "Engineering", "Utrecht"))
    cfg.save_job(acme, cfg.JobInput("Data engineer", id=None))
    cfg.save_job(acme, cfg.JobInput("Backend engineer (Go)", "Engineering", "Utrecht", False, job))
    rows = cfg.list_job_rows(acme)
    assert [(r.title, r.open) for r in rows] == [
        ("Data engineer", True),
        ("Backend engineer (Go)", False),
    ]
    assert apps.jobs_open_to(acme) == [(rows[0].id, "Data engineer")]
    with pytest.raises(ValidationError, match="title"):
        cfg.save_job(acme, cfg.JobInput("\x07"))


def test_a_recruiter_adds_an_application_and_sees_it(acme: Workspace) -> None:
    job = cfg.save_job(acme, cfg.JobInput("Backend engineer"))
    added = apps.add_application(
        acme, apps.NewApplication(job, "Noor Visser", "noor@mail.example", "Asia/Tokyo")
    )
    seen = apps.get_application(acme, added)
    assert (seen.candidate_name, seen.job_title, seen.applied_on) == (
        "Noor Visser",
        "Backend engineer",
        NOW.date().isoformat(),
    )
    # The same person for another job: the candidate is found by email.
    other = cfg.save_job(acme, cfg.JobInput("Data engineer"))
    apps.add_application(acme, apps.NewApplication(other, "noor visser", "NOOR@mail.example"))
    assert acme.db.execute("SELECT count(*) FROM candidates").fetchone() == (1,)


@pytest.mark.parametrize(
    ("name", "email", "zone", "words"),
    [
        ("Noor", "noor@mail.example", "", "applied for this job already"),
        ("Someone Else", "noor@mail.example", "", "belongs to the candidate"),
        ("Eve", "eve", "", "not an email address"),
        ("Eve", "eve@mail.example", "Mars/Base", "unknown zone"),
        ("Eve\r\nBcc: x@evil.example", "eve@mail.example", "", "name"),
    ],
)
def test_bad_applications_are_refused_whole(
    acme: Workspace, name: str, email: str, zone: str, words: str
) -> None:
    job = cfg.save_job(acme, cfg.JobInput("Backend engineer"))
    apps.add_application(acme, apps.NewApplication(job, "Noor", "noor@mail.example"))
    before = acme.db.execute("SELECT count(*) FROM applications, candidates").fetchone()
    with pytest.raises(ValidationError, match=words):
        apps.add_application(acme, apps.NewApplication(job, name, email, zone))
    after = acme.db.execute("SELECT count(*) FROM applications, candidates").fetchone()
    assert after == before


def test_closed_jobs_and_employees_without_the_right_are_refused(acme: Workspace) -> None:
    job = cfg.save_job(acme, cfg.JobInput("Backend engineer"))
    cfg.save_job(acme, cfg.JobInput("Backend engineer", open=False, id=job))
    with pytest.raises(ValidationError, match="open job"):
        apps.add_application(acme, apps.NewApplication(job, "Noor", "noor@mail.example"))
    interviewer_role = acme.db.execute(
        "SELECT id FROM recruiting_roles WHERE name = 'Interviewer'"
    ).fetchone()[0]
    person = cfg.save_person(
        acme,
        cfg.PersonInput("Ivo", "ivo@acme.example", "UTC", "", company_role_id=interviewer_role),
    )
    ivo = replace(acme, actor=get_employee(acme.db, person))
    open_job = cfg.save_job(acme, cfg.JobInput("Data engineer"))
    assert apps.jobs_open_to(ivo) == []
    with pytest.raises(PermissionDenied):
        apps.add_application(ivo, apps.NewApplication(open_job, "Noor", "noor@mail.example"))
    # Made a hiring manager of that job, Ivo may.
    manager = acme.db.execute(
        "SELECT id FROM recruiting_roles WHERE name = 'Hiring manager'"
    ).fetchone()[0]
    cfg.set_job_role(acme, open_job, person, manager)
    assert apps.jobs_open_to(ivo) == [(open_job, "Data engineer")]
    apps.add_application(ivo, apps.NewApplication(open_job, "Noor", "noor@mail.example"))
