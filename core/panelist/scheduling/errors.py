"""What scheduling refuses, each as a typed error whose text a recruiter can act on.

Rule violations are `ValidationError`s (with the form field to mark), so a front
end shows them inline; a provider that keeps failing is an `OutboxIncomplete`, a
`ProviderError` that says by name what is left to do.
"""

from __future__ import annotations

from collections.abc import Sequence

from panelist.errors import ProviderError, ValidationError


class SchedulingError(ValidationError):
    """A scheduling rule was broken (SPEC §2); nothing was booked."""


class NoParticipants(SchedulingError):
    def __init__(self) -> None:
        super().__init__("add at least one participant", field="participants")


class ParticipantWithoutRole(SchedulingError):
    def __init__(self, name: str) -> None:
        super().__init__(f"{name} has no recruiting role for this interview", field="participants")
        self.name = name


class OrganiserNotResponsible(SchedulingError):
    def __init__(self, organiser: str, job: str, responsible: Sequence[str]) -> None:
        who = ", ".join(responsible) or "nobody yet"
        super().__init__(
            f"{organiser} is not responsible for {job} and cannot organise its interviews"
            f" (responsible: {who})",
            field="organiser",
        )


class HostNotVerified(SchedulingError):
    def __init__(self, host: str, provider: str) -> None:
        super().__init__(f"{host} is not a verified {provider} user", field="video_host")


class HostHasOverlappingMeeting(SchedulingError):
    def __init__(self, host: str, when: str, what: str = "a video interview") -> None:
        super().__init__(f"{host} already hosts {what} {when}", field="video_host")


class SlotTaken(SchedulingError):
    """Someone is busy at the chosen time; `busy` names them ("Sam Lee (busy 10:00–11:00)")."""

    def __init__(self, busy: Sequence[str]) -> None:
        super().__init__(f"not free at this time: {'; '.join(busy)}", field="start")
        self.busy = tuple(busy)


class RoomTaken(SchedulingError):
    def __init__(self, room: str, detail: str) -> None:
        super().__init__(f"room taken: {room} is booked {detail}", field="room")
        self.room = room


class InterviewNotOpen(SchedulingError):
    """The interview is cancelled or over: it cannot be moved or invited to any more."""

    def __init__(self, interview_id: int, status: str) -> None:
        super().__init__(f"interview {interview_id} is {status}", field=None)


class NoUnsentMail(SchedulingError):
    """Retry found no mail of the interview that did not go out."""

    def __init__(self, interview_id: int) -> None:
        super().__init__(f"interview {interview_id} has no unsent mail to retry", field=None)
        self.interview_id = interview_id


class OutboxIncomplete(ProviderError):
    """Some side effects could not be made; the outbox keeps them and tries again later.

    `problems` holds one recruiter-facing line per thing left to do.
    """

    def __init__(self, interview_id: int, problems: Sequence[str], *, retryable: bool) -> None:
        super().__init__("; ".join(problems))
        self.interview_id = interview_id
        self.problems = tuple(problems)
        self.retryable = retryable
