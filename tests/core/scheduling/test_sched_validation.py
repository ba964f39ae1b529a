"""SPEC §2's rules: each violation is a typed error with a message for the recruiter,
and nothing is booked. The slot, room and host are re-checked with the providers."""

from __future__ import annotations

from datetime import timedelta

import pytest
import scheduling_helpers as h

from panelist.clock import FrozenClock
from panelist.errors import PermissionDenied, ProviderUnavailable, ValidationError
from panelist.models import Method
from panelist.providers import Attendee, EventDraft, ResponseStatus, Transparency
from panelist.scheduling import (
    HostHasOverlappingMeeting,
    HostNotVerified,
    NoParticipants,
    OrganiserNotResponsible,
    ParticipantWithoutRole,
    RoomTaken,
    SchedulingService,
    SlotTaken,
)
from panelist.workspace import Workspace

pytestmark = pytest.mark.anyio
START = h.TUESDAY_10
END = START + timedelta(hours=1)


def interviews(ws: Workspace) -> int:
    return int(ws.db.execute("SELECT count(*) FROM interviews").fetchone()[0])


async def put_event(ws: Workspace, calendar: str, key: str, **changes: object) -> None:
    """An event made outside Panelist: straight in the calendar, not in any cache."""
    fields: dict[str, object] = {"summary": "Dentist", "start": START, "end": END} | changes
    draft = EventDraft(**fields)  # type: ignore[arg-type]
    await ws.calendar_provider("local").create_event(calendar, draft, key)


async def test_the_organiser_must_be_responsible_for_the_job(service: SchedulingService) -> None:
    with pytest.raises(OrganiserNotResponsible) as caught:
        await service.invite(h.request("sam", organiser="olga"))
    assert str(caught.value) == (
        "Olga Petrova is not responsible for Senior Backend Engineer and cannot organise its"
        " interviews (responsible: Piet van Dijk, Rosa Jansen)"
    )
    assert caught.value.field == "organiser"
    assert interviews(service.ws) == 0


async def test_every_participant_needs_a_recruiting_role(service: SchedulingService) -> None:
    with pytest.raises(ParticipantWithoutRole, match="Ana Silva has no recruiting role"):
        await service.invite(h.request("sam", "ana", roles={"ana": None}))
    with pytest.raises(ParticipantWithoutRole):
        await service.invite(h.request("sam", roles={"sam": 999}))
    assert interviews(service.ws) == 0


async def test_at_least_one_participant(service: SchedulingService) -> None:
    with pytest.raises(NoParticipants, match="at least one participant"):
        await service.invite(h.request())


async def test_check_lists_every_violation_for_inline_display(service: SchedulingService) -> None:
    problems = service.check(
        h.request(
            "sam", "ana", organiser="olga", roles={"ana": None}, start=h.NOW - timedelta(hours=1)
        )
    )
    assert [type(p) for p in problems] == [
        OrganiserNotResponsible,
        ParticipantWithoutRole,
        ValidationError,
    ]
    assert "must start in the future" in str(problems[2])
    assert service.check(h.request("sam")) == []


async def test_scheduling_needs_the_right_on_the_application(
    ws: Workspace, clock: FrozenClock
) -> None:
    eve = h.workspace(ws.db_path, ws.registry, clock, as_key="eve")
    try:
        with pytest.raises(PermissionDenied, match="schedule_interviews"):
            await SchedulingService(eve).invite(h.request("sam"))
    finally:
        eve.close()


async def test_the_slot_is_rechecked_with_the_provider_not_a_cache(
    service: SchedulingService,
) -> None:
    assert service.check(h.request("sam", "ana")) == []  # fine when the recruiter picked it
    await put_event(service.ws, h.calendar_id("sam"), "dentist")  # then Sam's calendar fills up
    assert service.ws.db.execute("SELECT count(*) FROM calendar_objects").fetchone()[0] == 0
    with pytest.raises(SlotTaken) as caught:
        await service.invite(h.request("sam", "ana"))
    assert str(caught.value) == "not free at this time: Sam Lee is busy 10:00–11:00"
    assert caught.value.busy == ("Sam Lee is busy 10:00–11:00",)
    assert interviews(service.ws) == 0


async def test_declined_free_and_tentative_events_do_not_block(service: SchedulingService) -> None:
    sam = h.email("sam")
    await put_event(
        service.ws,
        h.calendar_id("sam"),
        "declined",
        attendees=(Attendee(sam, status=ResponseStatus.DECLINED),),
    )
    await put_event(service.ws, h.calendar_id("sam"), "maybe", transparency=Transparency.TENTATIVE)
    await put_event(service.ws, h.calendar_id("sam"), "free", transparency=Transparency.FREE)
    record = await service.invite(h.request("sam"))
    assert record.status.value == "scheduled"


