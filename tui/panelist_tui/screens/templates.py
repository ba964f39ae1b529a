"""Settings → Message templates (issue 17, item 1): per purpose and language, the
placeholders of the purpose listed, a live preview for a chosen application in the
candidate's zone, and a save that core refuses, in one line naming the line, when the
template does not render.

Core decides everything (`panelist.services.templates`: Configure right, validation,
the preview's data and zone); this screen shows what core returns. Imported lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from panelist.errors import PanelistError, ValidationError
from panelist.mail.templates import PURPOSES, MessageTemplate, placeholders_for, purpose_words
from panelist.services.applications import list_applications
from panelist.services.templates import list_templates, preview_template, save_template
from panelist_tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from panelist_tui.app import PanelistApp

PREVIEW_DELAY_S = 0.15
"""Typing waits this long before the preview renders again."""
NEW = "new"
SHORT = {
    "candidate_invitation": "invitation",
    "candidate_reschedule": "new time",
    "candidate_cancellation": "cancellation",
    "interviewer_cancellation": "cancellation, team",
    "evaluation_reminder": "form reminder",
    "decline_notice": "decline notice",
    "scheduling_link": "scheduling link",
}
"""The purpose under each name in the narrow list; the form names it in full."""
HINT = "ctrl+s saves; it is refused unless it renders."


class TemplatesScreen(Screen[None]):
    """The company's templates on the left, the chosen one's form and preview on the right."""

    app: PanelistApp

    DEFAULT_CSS = """
    TemplatesScreen #templates-list {
        width: 26;
        height: 1fr;
        border-right: vkey $panel;
    }
    TemplatesScreen #templates-form {
        width: 1fr;
        height: 1fr;
        padding: 0 1;
    }
    TemplatesScreen .templates-row {
        height: 1;
    }
    TemplatesScreen .templates-label {
        width: 10;
        color: $text-muted;
    }
    TemplatesScreen .templates-row Input, TemplatesScreen .templates-row Select {
        width: 1fr;
    }
    TemplatesScreen #templates-language {
        width: 8;
    }
    TemplatesScreen #templates-body {
        height: 7;
        min-height: 4;
    }
    TemplatesScreen #templates-placeholders, TemplatesScreen #templates-preview-zone {
        height: auto;
        color: $text-muted;
    }
    TemplatesScreen #templates-preview-box {
        height: auto;
    }
    TemplatesScreen #templates-preview {
        height: auto;
        padding: 0 1;
        background: $boost;
    }
    TemplatesScreen #templates-status {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    TemplatesScreen #templates-status.-error {
        color: $text-error;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the applications"),
        Binding("ctrl+s", "save", "Save", tooltip="Save the template (refused unless it renders)"),
        Binding("ctrl+n", "new", "New", tooltip="A new template"),
    ]

    def __init__(self) -> None:
        super().__init__(id="templates-screen")
        self.templates: list[MessageTemplate] = []
        self.editing: MessageTemplate | None = None
        self._timer: Timer | None = None

    # ----------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield Header(icon=self.app.glyphs.app_icon)
        with Horizontal():
            yield OptionList(id="templates-list")
            with VerticalScroll(id="templates-form"):
                with Horizontal(classes="templates-row"):
                    yield Label("Name", classes="templates-label")
                    yield Input(id="templates-name", compact=True)
                with Horizontal(classes="templates-row"):
                    yield Label("Purpose", classes="templates-label")
                    yield Select[str](
                        [(purpose_words(p), p) for p in PURPOSES],
                        id="templates-purpose",
                        allow_blank=False,
                        compact=True,
                    )
                    yield Input("en", id="templates-language", compact=True, max_length=6)
                with Horizontal(classes="templates-row"):
                    yield Label("Subject", classes="templates-label")
                    yield Input(id="templates-subject", compact=True)
                yield TextArea(id="templates-body", soft_wrap=True)
                with Horizontal(classes="templates-row"):
                    yield Label("Preview", classes="templates-label")
                    yield Select[int]([], id="templates-application", compact=True)
                with Vertical(id="templates-preview-box"):
                    yield Static(id="templates-preview-zone")
                    yield Static(id="templates-preview")
                yield Static(id="templates-placeholders")
        yield Static(id="templates-status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.title = "Message templates"
        try:
            applications = list_applications(self.app.workspace)
        except PanelistError as error:
            self.app.report_error(error)
            applications = []
        picker = self.query_one("#templates-application", Select)
        picker.set_options((f"{a.candidate_name} · {a.job_title}", a.id) for a in applications)
        with_interviews = [a for a in applications if a.interview_count]
        if applications:
            picker.value = (with_interviews or applications)[0].id
        self._say(HINT)
        self._reload()
        self.query_one("#templates-list", OptionList).focus()

    # ----------------------------------------------------------------- the list

    def _reload(self, select: int | None = None) -> None:
        try:
            self.templates = list_templates(self.app.workspace)
        except PanelistError as error:
            self.app.report_error(error)
            self.templates = []
        listing = self.query_one("#templates-list", OptionList)
        listing.clear_options()
        listing.add_options(
            [
                Option(
                    Content.assemble(
                        t.name, "\n", (f"  {SHORT.get(t.purpose, t.purpose)} · {t.language}", "dim")
                    ),
                    id=str(t.id),
                )
                for t in self.templates
            ]
            + [Option("+ New template", id=NEW)]
        )
        ids = [t.id for t in self.templates]
        index = ids.index(select) if select in ids else 0
        listing.highlighted = index
        self._edit(self.templates[index] if self.templates else None)

    @on(OptionList.OptionHighlighted, "#templates-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        chosen = next((t for t in self.templates if str(t.id) == event.option.id), None)
        if chosen is not self.editing:
            self._edit(chosen)

    @on(OptionList.OptionSelected, "#templates-list")
    def _selected(self) -> None:
        self.query_one("#templates-name", Input).focus()

    def _edit(self, template: MessageTemplate | None) -> None:
        self.editing = template
        self.query_one("#templates-name", Input).value = template.name if template else ""
        purpose = template.purpose if template else "candidate_invitation"
        self.query_one("#templates-purpose", Select).value = purpose
        self.query_one("#templates-language", Input).value = template.language if template else "en"
        self.query_one("#templates-subject", Input).value = template.subject if template else ""
        self.query_one("#templates-body", TextArea).load_text(template.body if template else "")
        self._show_placeholders(purpose)
        self._preview()

    # ----------------------------------------------------------------- live preview

    def _show_placeholders(self, purpose: str) -> None:
        names = ", ".join(name for name, _ in placeholders_for(purpose))
        self.query_one("#templates-placeholders", Static).update(
            Content.assemble(("Placeholders ", "bold"), "{{ … }} of ", names)
        )

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | TextArea.Changed | Select.Changed) -> None:
        purpose = isinstance(event, Select.Changed) and event.select.id == "templates-purpose"
        if purpose and isinstance(event.value, str):
            self._show_placeholders(event.value)
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(PREVIEW_DELAY_S, self._preview)

    def _form(self) -> tuple[str, str, str, str, str]:
        purpose = self.query_one("#templates-purpose", Select).value
        return (
            self.query_one("#templates-name", Input).value,
            purpose if isinstance(purpose, str) else "candidate_invitation",
            self.query_one("#templates-subject", Input).value,
            self.query_one("#templates-body", TextArea).text,
            self.query_one("#templates-language", Input).value,
        )

    def _application(self) -> int | None:
        value = self.query_one("#templates-application", Select).value
        return value if isinstance(value, int) else None

    def _preview(self) -> None:
        self._timer = None
        _, purpose, subject, body, _ = self._form()
        application_id = self._application()
        preview = self.query_one("#templates-preview", Static)
        zone = self.query_one("#templates-preview-zone", Static)
        if application_id is None or not (subject.strip() and body.strip()):
            zone.update("Nothing to preview yet: write a subject and a text.")
            preview.update("")
            return
        try:
            shown = preview_template(self.app.workspace, purpose, subject, body, application_id)
        except PanelistError as error:
            zone.update("The preview does not render:")
            preview.update("")
            self._say(str(error), error=True)
            return
        zone.update(f"As the candidate reads it, in {shown.zone}, for {shown.interview}:")
        preview.update(
            Content.assemble((shown.message.subject, "bold"), "\n\n", shown.message.text.rstrip())
        )
        if self.query_one("#templates-status", Static).has_class("-error"):
            self._say(HINT)

    def _say(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#templates-status", Static)
        status.update(Content(text))
        status.set_class(error, "-error")

    # ----------------------------------------------------------------- actions

    def action_back(self) -> None:
        self.dismiss()

    def action_new(self) -> None:
        self.query_one("#templates-list", OptionList).highlighted = len(self.templates)
        self._edit(None)
        self.query_one("#templates-name", Input).focus()

    def action_save(self) -> None:
        name, purpose, subject, body, language = self._form()
        try:
            template_id = save_template(
                self.app.workspace,
                name,
                purpose,
                subject,
                body,
                language,
                application_id=self._application(),
                template_id=self.editing.id if self.editing else None,
            )
        except ValidationError as error:
            self._say(str(error), error=True)
            return
        except PanelistError as error:
            self.app.report_error(error)
            return
        self._reload(select=template_id)
        self._say(f"Saved {name.strip()!r}.")
