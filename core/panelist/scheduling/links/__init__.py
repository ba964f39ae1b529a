"""Smart scheduling links (issue 18): the candidate picks the time from a page.

The recruiter's side (`SchedulingLinks`, acting as the workspace's user, rights checked)
makes a link for one application: who takes part, the room rule, the method, a window of
days, how many options at most and until when it works. The link goes out as a mail of
purpose ``scheduling_link`` through the outbox, keyed by the link, so it goes once.

The candidate's side (`CandidateLinks`) is authenticated by the token alone and acts as
the link's creator: their rights are checked at every step (a recruiter who lost the right
to schedule makes the link unavailable). The options are recomputed from the calendar
cache with the slot finder each time the page is asked for; a slot id names one of the
options offered now and nothing else. Booking is a normal `SchedulingService.invite`
(live re-check with the providers, the outbox, exactly once) under a request key made
from the link, so a retried POST or a second tab books once; then the candidate gets the
normal invitation mail with its .ics.

Tokens: `secrets.token_urlsafe(32)` (256 bits). The database keeps the sha256 of a token
only; the mail's text in the outbox keeps `TOKEN_PLACEHOLDER` where the token was, and
the raw token lives only in memory between `create` and `send` (and in the mail itself).

The package, by part: `model` (states, errors, requests, what the page shows), `stored`
(a link's row, its token's hash, its URL), `options` (the times offered now, from the
cache), `recruiter` (`SchedulingLinks`) and `candidate` (`CandidateLinks`).
"""

from panelist.scheduling.links.candidate import CandidateLinks
from panelist.scheduling.links.model import (
    DEFAULT_BASE_URL,
    MAX_CHANGE_HOURS,
    MAX_OPTIONS,
    MAX_WINDOW_DAYS,
    PURPOSE,
    TOKEN_PLACEHOLDER,
    Booked,
    CandidatePage,
    CreatedLink,
    LinkMailNotSent,
    LinkRequest,
    LinkState,
    LinkSummary,
    LinkUnavailable,
    OfferedDay,
    OfferedSlot,
    SlotTaken,
)
from panelist.scheduling.links.recruiter import SchedulingLinks, link_problems, render_link_mail
from panelist.scheduling.links.stored import link_url, token_hash

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_CHANGE_HOURS",
    "MAX_OPTIONS",
    "MAX_WINDOW_DAYS",
    "PURPOSE",
    "TOKEN_PLACEHOLDER",
    "Booked",
    "CandidateLinks",
    "CandidatePage",
    "CreatedLink",
    "LinkMailNotSent",
    "LinkRequest",
    "LinkState",
    "LinkSummary",
    "LinkUnavailable",
    "OfferedDay",
    "OfferedSlot",
    "SchedulingLinks",
    "SlotTaken",
    "link_problems",
    "link_url",
    "render_link_mail",
    "token_hash",
]
