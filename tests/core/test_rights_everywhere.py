"""Every public function of `panelist.services`, `panelist.scheduling` and `panelist.calendars`
checks rights.

The public functions and methods are found by inspecting both packages, so a new one
fails `test_every_public_function_is_called_or_reviewed` until it gets a call below
(made as an employee with no recruiting rights, on objects they must not see, and
expected to be refused or to find nothing) or a reviewed entry with its reason.
Internal modules and functions (raw database access for checked entry points) must not
be imported by the TUI or the plugins: `test_front_ends_use_only_checked_entry_points`.
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import importlib
import inspect
import json
import pkgutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from panelist.errors import NotFound, PermissionDenied
from panelist.mail.transport import MaildirTransport
from panelist.models import Method
from panelist.permissions import Right
from panelist.providers.events import ResponseStatus
from panelist.scheduling import (
    InterviewRequest,
    MailEdit,
    ParticipantRequest,
    SchedulingService,
)
from panelist.scheduling.links import token_hash
from panelist.scheduling.notices import add_notice
from panelist.scheduling.outbox import Effect, Kind, enqueue
from panelist.services.directory import get_employee
from panelist.storage.instants import to_text
from panelist.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("panelist.services", "panelist.scheduling", "panelist.calendars")

INTERNAL_MODULES = {
    "panelist.scheduling.drafts": "builds event and meeting texts from a record already loaded",
    "panelist.scheduling.errors": "exception types only",
    "panelist.scheduling.executor": "works off the outbox of interviews a checked call chose",
    "panelist.scheduling.mails": "builds mails from a record already loaded",
    "panelist.scheduling.links.options": "the times a link offers, for the checked "
    "SchedulingLinks and CandidateLinks",
    "panelist.scheduling.links.stored": "raw link rows, the token's hash and the link's URL, "
    "for the checked SchedulingLinks and CandidateLinks",
    "panelist.scheduling.outbox": "raw outbox rows, written and read by checked operations",
    "panelist.scheduling.recheck": "asks providers about a slot a checked operation books",
    "panelist.scheduling.refs": "raw external refs of interviews, for the executor",
    "panelist.scheduling.requests": "plain input values, no data access",
    "panelist.scheduling.settings": "typed company settings for the service's set-up",
    "panelist.scheduling.validation": "the booking rules, run by checked service operations",
}
"""Modules front ends must not import (the test below enforces it); the package's
`__init__` exports what they may use."""

INTERNAL = {
    "panelist.calendars.cache.CalendarCache.events": "raw cache read, details included, behind "
    "load_calendar_view (which applies privacy) and the slot finder",
    "panelist.calendars.cache.CalendarCache.apply": "the sync engine's write of a provider's "
    "answer",
    "panelist.calendars.cache.CalendarCache.store_busy": "the sync engine's write of busy times",
    "panelist.calendars.cache.CalendarCache.record_failure": "the sync engine's note of a failure",
    "panelist.calendars.cache.CalendarCache.claim": "the sync engine's lease on a calendar",
    "panelist.calendars.cache.CalendarCache.put": "the executor's write-through of an event a "
    "checked operation made",
    "panelist.calendars.cache.CalendarCache.remove": "the executor's write-through of an event a "
    "checked operation deleted",
    "panelist.calendars.sync.freshness": "raw settings read for core's set-up",
    "panelist.calendars.sync.sync_calendar": "one calendar's round, for SyncService and the "
    "provider conformance kit, on the cache it is given",
    "panelist.scheduling.notices.add_notice": "written inside the transaction that learned it",
    "panelist.scheduling.records.read_interview": "raw read behind the checked load_interview",
    "panelist.scheduling.records.get_room": "raw read of a room for the service and executor",
    "panelist.scheduling.reminders.plan_reminders": "inside a checked booking's transaction",
    "panelist.scheduling.reminders.stop_reminders": "inside a checked cancel's transaction",
    "panelist.services.calendar_view.read_absences": "raw absence days behind the checked "
    "load_calendar_view and the commit-time re-check",
    "panelist.services.calendar_view.read_calendar": "raw provider read, details included, "
    "behind load_calendar_view (which applies privacy) and the commit-time re-check",
    "panelist.services.interviews.unsent_mails_of": "raw read behind the checked unsent_mails "
    "and retry_mails",
    "panelist.services.directory.get_setting": "raw settings read for core's set-up",
    "panelist.services.directory.set_setting": "raw write for the demo builder; front ends "
    "use panelist.services.settings.set_setting",
    "panelist.services.directory.positive_setting": "raw settings read for core's set-up",
    "panelist.services.directory.provider_settings": "provider set-up inside the Workspace",
    "panelist.services.directory.providers_with_settings": "which providers are set up, for "
    "doctor and host checks (no values)",
    "panelist.services.directory.employee_from_row": "turns a row already read into a model",
    "panelist.services.directory.find_employee_by_email": "resolves who the user is, before "
    "there is a user to check",
    "panelist.services.directory.find_employee_by_os_user": "resolves who the user is, before "
    "there is a user to check",
    "panelist.services.access.employee_for_key": "resolves who an SSH session is, before "
    "there is a user to check",
    "panelist.services.access.write_authorized_keys": "inside the checked grant and revoke",
    "panelist.scheduling.links.recruiter.link_problems": "the link's rules, run by the checked "
    "SchedulingLinks.check and create",
    "panelist.scheduling.links.recruiter.render_link_mail": "renders a link already loaded by the "
    "checked draft_mail",
}
"""Public-looking functions in public modules that take a raw database: for core only."""

FRONT_END_FORBIDDEN = {
    "panelist.mail.templates.save_template": "unchecked; use panelist.services.templates",
}

PURE = {
    "panelist.calendars.cache.recurrence_key": "turns a recurrence id into text, no data",
    "panelist.calendars.cache.shape_problem": "checks a provider's answer, no data",
    "panelist.calendars.cache.problem_summary": "words a list of problems, no data",
    "panelist.calendars.cache.forget_decoded_events": "empties a process memo, no data",
    "panelist.services.calendar_view.CalendarView.suggested_room": "reads a view already "
    "loaded through the checked load_calendar_view",
    "panelist.services.audit.parse_since": "turns a --since text into an instant, no data",
    "panelist.services.access.read_public_key": "checks a key file's text, no company data",
    "panelist.scheduling.records.InterviewRecord.participant": "looks into a loaded record",
    "panelist.scheduling.service.invite_effects": "effects of a loaded record, nothing stored",
    "panelist.scheduling.service.cancel_effects": "effects of a loaded record, nothing stored",
    "panelist.scheduling.service.move_effects": "effects of loaded records, nothing stored",
    "panelist.scheduling.panel.panel_of": "who shares the event of a loaded record, no data",
    "panelist.scheduling.panel.Panel.has": "looks into a computed panel",
    "panelist.scheduling.panel.Panel.holds_room": "looks into a computed panel",
    "panelist.services.calendar_health.StaleCalendar.describe": "formats a loaded value",
    "panelist.services.calendar_view.CalendarView.free_rooms": "computes over a loaded view",
    "panelist.services.calendar_view.CalendarView.free_spans": "computes over a loaded view",
    "panelist.services.calendar_view.CalendarView.outdated": "computes over a loaded view",
    "panelist.services.calendar_view.suggest_slots": "ranks times over a loaded view",
    "panelist.services.interviews.effective_status": "derives a status from its arguments",
    "panelist.services.session.video_provider_name": "names of installed plugins, no data",
    "panelist.services.configuration.parse_minutes": "reads a number from text, no data",
    "panelist.services.configuration.parse_reminder_hours": "reads hours from text, no data",
    "panelist.services.configuration.parse_working_hours": "reads hours from text, no data",
    "panelist.services.configuration.clean_secret": "strips a pasted text, no data",
}
"""Helpers that read and write no company data."""

OPEN = {
    "panelist.calendars.sync.SyncService.sync": "syncing reveals nothing to the caller: it "
    "fills the cache, and readers apply privacy (any employee's app, or the host, syncs)",
    "panelist.calendars.sync.SyncService.refresh": "as SyncService.sync, for stale calendars only",
    "panelist.calendars.sync.mapped_calendars": "which calendar each colleague and room uses, "
    "by name: the company directory, no events",
    "panelist.calendars.cache.CalendarCache.states": "when each calendar was synced and why it "
    "is stale (as stale_calendars), no events",
    "panelist.services.calendar_health.stale_calendars": "every user is told which calendars "
    "may be out of date (owner names and provider errors, no events)",
    "panelist.services.calendar_view.load_calendar_view": "free/busy of colleagues and rooms is "
    "every employee's to see; availability.privacy hides what they may not (SPEC §6)",
    "panelist.services.directory.get_employee": "the company directory (names, zones, hours)",
    "panelist.services.directory.list_employees": "the company directory",
    "panelist.services.directory.list_rooms": "the company's rooms",
    "panelist.services.interview_form.search_participants": "the company directory, by name",
    "panelist.services.interview_form.video_choices": "which video providers a colleague has",
    "panelist.services.session.current_profile": "the user's own name, role and company",
}
"""Open to every employee by design; they show nothing a role guards."""

HOST = {
    "panelist.scheduling.duties.HostDuties.run_round": "the host's duties round, run as the "
    "system actor (as cron's --system) by whichever process holds the database's lease; the "
    "person at an open app chooses nothing and is shown none of its report",
    "panelist.scheduling.duties.HostDuties.take": "takes the host's lease, no company data",
    "panelist.scheduling.duties.HostDuties.claim_worker": "the worker's lease, no company data",
    "panelist.scheduling.duties.HostDuties.release": "lets go of the leases, no company data",
}
"""The host's job, not a person's power (`panelist.scheduling.duties`)."""


@dataclass
class Scene:
    """The demo company seen by an employee with no rights, and what they must not touch."""

    ws: Workspace
    tmp: Path
    application_id: int
    upcoming_id: int
    ended_id: int
    interviewer_id: int
    recruiter_id: int
    notice_id: int
    link_id: int
    """A scheduling link Rosa made for the application."""
    link_token: str
    """The token of a link the no-rights employee made (as if they once could)."""

    def service(self) -> SchedulingService:
        return SchedulingService(self.ws, MaildirTransport(self.tmp / "outbox"))

    def request(self) -> InterviewRequest:
        start = self.ws.clock.now() + timedelta(days=3)
        return InterviewRequest(
            application_id=self.application_id,
            organiser_id=self.recruiter_id,
            participants=(ParticipantRequest(self.interviewer_id, None),),
            start=start,
            end=start + timedelta(hours=1),
            method=Method.PHONE,
        )


@pytest.fixture
def scene(demo_workspace: Workspace, tmp_path: Path) -> Scene:
    ws, db = demo_workspace, demo_workspace.db
    now = ws.clock.now()
    upcoming_id, application_id = db.execute(
        "SELECT id, application_id FROM interviews WHERE status = 'scheduled' AND start_utc > ?"
        " ORDER BY start_utc LIMIT 1",
        [to_text(now)],
    ).fetchone()
    (ended_id,) = db.execute(
        "SELECT id FROM interviews WHERE status = 'scheduled' AND end_utc <= ? LIMIT 1",
        [to_text(now)],
    ).fetchone()
    (interviewer_id,) = db.execute(
        "SELECT employee_id FROM interview_participants WHERE interview_id = ? LIMIT 1",
        [ended_id],
    ).fetchone()
    # Work for the duties: a reminder due, a mail left in the outbox, a notice for Rosa.
    db["evaluation_reminders"].insert(
        {
            "interview_id": ended_id,
            "employee_id": interviewer_id,
            "next_due_utc": to_text(now - timedelta(hours=1)),
        }
    )
    intent = {"purpose": "candidate_invitation", "template_id": None, "sequence": 0}
    effect = Effect(
        f"interview-{upcoming_id}-mail-left", Kind.SEND_MAIL, "mail:candidate", "mail", 0, intent
    )
    enqueue(db, upcoming_id, [effect], now)
    add_notice(db, ws.user.id, upcoming_id, "rosa-notice", "for Rosa only", now)
    (notice_id,) = db.execute("SELECT id FROM scheduling_notices").fetchone()
    nobody = (
        db["employees"]
        .insert(
            {
                "email": "nobody@example.com",
                "name": "No Body",
                "timezone": "Europe/Amsterdam",
                "working_hours": get_employee(db, interviewer_id).working_hours.to_json(),
                "company_role_id": db.execute(
                    "SELECT id FROM recruiting_roles WHERE name = 'Employee'"
                ).fetchone()[0],
            }
        )
        .last_pk
    )
    link_id = _insert_link(db, application_id, ws.user.id, "rosa-made-this-link-token", now)
    _insert_link(db, application_id, int(nobody or 0), "nobody-made-this-link-token", now)
    return Scene(
        ws=replace(ws, actor=get_employee(db, int(nobody or 0))),
        tmp=tmp_path,
        application_id=application_id,
        upcoming_id=upcoming_id,
        ended_id=ended_id,
        interviewer_id=interviewer_id,
        recruiter_id=ws.user.id,
        notice_id=notice_id,
        link_id=link_id,
        link_token="nobody-made-this-link-token",
    )


def _insert_link(db: Any, application_id: int, creator: int, token: str, now: Any) -> int:
    """A scheduling link as `SchedulingLinks.create` stores it (sent, open for a week)."""
    row = {
        "application_id": application_id,
        "token_hash": token_hash(token),
        "created_by": creator,
        "organiser_id": creator,
        "participants": json.dumps([[creator, 1]]),
        "method": "phone",
        "minutes": 60,
        "zone": "Europe/Amsterdam",
        "window_start": (now + timedelta(days=1)).date().isoformat(),
        "window_days": 14,
        "max_options": 12,
        "expires_at": to_text(now + timedelta(days=7)),
        "change_until_hours": 24,
        "state": "sent",
        "created_at": to_text(now),
        "updated_at": to_text(now),
    }
    return int(db["scheduling_links"].insert(row).last_pk or 0)


Call = Callable[[Scene], Any]


def _service(method: str, *args: Callable[[Scene], Any]) -> Call:
    return lambda s: getattr(s.service(), method)(*(arg(s) for arg in args))


def _upcoming(s: Scene) -> int:
    return s.upcoming_id


def _later(s: Scene) -> Any:
    return s.ws.clock.now() + timedelta(days=4)


def _later_end(s: Scene) -> Any:
    return s.ws.clock.now() + timedelta(days=4, hours=1)


def _public_key(s: Scene) -> Any:
    private = s.tmp / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(private)], check=True)
    key_text = private.with_suffix(".pub").read_text()
    return _module("services.access").read_public_key(key_text, "id_ed25519.pub")


def _keys_file(s: Scene) -> Path:
    return s.tmp / "authorized_keys"


CALLS: dict[str, list[Call]] = {
    "panelist.services.audit.list_audit": [lambda s: _module("services.audit").list_audit(s.ws)],
    "panelist.services.access.grant_key": [
        lambda s: _module("services.access").grant_key(
            s.ws, "nobody@example.com", _public_key(s), _keys_file(s), ["panelist"]
        )
    ],
    "panelist.services.access.revoke_keys": [
        lambda s: _module("services.access").revoke_keys(
            s.ws, "rosa.jansen@example.com", _keys_file(s), ["panelist"]
        )
    ],
    "panelist.services.access.list_access": [
        lambda s: _module("services.access").list_access(s.ws, _keys_file(s))
    ],
    "panelist.services.applications.list_applications": [
        lambda s: _module("services.applications").list_applications(s.ws)
    ],
    "panelist.services.applications.get_application": [
        lambda s: _module("services.applications").get_application(s.ws, s.application_id)
    ],
    "panelist.services.applications.list_jobs": [
        lambda s: _module("services.applications").list_jobs(s.ws)
    ],
    "panelist.services.applications.jobs_open_to": [
        lambda s: _module("services.applications").jobs_open_to(s.ws)
    ],
    "panelist.services.applications.add_application": [
        lambda s: _module("services.applications").add_application(
            s.ws, _module("services.applications").NewApplication(1, "Eve", "eve@example.com")
        )
    ],
    "panelist.services.interview_form.form_choices": [
        lambda s: _module("services.interview_form").form_choices(s.ws, s.application_id)
    ],
    "panelist.services.interview_form.candidate_timezone": [
        lambda s: _module("services.interview_form").candidate_timezone(s.ws, s.application_id)
    ],
    "panelist.services.interviews.interviews_for_application": [
        lambda s: _module("services.interviews").interviews_for_application(s.ws, s.application_id)
    ],
    "panelist.services.interviews.unsent_mails": [
        lambda s: _module("services.interviews").unsent_mails(s.ws, s.upcoming_id)
    ],
    "panelist.services.interviews.upcoming_interviews": [
        lambda s: _module("services.interviews").upcoming_interviews(s.ws)
    ],
    "panelist.services.notices.list_notices": [
        lambda s: _module("services.notices").list_notices(s.ws, unread_only=False)
    ],
    "panelist.services.hosts.stale_verifications": [
        lambda s: _module("services.hosts").stale_verifications(s.ws, 1)
    ],
    "panelist.services.hosts.verify_host": [
        lambda s: _module("services.hosts").verify_host(s.ws, 1, force=True)
    ],
    "panelist.services.settings.set_provider_settings": [
        lambda s: _module("services.settings").set_provider_settings(
            s.ws, "caldav", {"url": "https://evil.example/"}
        )
    ],
    "panelist.services.settings.set_setting": [
        lambda s: _module("services.settings").set_setting(s.ws, "company_name", "Hijacked")
    ],
    "panelist.services.templates.save_template": [
        lambda s: _module("services.templates").save_template(
            s.ws, "Evil", "candidate_invitation", "Hello", "Hello {{ candidate.name }}"
        )
    ],
    "panelist.services.templates.list_templates": [
        lambda s: _module("services.templates").list_templates(s.ws)
    ],
    "panelist.services.templates.preview_template": [
        lambda s: _module("services.templates").preview_template(
            s.ws, "candidate_invitation", "Hi", "{{ candidate.name }}", s.application_id
        )
    ],
    "panelist.scheduling.duties.upcoming_organised": [
        lambda s: _module("scheduling.duties").upcoming_organised(s.ws)
    ],
    "panelist.scheduling.duties.run_open_app_duties": [
        lambda s: _module("scheduling.duties").run_open_app_duties(
            s.ws, MaildirTransport(s.tmp / "outbox")
        )
    ],
    "panelist.scheduling.notices.mark_notice_read": [
        lambda s: _module("scheduling.notices").mark_notice_read(s.ws, s.notice_id)
    ],
    "panelist.scheduling.records.load_interview": [
        lambda s: _module("scheduling.records").load_interview(s.ws, s.upcoming_id)
    ],
    "panelist.scheduling.reminders.mark_evaluation_done": [
        lambda s: _module("scheduling.reminders").mark_evaluation_done(
            s.ws, s.ended_id, s.interviewer_id
        )
    ],
    "panelist.scheduling.reminders.queue_due_reminders": [
        lambda s: _module("scheduling.reminders").queue_due_reminders(s.ws)
    ],
    "panelist.scheduling.reminders.run_due_reminders": [
        lambda s: _module("scheduling.reminders").run_due_reminders(
            s.ws, MaildirTransport(s.tmp / "outbox")
        )
    ],
    "panelist.scheduling.scope.touchable": [
        lambda s: _module("scheduling.scope").touchable(s.ws, [s.upcoming_id, s.ended_id]),
        lambda s: _module("scheduling.scope").touchable(s.ws, [s.upcoming_id], refuse=True),
    ],
    "panelist.scheduling.service.SchedulingService.check": [
        lambda s: s.service().check(s.request())
    ],
    "panelist.scheduling.service.SchedulingService.invite": [
        lambda s: s.service().invite(s.request())
    ],
    "panelist.scheduling.service.SchedulingService.send_candidate_invitation": [
        _service("send_candidate_invitation", _upcoming),
        lambda s: s.service().send_candidate_invitation(s.upcoming_id, subject="Hi", text="Hi"),
    ],
    "panelist.scheduling.service.SchedulingService.draft_candidate_mail": [
        _service("draft_candidate_mail", _upcoming),
        lambda s: s.service().draft_candidate_mail(s.upcoming_id, "candidate_message"),
        lambda s: s.service().draft_candidate_mail(s.upcoming_id, "candidate_cancellation"),
    ],
    "panelist.scheduling.service.SchedulingService.draft_move_mail": [
        _service("draft_move_mail", _upcoming, _later, _later_end),
    ],
    "panelist.scheduling.service.SchedulingService.send_candidate_message": [
        lambda s: s.service().send_candidate_message(s.upcoming_id, "Hi", "Hello")
    ],
    "panelist.scheduling.service.SchedulingService.record_candidate_response": [
        lambda s: s.service().record_candidate_response(s.upcoming_id, ResponseStatus.DECLINED)
    ],
    "panelist.scheduling.service.SchedulingService.refresh_responses": [
        _service("refresh_responses", _upcoming)
    ],
    "panelist.scheduling.service.SchedulingService.cancel": [
        _service("cancel", _upcoming),
        lambda s: s.service().cancel(s.upcoming_id, mail=MailEdit("Hi", "Hello")),
    ],
    "panelist.scheduling.service.SchedulingService.check_reschedule": [
        _service("check_reschedule", _upcoming, _later, _later_end)
    ],
    "panelist.scheduling.service.SchedulingService.reschedule": [
        _service("reschedule", _upcoming, _later, _later_end),
        lambda s: s.service().reschedule(
            s.upcoming_id, _later(s), _later_end(s), mail=MailEdit("Hi", "Hello")
        ),
    ],
    "panelist.scheduling.service.SchedulingService.resume_pending": [
        _service("resume_pending"),
        _service("resume_pending", _upcoming),
    ],
    "panelist.scheduling.service.SchedulingService.close_finished": [_service("close_finished")],
    "panelist.scheduling.service.SchedulingService.outbox_of": [_service("outbox_of", _upcoming)],
    "panelist.scheduling.service.SchedulingService.retry_mails": [
        _service("retry_mails", _upcoming)
    ],
    "panelist.scheduling.links.recruiter.SchedulingLinks.check": [
        lambda s: _links(s).check(_link_request(s))
    ],
    "panelist.scheduling.links.recruiter.SchedulingLinks.create": [
        lambda s: _links(s).create(_link_request(s))
    ],
    "panelist.scheduling.links.recruiter.SchedulingLinks.draft_mail": [
        lambda s: _links(s).draft_mail(s.link_id, "rosa-made-this-link-token")
    ],
    "panelist.scheduling.links.recruiter.SchedulingLinks.send": [
        lambda s: _links(s).send(s.link_id, "rosa-made-this-link-token", "Hi", "Hello")
    ],
    "panelist.scheduling.links.recruiter.SchedulingLinks.preview": [
        lambda s: _links(s).preview(_link_request(s))
    ],
    "panelist.scheduling.links.recruiter.SchedulingLinks.withdraw": [
        lambda s: _links(s).withdraw(s.link_id)
    ],
    "panelist.scheduling.links.recruiter.SchedulingLinks.links_for_application": [
        lambda s: _links(s).links_for_application(s.application_id)
    ],
    # The candidate's side acts as the link's creator: one without rights makes it unusable.
    "panelist.scheduling.links.candidate.CandidateLinks.open": [
        lambda s: _candidate(s).open(s.link_token),
        lambda s: _candidate(s).open("tampered-" + s.link_token),
    ],
    "panelist.scheduling.links.candidate.CandidateLinks.book": [
        lambda s: _candidate(s).book(s.link_token, "0" * 20, "Europe/Amsterdam")
    ],
    "panelist.scheduling.links.candidate.CandidateLinks.reschedule": [
        lambda s: _candidate(s).reschedule(s.link_token, "0" * 20, "Europe/Amsterdam")
    ],
    "panelist.scheduling.links.candidate.CandidateLinks.cancel": [
        lambda s: _candidate(s).cancel(s.link_token)
    ],
    "panelist.scheduling.links.candidate.CandidateLinks.ics": [
        lambda s: _candidate(s).ics(s.link_token)
    ],
}


def _links(s: Scene) -> Any:
    return _module("scheduling.links").SchedulingLinks(s.ws, MaildirTransport(s.tmp / "outbox"))


def _candidate(s: Scene) -> Any:
    return _module("scheduling.links").CandidateLinks(s.ws, MaildirTransport(s.tmp / "outbox"))


def _link_request(s: Scene) -> Any:
    start = s.ws.clock.now() + timedelta(days=1)
    return _module("scheduling.links").LinkRequest(
        application_id=s.application_id,
        type_id=None,
        organiser_id=s.recruiter_id,
        participants=(ParticipantRequest(s.interviewer_id, 1),),
        room_id=None,
        method=Method.PHONE,
        video_provider=None,
        video_host_id=None,
        minutes=60,
        window_start=start.date(),
        expires_at=start + timedelta(days=7),
    )


def _cfg() -> Any:
    return _module("services.configuration")


CONFIGURATION_CALLS: dict[str, list[Call]] = {
    "panelist.services.configuration.company_settings": [lambda s: _cfg().company_settings(s.ws)],
    "panelist.services.configuration.save_company_settings": [
        lambda s: _cfg().save_company_settings(s.ws, {"company_name": "Hijacked"})
    ],
    "panelist.services.configuration.list_interview_types": [
        lambda s: _cfg().list_interview_types(s.ws)
    ],
    "panelist.services.configuration.list_evaluation_forms": [
        lambda s: _cfg().list_evaluation_forms(s.ws)
    ],
    "panelist.services.configuration.save_interview_type": [
        lambda s: _cfg().save_interview_type(s.ws, _cfg().InterviewTypeInput("Evil", 30, "phone"))
    ],
    "panelist.services.configuration.list_evaluation_form_rows": [
        lambda s: _cfg().list_evaluation_form_rows(s.ws)
    ],
    "panelist.services.configuration.save_evaluation_form": [
        lambda s: _cfg().save_evaluation_form(s.ws, "Evil", ["Why?"])
    ],
    "panelist.services.configuration.reminder_defaults": [lambda s: _cfg().reminder_defaults(s.ws)],
    "panelist.services.configuration.save_reminder_defaults": [
        lambda s: _cfg().save_reminder_defaults(s.ws, 1, 24, 3)
    ],
    "panelist.services.configuration.calendar_providers": [
        lambda s: _cfg().calendar_providers(s.ws)
    ],
    "panelist.services.configuration.list_rooms": [lambda s: _cfg().list_rooms(s.ws)],
    "panelist.services.configuration.save_room": [
        lambda s: _cfg().save_room(s.ws, _cfg().RoomInput("Evil", 3))
    ],
    "panelist.services.configuration.provider_rooms": [
        lambda s: _cfg().provider_rooms(s.ws, "local")
    ],
    "panelist.services.configuration.list_people": [lambda s: _cfg().list_people(s.ws)],
    "panelist.services.configuration.save_person": [
        lambda s: _cfg().save_person(
            s.ws,
            _cfg().PersonInput("No Body", "nobody@example.com", "UTC", "", company_role_id=1),
        )
    ],
    "panelist.services.configuration.read_calendar_now": [
        lambda s: _cfg().read_calendar_now(s.ws, s.interviewer_id)
    ],
    "panelist.services.configuration.list_video_accounts": [
        lambda s: _cfg().list_video_accounts(s.ws)
    ],
    "panelist.services.configuration.verify_now": [
        lambda s: _cfg().verify_now(s.ws, s.interviewer_id)
    ],
    "panelist.services.configuration.list_roles": [lambda s: _cfg().list_roles(s.ws)],
    "panelist.services.configuration.save_role": [
        lambda s: _cfg().save_role(s.ws, "Employee", set(Right))
    ],
    "panelist.services.configuration.list_job_roles": [lambda s: _cfg().list_job_roles(s.ws)],
    "panelist.services.configuration.list_jobs": [lambda s: _cfg().list_jobs(s.ws)],
    "panelist.services.configuration.list_job_rows": [lambda s: _cfg().list_job_rows(s.ws)],
    "panelist.services.configuration.save_job": [
        lambda s: _cfg().save_job(s.ws, _cfg().JobInput("Spy", id=1))
    ],
    "panelist.services.configuration.create_first_admin": [
        lambda s: _cfg().create_first_admin(
            s.ws, _cfg().FirstAdmin("Mine", "UTC", "No Body", "nobody@example.com"), "nobody"
        )
    ],
    "panelist.services.configuration.set_job_role": [
        lambda s: _cfg().set_job_role(s.ws, 1, s.ws.user.id, 1)
    ],
    "panelist.services.configuration.list_integrations": [lambda s: _cfg().list_integrations(s.ws)],
    "panelist.services.configuration.save_integration": [
        lambda s: _cfg().save_integration(s.ws, "caldav", {"url": "https://evil.example/"})
    ],
    "panelist.services.configuration.check_integration": [
        lambda s: _cfg().check_integration(s.ws, "local")
    ],
}
CALLS.update(CONFIGURATION_CALLS)


def _module(name: str) -> Any:
    return importlib.import_module(f"panelist.{name}")


def _modules() -> Iterator[Any]:
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        # Subpackages too (panelist.scheduling.links): a function defined in one of their
        # modules would otherwise never be found.
        for info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            yield importlib.import_module(info.name)


def public_functions() -> set[str]:
    """Qualified names of the public functions and methods defined in both packages."""
    found = set()
    for module in _modules():
        if module.__name__ in INTERNAL_MODULES:
            continue
        for name, value in vars(module).items():
            if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(value):
                found.add(f"{module.__name__}.{name}")
            elif inspect.isclass(value):
                found |= {
                    f"{module.__name__}.{name}.{method}"
                    for method, member in vars(value).items()
                    if not method.startswith("_") and inspect.isfunction(member)
                }
    return found


def test_every_public_function_is_called_or_reviewed() -> None:
    reviewed = set(CALLS) | set(INTERNAL) | set(PURE) | set(OPEN) | set(HOST)
    found = public_functions()
    assert not found - reviewed, "new public functions: call them below as a user with no rights"
    assert not reviewed - found, "entries for functions that no longer exist"


def _empty(result: Any) -> bool:
    """Nothing found and nothing done: 0, an empty collection, or a report of zeros."""
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return all(not value for value in vars(result).values())
    return isinstance(result, int | list | tuple | set | frozenset | dict) and not result


@pytest.mark.parametrize(
    ("name", "index"), [(name, i) for name, calls in CALLS.items() for i in range(len(calls))]
)
def test_a_user_without_rights_is_refused_or_finds_nothing(
    scene: Scene, name: str, index: int
) -> None:
    before = _company_state(scene.ws)
    try:
        result = CALLS[name][index](scene)
        if inspect.isawaitable(result):
            result = asyncio.run(_awaited(result))
    except (NotFound, PermissionDenied):
        pass
    else:
        assert _empty(result), f"{name} gave a user with no rights {result!r}"
    assert _company_state(scene.ws) == before, f"{name} changed data for a user with no rights"


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _company_state(ws: Workspace) -> tuple[Any, ...]:
    """What a refused call must leave as it was."""
    db = ws.db
    return (
        db.execute("SELECT id, status, sequence, candidate_response FROM interviews").fetchall(),
        db.execute("SELECT id, state, attempts FROM outbox").fetchall(),
        db.execute("SELECT * FROM evaluation_reminders").fetchall(),
        db.execute("SELECT id, read_at FROM scheduling_notices").fetchall(),
        db.execute("SELECT * FROM settings").fetchall(),
        db.execute("SELECT * FROM message_templates").fetchall(),
        db.execute("SELECT * FROM audit_log").fetchall(),
        db.execute("SELECT * FROM ssh_keys").fetchall(),
        db.execute("SELECT * FROM interview_types").fetchall(),
        db.execute("SELECT * FROM evaluation_forms").fetchall(),
        db.execute("SELECT * FROM rooms").fetchall(),
        db.execute("SELECT * FROM employees").fetchall(),
        db.execute("SELECT * FROM recruiting_roles").fetchall(),
        db.execute("SELECT * FROM job_responsibles").fetchall(),
        db.execute("SELECT * FROM provider_settings").fetchall(),
        db.execute("SELECT * FROM scheduling_links").fetchall(),
    )


def _front_end_files() -> Iterator[Path]:
    for folder in ("tui", "plugins"):
        yield from (ROOT / folder).rglob("*.py")


def test_front_ends_use_only_checked_entry_points() -> None:
    """The TUI and the plugins import neither internal modules nor unchecked functions."""
    forbidden = set(INTERNAL) | set(FRONT_END_FORBIDDEN)
    problems = []
    for path in _front_end_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
                modules = [node.module, *names]
            elif isinstance(node, ast.Import):
                names = modules = [alias.name for alias in node.names]
            else:
                continue
            problems += [
                f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
                for name in {*names, *modules}
                if name in forbidden or name in INTERNAL_MODULES
            ]
    assert problems == []


def test_the_meta_test_sees_a_function_without_a_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new public function in a public module is noticed until it is reviewed."""
    module = _module("services.applications")

    def count_all_applications(ws: Workspace) -> int:
        return int(ws.db.execute("SELECT count(*) FROM applications").fetchone()[0])

    count_all_applications.__module__ = module.__name__
    monkeypatch.setattr(module, "count_all_applications", count_all_applications, raising=False)
    assert "panelist.services.applications.count_all_applications" in public_functions()
