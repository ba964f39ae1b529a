"""Scheduling interviews against real calendars: invite, mail, cancel, reschedule, remind.

Every external side effect goes through an outbox (see `panelist.scheduling.outbox`),
so a retry or a restart finishes the work without doubling any of it.

    service = SchedulingService(ws, transport_from_settings(ws.db))
    record = await service.invite(InterviewRequest(...))
    await service.send_candidate_invitation(record.id)
"""

from panelist.retry import RetryPolicy
from panelist.scheduling.duties import DutiesReport, run_open_app_duties
from panelist.scheduling.errors import (
    HostHasOverlappingMeeting,
    HostNotVerified,
    InterviewNotOpen,
    NoParticipants,
    NoUnsentMail,
    OrganiserNotResponsible,
    OutboxIncomplete,
    ParticipantWithoutRole,
    RoomTaken,
    SchedulingError,
    SlotTaken,
)
from panelist.scheduling.executor import OnStep, StepEvent
from panelist.scheduling.links import (
    Booked,
    CandidateLinks,
    CandidatePage,
    CreatedLink,
    LinkMailNotSent,
    LinkRequest,
    LinkState,
    LinkSummary,
    LinkUnavailable,
    OfferedDay,
    OfferedSlot,
    SchedulingLinks,
)
from panelist.scheduling.notices import mark_notice_read
from panelist.scheduling.records import InterviewRecord, ParticipantRecord, load_interview
from panelist.scheduling.reminders import ReminderRun, mark_evaluation_done, run_due_reminders
from panelist.scheduling.requests import (
    InterviewRequest,
    MailDraft,
    ParticipantRequest,
    ReminderPolicy,
    TemplateChoice,
)
from panelist.scheduling.service import KEEP, ResumeReport, SchedulingService
from panelist.services.notices import Notice, list_notices

__all__ = [
    "KEEP",
    "Booked",
    "CandidateLinks",
    "CandidatePage",
    "CreatedLink",
    "DutiesReport",
    "HostHasOverlappingMeeting",
    "HostNotVerified",
    "InterviewNotOpen",
    "InterviewRecord",
    "InterviewRequest",
    "LinkMailNotSent",
    "LinkRequest",
    "LinkState",
    "LinkSummary",
    "LinkUnavailable",
    "MailDraft",
    "NoParticipants",
    "NoUnsentMail",
    "Notice",
    "OfferedDay",
    "OfferedSlot",
    "OnStep",
    "OrganiserNotResponsible",
    "OutboxIncomplete",
    "ParticipantRecord",
    "ParticipantRequest",
    "ParticipantWithoutRole",
    "ReminderPolicy",
    "ReminderRun",
    "ResumeReport",
    "RetryPolicy",
    "RoomTaken",
    "SchedulingError",
    "SchedulingLinks",
    "SchedulingService",
    "SlotTaken",
    "StepEvent",
    "TemplateChoice",
    "list_notices",
    "load_interview",
    "mark_evaluation_done",
    "mark_notice_read",
    "run_due_reminders",
    "run_open_app_duties",
]
