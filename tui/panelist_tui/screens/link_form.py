"""Send scheduling link (issue 18): the candidate picks the time from a page.

The form is the interview form's type, organiser, participants, room and method, with a
window of days (default the next 14, at most 35), how many options at most, an expiry and
until when the candidate may still change it, in place of a date and time. Core checks it
(`SchedulingLinks.check`, shown inline), makes the link (`create`), and the composer shows
the mail with the link (`draft_mail`, `send`). A link whose mail is not sent is withdrawn
when the composer closes: its token exists nowhere else.

Imported lazily by the application screen: it is not part of the first frame.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import (
    Button,
    Header,
    Input,
    Label,
    LoadingIndicator,
    Select,
    Static,
)

from panelist.errors import PanelistError, ValidationError
from panelist.models import Method
from panelist.scheduling import CreatedLink, LinkRequest, ParticipantRequest
from panelist_tui.screens.interview_form import DATE_HINT, InterviewFormScreen
from panelist_tui.widgets.footer import KeysFooter

ANY_ROOM = -1
"""The room select's value for "any free room with a seat for everyone"."""
DEFAULT_WINDOW_DAYS = 14
MAX_WINDOW_DAYS = 35
DEFAULT_OPTIONS = 12
DEFAULT_EXPIRY_DAYS = 7
DEFAULT_CHANGE_HOURS = 24

LINK_ERROR_TARGETS = {
    "type": "type",
    "organiser": "organiser",
    "participants": "participants",
    "room": "room",
    "method": "video",
    "video_host": "video",
    "video_provider": "video",
    "minutes": "window",
    "window": "window",
    "window_days": "window",
    "max_options": "options",
    "change_until_hours": "options",
    "expires_at": "expiry",
}
"""Which error line shows a `ValidationError` of a given field."""


