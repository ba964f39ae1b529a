"""The home screen's Status pane: the user's upcoming interviews with each attendee's answer,
then their notices ("Sam Berg declined the interview with Ana (Tue 24 Nov 10:00)")."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import ListView, Static

from panelist.errors import PanelistError
from panelist.models import InterviewSummary
from panelist.services.interviews import upcoming_interviews
from panelist.services.notices import Notice, list_notices
from panelist_tui.formatting import fit, time_span
from panelist_tui.glyphs import Glyphs
from panelist_tui.widgets.interviews import InterviewCard, InterviewList, response_text

if TYPE_CHECKING:
    from panelist_tui.app import PanelistApp

NOTICES_SHOWN = 5
NAME_CELLS = 16
"""Attendee names are cut to this, so a name and the longest answer fit the pane's width."""


def upcoming_content(
    interview: InterviewSummary, glyphs: Glyphs, now: datetime, zone: str
) -> Content:
    """When (in the user's `zone`, named once in the pane's title), candidate, method and
    type, then each attendee's answer."""
    sep = Content.styled(f" {glyphs.separator} ", "$text-muted")
    when = time_span(interview.start, interview.end, zone, now, glyphs, named=False)
    lines = [
        Content.styled(when, "bold"),
        Content.assemble(
            (interview.candidate_name, "bold"),
            sep,
            glyphs.method(interview.method),
            " ",
            (interview.type_name, "$text-muted"),
        ),
    ]
    names = [fit(p.name, NAME_CELLS, glyphs) for p in interview.participants]
    width = max((cell_len(name) for name in names), default=0)
    for name, person in zip(names, interview.participants, strict=True):
        padding = " " * (width - cell_len(name) + 2)
        lines.append(Content.assemble("  ", name, padding, response_text(person.response, glyphs)))
    return Content("\n").join(lines)


def notices_content(notices: list[Notice], glyphs: Glyphs) -> Content:
    """Newest first; unread ones stand out, read ones are muted."""
    if not notices:
        return Content.styled("No notices", "$text-muted")
    lines = [
        Content.styled(f"{glyphs.dash} {n.message}", "$text-muted" if n.read else "bold")
        for n in notices
    ]
    return Content("\n").join(lines)


class StatusPane(Vertical):
    """Reads core on `reload()` (local SQLite, a few milliseconds); Enter on an interview
    opens its application."""

    app: PanelistApp
    _interviews: list[InterviewSummary] | None = None
    """None until the first reload."""

    def compose(self) -> ComposeResult:
        yield Static("Your interviews", id="status-interviews-title", classes="status-title")
        yield InterviewList(id="status-interviews")
        yield Static("No interviews ahead", id="status-no-interviews")
        yield Static("Notices", id="status-notices-title", classes="status-title")
        yield Static(id="status-notices")

    @property
    def interview_list(self) -> InterviewList:
        return self.query_one("#status-interviews", InterviewList)

    @property
    def interviews(self) -> list[InterviewSummary]:
        """The interviews listed (or about to be), in their order."""
        return list(self._interviews or [])

    def reload(self) -> None:
        """Read the upcoming interviews and the latest notices again and show them."""
        ws = self.app.workspace
        try:
            interviews = upcoming_interviews(ws)
            notices = list_notices(ws, unread_only=False, limit=NOTICES_SHOWN)
        except PanelistError as error:
            self.app.report_error(error)
            return
        self._show_notices(notices)
        if interviews != self._interviews:
            self._interviews = interviews
            # The cards are swapped once the old ones are gone (removal is asynchronous).
            self.call_later(self._show_interviews, interviews, ws.clock.now())

    async def _show_interviews(self, interviews: list[InterviewSummary], now: datetime) -> None:
        listed = self.interview_list
        kept = listed.highlighted_child
        kept_id = kept.interview.id if isinstance(kept, InterviewCard) else None
        await listed.clear()
        glyphs, zone = self.app.glyphs, self.app.workspace.user.timezone
        await listed.extend(
            InterviewCard(i, upcoming_content(i, glyphs, now, zone)) for i in interviews
        )
        ids = [i.id for i in interviews]
        listed.index = ids.index(kept_id) if kept_id in ids else 0 if ids else None
        listed.display = bool(interviews)
        self.query_one("#status-no-interviews").display = not interviews
        sep = f" {glyphs.separator} "
        count = f"{sep}{len(interviews)}{sep}{zone}" if interviews else ""
        self.query_one("#status-interviews-title", Static).update(f"Your interviews{count}")

    def _show_notices(self, notices: list[Notice]) -> None:
        unread = sum(not n.read for n in notices)
        title = f"Notices {self.app.glyphs.separator} {unread} new" if unread else "Notices"
        self.query_one("#status-notices-title", Static).update(title)
        self.query_one("#status-notices", Static).update(notices_content(notices, self.app.glyphs))

    @on(ListView.Selected, "#status-interviews")
    def _open(self, event: ListView.Selected) -> None:
        event.stop()
        if isinstance(event.item, InterviewCard):
            self.app.open_application(event.item.interview.application_id)
