"""The demo company on a frozen clock, opened as its recruiter Rosa Jansen.

The demo is built once per test session and copied for each test, so a test may
change its database (as another terminal session would) without touching others.
"""

from __future__ import annotations

import pytest

from panelist.models import ApplicationSummary, InterviewStatus
from panelist.services.applications import list_applications
from panelist.services.interview_form import form_choices
from panelist.services.interviews import interviews_for_application
from panelist.workspace import Workspace


@pytest.fixture
def workspace(demo_workspace: Workspace) -> Workspace:
    """The demo (see tests/conftest.py), a fresh copy per test, as Rosa Jansen."""
    return demo_workspace


def _first_with(
    ws: Workspace, wanted: set[InterviewStatus], warned: bool = False
) -> ApplicationSummary:
    """The first listed application with interviews in `wanted` statuses (and, if `warned`,
    a participant whose calendar is not integrated)."""
    for application in list_applications(ws):
        if not application.interview_count:
            continue
        interviews = interviews_for_application(ws, application.id)
        if not wanted <= {i.status for i in interviews}:
            continue
        if warned and all(p.calendar_integrated for i in interviews for p in i.participants):
            continue
        return application
    raise AssertionError(f"the demo has no application with interviews {sorted(wanted)}")


@pytest.fixture
def target(workspace: Workspace) -> ApplicationSummary:
    """The first listed application with an interview to come, one that took place, and a
    participant whose calendar is not integrated: the richest Interviews tab."""
    return _first_with(workspace, {InterviewStatus.SCHEDULED, InterviewStatus.CLOSED}, True)


@pytest.fixture
def cancelled_target(workspace: Workspace) -> ApplicationSummary:
    """The first listed application with a cancelled interview."""
    return _first_with(workspace, {InterviewStatus.CANCELLED})


@pytest.fixture
def own_application(workspace: Workspace) -> ApplicationSummary:
    """An application for a job Rosa is responsible for, so she may organise it."""
    for application in list_applications(workspace):
        choices = form_choices(workspace, application.id)
        if choices.default_organiser_id == workspace.user.id:
            return application
    raise AssertionError("Rosa is responsible for no job in the demo")
