"""Statuses (SPEC §4): Scheduled → Closed by the clock, or Cancelled; answers read back from
the calendars; an interviewer's decline reaches the organiser, a candidate's reaches nobody."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import scheduling_helpers as h

from panelist.clock import FrozenClock
from panelist.models import InterviewStatus
from panelist.providers import ResponseStatus
from panelist.scheduling import SchedulingService, list_notices, mark_notice_read
from panelist.services.interviews import interviews_for_application
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio


def answer(ws: Workspace, interview_id: int, who: str, status: ResponseStatus) -> None:
    """`who` answers in their own calendar, as their calendar app would record it."""
    uid = ws.db.execute(
        "SELECT external_id FROM interview_external_refs WHERE interview_id = ? AND employee_id = ?"
        " AND kind = 'interviewer_event'",
        [interview_id, h.employee_id(who)],
    ).fetchone()[0]
    ws.calendar_provider("local").set_response(h.calendar_id(who), uid, h.email(who), status)  # type: ignore[attr-defined]


def responses(service: SchedulingService, interview_id: int) -> dict[str, str]:
    (shown,) = [i for i in interviews_for_application(service.ws, 1) if i.id == interview_id]
    return {p.name: p.response.label for p in shown.participants}


async def test_answers_are_read_back_on_refresh(service: SchedulingService) -> None:
    record = await service.invite(h.request("sam", "ana", "piet", "nadia"))
    assert set(responses(service, record.id).values()) == {"Awaiting response"}
    answer(service.ws, record.id, "sam", ResponseStatus.ACCEPTED)
    answer(service.ws, record.id, "ana", ResponseStatus.TENTATIVE)
    await service.refresh_responses(record.id)
    assert responses(service, record.id) == {
        "Sam Lee": "Accepted",
        "Ana Silva": "Maybe",
        "Piet van Dijk": "Awaiting response",
        "Nadia Haddad": "Awaiting response",  # no calendar to read an answer from
    }


async def test_an_interviewer_declining_notifies_the_organiser_once(
    service: SchedulingService, maildir: Path
) -> None:
    record = await service.invite(h.request("sam", "ana"))
    answer(service.ws, record.id, "sam", ResponseStatus.DECLINED)
    await service.refresh_responses(record.id)
    await service.refresh_responses(record.id)  # a second look finds nothing new

    assert responses(service, record.id)["Sam Lee"] == "Declined"
    (notice,) = list_notices(service.ws)
    assert notice.message == (
        "Sam Lee declined the interview with Daan de Jong (Tuesday 24 November 2026, 10:00–11:00"
        " (Europe/Amsterdam))"
    )
    (mail,) = h.read_maildir(maildir)
    assert mail["To"] == "Rosa Jansen <rosa@northwind.example>"
    assert mail["Subject"] == "Sam Lee declined the interview with Daan de Jong"
    assert "calendar" not in mail.get_content_type()
    assert service.ws.db.execute("SELECT status FROM interviews").fetchone()[0] == "scheduled"
    mark_notice_read(service.ws, notice.id)
    assert list_notices(service.ws) == []
    assert len(list_notices(service.ws, unread_only=False)) == 1


async def test_a_candidate_declining_notifies_nobody(
    service: SchedulingService, maildir: Path
) -> None:
    record = await service.invite(h.request("sam"))
    await service.send_candidate_invitation(record.id)
    service.record_candidate_response(record.id, ResponseStatus.DECLINED)
    await service.refresh_responses(record.id)
    assert list_notices(service.ws, unread_only=False) == []
    assert len(h.read_maildir(maildir)) == 1  # only the invitation itself
    row = service.ws.db.execute(
        "SELECT status, candidate_response, candidate_status FROM interviews"
    ).fetchone()
    assert row == ("scheduled", "declined", "email_sent")


async def test_an_ended_interview_is_closed_by_the_clock(
    service: SchedulingService, clock: FrozenClock
) -> None:
    record = await service.invite(h.request("sam"))
    assert service.close_finished() == 0
    clock.set(record.end - timedelta(minutes=1))
    assert service.close_finished() == 0
    clock.set(record.end)
    (shown,) = interviews_for_application(service.ws, 1)
    assert shown.status is InterviewStatus.CLOSED  # derived already, before it is stored
    assert service.close_finished() == 1
    assert service.ws.db.execute("SELECT status FROM interviews").fetchone()[0] == "closed"


async def test_a_cancelled_interview_stays_cancelled_after_its_time(
    service: SchedulingService, clock: FrozenClock
) -> None:
    record = await service.invite(h.request("sam"))
    await service.cancel(record.id)
    clock.set(record.end + timedelta(days=1))
    assert service.close_finished() == 0
    (shown,) = interviews_for_application(service.ws, 1)
    assert shown.status is InterviewStatus.CANCELLED
