"""Message templates in the settings (issue 17, item 1, templates): per purpose and language,
the placeholders listed, a live preview for a real application in the candidate's zone,
and a save refused, naming part and line, when the template does not render."""

from __future__ import annotations

from dataclasses import replace

import pytest

from panelist.errors import PermissionDenied, ValidationError
from panelist.mail.templates import placeholders_for
from panelist.models import InterviewStatus
from panelist.services.applications import list_applications
from panelist.services.directory import get_employee
from panelist.services.interview_form import candidate_timezone
from panelist.services.interviews import interviews_for_application
from panelist.services.templates import list_templates, preview_template, save_template
from panelist.workspace import Workspace

BODY = "Dear {{ candidate.name }},\n\nSee you {{ interview.start_candidate }}.\n"


@pytest.fixture
def admin(demo_workspace: Workspace) -> Workspace:
    (admin_id,) = demo_workspace.db.execute(
        "SELECT e.id FROM employees e JOIN recruiting_roles r ON r.id = e.company_role_id"
        " WHERE r.name = 'Admin' ORDER BY e.id LIMIT 1"
    ).fetchone()
    return replace(demo_workspace, actor=get_employee(demo_workspace.db, admin_id))


def audit_count(ws: Workspace) -> int:
    return int(ws.db.execute("SELECT count(*) FROM audit_log").fetchone()[0])


def test_templates_are_kept_per_purpose_and_language(admin: Workspace) -> None:
    before = len(list_templates(admin))
    template_id = save_template(
        admin, "Uitnodiging", "candidate_invitation", "Uitnodiging", BODY, "nl"
    )
    stored = {t.id: t for t in list_templates(admin)}
    assert len(stored) == before + 1
    assert (stored[template_id].purpose, stored[template_id].language) == (
        "candidate_invitation",
        "nl",
    )
    with pytest.raises(ValidationError, match="language 'Dutch'") as refused:
        save_template(admin, "Other", "candidate_invitation", "Hi", BODY, "Dutch")
    assert refused.value.field == "language"


@pytest.mark.parametrize(
    ("subject", "body", "words"),
    [
        ("Hello", "Line one\n{{ interview.video_link[999] }}\n", "body line 2"),
        ("Hello", "Line one\n{{ candidate.name ", "body line 2: syntax error"),
        ("Hello", "Fine\n\n{{ interviewer.name }}\n", "body line 3: placeholder 'interviewer'"),
        ("{{ 1 / 0 }}", "Fine", "subject: division by zero"),
        ("Hello", "{% for i in range(5000) %}x{% endfor %}", "body"),
    ],
)
def test_a_template_that_does_not_render_is_not_saved_and_the_line_is_named(
    admin: Workspace, subject: str, body: str, words: str
) -> None:
    before, lines = len(list_templates(admin)), audit_count(admin)
    with pytest.raises(ValidationError, match=words):
        save_template(admin, "Broken", "candidate_invitation", subject, body)
    assert len(list_templates(admin)) == before and audit_count(admin) == lines


def test_the_placeholders_of_a_purpose_are_listed() -> None:
    invitation = dict(placeholders_for("candidate_invitation"))
    assert "interview.start_candidate" in invitation and "candidate.name" in invitation
    assert "interviewer.name" not in invitation and "previous.start_candidate" not in invitation
    assert "previous.start_candidate" in dict(placeholders_for("candidate_reschedule"))
    assert "form.name" in dict(placeholders_for("evaluation_reminder"))


def test_the_preview_is_for_a_real_application_in_the_candidates_zone(admin: Workspace) -> None:
    with_interview = next(
        a
        for a in list_applications(admin)
        if candidate_timezone(admin, a.id)
        and any(
            i.status is InterviewStatus.SCHEDULED and i.end > admin.clock.now()
            for i in interviews_for_application(admin, a.id)
        )
    )
    zone = candidate_timezone(admin, with_interview.id)
    preview = preview_template(
        admin, "candidate_invitation", "For {{ job.title }}", BODY, with_interview.id
    )
    assert preview.zone == zone and f"({zone})" in preview.message.text
    assert preview.message.text.startswith(f"Dear {with_interview.candidate_name},")
    assert preview.message.subject == f"For {with_interview.job_title}"
    assert preview.interview != "a sample time"

    without = next(a for a in list_applications(admin) if not a.interview_count)
    sample = preview_template(admin, "candidate_invitation", "Hi", BODY, without.id)
    assert sample.interview == "a sample time"
    with pytest.raises(ValidationError, match="body line 2"):
        preview_template(admin, "candidate_invitation", "Hi", "x\n{{ nope }}", without.id)


def test_a_recruiter_may_not_list_preview_or_save(demo_workspace: Workspace) -> None:
    ws = demo_workspace  # Rosa, a Recruiter
    application = list_applications(ws)[0]
    with pytest.raises(PermissionDenied):
        list_templates(ws)
    with pytest.raises(PermissionDenied):
        preview_template(ws, "candidate_invitation", "Hi", BODY, application.id)
    with pytest.raises(PermissionDenied):
        save_template(ws, "Mine", "candidate_invitation", "Hi", BODY)


def test_a_template_that_does_not_render_for_the_previewed_application_is_not_saved(
    admin: Workspace,
) -> None:
    without = next(a for a in list_applications(admin) if not a.interview_count)
    body = "Dear {{ candidate.name }},\n{{ interview.location[0] }}\n"  # empty for video
    with pytest.raises(ValidationError, match="body line 2"):
        save_template(admin, "Room", "candidate_invitation", "Hi", body, application_id=without.id)
    assert "Room" not in {t.name for t in list_templates(admin)}
    save_template(admin, "Room", "candidate_invitation", "Hi", body)  # sample data has one


def test_a_template_is_renamed_in_place_and_a_taken_name_refused(admin: Workspace) -> None:
    first = save_template(admin, "First", "candidate_invitation", "Hi", BODY)
    save_template(admin, "Second", "candidate_invitation", "Hi", BODY)
    assert save_template(admin, "Renamed", "candidate_invitation", "Hi", BODY, template_id=first)
    names = {t.id: t.name for t in list_templates(admin)}
    assert names[first] == "Renamed" and "First" not in names.values()
    with pytest.raises(ValidationError, match="another template is named 'Second'"):
        save_template(admin, "Second", "candidate_invitation", "Hi", BODY, template_id=first)
