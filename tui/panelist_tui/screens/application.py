"""One application: who, which job, which stage, and its interviews (SPEC §2.1, §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Static, TabbedContent, TabPane

from panelist.errors import PanelistError
from panelist.models import ApplicationSummary, InterviewStatus, InterviewSummary
from panelist.services.applications import get_application
from panelist.services.interview_form import candidate_timezone
from panelist.services.interviews import interviews_for_application
from panelist.services.session import video_provider_name
from panelist_tui.formatting import applied_on, time_span
from panelist_tui.screens.confirm import ConfirmScreen
from panelist_tui.widgets.footer import KeysFooter
from panelist_tui.widgets.interviews import (
    PENCIL,
    PENCIL_ASCII,
    RETRY_KEY,
    WITHDRAW_KEY,
    InterviewCard,
    InterviewList,
    LinkCard,
    interview_content,
    link_content,
)

if TYPE_CHECKING:
    from panelist.scheduling.links import LinkSummary
    from panelist_tui.app import PanelistApp


class ApplicationScreen(Screen[None]):
    """Opened from the list with Enter; Escape goes back."""

    app: PanelistApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the applications"),
        Binding("n", "new_interview", "New", tooltip="New interview"),
        Binding("e", "edit_interview", "Edit", tooltip="Edit (reschedule) the interview"),
        Binding("x", "cancel_interview", "Cancel", tooltip="Cancel the interview"),
        Binding("m", "mail_candidate", "Mail", tooltip="Mail the invitation to the candidate"),
        Binding(
            "M",
            "message_candidate",
            "Message",
            show=False,
            tooltip="Write the candidate a message",
        ),
        Binding(
            RETRY_KEY,
            "retry_mail",
            "Retry",
            tooltip="Send the interview's unsent mails again",
        ),
        Binding(
            "r",
            "refresh_responses",
            "Responses",
            show=False,
            tooltip="Read the interviewers' answers from their calendars",
        ),
        Binding("y", "copy_link", "Link", tooltip="Copy the video link to the clipboard"),
        Binding(
            "l",
            "send_link",
            "Sched. link",
            show=False,
            tooltip="Send a scheduling link: the candidate picks the time",
        ),
        Binding(
            WITHDRAW_KEY,
            "withdraw_link",
            "Withdraw",
            tooltip="Withdraw the highlighted scheduling link",
        ),
        Binding("f5,ctrl+r", "reload", "Refresh", show=False, tooltip="Read it again"),
    ]

    def __init__(self, application: ApplicationSummary, interviews: list[InterviewSummary]) -> None:
        super().__init__(id="application-screen")
        self.application = application
        self.interviews = interviews
        self.candidate_zone: str | None = None
        self.links: list[LinkSummary] = []

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
        yield KeysFooter()

    async def on_mount(self) -> None:
        try:
            self.candidate_zone = candidate_timezone(self.app.workspace, self.application.id)
        except PanelistError as error:
            self.app.report_error(error)
        self.links = self._read_links()
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
        keep: Any = highlighted.interview.id if isinstance(highlighted, InterviewCard) else None
        if isinstance(highlighted, LinkCard):
            keep = ("link", highlighted.link.id)
        await listing.clear()
        now = self.app.workspace.clock.now()
        cards: list[InterviewCard | LinkCard] = [
            LinkCard(link, link_content(link, glyphs, now)) for link in self.links
        ]
        for interview in self.interviews:
            provider = interview.video_provider
            name = video_provider_name(self.app.workspace, provider) if provider else ""
            editable = interview.status is InterviewStatus.SCHEDULED
            pencil = (PENCIL_ASCII if self.app.ascii else PENCIL) if editable else ""
            content = interview_content(interview, glyphs, now, name, self.candidate_zone, pencil)
            cards.append(InterviewCard(interview, content))
        await listing.extend(cards)
        ids: list[Any] = [("link", link.id) for link in self.links]
        ids += [interview.id for interview in self.interviews]
        listing.index = ids.index(keep) if keep in ids else (0 if ids else None)
        listing.display = bool(ids)
        self.refresh_bindings()  # Retry follows the highlighted interview's mails

        empty = self.query_one("#no-interviews", Static)
        empty.display = not ids
        empty.update("No interviews yet: n plans one, l sends a scheduling link.")
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

    @property
    def current_link(self) -> LinkSummary | None:
        highlighted = self.query_one(InterviewList).highlighted_child
        return highlighted.link if isinstance(highlighted, LinkCard) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Retry is in the footer only while the highlighted interview has an unsent mail,
        Withdraw while a scheduling link that still works is highlighted."""
        if action == "retry_mail":
            interview = self.current_interview if self.is_mounted else None
            return interview is not None and bool(interview.unsent_mails)
        if action == "withdraw_link":
            link = self.current_link if self.is_mounted else None
            return link is not None and link.open
        return True

    def on_list_view_highlighted(self) -> None:
        self.refresh_bindings()

    # ----------------------------------------------------------------- actions

    def action_back(self) -> None:
        self.dismiss()

    async def action_reload(self, select: int | None = None) -> None:
        workspace = self.app.workspace
        try:
            application = get_application(workspace, self.application.id)
            interviews = interviews_for_application(workspace, self.application.id)
        except PanelistError as error:
            self.app.report_error(error)
            return
        self.application, self.interviews = application, interviews
        self.links = self._read_links()
        await self._show()
        if select is not None:
            ids = [interview.id for interview in interviews]
            if select in ids:
                self.query_one(InterviewList).index = ids.index(select)

    def _read_links(self) -> list[LinkSummary]:
        try:
            return self.app.scheduling_links(mail=False).links_for_application(self.application.id)
        except PanelistError as error:
            self.app.report_error(error)
            return []

    # ----------------------------------------------------------------- scheduling links

    def action_send_link(self) -> None:
        from panelist_tui.screens.link_form import LinkFormScreen  # lazy: start-up cost

        async def closed(link_id: int | None) -> None:
            await self.action_reload()
            if link_id is not None:
                listing = self.query_one(InterviewList)
                ids = [c.link.id if isinstance(c, LinkCard) else None for c in listing.children]
                if link_id in ids:
                    listing.index = ids.index(link_id)
            self.query_one(InterviewList).focus()

        self.app.push_screen(LinkFormScreen(self.application.id), closed)

    def action_withdraw_link(self) -> None:
        link = self.current_link
        if link is None or not link.open:
            self.notify("No scheduling link to withdraw here.", severity="warning")
            return
        question = Content.assemble(
            "Withdraw the scheduling link sent to ",
            (self.application.candidate_name, "bold"),
            "?\n\nThe link stops working at once",
            "; the interview booked through it stays (x cancels it)."
            if link.interview_id is not None
            else ".",
        )

        async def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.app.scheduling_links(mail=False).withdraw(link.id)
            except PanelistError as error:
                self.app.report_error(error)
            else:
                self.notify("Scheduling link withdrawn.")
            await self.action_reload()

        self.app.push_screen(
            ConfirmScreen("Withdraw scheduling link", question, "Withdraw", "Keep it"), answered
        )

    def action_copy_link(self) -> None:
        interview = self.current_interview
        if interview is None or not interview.video_link:
            self.notify("This interview has no video link.", severity="warning")
            return
        self.app.copy_to_clipboard(interview.video_link)
        self.notify(f"Copied {interview.video_link}")

    # ----------------------------------------------------------------- scheduling

    def _open_interview(self, verb: str) -> InterviewSummary | None:
        """The highlighted interview when it is still scheduled (core's status), else a hint."""
        interview = self.current_interview
        if interview is None:
            self.notify(f"No interview to {verb}: press n for a new one.", severity="warning")
            return None
        if interview.status is not InterviewStatus.SCHEDULED:
            label = interview.status.label.lower()
            self.notify(f"This interview is {label}: nothing to {verb}.", severity="warning")
            return None
        return interview

    def action_new_interview(self) -> None:
        from panelist_tui.screens.interview_form import InterviewFormScreen  # lazy: start-up cost

        self.app.push_screen(InterviewFormScreen(self.application.id), self._form_closed)

    def action_edit_interview(self) -> None:
        interview = self._open_interview("edit")
        if interview is not None:
            from panelist_tui.screens.interview_form import InterviewFormScreen

            screen = InterviewFormScreen(self.application.id, interview.id)
            self.app.push_screen(screen, self._form_closed)

    async def _form_closed(self, interview_id: int | None) -> None:
        await self.action_reload(select=interview_id)
        self.query_one(InterviewList).focus()

    def action_cancel_interview(self) -> None:
        interview = self._open_interview("cancel")
        if interview is None:
            return
        glyphs = self.app.glyphs
        when = time_span(
            interview.start,
            interview.end,
            interview.timezone,
            self.app.workspace.clock.now(),
            glyphs,
        )
        question = Content.assemble(
            "Cancel ",
            (interview.type_name, "bold"),
            f" with {self.application.candidate_name}?\n",
            (when, "$text-muted"),
            "\n\nEvery calendar event and the room booking are removed, the video meeting is"
            " deleted, and the interviewers and the candidate get a cancellation.",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._cancel(interview.id)

        self.app.push_screen(
            ConfirmScreen("Cancel interview", question, "Cancel interview", "Keep it"), answered
        )

    def action_mail_candidate(self) -> None:
        interview = self._open_interview("mail")
        if interview is not None:
            self._open_composer(interview.id, "candidate_invitation")

    def action_message_candidate(self) -> None:
        interview = self._open_interview("write about")
        if interview is not None:
            self._open_composer(interview.id, "candidate_message")

    def _open_composer(self, interview_id: int, purpose: str) -> None:
        """The composer: core's draft, edited, then sent exactly as shown (issue 17)."""
        from panelist_tui.screens.composer import ComposerScreen  # lazy: start-up cost

        async def closed(sent: bool | None) -> None:
            if sent:
                what = "Invitation" if purpose == "candidate_invitation" else "Message"
                self.notify(f"{what} mailed to {self.application.candidate_email}")
            await self.action_reload(select=interview_id)
            self.query_one(InterviewList).focus()

        self.app.push_screen(ComposerScreen(interview_id, purpose), closed)

    def action_retry_mail(self) -> None:
        interview = self.current_interview
        if interview is None or not interview.unsent_mails:
            self.notify("This interview has no unsent mail.", severity="warning")
            return
        self._retry_mail(interview.id)

    def _busy(self, busy: bool) -> None:
        self.query_one(InterviewList).loading = busy

    def action_refresh_responses(self) -> None:
        ids = [i.id for i in self.interviews if i.status is InterviewStatus.SCHEDULED]
        if not ids:
            self.notify("No scheduled interview to ask about.", severity="warning")
            return
        self._refresh_responses(ids)

    @work(exclusive=True, group="interview-actions")
    async def _refresh_responses(self, interview_ids: list[int]) -> None:
        self._busy(True)
        failed = False
        try:
            service = self.app.scheduling_service()
            for interview_id in interview_ids:
                try:
                    await service.refresh_responses(interview_id)
                except PanelistError as error:
                    failed = True
                    self.app.report_error(error)
        except PanelistError as error:
            failed = True
            self.app.report_error(error)
        finally:
            self._busy(False)
        if not failed:
            self.notify("Responses read from the calendars.")
        await self.action_reload()

    @work(exclusive=True, group="interview-actions")
    async def _cancel(self, interview_id: int) -> None:
        self._busy(True)
        try:
            await self.app.scheduling_service().cancel(interview_id)
        except PanelistError as error:
            self.app.report_error(error)
        else:
            self.notify("Interview cancelled; everyone is told.")
        finally:
            self._busy(False)
        await self.action_reload(select=interview_id)

    @work(exclusive=True, group="interview-actions")
    async def _retry_mail(self, interview_id: int) -> None:
        self._busy(True)
        try:
            await self.app.scheduling_service().retry_mails(interview_id)
        except PanelistError as error:
            self.app.report_error(error)
        else:
            self.notify("The unsent mails went out.")
        finally:
            self._busy(False)
        await self.action_reload(select=interview_id)
