"""The invitation's VTIMEZONE as Outlook expects it (MS-OXCICAL): yearly RRULEs, no COMMENT
on the VTIMEZONE (RFC 5545 allows one only in STANDARD/DAYLIGHT), and for every hour of
the interview's year the offset it implies, read by icalendar and by vobject, is zoneinfo's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from panelist.mail.ics import interview_ics

STAMP = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ZONES = (
    "Europe/Amsterdam",
    "America/New_York",
    "Australia/Sydney",  # summer time from October to April
    "Asia/Kolkata",  # no DST, a half-hour offset
    "America/Sao_Paulo",  # DST abolished in 2019
    "Europe/London",
    "Europe/Dublin",  # tzdata calls its winter time the "daylight" part
    "Australia/Lord_Howe",  # a 30-minute DST step
    "Africa/Casablanca",  # four changes a year, around Ramadan
)


def invitation(zone: str, start: datetime) -> bytes:
    return interview_ics(
        method="REQUEST",
        uid="panelist-interview-7-candidate@northwind.example",
        sequence=0,
        start=start,
        end=start + timedelta(hours=1),
        timezone=zone,
        summary="Technical interview: Data Engineer at Northwind",
        description="Dear Kavya,\nsee you then.",
        location="",
        organizer_email="rosa@northwind.example",
        organizer_name="Rosa Jansen",
        attendee_email="kavya@example.net",
        attendee_name="Kavya Gupta",
        stamp=STAMP,
    )


def renamed(ics: bytes, zone: str, year: int) -> str:
    """The invitation with a TZID no library knows, so each must read the rules we wrote
    (both libraries remember a zone by its TZID: one name per zone and year)."""
    tzid = f"Test/{zone}/{year}"
    return (
        ics.decode().replace(f"TZID={zone}", f"TZID={tzid}").replace(f"TZID:{zone}", f"TZID:{tzid}")
    )


def implied_zones(ics: bytes, zone: str, year: int) -> dict[str, tzinfo]:
    text = renamed(ics, zone, year)
    (component,) = icalendar.Calendar.from_ical(text).walk("VTIMEZONE")
    parsed = vobject.readOne(text, validate=True)
    return {"icalendar": component.to_tz(), "vobject": parsed.vtimezone.gettzinfo()}


def wrong_hours(zone: str, implied: tzinfo, year: int) -> list[str]:
    expected = ZoneInfo(zone)
    wrong = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    while moment.year == year:
        if moment.astimezone(implied).utcoffset() != moment.astimezone(expected).utcoffset():
            wrong.append(moment.isoformat())
        moment += timedelta(hours=1)
    return wrong


@pytest.mark.parametrize(
    ("zone", "year"),
    [(zone, 2026) for zone in ZONES] + [("America/New_York", 2031), ("Australia/Sydney", 2031)],
)
def test_every_hour_of_the_interviews_year_has_zoneinfos_offset(zone: str, year: int) -> None:
    ics = invitation(zone, datetime(year, 6, 15, 12, 0, tzinfo=UTC))
    for parser, implied in implied_zones(ics, zone, year).items():
        assert wrong_hours(zone, implied, year)[:3] == [], parser


@pytest.mark.parametrize("zone", ZONES)
def test_no_comment_and_no_rdate_lists(zone: str) -> None:
    ics = invitation(zone, datetime(2026, 12, 1, 13, 0, tzinfo=UTC))
    (timezone,) = icalendar.Calendar.from_ical(ics).walk("VTIMEZONE")
    assert str(timezone["TZID"]) == zone
    assert "COMMENT" not in timezone
    for observance in timezone.subcomponents:
        assert observance.name in ("STANDARD", "DAYLIGHT")
        assert "RDATE" not in observance


def rules(zone: str) -> dict[str, list[str]]:
    """Each observance as NAME: [RRULE, TZOFFSETFROM, TZOFFSETTO], as written."""
    ics = invitation(zone, datetime(2026, 12, 1, 13, 0, tzinfo=UTC)).decode()
    block = ics.split("BEGIN:VTIMEZONE\r\n", 1)[1].split("END:VTIMEZONE", 1)[0]
    found: dict[str, list[str]] = {}
    for part in block.split("BEGIN:")[1:]:
        lines = part.split("\r\n")
        found[lines[0]] = [
            line.split(":", 1)[1]
            for line in lines
            if line.startswith(("RRULE", "TZOFFSETFROM", "TZOFFSETTO"))
        ]
    return found


def test_rules_read_like_the_ones_outlook_and_google_write() -> None:
    assert rules("Europe/Amsterdam") == {
        "DAYLIGHT": ["FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "+0100", "+0200"],
        "STANDARD": ["FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "+0200", "+0100"],
    }
    assert rules("America/New_York") == {
        "DAYLIGHT": ["FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", "-0500", "-0400"],
        "STANDARD": ["FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", "-0400", "-0500"],
    }
    assert rules("Australia/Sydney") == {
        "STANDARD": ["FREQ=YEARLY;BYDAY=1SU;BYMONTH=4", "+1100", "+1000"],
        "DAYLIGHT": ["FREQ=YEARLY;BYDAY=1SU;BYMONTH=10", "+1000", "+1100"],
    }


@pytest.mark.parametrize(
    ("zone", "offset"), [("Asia/Kolkata", "+0530"), ("America/Sao_Paulo", "-0300")]
)
def test_a_zone_without_dst_has_one_standard_observance(zone: str, offset: str) -> None:
    assert rules(zone) == {"STANDARD": [offset, offset]}


def test_the_onset_is_local_time_before_the_change() -> None:
    ics = invitation("Europe/Amsterdam", datetime(2026, 12, 1, 13, 0, tzinfo=UTC))
    (timezone,) = icalendar.Calendar.from_ical(ics).walk("VTIMEZONE")
    onsets = {o.name: o.decoded("DTSTART") for o in timezone.subcomponents}
    # 01:00 UTC both times: 02:00 in winter time, 03:00 in summer time
    assert onsets == {
        "DAYLIGHT": datetime(1970, 3, 29, 2, 0),
        "STANDARD": datetime(1970, 10, 25, 3, 0),
    }
