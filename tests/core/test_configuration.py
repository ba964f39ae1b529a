"""Configuring the company (issue 17, item 1): validated, one transaction, audited, and
for Admins only. Bad input is refused with one line and nothing is saved."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from panelist.errors import PermissionDenied, ValidationError
from panelist.permissions import Right
from panelist.services import configuration as cfg
from panelist.services.directory import get_employee
from panelist.workspace import Workspace


@pytest.fixture
def admin(demo_workspace: Workspace) -> Workspace:
    (admin_id,) = demo_workspace.db.execute(
        "SELECT e.id FROM employees e JOIN recruiting_roles r ON r.id = e.company_role_id"
        " WHERE r.name = 'Admin' ORDER BY e.id LIMIT 1"
    ).fetchone()
    return replace(demo_workspace, actor=get_employee(demo_workspace.db, admin_id))


def state(ws: Workspace) -> tuple[Any, ...]:
    db = ws.db
    return tuple(
        db.execute(f"SELECT * FROM {table}").fetchall()
        for table in (
            "settings",
            "interview_types",
            "evaluation_forms",
            "rooms",
            "employees",
            "recruiting_roles",
            "provider_settings",
            "job_responsibles",
            "audit_log",
        )
    )


def audit_subjects(ws: Workspace) -> list[str]:
    return [s for (s,) in ws.db.execute("SELECT subject FROM audit_log ORDER BY id")]


def refused(ws: Workspace, call: Any, *words: str) -> ValidationError:
    before = state(ws)
    with pytest.raises(ValidationError) as caught:
        result = call()
        if asyncio.iscoroutine(result):
            asyncio.run(result)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message
    assert state(ws) == before, "a refused change saved something"
    return caught.value


# ----------------------------------------------------------------- company


def test_company_settings_are_saved_with_one_audit_line_each(admin: Workspace) -> None:
    changed = cfg.save_company_settings(
        admin,
        {
            "company_timezone": "Europe/London",
            "holiday_country": "be",
            "show_private_event_names": True,
            "company_name": cfg.company_settings(admin)["company_name"],  # unchanged: no line
        },
    )
    assert changed == {
        "company_timezone": "Europe/London",
        "holiday_country": "BE",
        "show_private_event_names": True,
    }
    settings = cfg.company_settings(admin)
    assert settings["holiday_country"] == "BE"
    assert audit_subjects(admin)[-3:] == [
        "setting company_timezone",
        "setting holiday_country",
        "setting show_private_event_names",
    ]


@pytest.mark.parametrize(
    ("values", "word"),
    [
        ({"company_timezone": "Mars/Olympus"}, "unknown zone"),
        ({"holiday_country": "XX"}, "holiday country"),
        ({"mail_transport": "pigeon"}, "mail transport"),
        ({"smtp_port": "99999"}, "SMTP port"),
        ({"company_name": "  "}, "must not be empty"),
        ({"mail_transport": "smtp", "smtp_host": ""}, "SMTP server"),
        ({"company_timezone": "Europe/London", "holiday_country": "XX"}, "holiday"),
    ],
)
def test_bad_company_settings_save_nothing(
    admin: Workspace, values: dict[str, Any], word: str
) -> None:
    refused(admin, lambda: cfg.save_company_settings(admin, values), word)


# ----------------------------------------------------------------- interview types


def test_an_interview_type_is_created_and_changed(admin: Workspace) -> None:
    forms = cfg.list_evaluation_forms(admin)
    wanted = cfg.InterviewTypeInput("Deep dive", "90", "video", forms[0].id)
    type_id = cfg.save_interview_type(admin, wanted)
    cfg.save_interview_type(admin, replace(wanted, id=type_id, duration_minutes=45))
    row = next(t for t in cfg.list_interview_types(admin) if t.id == type_id)
    assert (row.name, row.duration_minutes, row.method.value) == ("Deep dive", 45, "video")
    assert row.evaluation_form_name == forms[0].name
    assert audit_subjects(admin)[-2:] == ["interview type 'Deep dive'"] * 2


@pytest.mark.parametrize(
    ("minutes", "word"), [("0", "outside 5–1440"), ("10000", "outside"), ("1h", "not a number")]
)
def test_a_duration_out_of_range_is_refused(admin: Workspace, minutes: str, word: str) -> None:
    wanted = cfg.InterviewTypeInput("Too long", minutes, "phone")
    error = refused(admin, lambda: cfg.save_interview_type(admin, wanted), word)
    assert error.field == "duration"


def test_a_types_reminder_is_kept_and_offered_by_the_interview_form(admin: Workspace) -> None:
    from panelist.services.interview_form import form_choices

    form_id = cfg.list_evaluation_forms(admin)[0].id
    wanted = cfg.InterviewTypeInput("Pairing", "60", "video", form_id, reminder_hours="1.5")
    type_id = cfg.save_interview_type(admin, wanted)
    row = next(t for t in cfg.list_interview_types(admin) if t.id == type_id)
    assert row.reminder_after_minutes == 90
    (application_id,) = admin.db.execute("SELECT id FROM applications LIMIT 1").fetchone()
    offered = next(t for t in form_choices(admin, application_id).types if t.id == type_id)
    assert offered.reminder_after_minutes == 90


@pytest.mark.parametrize(
    ("hours", "form", "word"),
    [("soon", True, "not a number"), ("9999", True, "outside"), ("2", False, "evaluation form")],
)
def test_a_bad_reminder_is_refused(admin: Workspace, hours: str, form: bool, word: str) -> None:
    form_id = cfg.list_evaluation_forms(admin)[0].id if form else None
    wanted = cfg.InterviewTypeInput("Pairing", "60", "video", form_id, reminder_hours=hours)
    refused(admin, lambda: cfg.save_interview_type(admin, wanted), word)


def test_a_type_name_taken_is_refused(admin: Workspace) -> None:
    taken = cfg.list_interview_types(admin)[0].name
    wanted = cfg.InterviewTypeInput(taken, "30", "phone")
    refused(admin, lambda: cfg.save_interview_type(admin, wanted), "another interview type")


# ----------------------------------------------------------------- evaluation forms


def test_an_evaluation_form_keeps_its_questions_in_order(admin: Workspace) -> None:
    form_id = cfg.save_evaluation_form(admin, "Pairing review", "Code?\n\n  Tests?\nTalk?\n")
    cfg.save_evaluation_form(admin, "Pairing review", ["Talk?", "Code?"], form_id)
    form = next(f for f in cfg.list_evaluation_form_rows(admin) if f.id == form_id)
    assert (form.questions, form.used_by) == (("Talk?", "Code?"), 0)
    assert audit_subjects(admin)[-1] == "evaluation form 'Pairing review'"


@pytest.mark.parametrize(
    ("questions", "word"),
    [("", "at least one"), ("Why?\nWhy?", "asked twice"), (["a\x07b"], "control character")],
)
def test_bad_evaluation_forms_are_refused(admin: Workspace, questions: Any, word: str) -> None:
    refused(admin, lambda: cfg.save_evaluation_form(admin, "Pairing", questions), word)


def test_reminder_defaults_are_checked_and_kept(admin: Workspace) -> None:
    saved = cfg.save_reminder_defaults(admin, "2", "48", "2")
    assert saved == cfg.ReminderDefaults(2.0, 48.0, 2)
    refused(admin, lambda: cfg.save_reminder_defaults(admin, "2", "0", "2"), "repeat every")
    refused(admin, lambda: cfg.save_reminder_defaults(admin, "2", "24", "40"), "1 to 20")


# ----------------------------------------------------------------- rooms


def test_a_room_is_created_not_integrated(admin: Workspace) -> None:
    room_id = cfg.save_room(admin, cfg.RoomInput("Attic", "4", "Floor 5"))
    room = next(r for r in cfg.list_rooms(admin) if r.id == room_id)
    assert (room.capacity, room.location, room.calendar_provider) == (4, "Floor 5", None)


def test_a_rooms_calendar_is_listed_by_the_provider_and_not_shared(admin: Workspace) -> None:
    listed = asyncio.run(cfg.provider_rooms(admin, "local"))
    taken = listed[0]
    assert taken.name in [room.name for room in cfg.list_rooms(admin)]
    wanted = cfg.RoomInput("Attic", "4", "", "local", taken.calendar_id)
    refused(admin, lambda: cfg.save_room(admin, wanted), "already uses it")


@pytest.mark.parametrize(
    ("room", "word"),
    [
        (cfg.RoomInput("Attic", "-1"), "capacity"),
        (cfg.RoomInput("Attic", "0"), "capacity"),
        (cfg.RoomInput("", "3"), "name"),
        (cfg.RoomInput("Attic", "3", calendar_provider="nope", calendar_id="x"), "not installed"),
        (cfg.RoomInput("Attic", "3", calendar_provider="local"), "calendar"),
        (cfg.RoomInput("Attic", "3", calendar_id="x"), "provider"),
    ],
)
def test_bad_rooms_are_refused(admin: Workspace, room: cfg.RoomInput, word: str) -> None:
    refused(admin, lambda: cfg.save_room(admin, room), word)


# ----------------------------------------------------------------- people


def test_working_hours_lines_parse() -> None:
    hours = cfg.parse_working_hours("Mon-Thu 09:00-17:00; Fri 9:00–12:00, 13:00-15:00")
    assert hours.describe() == (
        "Mon 09:00–17:00; Tue 09:00–17:00; Wed 09:00–17:00; Thu 09:00–17:00; "
        "Fri 09:00–12:00, 13:00–15:00"
    )
    assert cfg.parse_working_hours(hours.describe()) == hours
    assert cfg.parse_working_hours("none").describe() == "no working hours"


@pytest.mark.parametrize(
    "line", ["Mon-Fri 9 to 5", "Funday 09:00-17:00", "Fri-Mon 09:00-17:00", "Mon 17:00-09:00"]
)
def test_a_working_hours_line_that_does_not_parse_is_refused(admin: Workspace, line: str) -> None:
    person = cfg.list_people(admin)[0].employee
    wanted = cfg.PersonInput(
        person.name,
        person.email,
        person.timezone,
        line,
        id=person.id,
        company_role_id=person.company_role_id,
    )
    error = refused(admin, lambda: cfg.save_person(admin, wanted), "working hours")
    assert error.field == "working_hours"


def test_a_person_is_created_with_a_calendar_and_read_now(admin: Workspace) -> None:
    person_id = cfg.save_person(
        admin,
        cfg.PersonInput(
            "Nina New",
            "nina@example.com",
            "Europe/Amsterdam",
            "Mon-Fri 08:30-16:30",
            "local",
            "nina@example.com",
        ),
    )
    nina = get_employee(admin.db, person_id)
    assert (nina.calendar_provider, nina.working_hours.describe()[:15]) == (
        "local",
        "Mon 08:30–16:30",
    )
    result = asyncio.run(cfg.read_calendar_now(admin, person_id))
    assert result.ok, result.message
    assert result.message.startswith("Nina New: read 0 events")
    cfg.save_person(admin, cfg.PersonInput("Nina New", "nina@example.com", "UTC", "", id=person_id))
    result = asyncio.run(cfg.read_calendar_now(admin, person_id))
    assert (result.ok, result.message) == (False, "Nina New: calendar not integrated")


def test_the_last_admin_keeps_the_role(admin: Workspace) -> None:
    employee_role = next(r.id for r in cfg.list_roles(admin) if r.name == "Employee")
    admins = [p.employee for p in cfg.list_people(admin) if p.role_name == "Admin"]
    first, *others = admins
    for other in others:
        cfg.save_person(
            admin,
            cfg.PersonInput(
                other.name,
                other.email,
                other.timezone,
                other.working_hours.describe(),
                other.calendar_provider,
                other.calendar_id,
                employee_role,
                other.id,
            ),
        )
    last = cfg.PersonInput(
        first.name,
        first.email,
        first.timezone,
        first.working_hours.describe(),
        first.calendar_provider,
        first.calendar_id,
        employee_role,
        first.id,
    )
    refused(admin, lambda: cfg.save_person(admin, last), "no Admin")


# ----------------------------------------------------------------- roles


def test_a_role_that_leaves_no_one_to_configure_is_refused(admin: Workspace) -> None:
    role = next(r for r in cfg.list_roles(admin) if r.name == "Admin")
    fewer = role.rights - {Right.CONFIGURE}
    error = refused(admin, lambda: cfg.save_role(admin, "Admin", fewer, role.id), "no Admin")
    assert error.field == "rights"


def test_roles_are_created_and_people_made_responsible_for_jobs(admin: Workspace) -> None:
    role_id = cfg.save_role(admin, "Sourcer", {Right.VIEW_APPLICATION})
    assert next(r for r in cfg.list_roles(admin) if r.id == role_id).rights == {
        Right.VIEW_APPLICATION
    }
    (job_id,) = admin.db.execute("SELECT id FROM jobs LIMIT 1").fetchone()
    cfg.set_job_role(admin, job_id, admin.user.id, role_id)
    assert admin.db.execute(
        "SELECT role_id FROM job_responsibles WHERE job_id = ? AND employee_id = ?",
        [job_id, admin.user.id],
    ).fetchone() == (role_id,)
    held = [(j.job_id, j.employee_id, j.role_name) for j in cfg.list_job_roles(admin)]
    assert (job_id, admin.user.id, "Sourcer") in held
    assert job_id in [job.id for job in cfg.list_jobs(admin)]
    cfg.set_job_role(admin, job_id, admin.user.id, None)
    refused(admin, lambda: cfg.save_role(admin, "Sourcer", set(), role_id=1), "another role")


# ----------------------------------------------------------------- integrations


def test_integrations_list_declared_options(admin: Workspace) -> None:
    caldav = next(i for i in cfg.list_integrations(admin) if i.provider_id == "caldav")
    names = [state.option.name for state in caldav.options]
    assert names[:3] == ["url", "username", "password"]
    assert caldav.kind == "calendar"


@pytest.mark.usefixtures("memory_keyring")
def test_a_pasted_secret_loses_its_trailing_newline(admin: Workspace, memory_keyring: Any) -> None:
    cfg.save_integration(
        admin,
        "caldav",
        {"url": "https://dav.example.com/", "username": "panelist"},
        {"password": "s3cret\n"},
    )
    assert memory_keyring.kept[("panelist", "caldav:password")] == "s3cret"
    caldav = next(i for i in cfg.list_integrations(admin) if i.provider_id == "caldav")
    password = next(s for s in caldav.options if s.option.name == "password")
    assert password.secret_kept and password.value is None
    (detail,) = admin.db.execute(
        "SELECT detail FROM audit_log WHERE subject = 'provider caldav'"
    ).fetchone()
    assert "s3cret" not in detail and "password kept in the keyring" in detail


@pytest.mark.usefixtures("memory_keyring")
def test_bad_integration_values_save_nothing(admin: Workspace, memory_keyring: Any) -> None:
    good = {"url": "https://dav.example.com/", "username": "panelist"}
    refused(
        admin,
        lambda: cfg.save_integration(admin, "caldav", good, {"password": "a\nb"}),
        "line break",
    )
    refused(
        admin,
        lambda: cfg.save_integration(admin, "caldav", {**good, "timeout": "soon"}, {}),
        "whole number",
    )
    refused(
        admin,
        lambda: cfg.save_integration(admin, "caldav", {**good, "url": "dav.example.com"}),
        "URL",
    )
    assert memory_keyring.kept == {}


@pytest.mark.usefixtures("memory_keyring")
def test_check_runs_the_providers_doctor_lines(admin: Workspace) -> None:
    lines = asyncio.run(cfg.check_integration(admin, "local"))
    assert lines and all(status in ("ok", "warn", "fail") for status, _ in lines)


# ----------------------------------------------------------------- rights


def test_a_recruiter_is_refused_everything(demo_workspace: Workspace) -> None:
    rosa = demo_workspace  # a Recruiter
    before = state(rosa)
    calls = [
        lambda: cfg.company_settings(rosa),
        lambda: cfg.save_company_settings(rosa, {"company_name": "Hijacked"}),
        lambda: cfg.list_interview_types(rosa),
        lambda: cfg.save_interview_type(rosa, cfg.InterviewTypeInput("X", "30", "phone")),
        lambda: cfg.save_room(rosa, cfg.RoomInput("X", "3")),
        lambda: cfg.list_people(rosa),
        lambda: cfg.save_role(rosa, "Recruiter", set(Right)),
        lambda: cfg.list_integrations(rosa),
        lambda: cfg.save_integration(rosa, "caldav", {"url": "https://evil.example/"}),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert state(rosa) == before
