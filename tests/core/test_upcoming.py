"""The user's upcoming interviews and notices, as the home screen's Status pane reads them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from panelist.models import InterviewStatus
from panelist.scheduling.notices import add_notice, mark_notice_read
from panelist.services.applications import get_application
from panelist.services.directory import get_employee
from panelist.services.interviews import interviews_for_application, upcoming_interviews
from panelist.services.notices import list_notices
from panelist.storage.instants import to_text
from panelist.workspace import Workspace


def as_user(ws: Workspace, employee_id: int) -> Workspace:
    return replace(ws, actor=get_employee(ws.db, employee_id))


def scheduled_ahead(ws: Workspace) -> list[tuple[int, int]]:
    """(interview id, organiser id) of every scheduled interview not yet ended, by start."""
    rows = ws.db.execute(
        "SELECT id, organiser_id FROM interviews WHERE status = 'scheduled' AND end_utc > ?"
        " ORDER BY start_utc, id",
        [to_text(ws.clock.now())],
    ).fetchall()
    return [(iid, organiser) for iid, organiser in rows]


def participants_of(ws: Workspace, interview_id: int) -> list[int]:
    rows = ws.db.execute(
        "SELECT employee_id FROM interview_participants WHERE interview_id = ?", [interview_id]
    ).fetchall()
    return [eid for (eid,) in rows]


def ids(ws: Workspace) -> list[int]:
    return [i.id for i in upcoming_interviews(ws)]


def test_the_organiser_and_a_participant_see_it_someone_else_does_not(
    demo_workspace: Workspace,
) -> None:
    ws = demo_workspace
    interview_id, organiser = next(
        (iid, org) for iid, org in scheduled_ahead(ws) if org == ws.user.id
    )
    participant = next(p for p in participants_of(ws, interview_id) if p != organiser)
    assert interview_id in ids(ws)
    assert interview_id in ids(as_user(ws, participant))
    everyone = {eid for (eid,) in ws.db.execute("SELECT id FROM employees").fetchall()}
    involved = {organiser, *participants_of(ws, interview_id)}
    outsider = min(everyone - involved)
    assert interview_id not in ids(as_user(ws, outsider))
    # The outsider's own list holds only interviews they organise or attend.
    for shown in upcoming_interviews(as_user(ws, outsider)):
        organiser_of = dict(scheduled_ahead(ws))[shown.id]
        assert outsider in {organiser_of, *participants_of(ws, shown.id)}


def test_a_participant_whose_role_may_not_see_the_application_is_not_shown_it(
    demo_workspace: Workspace,
) -> None:
    ws = demo_workspace
    interview_id, organiser = scheduled_ahead(ws)[0]
    participant = next(p for p in participants_of(ws, interview_id) if p != organiser)
    assert interview_id in ids(as_user(ws, participant))
    (no_rights,) = ws.db.execute("SELECT id FROM recruiting_roles WHERE rights = '[]'").fetchone()
    with ws.db.conn:
        ws.db.execute(
            "UPDATE employees SET company_role_id = ? WHERE id = ?", [no_rights, participant]
        )
        ws.db.execute(
            "UPDATE interview_participants SET role_id = ? WHERE employee_id = ?",
            [no_rights, participant],
        )
        ws.db.execute("DELETE FROM job_responsibles WHERE employee_id = ?", [participant])
    assert ids(as_user(ws, participant)) == []


def test_cancelled_and_ended_interviews_are_left_out_one_in_progress_stays(
    demo_workspace: Workspace,
) -> None:
    ws = demo_workspace
    mine = ids(ws)
    assert len(mine) >= 3, "the demo gives Rosa a few interviews ahead"
    cancelled, ended, in_progress = mine[:3]
    now = ws.clock.now()
    with ws.db.conn:
        ws.db.execute("UPDATE interviews SET status = 'cancelled' WHERE id = ?", [cancelled])
        for iid, start, end in [
            (ended, now - timedelta(hours=2), now),
            (in_progress, now - timedelta(minutes=30), now + timedelta(minutes=30)),
        ]:
            ws.db.execute(
                "UPDATE interviews SET start_utc = ?, end_utc = ? WHERE id = ?",
                [to_text(start), to_text(end), iid],
            )
    after = ids(ws)
    assert cancelled not in after
    assert ended not in after
    assert after[0] == in_progress
    assert set(after) == set(mine) - {cancelled, ended}


def test_soonest_first_scheduled_and_limited(demo_workspace: Workspace) -> None:
    ws = demo_workspace
    shown = upcoming_interviews(ws)
    expected = [
        iid for iid, org in scheduled_ahead(ws) if ws.user.id in {org, *participants_of(ws, iid)}
    ]
    assert [i.id for i in shown] == expected
    assert [i.start for i in shown] == sorted(i.start for i in shown)
    assert all(i.status is InterviewStatus.SCHEDULED and i.end > ws.clock.now() for i in shown)
    assert [i.id for i in upcoming_interviews(ws, limit=2)] == expected[:2]


def test_responses_candidate_and_details_come_through(demo_workspace: Workspace) -> None:
    ws = demo_workspace
    for interview in upcoming_interviews(ws):
        application = get_application(ws, interview.application_id)
        assert interview.candidate_name == application.candidate_name
        (same,) = [
            i
            for i in interviews_for_application(ws, interview.application_id)
            if i.id == interview.id
        ]
        assert interview == replace(same, candidate_name=interview.candidate_name)
        assert same.candidate_name == application.candidate_name
    responses = {p.response for i in upcoming_interviews(ws) for p in i.participants}
    assert len(responses) > 1, "the demo mixes answers"


def test_notices_newest_first_read_ones_kept_only_the_users(demo_workspace: Workspace) -> None:
    ws = demo_workspace
    interview_id = ids(ws)[0]
    now = ws.clock.now()
    with ws.db.conn:
        for minutes, key in [(30, "old"), (20, "middle"), (10, "new")]:
            add_notice(
                ws.db,
                ws.user.id,
                interview_id,
                key,
                f"{key} news",
                now - timedelta(minutes=minutes),
            )
        add_notice(ws.db, ws.user.id + 1, interview_id, "theirs", "not for Rosa", now)
    (old,) = [n for n in list_notices(ws) if n.message == "old news"]
    mark_notice_read(ws, old.id)
    everything = list_notices(ws, unread_only=False)
    assert [(n.message, n.read) for n in everything] == [
        ("new news", False),
        ("middle news", False),
        ("old news", True),
    ]
    assert list_notices(ws, unread_only=False, limit=2) == everything[:2]
    assert [n.message for n in list_notices(ws)] == ["new news", "middle news"]
