"""The candidate's .ics: parsed back with icalendar, checked against RFC 5545/5546."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest
import vobject

from panelist.errors import ValidationError
from panelist.mail.ics import interview_ics

STAMP = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
START = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
END = START + timedelta(minutes=90)
LINK = "https://meet.jit.si/Panelist-5axoj-vqz3y"


def invitation(**overrides: Any) -> bytes:
    arguments: dict[str, Any] = {
        "method": "REQUEST",
        "uid": "interview-1-candidate@northwind.example",
        "sequence": 3,
        "start": START,
        "end": END,
        "timezone": "Europe/London",
        "summary": "Technical interview: Data Engineer at Northwind Labs",
        "description": "Dear Kavya,\nwe look forward to meeting you.",
        "location": "",
        "organizer_email": "rosa.jansen@northwind.example",
        "organizer_name": "Rosa Jansen",
        "attendee_email": "kavya.gupta@example.net",
        "attendee_name": "Kavya Gupta",
        "url": LINK,
        "stamp": STAMP,
    } | overrides
    return interview_ics(**arguments)


def parse(ics: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_a_request_has_the_candidate_as_the_only_attendee() -> None:
    calendar, event = parse(invitation())
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["VERSION"]) == "2.0"
    attendees = event.get("ATTENDEE")
    assert not isinstance(attendees, list)
    assert str(attendees) == "mailto:kavya.gupta@example.net"
    assert dict(attendees.params) == {
        "CN": "Kavya Gupta",
        "CUTYPE": "INDIVIDUAL",
        "PARTSTAT": "NEEDS-ACTION",
        "ROLE": "REQ-PARTICIPANT",
        "RSVP": "TRUE",
    }
    assert str(event["ORGANIZER"]) == "mailto:rosa.jansen@northwind.example"
    assert event["ORGANIZER"].params["CN"] == "Rosa Jansen"


def test_a_request_carries_uid_sequence_status_privacy_and_stamp() -> None:
    _, event = parse(invitation())
    assert str(event["UID"]) == "interview-1-candidate@northwind.example"
    assert event["SEQUENCE"] == 3
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["CLASS"]) == "PRIVATE"
    assert str(event["TRANSP"]) == "OPAQUE"
    assert event.decoded("DTSTAMP") == STAMP


def test_times_are_the_interviews_in_the_candidates_zone() -> None:
    ics = invitation(timezone="America/New_York")
    calendar, event = parse(ics)
    assert b"DTSTART;TZID=America/New_York:20261201T080000" in ics
    assert event.decoded("DTSTART").astimezone(UTC) == START
    assert event.decoded("DTEND").astimezone(UTC) == END
    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "America/New_York"


def test_the_vtimezone_itself_gives_the_right_instant_across_a_dst_change() -> None:
    # New York leaves daylight time on Sunday 1 November 2026; the week before it is UTC-4.
    for start in (
        datetime(2026, 10, 30, 13, 0, tzinfo=UTC),
        datetime(2026, 11, 2, 14, 0, tzinfo=UTC),
    ):
        calendar, event = parse(
            invitation(start=start, end=start + timedelta(hours=1), timezone="America/New_York")
        )
        (vtimezone,) = calendar.walk("VTIMEZONE")
        wall_clock = event.decoded("DTSTART").replace(tzinfo=None)
        assert wall_clock.hour == 9
        # Read with the rules written in the file, not with the reader's own tz database.
        assert wall_clock.replace(tzinfo=vtimezone.to_tz()).astimezone(UTC) == start


def test_a_utc_invitation_needs_no_vtimezone() -> None:
    ics = invitation(timezone="UTC")
    calendar, event = parse(ics)
    assert b"DTSTART:20261201T130000Z" in ics
    assert calendar.walk("VTIMEZONE") == []
    assert event.decoded("DTSTART") == START


def test_the_video_link_is_url_conference_and_in_the_description() -> None:
    _, event = parse(invitation())
    assert str(event["URL"]) == LINK
    assert str(event["CONFERENCE"]) == LINK
    assert event["CONFERENCE"].params["FEATURE"] == "VIDEO"
    assert str(event["DESCRIPTION"]) == f"Dear Kavya,\nwe look forward to meeting you.\n\n{LINK}"
    assert "LOCATION" not in event


def test_an_in_person_invitation_has_a_location_and_no_link() -> None:
    _, event = parse(invitation(url=None, location="Amsterdam HQ, 2nd floor"))
    assert str(event["LOCATION"]) == "Amsterdam HQ, 2nd floor"
    assert "URL" not in event and "CONFERENCE" not in event
    assert "https://" not in str(event["DESCRIPTION"])


def test_a_cancel_keeps_the_uid_and_is_cancelled() -> None:
    calendar, event = parse(invitation(method="CANCEL", sequence=4))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == "interview-1-candidate@northwind.example"
    assert event["SEQUENCE"] == 4
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:kavya.gupta@example.net"
    assert attendee.params["RSVP"] == "FALSE"


def test_hostile_names_stay_inside_their_property() -> None:
    ics = invitation(
        attendee_name='Eve "the\r\nATTENDEE:mailto:all@example.com',
        summary="Interview\r\nATTENDEE:mailto:all@example.com",
        location="Room 1\nORGANIZER:mailto:x@example.com",
    )
    _, event = parse(ics)
    assert str(event["ATTENDEE"]) == "mailto:kavya.gupta@example.net"  # still one attendee
    assert event["ATTENDEE"].params["CN"] == "Eve 'the ATTENDEE:mailto:all@example.com"
    assert str(event["SUMMARY"]) == "Interview ATTENDEE:mailto:all@example.com"
    assert str(event["ORGANIZER"]) == "mailto:rosa.jansen@northwind.example"
    assert b"\nATTENDEE:mailto:all" not in ics


def test_lines_end_in_crlf_and_are_folded() -> None:
    ics = invitation(description="x" * 300)
    lines = ics.split(b"\r\n")
    assert ics.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 75


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start": START.replace(tzinfo=None)}, "start: a time without a timezone"),
        ({"end": START}, "the interview must end after it starts"),
        (
            {"attendee_email": "kavya.gupta"},
            "candidate email: 'kavya.gupta' is not an email address",
        ),
        (
            {"attendee_email": "k@example.net\r\nBCC:x@y.z"},
            "candidate email: .* is not an email address",
        ),
        (
            {"timezone": "Europe/Atlantis"},
            "invitation timezone: unknown timezone 'Europe/Atlantis'",
        ),
        ({"method": "PUBLISH"}, "unknown iTIP method 'PUBLISH'"),
        ({"sequence": -1}, "needs a uid and a sequence"),
    ],
)
def test_bad_input_is_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        invitation(**overrides)


def test_the_mail_address_is_the_organisers_sent_by() -> None:
    """Panelist sends for the organiser: SENT-BY names it (RFC 5545 §3.2.18), quoted."""
    ics = invitation(sender_email="jobs@northwind.example")
    _, event = parse(ics)
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:rosa.jansen@northwind.example"
    assert organizer.params["SENT-BY"] == "mailto:jobs@northwind.example"
    assert b'SENT-BY="mailto:jobs@northwind.example"' in ics.replace(b"\r\n ", b"")
    parsed = vobject.readOne(ics.decode(), validate=True)
    assert parsed.vevent.organizer.params["SENT-BY"] == ["mailto:jobs@northwind.example"]


def test_an_organiser_who_sends_it_needs_no_sent_by() -> None:
    _, event = parse(invitation(sender_email="Rosa.Jansen@northwind.example"))
    assert "SENT-BY" not in event["ORGANIZER"].params
