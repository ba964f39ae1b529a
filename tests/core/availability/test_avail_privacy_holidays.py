"""What a viewer may see of an event (SPEC §3, §6), and the public holidays behind the grid."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime

import pytest

from panelist.availability import public_holidays, visible_event
from panelist.errors import ValidationError
from panelist.providers.events import Attendee, CalendarEvent, ResponseStatus

START, END = datetime(2026, 12, 7, 9, tzinfo=UTC), datetime(2026, 12, 7, 10, tzinfo=UTC)


def meeting(private: bool, summary: str = "Interview: Jane Doe") -> CalendarEvent:
    return CalendarEvent(
        summary=summary,
        start=START,
        end=END,
        description="Candidate CV: https://internal/cv/123",
        location="Room Oak",
        private=private,
        organizer="rosa@example.com",
        attendees=(Attendee("ana@example.com", "Ana", ResponseStatus.ACCEPTED),),
        conference_url="https://meet.example/abc",
        uid="evt-1",
        calendar_id="cal-ana",
    )


def test_a_public_event_shows_its_details_to_anyone() -> None:
    seen = visible_event(meeting(private=False), "stranger@example.com", show_private_names=False)
    assert seen.details_visible
    assert seen.title == "Interview: Jane Doe"
    assert seen.description.startswith("Candidate CV")
    assert seen.location == "Room Oak"
    assert seen.attendees[0].email == "ana@example.com"
    assert seen.conference_url == "https://meet.example/abc"


def test_a_private_event_is_only_busy_for_other_colleagues() -> None:
    seen = visible_event(meeting(private=True), "stranger@example.com", show_private_names=False)
    assert seen.title == "Busy"
    assert not seen.details_visible
    assert (seen.description, seen.location, seen.attendees) == ("", "", ())
    assert seen.conference_url is None and seen.organizer is None
    assert (seen.start, seen.end, seen.uid, seen.calendar_id) == (START, END, "evt-1", "cal-ana")
    leaked = [
        f.name
        for f in fields(seen)
        if "Jane" in str(getattr(seen, f.name)) or "cv" in str(getattr(seen, f.name))
    ]
    assert leaked == []


def test_showing_private_names_reveals_the_title_and_nothing_else() -> None:
    seen = visible_event(meeting(private=True), None, show_private_names=True)
    assert seen.title == "Interview: Jane Doe"
    assert (seen.description, seen.location, seen.attendees, seen.conference_url) == (
        "",
        "",
        (),
        None,
    )


def test_a_private_event_without_title_stays_busy_when_names_are_shown() -> None:
    assert visible_event(meeting(True, summary="  "), None, show_private_names=True).title == "Busy"


@pytest.mark.parametrize("viewer", ["ana@example.com", "ANA@Example.com ", "rosa@example.com"])
def test_participants_and_the_organiser_see_a_private_event_in_full(viewer: str) -> None:
    seen = visible_event(meeting(private=True), viewer, show_private_names=False)
    assert seen.details_visible and seen.description and seen.conference_url


def test_the_caller_can_vouch_for_a_viewer_the_event_does_not_list() -> None:
    seen = visible_event(
        meeting(private=True),
        "owner@example.com",
        show_private_names=False,
        viewer_is_participant=True,
    )
    assert seen.details_visible and seen.location == "Room Oak"


def test_all_day_events_stay_all_day() -> None:
    event = CalendarEvent(
        summary="Offsite", start=date(2026, 12, 7), end=date(2026, 12, 8), private=True
    )
    seen = visible_event(event, None, show_private_names=False)
    assert seen.all_day and seen.start == date(2026, 12, 7)
    assert not visible_event(meeting(private=False), None, show_private_names=False).all_day


# --------------------------------------------------------------------------- public holidays


def test_dutch_holidays_in_english() -> None:
    found = public_holidays("NL", None, date(2026, 1, 1), date(2026, 12, 31))
    assert found[date(2026, 4, 27)] == "King's Day"
    assert found[date(2026, 12, 25)] == "Christmas Day"
    assert date(2026, 12, 24) not in found


def test_a_range_across_new_year() -> None:
    found = public_holidays("nl", None, date(2026, 12, 20), date(2027, 1, 5))
    assert sorted(found) == [date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)]


def test_a_subdivision_adds_its_own_holidays() -> None:
    new_york = public_holidays("US", "NY", date(2026, 2, 1), date(2026, 2, 28))
    federal = public_holidays("US", None, date(2026, 2, 1), date(2026, 2, 28))
    assert date(2026, 2, 12) in new_york  # Lincoln's Birthday
    assert date(2026, 2, 12) not in federal


def test_an_unknown_country_or_subdivision_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="unknown country 'XX'"):
        public_holidays("XX", None, date(2026, 1, 1), date(2026, 1, 2))
    with pytest.raises(ValidationError, match="US has no subdivision 'ZZ'") as raised:
        public_holidays("US", "ZZ", date(2026, 1, 1), date(2026, 1, 2))
    assert raised.value.field == "holiday_subdivision"
