"""One application: who, which job, which stage, and its interviews (SPEC §2.1, §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from panelist.errors import PanelistError
from panelist.models import ApplicationSummary, InterviewSummary
from panelist.services.applications import get_application
from panelist.services.interviews import interviews_for_application
from panelist.services.session import video_provider_name
from panelist_tui.formatting import applied_on
from panelist_tui.widgets.interviews import InterviewCard, InterviewList, interview_content

if TYPE_CHECKING:
    from panelist_tui.app import PanelistApp


class ApplicationScreen(Screen[None]):
    """Opened from the list with Enter; Escape goes back."""

    app: PanelistApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the applications"),
        Binding("y", "copy_link", "Copy link", tooltip="Copy the video link to the clipboard"),
        Binding("f5,ctrl+r", "reload", "Refresh", show=False, tooltip="Read it again"),
    ]

    def __init__(self, application: ApplicationSummary, interviews: list[InterviewSummary]) -> None:
        super().__init__(id="application-screen")
        self.application = application
        self.interviews = interviews

    def compose(self) -> ComposeResult:
        yield Header(icon=self.app.glyphs.app_icon)
        with Horizontal(id="application-summary"):
            yield Static(id="application-who")
            yield Static(id="application-stage")
        with (
            TabbedContent(id="application-tabs"),
            TabPane("Interviews", id="interviews-tab"),
        ):
            yield InterviewList(id="interviews")
            yield Static(id="no-interviews")
            yield Static(id="interviews-legend")
        yield Footer()

    async def on_mount(self) -> None:
        await self._show()
        self.query_one(InterviewList).focus()

    # ----------------------------------------------------------------- showing

    async def _show(self) -> None:
        application, glyphs = self.application, self.app.glyphs
        self.query_one("#application-who", Static).update(
            Content.assemble(
                ("Candidate  ", "$text-muted"),
                (application.candidate_name, "bold"),
                "\n",
                ("Email      ", "$text-muted"),
                application.candidate_email,
                "\n",
                ("Job        ", "$text-muted"),
                application.job_title,
            )
        )
        self.query_one("#application-stage", Static).update(
            Content.assemble(
                ("Stage    ", "$text-muted"),
                (application.stage.label, "bold"),
                "\n",
                ("Applied  ", "$text-muted"),
                applied_on(application.applied_on),
            )
        )
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("interviews-tab").label = Content(f"Interviews ({len(self.interviews)})")

        listing = self.query_one(InterviewList)
        highlighted = listing.highlighted_child
        keep = highlighted.interview.id if isinstance(highlighted, InterviewCard) else None
        await listing.clear()
        now = self.app.workspace.clock.now()
        cards = []
        for interview in self.interviews:
            provider = interview.video_provider
            name = video_provider_name(self.app.workspace, provider) if provider else ""
            cards.append(InterviewCard(interview, interview_content(interview, glyphs, now, name)))
        await listing.extend(cards)
        ids = [interview.id for interview in self.interviews]
        listing.index = ids.index(keep) if keep in ids else (0 if ids else None)
        listing.display = bool(self.interviews)

        empty = self.query_one("#no-interviews", Static)
        empty.display = not self.interviews
        empty.update("No interviews yet.")
        legend = self.query_one("#interviews-legend", Static)
        not_integrated = any(
            not p.calendar_integrated for i in self.interviews for p in i.participants
        )
        legend.display = not_integrated
        legend.update(
            Content.assemble(
                (glyphs.warning, "bold $text-warning"),
                " calendar not integrated",
            )
        )

    @property
    def current_interview(self) -> InterviewSummary | None:
        highlighted = self.query_one(InterviewList).highlighted_child
        return highlighted.interview if isinstance(highlighted, InterviewCard) else None

    # ----------------------------------------------------------------- actions

    def action_back(self) -> None:
        self.dismiss()

    async def action_reload(self) -> None:
        workspace = self.app.workspace
        try:
            application = get_application(workspace, self.application.id)
            interviews = interviews_for_application(workspace, self.application.id)
        except PanelistError as error:
            self.app.report_error(error)
            return
        self.application, self.interviews = application, interviews
        await self._show()

    def action_copy_link(self) -> None:
        interview = self.current_interview
        if interview is None or not interview.video_link:
            self.notify("This interview has no video link.", severity="warning")
            return
        self.app.copy_to_clipboard(interview.video_link)
        self.notify(f"Copied {interview.video_link}")