class LinkFormScreen(InterviewFormScreen):
    """Dismissed with the link's id once its mail went, None otherwise."""

    DEFAULT_CSS = """
    LinkFormScreen #link-preview {
        height: auto;
        padding: 0 0 0 13;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", tooltip="Leave without sending a link"),
        Binding("ctrl+s", "invite", "Compose", tooltip="Make the link and write its mail"),
        Binding(
            "ctrl+r",
            "check_host",
            "Check host",
            tooltip="Ask the video providers again whether the host may host",
        ),
    ]

    def __init__(self, application_id: int) -> None:
        super().__init__(application_id)
        self.link_id: int | None = None
        self._rooms_offered = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No calendar here: the candidate chooses the time."""
        return action != "find_time"

    # ----------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield Header(icon=self.app.glyphs.app_icon)
        yield Static(id="form-title")
        with VerticalScroll(id="form-body"):
            yield from self._who_rows()
            with Horizontal(classes="form-row"):
                yield Label("Window", classes="form-label")
                yield Input(
                    placeholder=DATE_HINT, id="window-start", max_length=10, classes="date",
                    compact=True,
                )  # fmt: skip
                yield Label("for", classes="form-hint")
                yield Input(
                    str(DEFAULT_WINDOW_DAYS), id="window-days", max_length=2, classes="hours",
                    compact=True,
                )  # fmt: skip
                yield Label(f"days (max {MAX_WINDOW_DAYS}),", classes="form-hint")
                yield Input("60", id="minutes", max_length=3, classes="hours", compact=True)
                yield Label("min", classes="form-hint")
            yield Static(classes="form-error", id="window-error")
            with Horizontal(classes="form-row"):
                yield Label("Options", classes="form-label")
                yield Input(
                    str(DEFAULT_OPTIONS), id="max-options", max_length=2, classes="hours",
                    compact=True,
                )  # fmt: skip
                yield Label("at most; changes until", classes="form-hint")
                yield Input(
                    str(DEFAULT_CHANGE_HOURS), id="change-hours", max_length=3, classes="hours",
                    compact=True,
                )  # fmt: skip
                yield Label("h before", classes="form-hint")
            yield Static(classes="form-error", id="options-error")
            with Horizontal(classes="form-row"):
                yield Label("Expires", classes="form-label")
                yield Input(
                    placeholder=DATE_HINT, id="expires", max_length=10, classes="date",
                    compact=True,
                )  # fmt: skip
                yield Label(id="expires-hint", classes="form-hint")
            yield Static(classes="form-error", id="expiry-error")
            yield from self._how_rows()
            yield Static(id="link-preview")
            yield Static(classes="form-error", id="general-error")
            # The interview form's time and evaluation fields, which its handlers (inherited)
            # look for; a link has none of them, so they stay hidden.
            with Vertical(id="link-unused"):
                yield Input(id="date")
                yield Input(id="start")
                yield Input(id="end")
                yield Label(id="zone")
                yield Static(id="zone-hint")
                yield Button(id="find-time")
                yield Select[int]([], id="evaluation")
                yield Input(id="reminder-hours")
                yield Input(id="notes")
        with Horizontal(id="form-actions"):
            yield LoadingIndicator(id="form-busy")
            yield Static(id="form-status")
            yield Button("Retry", id="retry", variant="warning", compact=True)
            yield Button("Write the mail", id="invite", variant="primary", compact=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        """Runs before the interview form's own (which loads the choices and checks)."""
        self.query_one("#link-unused").display = False
        today = self.app.workspace.clock.now().astimezone(ZoneInfo(self.zone_name)).date()
        self._input("#window-start").value = today.isoformat()
        expiry = today + timedelta(days=DEFAULT_EXPIRY_DAYS)
        self._input("#expires").value = expiry.isoformat()

    def _refresh_title(self) -> None:
        choices = self.choices
        if choices is None:
            return
        who = f"{choices.candidate_name} {self.app.glyphs.separator} {choices.job_title}"
        title = Content.assemble(("Send scheduling link", "bold"), "  ", who)
        self.query_one("#form-title", Static).update(title)

    # ----------------------------------------------------------------- the request

    @on(Select.Changed, "#type")
    def _link_type_changed(self, event: Select.Changed) -> None:
        kind = (
            next((t for t in self.choices.types if t.id == event.value), None)
            if (self.choices)
            else None
        )
        if kind is not None:
            with self.prevent(Input.Changed):
                self._input("#minutes").value = str(kind.duration_minutes)
        self.validate_form()

    @on(Input.Changed, "#window-start, #window-days, #minutes, #max-options")
    @on(Input.Changed, "#change-hours, #expires")
    def _link_field_changed(self) -> None:
        self.validate_form()

    def _number(self, selector: str, what: str, mistakes: list[str]) -> int | None:
        raw = self._input(selector).value.strip()
        if not raw.isdigit():
            mistakes.append(f"{what}: a whole number")
            return None
        return int(raw)

    def _day(self, selector: str, what: str, mistakes: list[str]) -> date | None:
        raw = self._input(selector).value.strip()
        try:
            return date.fromisoformat(raw)
        except ValueError:
            mistakes.append(f"{what}: a date like {DATE_HINT}")
            return None

    def build_link(self) -> tuple[LinkRequest | None, dict[str, list[str]]]:
        """The link the form describes, or the typing mistakes that keep it from being one."""
        mistakes: dict[str, list[str]] = {}
        window: list[str] = []
        first = self._day("#window-start", "window start", window)
        days = self._number("#window-days", "days", window)
        minutes = self._number("#minutes", "minutes", window)
        options: list[str] = []
        most = self._number("#max-options", "options", options)
        hours = self._number("#change-hours", "hours before", options)
        expiry: list[str] = []
        expires_day = self._day("#expires", "expiry", expiry)
        for target, found in (("window", window), ("options", options), ("expiry", expiry)):
            if found:
                mistakes[target] = found
        organiser = self._value("#organiser")
        if organiser is None:
            mistakes.setdefault("organiser", []).append("choose the organiser")
        if (
            mistakes
            or first is None
            or days is None
            or minutes is None
            or most is None
            or hours is None
            or expires_day is None
            or not isinstance(organiser, int)
        ):
            return None, mistakes
        # The link works until the end of its expiry day, in the organiser's zone.
        zone = ZoneInfo(self.zone_name)
        expires_at = datetime.combine(expires_day + timedelta(days=1), time(0), zone)
        self.query_one("#expires-hint", Label).update(f"end of that day ({self.zone_name})")
        method = self._value("#method") or Method.IN_PERSON
        video = method is Method.VIDEO
        room = self._value("#room")
        seats = len(self.rows) + 1 if room == ANY_ROOM else None
        request = LinkRequest(
            application_id=self.application_id,
            type_id=self._value("#type"),
            organiser_id=organiser,
            participants=tuple(ParticipantRequest(row.person.id, row.role_id) for row in self.rows),
            room_id=room if isinstance(room, int) and room != ANY_ROOM else None,
            room_seats=seats,
            method=method,
            video_provider=self._value("#provider") if video else None,
            video_host_id=self._value("#host") if video else None,
            minutes=minutes,
            window_start=first,
            window_days=days,
            max_options=most,
            change_until_hours=hours,
            expires_at=expires_at,
        )
        return request, {}

    def validate_form(self) -> bool:
        """Show every problem next to its field; True when the link may be made."""
        if self.choices is None:
            return False
        if not self._rooms_offered:  # once, after the interview form set its choices
            self._rooms_offered = True
            options = [(f"{r.name} ({r.capacity})", r.id) for r in self.choices.rooms]
            with self.prevent(Select.Changed):
                self._select("#room").set_options(
                    [("Any free room with a seat for everyone", ANY_ROOM), *options]
                )
        request, errors = self.build_link()
        if request is not None:
            try:
                problems = self.app.scheduling_links(mail=False).check(request)
            except PanelistError as error:
                problems = [ValidationError(str(error))]
            for problem in problems:
                target = LINK_ERROR_TARGETS.get(problem.field or "", "general")
                errors.setdefault(target, []).append(str(problem))
        self.errors = errors
        for target in {*LINK_ERROR_TARGETS.values(), "general"}:
            self._show_errors_for(target, errors.get(target, []))
        self._refresh_invite()
        self._preview(request if not errors else None)
        return not errors

    @work(exclusive=True, group="link-preview")
    async def _preview(self, request: LinkRequest | None) -> None:
        """What the candidate would be offered now: how many times, and the first."""
        line = self.query_one("#link-preview", Static)
        if request is None:
            line.display = False
            return
        try:
            offered = await self.app.scheduling_links(mail=False).preview(request)
        except PanelistError as error:
            line.update(Content(f"Could not look at the calendars: {error}"))
            line.display = True
            return
        if not offered:
            text = "No free time in the window now: widen it, or ask fewer people."
        else:
            first = offered[0][0].astimezone(ZoneInfo(self.zone_name))
            count = f"{len(offered)} time{'s' if len(offered) != 1 else ''}"
            text = f"The candidate would see {count} now, the first {first:%a %d %b %H:%M}."
        line.update(Content(text))
        line.display = True

    # ----------------------------------------------------------------- making it

    def action_invite(self) -> None:
        if self.busy:
            return
        if not self.validate_form():
            self.notify("Fix the marked fields first.", severity="warning")
            return
        request, _ = self.build_link()
        if request is not None:
            self._make(request)

    @work(exclusive=True, group="link-form")
    async def _make(self, request: LinkRequest) -> None:
        try:
            created = self.app.scheduling_links(mail=False).create(request)
        except PanelistError as error:
            self._failed(error)
            return
        self.link_id = created.link_id
        self._compose_mail(created)

    def _compose_mail(self, created: CreatedLink) -> None:
        from panelist_tui.screens.composer import ComposerScreen

        def closed(sent: bool | None) -> None:
            if sent:
                self.notify("Scheduling link mailed to the candidate.")
                self.dismiss(created.link_id)
                return
            # Its token is nowhere else: an unsent link could never be sent later.
            try:
                self.app.scheduling_links(mail=False).withdraw(created.link_id)
            except PanelistError as error:
                self.app.report_error(error)
            self.notify("The link was not sent, so it was withdrawn.", severity="warning")
            self.link_id = None

        screen = ComposerScreen(0, "scheduling_link", link=(created.link_id, created.token))
        self.app.push_screen(screen, closed)

    def action_close(self) -> None:
        if self.busy:
            self.notify("Still working; wait for it to finish.", severity="warning")
            return
        self.dismiss(self.link_id)
