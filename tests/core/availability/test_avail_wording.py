"""The phrases explanations are built from."""

from __future__ import annotations

from datetime import date, time

from panelist.availability.localtime import day_number
from panelist.availability.wording import (
    day_range_label,
    duration_adjective,
    duration_label,
    group_days,
    names_label,
    week_label,
    zone_label,
)
from panelist.models import WorkingHours


def test_day_ranges() -> None:
    assert day_range_label(date(2026, 12, 7), date(2026, 12, 7)) == "Mon 7 Dec"
    assert day_range_label(date(2026, 12, 7), date(2026, 12, 9)) == "Mon 7–Wed 9 Dec"
    assert day_range_label(date(2026, 11, 30), date(2026, 12, 2)) == "Mon 30 Nov–Wed 2 Dec"


def test_durations() -> None:
    assert [duration_label(m) for m in (1, 45, 60, 90, 120)] == [
        "1 minute",
        "45 minutes",
        "1 hour",
        "1 hour 30 minutes",
        "2 hours",
    ]
    assert [duration_adjective(m) for m in (45, 60, 90, 300)] == [
        "45-minute",
        "60-minute",
        "90-minute",
        "5-hour",
    ]


def test_weeks_of_working_hours() -> None:
    assert week_label(WorkingHours.office("09:00", "13:00")) == "09:00–13:00"
    assert week_label(WorkingHours.office("08:30", "17:30", days=4)) == "Mon–Thu 08:30–17:30"
    school_run = ((time(9), time(12)), (time(13), time(17)))
    split = WorkingHours((school_run, school_run, ((time(9), time(12, 30)),), (), (), (), ()))
    assert week_label(split) == "Mon–Tue 09:00–12:00, 13:00–17:00; Wed 09:00–12:30"
    assert week_label(WorkingHours(((),) * 7)) == "no working hours"


def test_names_and_zones() -> None:
    assert [names_label(n) for n in ([], ["Ana"], ["Ana", "Sam"], ["Ana", "Sam", "Bo"])] == [
        "",
        "Ana",
        "Ana and Sam",
        "Ana, Sam and Bo",
    ]
    assert zone_label("America/New_York") == "New York"
    assert zone_label("America/Argentina/Buenos_Aires") == "Buenos Aires"


def test_a_weekend_joins_days_into_one_range() -> None:
    friday, saturday, sunday, monday = (day_number(date(2026, 12, d)) for d in (11, 12, 13, 14))
    assert group_days([monday, friday]) == [(friday, friday), (monday, monday)]
    assert group_days([monday, friday], bridges=[saturday, sunday]) == [(friday, monday)]
