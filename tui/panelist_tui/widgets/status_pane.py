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
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from panelist.errors import PanelistError
from panelist.models import InterviewSummary
from panelist.services.interviews import upcoming_interviews
from panelist.services.notices import Notice, list_notices
from panelist_tui.formatting import fit, time_span
from panelist_tui.glyphs import Glyphs
from panelist_tui.widgets.interviews import response_text

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
        yield OptionList(id="status-interviews")
        yield Static("No interviews ahead", id="status-no-interviews")
        yield Static("Notices", id="status-notices-title", classes="status-title")
        yield Static(id="status-notices")

    @property
    def interview_list(self) -> OptionList:
        return self.query_one("#status-interviews", OptionList)

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
            self._show_interviews(interviews, ws.clock.now())

    def _show_interviews(self, interviews: list[InterviewSummary], now: datetime) -> None:
        listed = self.interview_list
        kept = listed.highlighted_option.id if listed.highlighted_option is not None else None
        glyphs, zone = self.app.glyphs, self.app.workspace.user.timezone
        options: list[Option | None] = []
        for interview in interviews:
            if options:
                options.append(None)  # a separator line between interviews
            content = upcoming_content(interview, glyphs, now, zone)
            options.append(Option(content, id=str(interview.id)))
        listed.set_options(options)
        ids = [str(i.id) for i in interviews]
        if kept in ids:
            listed.highlighted = ids.index(kept)
        elif ids:
            listed.highlighted = 0
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

    @on(OptionList.OptionSelected, "#status-interviews")
    def _open(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = next(i for i in self.interviews if str(i.id) == event.option.id)
        self.app.open_application(chosen.application_id)