async def test_an_absent_participant_is_named(service: SchedulingService) -> None:
    service.ws.db.table("absences").insert(
        {
            "employee_id": h.employee_id("ana"),
            "kind": "holiday",
            "start_date": "2026-11-24",
            "end_date": "2026-11-24",
        }
    )
    with pytest.raises(SlotTaken, match="Ana Silva is absent"):
        await service.invite(h.request("sam", "ana"))


async def test_a_room_booked_in_its_calendar_is_taken(service: SchedulingService) -> None:
    await put_event(
        service.ws,
        "room:amstel",
        "board",
        summary="Board meeting",
        start=START + timedelta(minutes=30),
    )
    with pytest.raises(RoomTaken) as caught:
        await service.invite(h.request("sam", room="amstel"))
    assert str(caught.value) == "room taken: Amstel is booked 10:30–11:00 in its calendar"
    assert caught.value.field == "room"


async def test_a_room_held_by_another_interview_is_taken(service: SchedulingService) -> None:
    await service.invite(h.request("sam", room="amstel"))
    with pytest.raises(RoomTaken, match="Amstel is booked 10:00–11:00 for another interview"):
        await service.invite(h.request("ana", room="amstel", start=START + timedelta(minutes=30)))


async def test_a_participant_in_another_interview_is_busy(service: SchedulingService) -> None:
    await service.invite(h.request("nadia"))  # no calendar: only Panelist knows she is busy
    with pytest.raises(SlotTaken, match="Nadia Haddad has another interview 10:00–11:00"):
        await service.invite(h.request("nadia", "sam", start=START + timedelta(minutes=15)))


async def test_a_small_room_is_refused_for_an_in_person_interview(
    service: SchedulingService,
) -> None:
    with pytest.raises(ValidationError, match="Maas seats 2"):
        await service.invite(h.request("sam", "ana", room="maas"))


async def test_video_only_with_a_verified_host(service: SchedulingService) -> None:
    with pytest.raises(HostNotVerified, match="Ana Silva is not a verified jitsi user"):
        await service.invite(h.request("ana", method=Method.VIDEO, host="ana"))
    with pytest.raises(ValidationError, match="Piet van Dijk must take part to host"):
        await service.invite(h.request("sam", method=Method.VIDEO, host="piet"))


async def test_a_provider_that_verifies_hosts_is_asked(service: SchedulingService) -> None:
    # Sam's Strict Meetings account is verified in Panelist, but the provider no longer lists him.
    service.ws.db.table("provider_settings").insert(
        {"provider": "strict", "key": "hosts", "value": h.email("rosa")}
    )
    with pytest.raises(HostNotVerified, match="Sam Lee is not a verified Strict Meetings user"):
        await service.invite(h.request("sam", method=Method.VIDEO, host="sam", video="strict"))
    record = await service.invite(
        h.request("rosa", method=Method.VIDEO, host="rosa", video="strict")
    )
    assert record.video_link is not None and record.video_link.startswith(
        "https://strict.example/j/"
    )


async def test_a_host_hosts_one_meeting_at_a_time(service: SchedulingService) -> None:
    await service.invite(h.request("sam", method=Method.VIDEO, host="sam"))
    with pytest.raises(
        HostHasOverlappingMeeting, match="Sam Lee already hosts a video interview 10:00–11:00"
    ):
        # Sam as host again, while Ana and Piet are free.
        await service.invite(
            h.request(
                "piet",
                "sam",
                method=Method.VIDEO,
                host="sam",
                start=START + timedelta(minutes=45),
                roles={"sam": 4},
            )
        )


async def test_a_calendar_that_cannot_be_read_stops_the_booking(service: SchedulingService) -> None:
    service.ws.db.table("provider_settings").insert(
        {"provider": "flaky", "key": "read_failures", "value": "100"}
    )
    with pytest.raises(ProviderUnavailable) as caught:
        await service.invite(h.request("fenna", "sam"))
    assert (
        str(caught.value)
        == "Flaky Calendar did not answer for Fenna Bos's calendar; the time is not checked"
    )
    assert interviews(service.ws) == 0


def test_requests_with_broken_times_are_refused(service: SchedulingService) -> None:
    backwards = h.request("sam", minutes=-30)
    assert any("must end after it starts" in str(p) for p in service.check(backwards))
    too_long = h.request("sam", minutes=13 * 60)
    assert any("at most 12 hours" in str(p) for p in service.check(too_long))
    assert any(
        "unknown timezone" in str(p)
        for p in service.check(h.request("sam", timezone="Mars/Olympus"))
    )
