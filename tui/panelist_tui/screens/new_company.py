"""Starting a company in the app: the first run on an empty database (who sets it up: its
first Admin) and applications typed in by a recruiter.

Core decides (`create_first_admin`): only on a database with no employees, and the person
is mapped to the OS account running the app, so the next start knows them."""

from __future__ import annotations

import getpass
import os
from typing import Any

from panelist.errors import ValidationError
from panelist.models import Employee
from panelist.services import applications as apps
from panelist.services import configuration as cfg
from panelist.workspace import Workspace
from panelist_tui.widgets.form import Field, FormDialog

INTRO = (
    "This database has no company yet. You become its first Admin: after this, Settings "
    "opens to add interview types, rooms, people, jobs and the calendar integrations."
)


def first_run_dialog(ws: Workspace) -> FormDialog[Employee]:
    os_user = getpass.getuser()

    def save(values: dict[str, Any]) -> Employee:
        wanted = cfg.FirstAdmin(
            values["company"], values["timezone"], values["name"], values["email"]
        )
        return cfg.create_first_admin(ws, wanted, os_user)

    fields = [
        Field("company", "Company", placeholder="the company's name"),
        Field("timezone", "Time zone", value=_local_zone(), placeholder="e.g. Europe/Amsterdam"),
        Field("name", "Your name"),
        Field("email", "Your email"),
    ]
    return FormDialog(
        f"New company (you are {os_user})", fields, save, intro=INTRO, cancellable=True
    )


def _local_zone() -> str:
    """The host's zone as a guess to correct: TZ, else /etc/timezone, else UTC."""
    zone = os.environ.get("TZ", "").lstrip(":")
    if not zone:
        try:
            with open("/etc/timezone", encoding="utf-8") as found:
                zone = found.read().strip()
        except OSError:
            zone = ""
    return zone or "UTC"


def new_application_dialog(ws: Workspace) -> FormDialog[int]:
    """Candidate, email, zone and one of the open jobs the user may add to; core refuses
    a job outside those too."""
    jobs = apps.jobs_open_to(ws)
    if not jobs:
        raise ValidationError("no open job you may add applications to (Settings → Jobs)")

    def save(values: dict[str, Any]) -> int:
        if not values["job"]:
            raise ValidationError("job: choose the job applied for", field="job")
        wanted = apps.NewApplication(
            int(values["job"]), values["name"], values["email"], values["timezone"]
        )
        return apps.add_application(ws, wanted)

    choices = tuple((title, str(job_id)) for job_id, title in jobs)
    fields = [
        Field("job", "Job", "choice", choices[0][1] if len(choices) == 1 else "", choices),
        Field("name", "Candidate"),
        Field("email", "Email"),
        Field("timezone", "Time zone", placeholder="optional, e.g. Asia/Tokyo"),
    ]
    return FormDialog("New application", fields, save)
