"""Rights come from recruiting roles and are enforced by core services, not screens."""

from datetime import UTC, datetime

import pytest
from sqlite_utils import Database

from panelist.clock import FrozenClock
from panelist.errors import NotFound, PermissionDenied
from panelist.models import WorkingHours
from panelist.permissions import Right, can_view_application, require
from panelist.services.applications import ApplicationFilter, get_application, list_applications
from panelist.services.directory import get_employee
from panelist.services.interviews import interviews_for_application
from panelist.workspace import Workspace

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def role(db: Database, name: str) -> int:
    return db.execute("SELECT id FROM recruiting_roles WHERE name = ?", [name]).fetchone()[0]


def employee(db: Database, email: str, company_role: str | None = None) -> int:
    return (
        db["employees"]
        .insert(
            {
                "email": email,
                "name": email.split("@")[0].title(),
                "timezone": "Europe/Amsterdam",
                "working_hours": WorkingHours.office().to_json(),
                "company_role_id": role(db, company_role) if company_role else None,
            }
        )
        .last_pk
    )


@pytest.fixture
def company(db: Database) -> dict[str, int]:
    ids = {
        "admin": employee(db, "admin@example.com", "Admin"),
        "recruiter": employee(db, "recruiter@example.com", "Recruiter"),
        "manager": employee(db, "manager@example.com", "Employee"),
        "interviewer": employee(db, "interviewer@example.com", "Employee"),
        "outsider": employee(db, "outsider@example.com", "Employee"),
    }
    ids["job_a"] = db["jobs"].insert({"title": "Chef"}).last_pk
    ids["job_b"] = db["jobs"].insert({"title": "Pilot"}).last_pk
    db["job_responsibles"].insert(
        {
            "job_id": ids["job_a"],
            "employee_id": ids["manager"],
            "role_id": role(db, "Hiring manager"),
        }
    )
    for n, job in enumerate(("job_a", "job_a", "job_b")):
        cand = db["candidates"].insert({"name": f"Cand {n}", "email": f"c{n}@example.org"}).last_pk
        ids[f"app{n}"] = (
            db["applications"]
            .insert(
                {
                    "candidate_id": cand,
                    "job_id": ids[job],
                    "stage": "interview",
                    "applied_on": "2026-11-01",
                }
            )
            .last_pk
        )
    interview = (
        db["interviews"]
        .insert(
            {
                "application_id": ids["app1"],
                "organiser_id": ids["manager"],
                "method": "phone",
                "start_utc": "2026-11-20T09:00:00+00:00",
                "end_utc": "2026-11-20T10:00:00+00:00",
                "timezone": "Europe/Amsterdam",
                "created_at": "x",
                "updated_at": "x",
            }
        )
        .last_pk
    )
    db["interview_participants"].insert(
        {
            "interview_id": interview,
            "employee_id": ids["interviewer"],
            "role_id": role(db, "Interviewer"),
        }
    )
    return ids


def workspace(db: Database, employee_id: int) -> Workspace:
    return Workspace(db, None, None, FrozenClock(NOW), get_employee(db, employee_id))  # type: ignore[arg-type]


def visible(db: Database, employee_id: int) -> list[int]:
    return sorted(a.id for a in list_applications(workspace(db, employee_id)))


def test_who_sees_which_applications(db: Database, company: dict[str, int]) -> None:
    everything = sorted([company["app0"], company["app1"], company["app2"]])
    assert visible(db, company["admin"]) == everything
    assert visible(db, company["recruiter"]) == everything
    assert visible(db, company["manager"]) == sorted([company["app0"], company["app1"]])
    assert visible(db, company["interviewer"]) == [company["app1"]]
    assert visible(db, company["outsider"]) == []


def test_hidden_application_is_not_found_rather_than_forbidden(
    db: Database, company: dict[str, int]
) -> None:
    ws = workspace(db, company["interviewer"])
    assert get_application(ws, company["app1"]).candidate_name == "Cand 1"
    for app in ("app0", "app2"):
        with pytest.raises(NotFound):
            get_application(ws, company[app])
        with pytest.raises(NotFound):
            interviews_for_application(ws, company[app])


def test_interviews_of_a_visible_application_have_derived_status(
    db: Database, company: dict[str, int]
) -> None:
    [interview] = interviews_for_application(workspace(db, company["interviewer"]), company["app1"])
    assert interview.status.label == "Closed"  # stored scheduled, ended before the frozen now
    assert [p.role for p in interview.participants] == ["Interviewer"]


def test_rights_on_an_application(db: Database, company: dict[str, int]) -> None:
    require(db, company["manager"], Right.SCHEDULE_INTERVIEWS, company["app0"])
    with pytest.raises(PermissionDenied, match="schedule_interviews"):
        require(db, company["interviewer"], Right.SCHEDULE_INTERVIEWS, company["app1"])
    with pytest.raises(PermissionDenied):
        require(db, company["recruiter"], Right.CONFIGURE)
    require(db, company["admin"], Right.CONFIGURE)
    assert not can_view_application(db, company["manager"], company["app2"])


def test_filters(db: Database, company: dict[str, int]) -> None:
    ws = workspace(db, company["admin"])
    assert [a.id for a in list_applications(ws, ApplicationFilter(job_id=company["job_b"]))] == [
        company["app2"]
    ]
    assert [
        a.candidate_name for a in list_applications(ws, ApplicationFilter(search="cand 0"))
    ] == ["Cand 0"]
    assert list_applications(ws, ApplicationFilter(search="%")) != []  # LIKE wildcard is harmless
