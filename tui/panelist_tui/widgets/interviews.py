"""The Interviews tab: one card per interview, everything a recruiter checks at a glance."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.content import Content
from textual.style import Style
from textual.widgets import ListItem, ListView, Static

from panelist.models import InterviewStatus, InterviewSummary, Method, ParticipantSummary
from panelist.providers.events import ResponseStatus
from panelist_tui.formatting import time_span
from panelist_tui.glyphs import Glyphs

if TYPE_CHECKING:  # the links module loads only when an application is opened
    from panelist.scheduling.links import LinkSummary

PENCIL = "✎"
PENCIL_ASCII = "[e]"
"""Marks an interview that can still be edited (rescheduled) with the e key."""

RETRY_KEY = "t"
"""Sends an interview's unsent mails again (the Interviews tab's binding)."""

WITHDRAW_KEY = "w"
"""Withdraws the highlighted scheduling link (the Interviews tab's binding)."""

LINK_STATE_STYLE = {
    "draft": "bold $text-warning",
    "sent": "bold $text-accent",
    "booked": "bold $text-success",
    "cancelled": "bold $text-muted",
    "expired": "bold $text-muted",
    "withdrawn": "bold $text-muted",
}

STATUS_STYLE = {
    InterviewStatus.SCHEDULED: "bold $text-success",
    InterviewStatus.CLOSED: "bold $text-muted",
    InterviewStatus.CANCELLED: "bold $text-error",
}

RESPONSE_STYLE = {
    ResponseStatus.ACCEPTED: "$text-success",
    ResponseStatus.DECLINED: "$text-error",
    ResponseStatus.TENTATIVE: "$text-warning",
    ResponseStatus.NEEDS_ACTION: "$text-muted",
}


def response_text(response: ResponseStatus, glyphs: Glyphs) -> Content:
    """An attendee's answer: icon and label, in the answer's colour."""
    return Content.styled(f"{glyphs.response(response)} {response.label}", RESPONSE_STYLE[response])


def _participant_lines(
    participants: tuple[ParticipantSummary, ...], glyphs: Glyphs
) -> list[Content]:
    """Name (with a warning when the calendar is not integrated), role and response, aligned."""

    def name_of(p: ParticipantSummary) -> str:
        return p.name if p.calendar_integrated else f"{p.name} {glyphs.warning}"

    name_width = max((cell_len(name_of(p)) for p in participants), default=0)
    role_width = max((cell_len(p.role) for p in participants), default=0)
    lines = []
    for p in participants:
        name = name_of(p)
        name_part: Content = Content(p.name)
        if not p.calendar_integrated:
            name_part = Content.assemble(p.name, " ", (glyphs.warning, "bold $text-warning"))
        lines.append(
            Content.assemble(
                "  ",
                name_part,
                " " * (name_width - cell_len(name) + 2),
                (p.role.ljust(role_width), "$text-muted"),
                "  ",
                response_text(p.response, glyphs),
            )
        )
    return lines


def candidate_time(
    interview: InterviewSummary, zone_name: str | None, now: datetime, glyphs: Glyphs
) -> str:
    """The span in the candidate's zone when that reads differently; "" otherwise."""
    if not zone_name or zone_name == interview.timezone:
        return ""

    def span(zone: str, named: bool) -> str:
        return time_span(interview.start, interview.end, zone, now, glyphs, named=named)

    same_clock = span(zone_name, False) == span(interview.timezone, False)
    return "" if same_clock else span(zone_name, True)


def unsent_mail_lines(
    interview: InterviewSummary, glyphs: Glyphs, retry_key: str = RETRY_KEY
) -> list[Content]:
    """One line per mail that did not go out: which, why, and how it is sent again."""
    lines = []
    for mail in interview.unsent_mails:
        if mail.automatic:
            head, hint = "Mail not sent yet", f"{retry_key} retries now, panelist resume later"
        else:
            head, hint = "Mail failed", f"{retry_key} retries"
        lines.append(
            Content.assemble(
                "  ",
                (f"{glyphs.warning} {head}: ", "bold $text-error"),
                f"{mail.description}: {mail.reason} ",
                (f"{glyphs.separator} {hint}", "$text-muted"),
            )
        )
    return lines


def interview_content(
    interview: InterviewSummary,
    glyphs: Glyphs,
    now: datetime,
    video_provider_name: str = "",
    candidate_zone: str | None = None,
    edit_mark: str = "",
    retry_key: str = RETRY_KEY,
) -> Content:
    """The card of one interview as display content (pure: easy to test and to reuse).

    Line 1: status, type, organiser; line 2: time in the organiser's zone and the
    candidate's status; line 3: method and room; for video the link on the next
    line; then any mail that did not go out, with the `retry_key` that sends it again;
    then the participants. `candidate_zone`: the candidate's local time is added
    when it reads differently from the organiser's. `edit_mark` (a pencil) ends line 1 of
    an interview that may still be edited.
    """
    sep = Content.styled(f" {glyphs.separator} ", "$text-muted")
    when = time_span(interview.start, interview.end, interview.timezone, now, glyphs)
    status_width = max(len(status.label) for status in InterviewStatus)
    lines: list[Content] = [
        Content.assemble(
            (interview.status.label.ljust(status_width), STATUS_STYLE[interview.status]),
            "  ",
            (interview.type_name, "bold"),
            sep,
            ("organiser ", "$text-muted"),
            interview.organiser_name,
            ("  " + edit_mark if edit_mark else "", "$text-accent"),
        ),
        Content.assemble(
            "  ",
            (when, "strike" if interview.status is InterviewStatus.CANCELLED else ""),
            sep,
            ("candidate ", "$text-muted"),
            interview.candidate_status.label,
        ),
    ]
    theirs = candidate_time(interview, candidate_zone, now, glyphs)
    if theirs:
        lines.append(Content.assemble("  ", ("candidate's time ", "$text-muted"), theirs))
    method = Content.assemble("  ", glyphs.method(interview.method), " ", interview.method.label)
    link: Content | None = None
    if interview.method is Method.VIDEO:
        provider = video_provider_name or interview.video_provider
        if provider:
            method += Content(f" ({provider})")
        url = interview.video_link
        link = Content.assemble(
            "    ",
            (url, Style(link=url, underline=True)) if url else ("no link yet", "$text-muted"),
        )
    if interview.room_name:
        method += sep + Content.assemble(("room ", "$text-muted"), interview.room_name)
        answer = interview.room_response
        if answer is not ResponseStatus.NEEDS_ACTION:  # a room that answers (a resource)
            method += Content.assemble(" ", (answer.label.lower(), RESPONSE_STYLE[answer]))
    lines.append(method)
    if link is not None:
        # On a line of its own: links are long (Teams' run to 200 characters).
        lines.append(link)
    lines.extend(unsent_mail_lines(interview, glyphs, retry_key))
    lines.extend(_participant_lines(interview.participants, glyphs))
    return Content("\n").join(lines)


def link_content(link: LinkSummary, glyphs: Glyphs, now: datetime) -> Content:
    """The card of one scheduling link (issue 18): its state, what the candidate may pick
    from, until when, and what they booked (pure, like `interview_content`)."""
    sep = Content.styled(f" {glyphs.separator} ", "$text-muted")
    zone = ZoneInfo(link.zone)
    year = now.astimezone(zone).year
    day = "%a %d %b" if link.window_last.year == year else "%a %d %b %Y"
    window = f"{link.window_first:%a %d %b}{glyphs.dash}{link.window_last.strftime(day)}"
    expires = link.expires_at.astimezone(zone)
    lines = [
        Content.assemble(
            (link.state.label, LINK_STATE_STYLE[link.state.value]),
            "  ",
            ("Scheduling link", "bold"),
            sep,
            link.type_name,
            f" ({link.minutes} min)",
        ),
        Content.assemble(
            "  ",
            ("window ", "$text-muted"),
            window,
            sep,
            ("expires ", "$text-muted"),
            f"{expires:%a %d %b %H:%M} ({link.zone})",
        ),
    ]
    if link.booked_start is not None and link.booked_end is not None:
        when = time_span(link.booked_start, link.booked_end, link.zone, now, glyphs)
        lines.append(Content.assemble("  ", ("booked ", "$text-muted"), when))
    if link.mail_error:
        lines.append(
            Content.assemble(
                "  ",
                (f"{glyphs.warning} Link mail not sent: ", "bold $text-error"),
                link.mail_error,
            )
        )
    if link.open:
        lines.append(Content.styled(f"  {WITHDRAW_KEY} withdraws the link", "$text-muted"))
    return Content("\n").join(lines)


class LinkCard(ListItem):
    """One scheduling link in the Interviews tab."""

    def __init__(self, link: LinkSummary, content: Content) -> None:
        super().__init__(classes=f"-link -{link.state.value}")
        self.link = link
        self._content = content

    def compose(self) -> ComposeResult:
        yield Static(self._content, classes="interview-body")


class InterviewCard(ListItem):
    """One interview in the list; the ListView moves between cards with the arrow keys."""

    def __init__(self, interview: InterviewSummary, content: Content) -> None:
        super().__init__(classes=f"-{interview.status.value}")
        self.interview = interview
        self._content = content

    def compose(self) -> ComposeResult:
        yield Static(self._content, classes="interview-body")


class InterviewList(ListView):
    """The interviews of one application, newest first (the order core gives)."""
