"""Recruiting roles and the rights they carry (SPEC §7), enforced here, not in screens.

A user's rights on an application are the union of
- their company-wide role (`employees.company_role_id`),
- the role they hold for the application's job (`job_responsibles`),
- the role they have as a participant in one of its interviews.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable

from sqlite_utils import Database

from panelist.errors import PermissionDenied, ValidationError


class Right(enum.StrEnum):
    VIEW_ALL_APPLICATIONS = "view_all_applications"
    """See every application, whatever the job."""
    VIEW_APPLICATION = "view_application"
    """See an application (and its interviews) one is connected to by job or interview."""
    SCHEDULE_INTERVIEWS = "schedule_interviews"
    """Create, move and cancel interviews of applications one may see."""
    VIEW_EVALUATIONS = "view_evaluations"
    """Read the evaluations interviewers wrote."""
    CONFIGURE = "configure"
    """Admin: integrations, rooms, interview types, forms, templates, roles, imports."""


DEFAULT_ROLES: dict[str, tuple[Right, ...]] = {
    "Admin": tuple(Right),
    "Recruiter": (
        Right.VIEW_ALL_APPLICATIONS,
        Right.VIEW_APPLICATION,
        Right.SCHEDULE_INTERVIEWS,
        Right.VIEW_EVALUATIONS,
    ),
    "Hiring manager": (Right.VIEW_APPLICATION, Right.SCHEDULE_INTERVIEWS, Right.VIEW_EVALUATIONS),
    "Interviewer": (Right.VIEW_APPLICATION,),
    "Employee": (),
}


def parse_rights(raw: str) -> frozenset[Right]:
    return frozenset(Right(value) for value in json.loads(raw))


def dump_rights(rights: Iterable[Right]) -> str:
    return json.dumps(sorted(r.value for r in rights))


def company_rights(db: Database, employee_id: int) -> frozenset[Right]:
    row = db.execute(
        "SELECT r.rights FROM employees e JOIN recruiting_roles r ON r.id = e.company_role_id"
        " WHERE e.id = ?",
        [employee_id],
    ).fetchone()
    return parse_rights(row[0]) if row else frozenset()


def job_role_rights(db: Database, employee_id: int) -> dict[int, frozenset[Right]]:
    """The rights of the role the user holds for each job whose team they are in."""
    rows = db.execute(
        "SELECT jr.job_id, r.rights FROM job_responsibles jr"
        " JOIN recruiting_roles r ON r.id = jr.role_id WHERE jr.employee_id = ?",
        [employee_id],
    ).fetchall()
    return {int(job_id): parse_rights(raw) for job_id, raw in rows}


def _connected_rights(db: Database, employee_id: int, application_id: int) -> frozenset[Right]:
    """Rights from the roles a user holds for the application's job or its interviews."""
    rows = db.execute(
        """
        SELECT r.rights FROM applications a
          JOIN job_responsibles jr ON jr.job_id = a.job_id AND jr.employee_id = :user
          JOIN recruiting_roles r ON r.id = jr.role_id
         WHERE a.id = :app
        UNION ALL
        SELECT r.rights FROM interviews i
          JOIN interview_participants p ON p.interview_id = i.id AND p.employee_id = :user
          JOIN recruiting_roles r ON r.id = p.role_id
         WHERE i.application_id = :app
        """,
        {"user": employee_id, "app": application_id},
    ).fetchall()
    rights: set[Right] = set()
    for (raw,) in rows:
        rights |= parse_rights(raw)
    return frozenset(rights)


def application_rights(db: Database, employee_id: int, application_id: int) -> frozenset[Right]:
    return company_rights(db, employee_id) | _connected_rights(db, employee_id, application_id)


def can_view_application(db: Database, employee_id: int, application_id: int) -> bool:
    if Right.VIEW_ALL_APPLICATIONS in company_rights(db, employee_id):
        return True
    # Company-wide VIEW_APPLICATION alone does not open every application: the
    # connection must come from the job or an interview.
    return Right.VIEW_APPLICATION in _connected_rights(db, employee_id, application_id)


def visible_applications_sql(db: Database, employee_id: int) -> tuple[str, dict[str, object]]:
    """A WHERE clause over alias ``a`` (applications) selecting what this user may see."""
    if Right.VIEW_ALL_APPLICATIONS in company_rights(db, employee_id):
        return "1", {}
    # Any role held for the job or in an interview gives sight only if it grants viewing.
    clause = """(
        a.job_id IN (
            SELECT jr.job_id FROM job_responsibles jr JOIN recruiting_roles r ON r.id = jr.role_id
             WHERE jr.employee_id = :viewer
               AND EXISTS (SELECT 1 FROM json_each(r.rights) WHERE value = 'view_application'))
        OR a.id IN (
            SELECT i.application_id FROM interviews i
              JOIN interview_participants p ON p.interview_id = i.id
              JOIN recruiting_roles r ON r.id = p.role_id
             WHERE p.employee_id = :viewer
               AND EXISTS (SELECT 1 FROM json_each(r.rights) WHERE value = 'view_application'))
    )"""
    return clause, {"viewer": employee_id}


def require(
    db: Database, employee_id: int, right: Right, application_id: int | None = None
) -> None:
    """Raise `PermissionDenied` unless the user holds `right` (on the application, if given)."""
    if application_id is None:
        rights = company_rights(db, employee_id)
    else:
        rights = application_rights(db, employee_id, application_id)
    if right not in rights:
        raise PermissionDenied(f"your recruiting role does not allow this ({right.value})")


def admins(db: Database) -> frozenset[int]:
    """Active employees whose company role may configure Panelist."""
    rows = db.execute(
        "SELECT e.id FROM employees e JOIN recruiting_roles r ON r.id = e.company_role_id"
        " WHERE e.active AND EXISTS (SELECT 1 FROM json_each(r.rights) WHERE value = ?)",
        [Right.CONFIGURE.value],
    ).fetchall()
    return frozenset(employee_id for (employee_id,) in rows)


def keep_an_admin(db: Database, admins_before: frozenset[int]) -> None:
    """Refuse a change that removed or demoted the last Admin: call it inside the change's
    transaction, with `admins()` read before it, so raising rolls the change back."""
    if not admins_before or admins(db):
        return
    placeholders = ", ".join("?" * len(admins_before))
    emails = [
        email
        for (email,) in db.execute(
            f"SELECT email FROM employees WHERE id IN ({placeholders}) ORDER BY email",
            sorted(admins_before),
        ).fetchall()
    ]
    raise ValidationError(
        f"this would leave no Admin ({', '.join(emails)} would lose the role); "
        "keep at least one employee whose role may configure",
        field="role",
    )
