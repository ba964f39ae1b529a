"""The composer for the candidate's mail of a change (issue 17, item 2): the new time of a
reschedule and the cancellation, shown before the change is made.

Core drafts the mail of the change not made yet (`SchedulingService.draft_move_mail`, or
`draft_candidate_mail(..., "candidate_cancellation")`): the template by purpose and
language, the times as they will be, the .ics named with what it does. Ctrl+s hands the
text back as a `MailEdit` (refused at once, as one line, when it could not be sent) and
the screen that opened it makes the change with it, so exactly that text goes, once;
escape changes nothing.

Imported lazily, as the composer is: it is not part of the first frame.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Static

from panelist.errors import ValidationError
from panelist.scheduling import MailDraft, MailEdit
from panelist_tui.screens.composer import ComposerScreen

Drafter = Callable[[int | None, str | None], MailDraft]
"""Core's draft of the change's mail for a template id and a language (None: the default)."""

TITLES = {
    "candidate_reschedule": "Reschedule: the candidate's new time",
    "candidate_cancellation": "Cancel: the candidate's cancellation",
}
HINTS = {
    "candidate_reschedule": "ctrl+s moves the interview and sends this; escape changes nothing.",
    "candidate_cancellation": "ctrl+s cancels the interview and sends this; escape keeps it.",
}
WHAT_THE_ICS_DOES = {
    "REQUEST": "the new time, replacing the candidate's event",
    "CANCEL": "cancels the candidate's event",
}


class ChangeComposerScreen(ComposerScreen):
    """Dismissed with True when ctrl+s accepted the text (then `edit` holds it, for the
    opener to reschedule or cancel with), False on escape: nothing changed, nothing sent."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", tooltip="Back: nothing is changed or sent"),
        Binding("ctrl+s", "send", "Send", tooltip="Make the change and send this text"),
    ]

    def __init__(self, interview_id: int, purpose: str, drafter: Drafter | None = None) -> None:
        super().__init__(interview_id, purpose)
        self.drafter = drafter
        self.edit: MailEdit | None = None

    def _load(self, template_id: int | None = None, language: str | None = None) -> None:
        # Here, not in on_mount: Textual calls the composer's on_mount too, after this one's.
        self.title = TITLES.get(self.purpose, "Message")
        super()._load(template_id, language)

    def _make_draft(self, template_id: int | None, language: str | None) -> MailDraft:
        if self.drafter is not None:
            return self.drafter(template_id, language)
        return super()._make_draft(template_id, language)

    def _show(self, draft: MailDraft) -> None:
        super()._show(draft)
        if draft.attachment and draft.ics_method in WHAT_THE_ICS_DOES:
            what = WHAT_THE_ICS_DOES[draft.ics_method]
            self.query_one("#composer-attachment", Static).update(f"{draft.attachment} ({what})")
        self._say(HINTS.get(self.purpose, "ctrl+s makes the change and sends this."))

    def _send(self, draft: MailDraft, subject: str, text: str) -> None:  # type: ignore[override]
        """Not sent here: the text goes back to the opener, which makes the change with it."""
        try:
            self.edit = MailEdit(subject, text, draft.template.id or None)
        except ValidationError as error:  # core's rule, at once: stay and fix it
            self._say(str(error), error=True)
            return
        self.dismiss(True)
