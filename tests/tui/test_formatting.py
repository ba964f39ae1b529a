"""The small pure pieces behind the screens: time spans, column plans, cutting text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.cells import cell_len

from panelist.models import (
    CandidateStatus,
    InterviewStatus,
    InterviewSummary,
    Method,
    ParticipantSummary,
    UnsentMail,
)
from panelist.providers.events import ResponseStatus
from panelist_tui.formatting import fit, time_span
from panelist_tui.glyphs import ASCII, UNICODE
from panelist_tui.widgets.application_table import WIDE, plan_columns
from panelist_tui.widgets.interviews import interview_content

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_span_in_the_organiser_zone_with_the_zone_in_brackets() -> None:
    text = time_span(utc(2026, 12, 1, 9), utc(2026, 12, 1, 10), "Europe/Amsterdam", NOW, UNICODE)
    assert text == "Tue 01 Dec 10:00–11:00 (Europe/Amsterdam)"
    text = time_span(utc(2026, 12, 1, 9), utc(2026, 12, 1, 10), "Asia/Kolkata", NOW, ASCII)
    assert text == "Tue 01 Dec 14:30-15:30 (Asia/Kolkata)"
    text = time_span(
        utc(2026, 12, 1, 9), utc(2026, 12, 1, 10), "Asia/Kolkata", NOW, ASCII, named=False
    )
    assert text == "Tue 01 Dec 14:30-15:30"


def test_span_over_midnight_names_both_days() -> None:
    text = time_span(
        utc(2026, 12, 1, 22), utc(2026, 12, 1, 23, 30), "Europe/Amsterdam", NOW, UNICODE
    )
    assert text == "Tue 01 Dec 23:00 – Wed 02 Dec 00:30 (Europe/Amsterdam)"


def test_span_in_another_year_shows_the_year() -> None:
    text = time_span(utc(2027, 1, 5, 9), utc(2027, 1, 5, 10), "Europe/London", NOW, UNICODE)
    assert text == "Tue 05 Jan 2027 09:00–10:00 (Europe/London)"


def test_span_across_a_dst_change_uses_each_instant_offset() -> None:
    # 25 Oct 2026: Amsterdam goes from +02:00 to +01:00 at 01:00 UTC.
    text = time_span(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30), "Europe/Amsterdam",
                     NOW, UNICODE)  # fmt: skip
    assert text == "Sun 25 Oct 02:30–02:30 (Europe/Amsterdam)"


def test_unknown_zone_falls_back_to_utc_and_says_so() -> None:
    text = time_span(utc(2026, 12, 1, 9), utc(2026, 12, 1, 10), "Mars/Olympus", NOW, UNICODE)
    assert text == "Tue 01 Dec 09:00–10:00 (UTC)"


@pytest.mark.parametrize("width", [80, 100, 109, 110, 116, 160, 200])
def test_columns_fill_but_never_overflow_the_table(width: int) -> None:
    plan = plan_columns(width)
    used = sum(c.width + 2 for c in plan) + 2  # padding either side, scrollbar
    assert used == width
    assert [c.key for c in plan][-3:] == ["stage", "applied", "interviews"]
    assert ("email" in [c.key for c in plan]) is (width >= WIDE)


def test_columns_at_80_leave_room_for_names_and_titles() -> None:
    widths = {c.key: c.width for c in plan_columns(80)}
    assert widths["candidate"] >= 20
    assert widths["job"] >= 24


def test_fit_marks_the_cut() -> None:
    assert fit("Customer Success Manager", 30, UNICODE) == "Customer Success Manager"
    assert fit("Customer Success Manager", 10, UNICODE) == "Customer…"
    assert fit("Customer Success Manager", 10, ASCII) == "Custome..."
    assert cell_len(fit("日本語のテキストです", 7, UNICODE)) <= 7


def _interview(**changes: object) -> InterviewSummary:
    fields: dict[str, object] = {
        "id": 1,
        "application_id": 1,
        "type_name": "Technical interview",
        "organiser_name": "Rosa Jansen",
        "start": utc(2026, 12, 1, 9),
        "end": utc(2026, 12, 1, 10),
        "timezone": "Europe/Amsterdam",
        "method": Method.VIDEO,
        "video_provider": "jitsi",
        "video_link": None,
        "room_name": "Amstel",
        "status": InterviewStatus.SCHEDULED,
        "candidate_status": CandidateStatus.NOT_INVITED,
        "participants": (
            ParticipantSummary(2, "Kwame Mensah", "Interviewer", ResponseStatus.TENTATIVE, False),
            ParticipantSummary(3, "Lucas Smit", "Interviewer", ResponseStatus.DECLINED, True),
        ),
    }
    fields.update(changes)
    return InterviewSummary(**fields)  # type: ignore[arg-type]


def test_card_of_a_video_interview_without_a_link_yet() -> None:
    text = str(interview_content(_interview(), UNICODE, NOW, "Jitsi Meet")).splitlines()
    assert text == [
        "Scheduled  Technical interview · organiser Rosa Jansen",
        "  Tue 01 Dec 10:00–11:00 (Europe/Amsterdam) · candidate Not invited",
        "  🎥 Video (Jitsi Meet) · room Amstel",
        "    no link yet",
        "  Kwame Mensah ⚠  Interviewer  ? Maybe",
        "  Lucas Smit      Interviewer  ✗ Declined",
    ]


def test_card_names_the_answer_of_a_room_that_answers() -> None:
    declined = _interview(room_response=ResponseStatus.DECLINED)
    text = str(interview_content(declined, UNICODE, NOW, "Google Meet")).splitlines()
    assert text[2] == "  🎥 Video (Google Meet) · room Amstel declined"


def test_card_in_ascii() -> None:
    interview = _interview(method=Method.PHONE, video_provider=None, room_name=None,
                           status=InterviewStatus.CANCELLED)  # fmt: skip
    text = str(interview_content(interview, ASCII, NOW)).splitlines()
    assert text[0].startswith("Cancelled  Technical interview | organiser")
    assert text[2] == "  [P] Phone"
    assert text[3] == "  Kwame Mensah !  Interviewer  ? Maybe"
    assert all(line.isascii() for line in text)


def test_card_of_an_interview_with_unsent_mails() -> None:
    failed = UnsentMail(7, "candidate_invitation", "Daan", "the mail server m:25 refused", False)
    waiting = UnsentMail(8, "interviewer_cancellation", "Lucas Smit", "disk full", True)
    interview = _interview(unsent_mails=(failed, waiting), participants=())
    assert str(interview_content(interview, UNICODE, NOW)).splitlines()[-2:] == [
        "  ⚠ Mail failed: the candidate invitation to Daan: the mail server m:25 refused"
        " · t retries",
        "  ⚠ Mail not sent yet: the interviewer cancellation to Lucas Smit: disk full"
        " · t retries now, panelist resume later",
    ]
    text = str(interview_content(interview, ASCII, NOW)).splitlines()
    assert text[-2].startswith("  ! Mail failed: ") and text[-2].endswith(" | t retries")
    assert all(line.isascii() for line in text)
