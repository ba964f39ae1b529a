"""Reading one calendar object: VTIMEZONEs of IANA zones are skipped, the sender's own are kept."""

from __future__ import annotations

from datetime import UTC, datetime

from panelist_caldav.objects import parse_object


def vtimezone(zone_id: str, offset: str) -> str:
    return (
        f"BEGIN:VTIMEZONE\r\nTZID:{zone_id}\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\n"
        f"TZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    )


def calendar_object(*parts: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other App//EN\r\n"
        + "".join(parts)
        + ("END:VCALENDAR\r\n")
    )


def test_an_iana_zone_is_read_from_the_tz_database_whatever_its_vtimezone_says() -> None:
    """A VTIMEZONE of a zone icalendar knows is ignored by it, so it is not even parsed."""
    bogus = vtimezone("Europe/Amsterdam", "+0500")
    event = (
        "BEGIN:VEVENT\r\nUID:talk\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART;TZID=Europe/Amsterdam:20260324T100000\r\n"
        "DTEND;TZID=Europe/Amsterdam:20260324T110000\r\nEND:VEVENT\r\n"
    )
    (talk,) = parse_object(calendar_object(bogus, event), "cal", "/cal/talk.ics", None)
    assert talk.start == datetime(2026, 3, 24, 9, tzinfo=UTC)  # CET, not the +05:00 claimed


def test_a_zone_of_the_senders_own_keeps_its_vtimezone_next_to_an_iana_one() -> None:
    zones = vtimezone("Europe/Amsterdam", "+0500") + vtimezone("Office Time", "+0300")
    event = (
        "BEGIN:VEVENT\r\nUID:talk\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART;TZID=Office Time:20260324T120000\r\n"
        "DTEND;TZID=Europe/Amsterdam:20260324T110000\r\nEND:VEVENT\r\n"
    )
    (talk,) = parse_object(calendar_object(zones, event), "cal", "/cal/talk.ics", None)
    assert talk.start == datetime(2026, 3, 24, 9, tzinfo=UTC)
    assert talk.end == datetime(2026, 3, 24, 10, tzinfo=UTC)
    assert talk.extra["resource"] == "/cal/talk.ics"


def test_properties_panelist_never_reads_are_skipped_with_their_folded_lines() -> None:
    """DTSTAMP, CREATED, LAST-MODIFIED, PRODID and VERSION are not parsed (in any case);
    the folded lines of one go with it instead of joining another line."""
    data = (
        "BEGIN:VCALENDAR\r\nPRODID:-//A calendar app with a very long name that its\r\n"
        "  writer folded//EN\r\nversion:2.0\r\nBEGIN:VEVENT\r\nUID:talk\r\n"
        "dtstamp:not a time\r\nCREATED:20260101T000000Z\r\nSUMMARY:Talk\r\n"
        "LAST-MODIFIED;X-NOTE=folded:2026\r\n 0101T000000Z\r\n"
        "DESCRIPTION:Line one\r\n line one continued\r\nDTSTART:20260324T090000Z\r\n"
        "DTEND:20260324T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (talk,) = parse_object(data, "cal", "/cal/talk.ics", None)
    assert (talk.summary, talk.description) == ("Talk", "Line oneline one continued")
    assert talk.start == datetime(2026, 3, 24, 9, tzinfo=UTC)
