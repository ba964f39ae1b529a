"""Planning the panel event (`panelist.scheduling.panel`): who is in it, who owns it, whether
it makes the meeting, and which rows the outbox gets instead of a copy each.

Plain planning over records: the providers are looked up by name, so these stand in for a
scheduling server ("server", which makes "server_video" meetings) and a calendar without
one ("plain"). The whole path runs on the fake Google in tests/integration/test_google_flow.py.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from panelist.errors import PanelistError
from panelist.models import CandidateStatus, Employee, InterviewStatus, Method, Room, WorkingHours
from panelist.providers import CalendarCapability, ResponseStatus
from panelist.scheduling.drafts import meeting_draft, panel_draft, summary
from panelist.scheduling.outbox import Kind
from panelist.scheduling.panel import PANEL_REF, Panel, panel_of
from panelist.scheduling.records import InterviewRecord, ParticipantRecord
from panelist.scheduling.service import cancel_effects, invite_effects, move_effects

START = datetime(2026, 3, 24, 9, tzinfo=UTC)
PROVIDERS = {
    "server": SimpleNamespace(
        capabilities=CalendarCapability.ATTENDEES | CalendarCapability.SHARED_EVENTS,
        conferences=("server_video",),
    ),
    "plain": SimpleNamespace(capabilities=CalendarCapability.ATTENDEES, conferences=()),
}


def lookup(name: str) -> Any:
    if name not in PROVIDERS:
        raise PanelistError(f"no calendar provider {name!r}")
    return PROVIDERS[name]


def person(pid: int, provider: str | None) -> Employee:
    calendar = f"p{pid}@example.com" if provider else None
    return Employee(pid, f"p{pid}@example.com", f"Person {pid}", "UTC", WorkingHours.office(),
                    provider, calendar)  # fmt: skip


ROSA, SAM, ANA, PIET = (
    person(1, "server"),
    person(2, "server"),
    person(3, "server"),
    person(4, "plain"),
)
ROOM = Room(1, "Amstel", 6, calendar_provider="server", calendar_id="amstel@resource.example")
OTHER_ROOM = Room(2, "Maas", 4, calendar_provider="plain", calendar_id="maas")


def record(*people: Employee, host: Employee | None = SAM, video: str | None = "server_video",
           room: Room | None = ROOM, organiser: Employee = ROSA) -> InterviewRecord:  # fmt: skip
    return InterviewRecord(
        id=7, application_id=1, job_id=1, job_title="Engineer", candidate_name="Daan",
        candidate_email="daan@example.org", candidate_timezone=None, type_name="Interview",
        organiser=organiser,
        participants=tuple(ParticipantRecord(p, 4, ResponseStatus.NEEDS_ACTION) for p in people),
        start=START, end=START + timedelta(hours=1), timezone="Europe/Amsterdam", room=room,
        method=Method.VIDEO if video else Method.IN_PERSON, video_provider=video,
        video_host=host if video else None, video_link=None, notes="", evaluation_form_id=None,
        form_name=None, reminder_policy=None, status=InterviewStatus.SCHEDULED,
        candidate_status=CandidateStatus.NOT_INVITED, sequence=0,
    )  # fmt: skip


def rows(effects: list[Any]) -> list[tuple[str, str, int]]:
    return [(e.kind.value, e.target, e.phase) for e in effects]


def test_without_a_scheduling_server_every_participant_keeps_a_copy() -> None:
    plain = [dataclasses.replace(p, calendar_provider="plain") for p in (SAM, ANA)]
    interview = record(*plain, host=plain[0], room=OTHER_ROOM)
    assert panel_of(interview, lookup) is None
    assert rows(invite_effects(interview, None)) == [
        ("create_meeting", "meeting", 0),
        ("create_event", "interviewer_event-e2", 1),
        ("create_event", "interviewer_event-e3", 1),
        ("create_event", "room_booking", 1),
    ]


def test_the_host_owns_the_panel_event_which_makes_the_meeting_and_holds_the_room() -> None:
    interview = record(SAM, ANA, PIET)
    panel = panel_of(interview, lookup)
    assert panel == Panel("server", SAM, (SAM, ANA), ROOM, "server_video")
    effects = invite_effects(interview, panel)
    assert rows(effects) == [
        ("create_event", PANEL_REF, 0),  # first: Piet's copy carries the link it makes
        ("create_event", "interviewer_event-e4", 1),
    ]
    assert effects[0].intent == {"ref_kind": PANEL_REF, "employee_id": SAM.id,
                                 "makes_meeting": True}  # fmt: skip
    draft = panel_draft(interview, panel, "https://ats.example/")
    assert [(a.email, a.resource) for a in draft.attendees] == [
        (SAM.email, False), (ANA.email, False), (ROOM.calendar_id, True)
    ]  # fmt: skip
    assert (draft.organizer, draft.conference, draft.private) == (SAM.email, "server_video", True)


def test_a_meeting_the_calendar_cannot_make_is_made_first_and_its_link_written_in() -> None:
    interview = record(SAM, ANA, video="other_video")
    panel = panel_of(interview, lookup)
    assert panel is not None and panel.conference is None and panel.owner == SAM
    assert rows(invite_effects(interview, panel)) == [
        ("create_meeting", "meeting", 0),
        ("create_event", PANEL_REF, 1),
    ]
    assert panel_draft(interview, panel, "").conference is None


@pytest.mark.parametrize(
    ("people", "host", "owner"),
    [
        ((ANA, SAM), PIET, ROSA),  # the host's calendar is elsewhere: the organiser, if in it
        ((ANA, SAM), None, ROSA),
        ((SAM, ANA), PIET, SAM),  # Rosa only organises: the first interviewer there
    ],
)
def test_without_the_host_the_organiser_or_the_first_interviewer_owns_it(
    people: tuple[Employee, ...], host: Employee | None, owner: Employee
) -> None:
    organiser = ROSA if owner == ROSA else dataclasses.replace(ROSA, id=99)
    participants = (*people, ROSA) if owner == ROSA else people
    interview = record(*participants, host=host, organiser=organiser)
    panel = panel_of(interview, lookup)
    assert panel is not None and panel.owner == owner and panel.conference is None


def test_a_room_on_another_calendar_is_booked_by_an_event_of_its_own() -> None:
    interview = record(SAM, ANA, room=OTHER_ROOM)
    panel = panel_of(interview, lookup)
    assert panel is not None and panel.room is None
    assert ("create_event", "room_booking", 1) in rows(invite_effects(interview, panel))


def test_moving_the_room_in_and_out_of_the_panel_event() -> None:
    inside, outside = record(SAM, ANA, room=ROOM), record(SAM, ANA, room=OTHER_ROOM)
    panels = panel_of(inside, lookup), panel_of(outside, lookup)
    # Into a room elsewhere: the panel event drops it (its update), the new room is booked.
    assert rows(move_effects(inside, outside, panels=panels)) == [
        ("update_event", PANEL_REF, 0),
        ("create_event", "room_booking", 1),
    ]
    # Back: the old booking goes, the panel event's update invites the room again.
    assert rows(move_effects(outside, inside, panels=panels[::-1])) == [
        ("update_event", PANEL_REF, 0),
        ("delete_event", "room_booking", 1),
    ]


def test_cancelling_deletes_the_panel_event_with_its_meeting_and_tells_everyone() -> None:
    interview = record(SAM, ANA, PIET)
    effects = cancel_effects(interview, panel_of(interview, lookup))
    assert [(e.kind, e.target) for e in effects if e.kind is not Kind.SEND_MAIL] == [
        (Kind.DELETE_EVENT, PANEL_REF),
        (Kind.DELETE_EVENT, "interviewer_event-e4"),
    ]
    mails = {e.target for e in effects if e.kind is Kind.SEND_MAIL}
    assert mails == {"mail:candidate", "mail:interviewer-e2", "mail:interviewer-e3",
                     "mail:interviewer-e4"}  # fmt: skip


def test_an_uninstalled_provider_is_no_scheduling_server() -> None:
    gone = [dataclasses.replace(p, calendar_provider="gone") for p in (SAM, ANA)]
    assert panel_of(record(*gone, host=gone[0]), lookup) is None


def test_the_video_meetings_topic_names_the_candidate_by_first_name_only() -> None:
    """The provider's join page shows the topic to anyone with the link (issue 16)."""
    interview = dataclasses.replace(record(SAM), candidate_name="Daan de Jong")
    assert meeting_draft(interview, SAM.email).topic == "Interview: Daan (Engineer)"
    assert summary(interview) == "Interview: Daan de Jong (Engineer)"  # private events: all
