"""The message composer (issue 17, item 2): Mail invitation and a free message to the candidate.

Core makes the draft (`SchedulingService.draft_candidate_mail`: the template chosen by
purpose and language, rendered for the interview in the candidate's zone, both times,
the attachment's name) and sends exactly the text shown here, edited or not
(`send_candidate_invitation` / `send_candidate_message`). The screen decides nothing:
a refused edit comes back from core as one line under the text.

Imported lazily by the application screen: it is not part of the first frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Input, Label, Select, Static, TextArea

from panelist.errors import PanelistError, ValidationError
from panelist.scheduling import MailDraft, SchedulingService
from panelist_tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from panelist_tui.app import PanelistApp

TITLES = {
    "candidate_invitation": "Mail invitation",
    "candidate_message": "Message to the candidate",
    "scheduling_link": "Send scheduling link",
}


class ComposerScreen(Screen[bool]):
    """Dismissed with True once the mail went, False when closed or when it did not go
    (then the error is reported, and a mail that failed shows on its interview's card)."""

    app: PanelistApp

    DEFAULT_CSS = """
    ComposerScreen #composer-head {
        height: auto;
        padding: 0 1;
    }
    ComposerScreen .composer-row {
        height: 1;
    }
    ComposerScreen .composer-label {
        width: 10;
        color: $text-muted;
    }
    ComposerScreen .composer-value {
        width: 1fr;
    }
    ComposerScreen #composer-pickers {
        height: 1;
        margin: 0 0 1 0;
    }
    ComposerScreen #composer-pickers Select {
        width: 1fr;
        margin: 0 1 0 0;
    }
    ComposerScreen #composer-pickers #composer-language {
        width: 16;
    }
    ComposerScreen #composer-subject {
        width: 1fr;
    }
    ComposerScreen #composer-body {
        height: 1fr;
        margin: 0 1;
    }
    ComposerScreen #composer-status {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    ComposerScreen #composer-status.-error {
        color: $text-error;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", tooltip="Close without sending"),
        Binding("ctrl+s", "send", "Send", tooltip="Send this text to the candidate"),
    ]

    def __init__(
        self,
        interview_id: int,
        purpose: str = "candidate_invitation",
        *,
        link: tuple[int, str] | None = None,
    ) -> None:
        """`link`: a scheduling link's id and token (issue 18), whose mail this writes
        (purpose scheduling_link; `interview_id` is then 0)."""
        super().__init__(id="composer-screen")
        self.interview_id = interview_id
        self.purpose = purpose
        self.link = link
        self.draft: MailDraft | None = None
        self._filling = False

    # ----------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield Header(icon=self.app.glyphs.app_icon)
        with Vertical(id="composer-head"):
            for name, label in (
                ("to", "To"),
                ("candidate-time", "Candidate"),
                ("organiser-time", "Organiser"),
                ("attachment", "Attached"),
            ):
                with Horizontal(classes="composer-row"):
                    yield Label(label, classes="composer-label", id=f"composer-{name}-label")
                    yield Static(id=f"composer-{name}", classes="composer-value")
            with Horizontal(id="composer-pickers"):
                yield Label("Template", classes="composer-label")
                yield Select[int]([], id="composer-template", prompt="template", compact=True)
                yield Select[str]([], id="composer-language", prompt="language", compact=True)
            with Horizontal(classes="composer-row"):
                yield Label("Subject", classes="composer-label")
                yield Input(id="composer-subject", compact=True, max_length=250)
        yield TextArea(id="composer-body", soft_wrap=True, show_line_numbers=False)
        yield Static(id="composer-status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.title = TITLES.get(self.purpose, "Message")
        self._load()
        self.query_one("#composer-body", TextArea).focus()

    # ----------------------------------------------------------------- the draft

    def _service(self) -> SchedulingService:
        return self.app.scheduling_service(mail=False)

    def _load(self, template_id: int | None = None, language: str | None = None) -> None:
        try:
            if self.link is not None:
                draft = self.app.scheduling_links(mail=False).draft_mail(
                    *self.link, template_id=template_id, language=language
                )
            else:
                draft = self._service().draft_candidate_mail(
                    self.interview_id, self.purpose, template_id=template_id, language=language
                )
        except PanelistError as error:
            self._say(str(error), error=True)
            return
        self._show(draft)

    def _show(self, draft: MailDraft) -> None:
        self.draft = draft
        self._filling = True  # the pickers' Changed messages below are ours, not the user's
        try:
            self.query_one("#composer-to", Static).update(draft.to)
            if draft.link_id is not None:  # no interview yet: the window the candidate sees
                self.query_one("#composer-candidate-time-label", Label).update("Window")
                self.query_one("#composer-organiser-time-label", Label).update("Yours")
            self.query_one("#composer-candidate-time", Static).update(draft.candidate_time)
            self.query_one("#composer-organiser-time", Static).update(draft.organiser_time)
            attachment = draft.attachment or "nothing (no calendar event)"
            self.query_one("#composer-attachment", Static).update(attachment)
            templates = self.query_one("#composer-template", Select)
            templates.set_options(
                (f"{t.name} ({t.language})", t.id)
                for t in draft.templates
                if t.language == draft.template.language
            )
            templates.value = draft.template.id
            languages = self.query_one("#composer-language", Select)
            languages.set_options((language, language) for language in draft.languages)
            languages.value = draft.template.language
            self.query_one("#composer-subject", Input).value = draft.subject
            body = self.query_one("#composer-body", TextArea)
            body.load_text(draft.text)
            sent = draft.sent_at is not None
            body.read_only = sent
            self.query_one("#composer-subject", Input).disabled = sent
            templates.disabled = languages.disabled = sent
        finally:
            self.call_after_refresh(self._done_filling)
        if draft.sent_at is not None:
            zone = self.app.workspace.user.timezone
            when = draft.sent_at.astimezone(ZoneInfo(zone))
            self._say(f"Sent {when:%d %b %H:%M} ({zone}): this text went out; it goes only once.")
        else:
            self._say("Edit the text; ctrl+s sends exactly this to the candidate.")
        if self.link is not None and draft.sent_at is None:
            self._say("Edit the text (keep the link in it); ctrl+s sends exactly this.")

    def _done_filling(self) -> None:
        self._filling = False

    @on(Select.Changed, "#composer-template")
    def _template_chosen(self, event: Select.Changed) -> None:
        if self._filling or self.draft is None or not isinstance(event.value, int):
            return
        if event.value != self.draft.template.id:
            self._load(template_id=event.value or None)

    @on(Select.Changed, "#composer-language")
    def _language_chosen(self, event: Select.Changed) -> None:
        if self._filling or self.draft is None or not isinstance(event.value, str):
            return
        if event.value != self.draft.template.language:
            self._load(language=event.value)

    def _say(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#composer-status", Static)
        status.update(Content(text))
        status.set_class(error, "-error")

    # ----------------------------------------------------------------- actions

    def action_close(self) -> None:
        self.dismiss(False)

    def action_send(self) -> None:
        draft = self.draft
        if draft is None:
            return
        if draft.sent_at is not None:
            self._say("This invitation went out already: nothing more is sent.", error=True)
            return
        subject = self.query_one("#composer-subject", Input).value
        text = self.query_one("#composer-body", TextArea).text
        self._send(draft, subject, text)

    @work(exclusive=True, group="composer")
    async def _send(self, draft: MailDraft, subject: str, text: str) -> None:
        self._say("Sending…")
        template_id = draft.template.id or None
        try:
            if self.link is not None:
                await self.app.scheduling_links().send(*self.link, subject, text)
                self.dismiss(True)
                return
            service = self.app.scheduling_service()
            if draft.purpose == "candidate_message":
                await service.send_candidate_message(draft.interview_id, subject, text, template_id)
            else:
                await service.send_candidate_invitation(
                    draft.interview_id, template_id, subject=subject, text=text
                )
        except ValidationError as error:  # an edit core refuses: stay and fix it
            self._say(str(error), error=True)
            return
        except PanelistError as error:  # not delivered (the card says why) or no transport
            if self.link is not None:  # only this screen holds the link's token: stay, retry
                self._say(f"{error} (ctrl+s tries again)", error=True)
                return
            self.app.report_error(error)
            self.dismiss(False)
            return
        self.dismiss(True)
